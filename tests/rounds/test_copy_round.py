"""Copying a round's set-up into a new round."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from rounds import services
from rounds.models import Round, RoundStatus
from tests.grants.factories import ScoreFactory
from tests.rounds.factories import CriterionFactory, RoundFactory

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    """Last year's round: scored, archived, with rules and two criteria."""
    round = RoundFactory(
        archived=True,
        name="Round 1: 2026/27",
        budget=Decimal("150000"),
        min_award=Decimal("500"),
        max_award=Decimal("5000"),
        max_annual_income=Decimal("250000"),
        eligible_legal_structures=["registered_charity", "cio"],
        required_documents=["governing_document"],
        leicestershire_only=True,
        assessors_per_application=3,
        scoring_scale_min=1,
        scoring_scale_max=3,
    )
    need = CriterionFactory(round=round, title="Need", guidance="Evidence", weight=60,
                            max_score=3, order=1)
    CriterionFactory(round=round, title="Value for money", guidance="", weight=40,
                     max_score=3, order=2)
    ScoreFactory(criterion=need, assignment__application__round=round, score=2)
    return round


def copy_form(**overrides) -> dict:
    data = {
        "name": "Round 2: 2027/28",
        "opens_on_0": "1", "opens_on_1": "4", "opens_on_2": "2030",
        "opens_time": "9am",
        "closes_on_0": "30", "closes_on_1": "6", "closes_on_2": "2030",
        "closes_time": "12pm",
        "assessment_deadline_0": "31", "assessment_deadline_1": "7", "assessment_deadline_2": "2030",
    }
    data.update(overrides)
    return data


def test_a_copy_takes_the_set_up_but_new_name_and_dates(client_as, officer, source):
    response = client_as(officer).post(
        reverse("rounds:copy", args=[source.pk]), copy_form(), follow=True
    )
    page = response.content.decode()
    assert "You have copied Round 1: 2026/27 into Round 2: 2027/28, a draft." in page
    copy = Round.objects.get(name="Round 2: 2027/28")
    assert copy.status == RoundStatus.DRAFT and copy.programme == source.programme
    assert copy.opens_at == datetime(2030, 4, 1, 9, tzinfo=LONDON)
    assert copy.closes_at == datetime(2030, 6, 30, 12, tzinfo=LONDON)
    assert copy.assessment_deadline == date(2030, 7, 31) and copy.decision_date is None
    for field in (
        "budget", "min_award", "max_award", "max_annual_income", "eligible_legal_structures",
        "required_documents", "leicestershire_only", "assessors_per_application",
        "scoring_scale_min", "scoring_scale_max", "moderation_threshold",
    ):
        assert getattr(copy, field) == getattr(source, field), field
    assert list(copy.criteria.values_list("title", "guidance", "weight", "max_score", "order")) == [
        ("Need", "Evidence", 60, 3, 1),
        ("Value for money", "", 40, 3, 2),
    ]
    # The copy's criteria are its own, and nobody has scored them.
    assert not copy.criteria.filter(scores__isnull=False).exists()
    assert "Save criteria" in client_as(officer).get(
        reverse("rounds:criteria", args=[copy.pk])
    ).content.decode()
    assert source.criteria.count() == 2


def test_a_copy_is_audited_with_its_source(officer, source):
    copy = services.copy_round(
        source=source,
        actor=officer,
        name="Round 2",
        opens_at=datetime(2030, 4, 1, 9, tzinfo=LONDON),
        closes_at=datetime(2030, 6, 30, 12, tzinfo=LONDON),
    )
    event = AuditEvent.objects.get(verb="round_copied")
    assert event.object_id == str(copy.pk) and event.actor == officer
    assert event.to_state == "draft" and event.data["copied_from"] == source.pk


def test_a_copy_needs_a_name_and_dates(client_as, officer, source):
    response = client_as(officer).post(reverse("rounds:copy", args=[source.pk]), {})
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the round name" in page
    assert "Enter the date the round opens" in page
    assert "Enter the time the round closes" in page
    assert Round.objects.count() == 1


def test_copy_dates_out_of_order_are_explained_and_kept(client_as, officer, source):
    response = client_as(officer).post(
        reverse("rounds:copy", args=[source.pk]),
        copy_form(closes_on_0="1", closes_on_1="3", closes_on_2="2030"),
    )
    page = response.content.decode()
    assert "The round must close after it opens" in page
    assert 'value="Round 2: 2027/28"' in page
    assert Round.objects.count() == 1


def test_the_copy_page_says_what_is_copied(client_as, officer, source):
    page = client_as(officer).get(reverse("rounds:copy", args=[source.pk])).content.decode()
    assert "the same budget (£150,000.00)" in page and "2 criteria" in page
    # The name and dates are not carried over: the officer must give new ones.
    assert 'value="Round 1: 2026/27"' not in page


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.FINANCE])
def test_only_officers_may_copy(client_as, make_user, source, role):
    response = client_as(make_user(role)).post(reverse("rounds:copy", args=[source.pk]), copy_form())
    assert response.status_code == 403
    assert Round.objects.count() == 1
