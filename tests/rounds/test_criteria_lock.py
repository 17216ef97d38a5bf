"""
Once anyone has scored in a round, its criteria, weights and scale are fixed:
on the officer pages, against a crafted request and in the admin.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from rounds import services
from rounds.models import RoundStatus
from tests.grants.factories import ScoreFactory
from tests.rounds.factories import CriterionFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_round():
    """A round with two criteria, one of which an assessor has scored."""
    round = RoundFactory(closed=True, scoring_scale_min=0, scoring_scale_max=5)
    need = CriterionFactory(round=round, title="Need", weight=60, max_score=5, order=1)
    CriterionFactory(round=round, title="Value for money", weight=40, max_score=5, order=2)
    ScoreFactory(criterion=need, assignment__application__round=round)
    return round


def criteria_snapshot(round):
    return list(round.criteria.values_list("title", "weight", "max_score", "order"))


def test_a_round_without_scores_is_not_locked(client_as, officer):
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round)
    page = client_as(officer).get(reverse("rounds:criteria", args=[round.pk])).content.decode()
    assert "Save criteria" in page and "Scoring has started" not in page


def test_the_criteria_page_is_read_only_with_the_reason(client_as, officer, scored_round):
    page = client_as(officer).get(reverse("rounds:criteria", args=[scored_round.pk])).content.decode()
    assert "Scoring has started, so these criteria and their weights can no longer be changed" in page
    assert "Save criteria" not in page and "<input" not in page.split("<main")[1]
    assert "Need" in page and "60.0%" in page and "40.0%" in page


def test_the_set_up_page_explains_the_lock(client_as, officer, scored_round):
    page = client_as(officer).get(reverse("rounds:setup", args=[scored_round.pk])).content.decode()
    assert "Scoring has started, so the criteria, their weights and the scoring scale are fixed" in page
    assert "See the criteria" in page and "Change the criteria" not in page


def test_a_crafted_post_to_the_criteria_is_refused(client_as, officer, scored_round):
    need, value = scored_round.criteria.order_by("order")
    before = criteria_snapshot(scored_round)
    response = client_as(officer).post(
        reverse("rounds:criteria", args=[scored_round.pk]),
        {
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "2",
            "criteria-0-id": need.pk,
            "criteria-0-title": "Need",
            "criteria-0-weight": "1",
            "criteria-0-max_score": "5",
            "criteria-1-id": value.pk,
            "criteria-1-title": "Value",
            "criteria-1-weight": "99",
            "criteria-1-max_score": "5",
            "criteria-1-DELETE": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Scoring has started in this round, so its criteria, weights and scoring scale " \
        "can no longer be changed." in page
    assert criteria_snapshot(scored_round) == before
    assert not AuditEvent.objects.filter(verb="round_criteria_changed").exists()


def test_a_crafted_post_of_rubbish_is_refused_too(client_as, officer, scored_round):
    before = criteria_snapshot(scored_round)
    response = client_as(officer).post(
        reverse("rounds:criteria", args=[scored_round.pk]), {"criteria-TOTAL_FORMS": "x"}, follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    assert criteria_snapshot(scored_round) == before


def test_the_service_refuses_changes_once_scoring_has_started(officer, scored_round):
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.set_criteria(
            round=scored_round,
            actor=officer,
            criteria=[{"title": "Only this", "weight": 1, "max_score": 5}],
        )
    assert len(criteria_snapshot(scored_round)) == 2


def test_the_scale_cannot_be_changed_once_scoring_has_started(officer, scored_round):
    with pytest.raises(ValidationError) as refused:
        services.update_round(round=scored_round, actor=officer, values={"scoring_scale_max": 10})
    assert "can no longer be changed" in refused.value.message_dict["scoring_scale_max"][0]
    scored_round.refresh_from_db()
    assert scored_round.scoring_scale_max == 5


def test_the_round_form_shows_the_scale_fixed_and_ignores_a_posted_scale(
    client_as, officer, scored_round
):
    browser = client_as(officer)
    url = reverse("rounds:round_edit", args=[scored_round.pk])
    page = browser.get(url).content.decode()
    assert "Fixed: scoring has started in this round." in page
    assert 'name="scoring_scale_max"' in page and "disabled" in page
    form = {
        "name": "Renamed round",
        "opens_on_0": "1", "opens_on_1": "1", "opens_on_2": "2026",
        "opens_time": "9am",
        "closes_on_0": "1", "closes_on_1": "3", "closes_on_2": "2026",
        "closes_time": "12pm",
        "budget": "100000", "min_award": "500", "max_award": "10000",
        "leicestershire_only": "yes", "assessors_per_application": "1", "moderation_threshold": "20",
        "scoring_scale_min": "1", "scoring_scale_max": "10",
    }
    browser.post(url, form)
    scored_round.refresh_from_db()
    assert scored_round.name == "Renamed round"
    assert (scored_round.scoring_scale_min, scored_round.scoring_scale_max) == (0, 5)


def test_the_admin_shows_scored_criteria_read_only(client_as, make_user, scored_round):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    page = client_as(admin).get(
        reverse("admin:rounds_round_change", args=[scored_round.pk])
    ).content.decode()
    assert 'name="criteria-0-weight"' not in page
    assert 'name="scoring_scale_max"' not in page
    # No criterion can be added either.
    assert 'name="criteria-MAX_NUM_FORMS" value="0"' in page
    assert 'name="criteria-0-DELETE"' not in page


def test_the_admin_lets_unscored_criteria_be_changed(client_as, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round)
    page = client_as(admin).get(reverse("admin:rounds_round_change", args=[round.pk])).content.decode()
    assert 'name="criteria-0-weight"' in page and 'name="scoring_scale_max"' in page
