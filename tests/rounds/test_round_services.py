"""The services that set up programmes and rounds: their rules, refusals and audit rows."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from accounts.roles import Role
from rounds import services
from rounds.models import Criterion, Programme, Round, RoundStatus
from tests.rounds.factories import CriterionFactory, ProgrammeFactory, RoundFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


def round_values(**overrides):
    values = {
        "name": "Round 1: 2027/28",
        "opens_at": NOW + timedelta(days=30),
        "closes_at": NOW + timedelta(days=90),
        "assessment_deadline": None,
        "decision_date": None,
        "budget": Decimal("150000"),
        "min_award": Decimal("500"),
        "max_award": Decimal("5000"),
        "scoring_scale_min": 0,
        "scoring_scale_max": 5,
        "assessors_per_application": 2,
    }
    values.update(overrides)
    return values


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_an_officer_adds_a_programme_and_it_is_audited(officer):
    programme = services.create_programme(
        actor=officer,
        values={"name": "SHIRE Environment Grant", "code": "SEG", "cost_centre": "CC4410"},
    )
    assert Programme.objects.get(code="SEG").name == "SHIRE Environment Grant"
    event = AuditEvent.objects.get(verb="programme_created")
    assert event.actor == officer and event.object_id == str(programme.pk)


def test_changing_a_programme_records_before_and_after(officer):
    programme = ProgrammeFactory(cost_centre="CC1")
    services.update_programme(programme=programme, actor=officer, values={"cost_centre": "CC2"})
    event = AuditEvent.objects.get(verb="programme_changed")
    assert event.data == {"cost_centre": {"from": "CC1", "to": "CC2"}}


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.FINANCE])
def test_only_officers_may_set_up_rounds(make_user, role):
    with pytest.raises(PermissionDenied):
        services.create_round(
            programme=ProgrammeFactory(), actor=make_user(role), values=round_values()
        )
    assert not Round.objects.exists()


def test_a_new_round_is_a_draft_and_is_audited(officer):
    round = services.create_round(programme=ProgrammeFactory(), actor=officer, values=round_values())
    assert round.status == RoundStatus.DRAFT
    event = AuditEvent.objects.get(verb="round_created")
    assert event.to_state == "draft" and event.data["budget"] == "150000"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closes_at": NOW + timedelta(days=10)}, "closes_at", "The round must close after it opens"),
        ({"min_award": Decimal("6000")}, "max_award", "must be the same as or more than the minimum"),
        ({"max_award": Decimal("200000")}, "max_award", "no more than the budget of £150,000"),
        ({"scoring_scale_min": 5}, "scoring_scale_max", "must be more than the bottom"),
        ({"assessors_per_application": 0}, "assessors_per_application", "from 1 to 10"),
        (
            {"assessment_deadline": date(2027, 4, 1)},
            "assessment_deadline",
            "on or after the closing date",
        ),
        (
            {"assessment_deadline": date(2027, 7, 1), "decision_date": date(2027, 6, 30)},
            "decision_date",
            "on or after the assessment deadline",
        ),
    ],
)
def test_a_round_that_does_not_hold_together_is_refused(officer, overrides, field, message):
    errors = refusal(
        lambda: services.create_round(
            programme=ProgrammeFactory(), actor=officer, values=round_values(**overrides)
        )
    )
    assert message in " ".join(errors[field])
    assert not Round.objects.exists()


def test_changing_the_budget_records_the_old_and_new_amounts(officer):
    round = RoundFactory(budget=Decimal("100000"), status=RoundStatus.DRAFT)
    services.update_round(round=round, actor=officer, values={"budget": Decimal("120000")})
    round.refresh_from_db()
    assert round.budget == Decimal("120000")
    event = AuditEvent.objects.get(verb="round_changed")
    assert event.data == {"budget": {"from": "100000.00", "to": "120000"}}


def test_narrowing_the_scale_below_a_criterion_is_refused(officer):
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round, title="Need", max_score=5)
    errors = refusal(
        lambda: services.update_round(round=round, actor=officer, values={"scoring_scale_max": 3})
    )
    assert "“Need” has a maximum score of 5" in errors["scoring_scale_max"][0]


def test_an_archived_round_cannot_be_changed(officer):
    round = RoundFactory(archived=True)
    with pytest.raises(ValidationError, match="archived"):
        services.update_round(round=round, actor=officer, values={"name": "New name"})


def test_criteria_are_added_changed_reordered_and_removed(officer):
    round = RoundFactory(status=RoundStatus.DRAFT)
    need = CriterionFactory(round=round, title="Need", weight=50, order=1)
    gone = CriterionFactory(round=round, title="Old", weight=10, order=2)
    services.set_criteria(
        round=round,
        actor=officer,
        criteria=[
            {"title": "Value for money", "guidance": "Costs are fair", "weight": 20, "max_score": 5},
            {"pk": need.pk, "title": "Need for the project", "weight": 40, "max_score": 5},
        ],
    )
    assert list(round.criteria.values_list("title", "weight", "order")) == [
        ("Value for money", 20, 1),
        ("Need for the project", 40, 2),
    ]
    assert not Criterion.objects.filter(pk=gone.pk).exists()
    event = AuditEvent.objects.get(verb="round_criteria_changed")
    assert [c["title"] for c in event.data["from"]] == ["Need", "Old"]


def test_a_criterion_of_another_round_cannot_be_taken_over(officer):
    round = RoundFactory(status=RoundStatus.DRAFT)
    other = CriterionFactory(title="Someone else's")
    with pytest.raises(ValidationError, match="do not belong to this round"):
        services.set_criteria(
            round=round,
            actor=officer,
            criteria=[{"pk": other.pk, "title": "Mine now", "weight": 1, "max_score": 5}],
        )
    other.refresh_from_db()
    assert other.title == "Someone else's" and other.round_id != round.pk


def test_a_maximum_score_outside_the_scale_is_refused(officer):
    round = RoundFactory(status=RoundStatus.DRAFT, scoring_scale_min=1, scoring_scale_max=3)
    with pytest.raises(ValidationError, match="Criterion 1: the maximum score must be more than 1"):
        services.set_criteria(
            round=round,
            actor=officer,
            criteria=[{"title": "Need", "weight": 1, "max_score": 5}],
        )
    assert not round.criteria.exists()


@time_machine.travel(NOW, tick=False)
def test_publishing_needs_a_criterion(officer):
    round = RoundFactory(status=RoundStatus.DRAFT, **round_values())
    with pytest.raises(ValidationError, match="Add at least one scoring criterion"):
        services.publish_round(round=round, actor=officer)
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


@time_machine.travel(NOW, tick=False)
def test_a_published_round_is_audited_from_draft(officer):
    round = RoundFactory(status=RoundStatus.DRAFT, **round_values())
    CriterionFactory(round=round)
    services.publish_round(round=round, actor=officer)
    round.refresh_from_db()
    assert round.status == RoundStatus.PUBLISHED
    event = AuditEvent.objects.get(verb="round_published")
    assert (event.from_state, event.to_state, event.actor) == ("draft", "published", officer)


def test_a_round_that_has_closed_cannot_be_published(officer):
    round = RoundFactory(status=RoundStatus.DRAFT, closed=True)
    CriterionFactory(round=round)
    with pytest.raises(ValidationError, match="closing time has passed"):
        services.publish_round(round=round, actor=officer)


def test_a_published_round_cannot_be_published_again(officer):
    round = RoundFactory()
    with pytest.raises(ValidationError, match="already published"):
        services.publish_round(round=round, actor=officer)


def test_a_published_round_keeps_at_least_one_criterion(officer):
    round = RoundFactory()
    CriterionFactory(round=round)
    with pytest.raises(ValidationError, match="must keep at least one criterion"):
        services.set_criteria(round=round, actor=officer, criteria=[])
    assert round.criteria.count() == 1


def test_an_open_round_cannot_be_archived_but_a_closed_one_can(officer):
    open_round = RoundFactory()
    with pytest.raises(ValidationError, match="still taking applications"):
        services.archive_round(round=open_round, actor=officer)
    closed = RoundFactory(closed=True)
    services.archive_round(round=closed, actor=officer)
    closed.refresh_from_db()
    assert closed.status == RoundStatus.ARCHIVED
    assert AuditEvent.objects.get(verb="round_archived").from_state == "published"


def test_a_draft_cannot_be_archived(officer):
    with pytest.raises(ValidationError, match="Only a published round"):
        services.archive_round(round=RoundFactory(status=RoundStatus.DRAFT), actor=officer)


def test_the_round_status_cannot_be_set_directly():
    round = RoundFactory(status=RoundStatus.DRAFT)
    with pytest.raises(AttributeError):
        round.status = RoundStatus.PUBLISHED
