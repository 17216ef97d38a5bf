"""start_application: every rule is enforced by the service, whatever the page sent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from applicants.choices import LegalStructure
from grants import services
from grants.eligibility import Answers
from grants.models import Application, ApplicationStatus, MonitoringStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, MonitoringReturnFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

ANSWERS = Answers(
    amount=Decimal("4500"),
    project_start=date(2027, 4, 1),
    project_end=date(2028, 3, 31),
    based_in="leicestershire",
    serves_leicestershire=True,
)


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def round(db):
    programme = ProgrammeFactory(
        name="SHIRE Community Grants",
        eligible_legal_structures=[LegalStructure.REGISTERED_CHARITY, LegalStructure.CIO],
    )
    return RoundFactory(programme=programme, max_annual_income=Decimal("250000"))


def start(round, member, answers=ANSWERS):
    return services.start_application(
        round=round, organisation=member.organisation, actor=member.user, answers=answers
    )


def test_the_checkers_answers_are_kept_in_the_new_draft(round, member):
    application = start(round, member)
    assert application.status == ApplicationStatus.DRAFT
    assert application.amount_requested == Decimal("4500")
    assert application.project_start == date(2027, 4, 1)
    assert application.project_end == date(2028, 3, 31)
    assert application.based_in == "leicestershire"
    assert application.serves_leicestershire is True
    event = AuditEvent.objects.get(verb="application_started")
    assert event.actor == member.user and event.to_state == "draft"


@pytest.mark.parametrize("answers", [ANSWERS, None])
def test_profile_rules_are_enforced_with_or_without_answers(round, member, answers):
    member.organisation.annual_income = Decimal("312000")
    member.organisation.legal_structure = LegalStructure.FAITH_GROUP
    member.organisation.save()
    with pytest.raises(ValidationError) as refused:
        start(round, member, answers)
    assert refused.value.messages == [
        "Faith groups cannot apply to SHIRE Community Grants",
        "Your annual income of £312,000 is above this round's limit of £250,000",
    ]
    assert not Application.objects.exists()


def test_answers_that_break_a_rule_are_refused_by_the_service(round, member):
    answers = Answers(
        **{
            **ANSWERS.__dict__,
            "amount": Decimal("1"),
            "based_in": "rutland",
            "serves_leicestershire": False,
        }
    )
    with pytest.raises(ValidationError) as refused:
        start(round, member, answers)
    assert len(refused.value.messages) == 2
    assert not Application.objects.exists()


def test_an_overdue_return_stops_a_new_start(round, member):
    MonitoringReturnFactory(
        award__application__organisation=member.organisation,
        due=timezone.localdate() - timedelta(days=3),
        status=MonitoringStatus.DUE,
    )
    with pytest.raises(ValidationError) as refused:
        start(round, member)
    assert "monitoring return" in refused.value.messages[0]


def test_a_second_start_in_the_same_round_is_refused(round, member):
    start(round, member)
    with pytest.raises(ValidationError) as refused:
        start(round, member)
    assert "already has an application" in refused.value.messages[0]
    assert Application.objects.count() == 1


def test_a_viewer_cannot_start_an_application(round, member):
    viewer = MembershipFactory(organisation=member.organisation, role="viewer")
    with pytest.raises(PermissionDenied):
        start(round, viewer)


def test_submission_checks_the_rules_again(member):
    draft = ApplicationFactory(organisation=member.organisation, outcomes=["5.5"])
    MonitoringReturnFactory(
        award__application__organisation=member.organisation,
        award__application__reference="T-2025-00001",
        due=timezone.localdate() - timedelta(days=1),
        status=MonitoringStatus.DUE,
        period="First quarter",
    )
    with pytest.raises(ValidationError) as refused:
        services.submit_application(
            application=draft, actor=member.user, declaration_name="A Person"
        )
    assert refused.value.messages == [
        "Your first quarter monitoring return for grant T-2025-00001 was due on "
        f"{(timezone.localdate() - timedelta(days=1)):%-d %B %Y}: send it before you apply again"
    ]
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_an_application_does_not_count_against_itself_when_submitted(member):
    draft = ApplicationFactory(organisation=member.organisation, outcomes=["5.5"])
    application = services.submit_application(
        application=draft, actor=member.user, declaration_name="A Person"
    )
    assert application.status == ApplicationStatus.SUBMITTED
