"""The officers' ranking of a round: final scores, recommendations and the budget line."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from grants import selectors
from grants.models import ApplicationStatus, AssignmentStatus, AwardStatus, Recommendation
from tests.grants.decision_helpers import page_text, recommended, scored, table_rows
from tests.grants.factories import AssignmentFactory, AwardFactory
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


def ranking_url(round, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("grants:ranking", args=[round.pk]) + (f"?{query}" if query else "")


def test_applications_are_ranked_by_the_average_of_submitted_scores(officer, client_as):
    round = RoundFactory()
    middle = scored(round, 80, 60, amount="3000.00")  # 70.0
    best = scored(round, 90, 85, amount="4000.00")  # 87.5
    worst = scored(round, 40, amount="2000.00")
    # A draft score from an assessor still working does not count.
    AssignmentFactory(
        application=worst, status=AssignmentStatus.IN_PROGRESS, weighted_score=Decimal("100.0")
    )
    scored(RoundFactory(), 99)  # another round's application is not listed

    rows = table_rows(client_as(officer).get(ranking_url(round)))

    assert [row[:6] for row in rows] == [
        ["1", f"{best.reference} Scored", best.organisation.name, "£4,000.00", "87.5%", "2"],
        ["2", f"{middle.reference} Scored", middle.organisation.name, "£3,000.00", "70.0%", "2"],
        ["3", f"{worst.reference} Scored", worst.organisation.name, "£2,000.00", "40.0%", "1"],
    ]


def test_the_running_total_meets_the_remaining_budget_and_rows_past_it_are_marked(
    officer, client_as
):
    round = RoundFactory(budget=Decimal("10000.00"))
    funded = scored(round, 10, amount="2000.00", status=ApplicationStatus.APPROVED)
    AwardFactory(application=funded, amount=Decimal("2000.00"))
    # An offer the group declined gives its money back to the round.
    refused = scored(round, 10, amount="9000.00", status=ApplicationStatus.APPROVED)
    AwardFactory(application=refused, amount=Decimal("9000.00"), status=AwardStatus.DECLINED)
    first = recommended(round, 90, "5000.00")
    declined = recommended(round, 85, "4000.00", recommendation=Recommendation.DECLINE)
    second = recommended(
        round, 80, "4000.00", recommendation=Recommendation.FUND_IN_PART, recommended_amount="3000.00"
    )
    third = recommended(round, 70, "2500.00")

    response = client_as(officer).get(ranking_url(round))

    text = page_text(response)
    assert "Approved so far £2,000.00" in text
    assert "Remaining budget £8,000.00" in text
    rows = table_rows(response)
    assert [(row[1].split()[0], row[6], row[7], row[8]) for row in rows[:5] if len(row) > 1] == [
        (first.reference, "Fund in full: £5,000.00 Change the recommendation on "
         f"{first.reference}", "£5,000.00", "Within budget"),
        (declined.reference, f"Decline Change the recommendation on {declined.reference}",
         "£5,000.00", "–"),
        (second.reference, "Fund in part: £3,000.00 Change the recommendation on "
         f"{second.reference}", "£8,000.00", "Within budget"),
        (third.reference, f"Fund in full: £2,500.00 Change the recommendation on "
         f"{third.reference}", "£10,500.00", "Over budget"),
    ]
    # The budget line is drawn between the last row that fits and the first that does not.
    assert rows[3] == ["Budget line: the recommendations below this line do not fit the "
                       "£8,000.00 remaining."]
    assert 'class="govuk-table__row app-ranking__row--over-budget"' in response.content.decode()


def test_approved_money_is_not_counted_twice(officer, client_as):
    round = RoundFactory(budget=Decimal("10000.00"))
    approved = scored(round, 95, amount="6000.00", status=ApplicationStatus.APPROVED)
    AwardFactory(application=approved, amount=Decimal("6000.00"))
    pending = recommended(round, 60, "4000.00")

    rows = table_rows(client_as(officer).get(ranking_url(round)))

    assert [(row[1], row[7], row[8]) for row in rows] == [
        (f"{approved.reference} Approved", "£0.00", "–"),
        (f"{pending.reference} Recommended", "£4,000.00", "Within budget"),
    ]


def test_sorting_by_amount_keeps_each_rank_and_running_total(officer, client_as):
    round = RoundFactory()
    small = recommended(round, 90, "1000.00")
    large = recommended(round, 50, "9000.00")

    rows = table_rows(client_as(officer).get(ranking_url(round, sort="requested")))
    assert [(row[0], row[1].split()[0], row[7]) for row in rows] == [
        ("2", large.reference, "£10,000.00"),
        ("1", small.reference, "£1,000.00"),
    ]
    rows = table_rows(client_as(officer).get(ranking_url(round, sort="nonsense")))
    assert [row[0] for row in rows] == ["1", "2"]


def test_sorting_by_organisation_keeps_each_rank_total_and_link(officer, client_as):
    round = RoundFactory()
    first = recommended(round, 90, "1000.00", organisation__name="Zouch Village Hall")
    second = recommended(round, 50, "2000.00", organisation__name="Anstey Men's Shed")

    response = client_as(officer).get(ranking_url(round, sort="organisation"))

    rows = table_rows(response)
    assert [(row[0], row[1].split()[0], row[2], row[7]) for row in rows] == [
        ("2", second.reference, "Anstey Men's Shed", "£3,000.00"),
        ("1", first.reference, "Zouch Village Hall", "£1,000.00"),
    ]
    html = response.content.decode()
    for application in (first, second):
        assert reverse("grants:officer_application", args=[application.pk]) in html
        assert reverse("grants:recommend", args=[application.pk]) in html


def test_the_ranking_is_paginated_and_the_running_total_continues(officer, client_as):
    round = RoundFactory(budget=Decimal("1000000.00"))
    for index in range(51):
        recommended(round, 100 - index, "1000.00")

    second_page = client_as(officer).get(ranking_url(round, page=2))

    assert [row[0] for row in table_rows(second_page)] == ["51"]
    assert table_rows(second_page)[0][7] == "£51,000.00"
    assert "2 of 2" in page_text(second_page)


def rows_and_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(table_rows(response)), len(queries)


def test_the_ranking_query_count_does_not_grow_with_the_rows(officer, client_as):
    client = client_as(officer)
    small, large = RoundFactory(), RoundFactory()
    for index in range(2):
        recommended(small, 50 + index)
    for index in range(20):
        recommended(large, 50 + index)
        scored(large, 40)

    few = rows_and_queries(client, ranking_url(small))
    many = rows_and_queries(client, ranking_url(large))

    assert (few[0], many[0]) == (2, 40)
    assert many[1] == few[1]


def test_final_scores_come_from_one_place():
    round = RoundFactory()
    application = scored(round, 71, 72)
    [row] = selectors.ranked_applications(round)
    assert row == application
    assert row.final_score == Decimal("71.5")


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPLICANT, Role.FINANCE, Role.APPROVER])
def test_only_officers_see_the_ranking(role, make_user, client_as):
    round = RoundFactory()
    recommended(round)
    response = client_as(make_user(role)).get(ranking_url(round))
    assert response.status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(ranking_url(RoundFactory()))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
