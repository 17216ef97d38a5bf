"""Rules about applying: deadlines, completeness, double clicks and who may act."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import Application, ApplicationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(organisation=member.organisation, outcomes=["5.5"])


def test_submission_one_second_before_closing_is_accepted(draft, member):
    closes = draft.round.closes_at
    application = services.submit_application(
        application=draft,
        actor=member.user,
        declaration_name="A Person",
        now=closes - timedelta(seconds=1),
    )
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference.startswith(f"{draft.round.programme.code}-")


def test_submission_at_the_closing_instant_is_refused_with_the_time(draft, member):
    with pytest.raises(ValidationError) as refused:
        services.submit_application(
            application=draft,
            actor=member.user,
            declaration_name="A Person",
            now=draft.round.closes_at,
        )
    assert "closed at" in refused.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.reference == ""


def test_submitting_twice_keeps_one_reference_and_sends_one_receipt(
    draft, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.submit_application(
            application=draft, actor=member.user, declaration_name="A Person"
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.submit_application(
            application=draft, actor=member.user, declaration_name="A Person"
        )
    assert first.reference == second.reference
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(verb="application_submitted").count() == 1


def test_an_incomplete_application_is_refused_with_what_to_fix(member):
    application = ApplicationFactory(
        organisation=member.organisation, title="", amount_requested=Decimal("50000")
    )
    with pytest.raises(ValidationError) as refused:
        services.submit_application(
            application=application, actor=member.user, declaration_name="A Person"
        )
    messages = refused.value.messages
    assert "Enter a project title" in messages
    assert (
        "The amount you ask for must be between £500 and £10,000; you asked for £50,000"
        in messages
    )
    assert any("Strategic Plan outcome" in m for m in messages)


def test_references_count_up_per_programme_and_year(member):
    round = RoundFactory()
    references = []
    for _ in range(3):
        other = MembershipFactory(user=member.user)
        application = ApplicationFactory(
            round=round, organisation=other.organisation, outcomes=["5.5"]
        )
        references.append(
            services.submit_application(
                application=application, actor=member.user, declaration_name="A Person"
            ).reference
        )
    numbers = [int(reference.rsplit("-", 1)[1]) for reference in references]
    assert numbers == [1, 2, 3]


def test_a_member_of_another_organisation_cannot_submit(draft):
    outsider = MembershipFactory()
    with pytest.raises(PermissionDenied):
        services.submit_application(
            application=draft, actor=outsider.user, declaration_name="Someone Else"
        )


def test_one_live_application_per_organisation_per_round(draft, member):
    with pytest.raises(ValidationError) as refused:
        services.start_application(
            round=draft.round, organisation=member.organisation, actor=member.user
        )
    assert "already has an application" in refused.value.messages[0]
    assert Application.objects.count() == 1


def test_a_closed_round_cannot_be_started(member):
    closed = RoundFactory(closed=True)
    with pytest.raises(ValidationError):
        services.start_application(
            round=closed, organisation=member.organisation, actor=member.user
        )


def test_a_viewer_cannot_change_an_application(draft, make_user):
    viewer = MembershipFactory(organisation=draft.organisation, role="viewer")
    with pytest.raises(PermissionDenied):
        services.update_application(application=draft, actor=viewer.user, data={"title": "x"})


def test_only_officers_screen(make_user):
    submitted = ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.pass_screening(application=submitted, actor=make_user(Role.ASSESSOR))
    services.pass_screening(application=submitted, actor=make_user(Role.GRANT_OFFICER))
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_ASSESSMENT


def test_the_status_cannot_be_set_outside_a_transition(draft):
    with pytest.raises(AttributeError):
        draft.status = ApplicationStatus.APPROVED
