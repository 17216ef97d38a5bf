"""The programme and round report page: tables, charts, filters and access."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from grants import reports
from payments.selectors import AwardFilter
from tests.grants.report_helpers import (
    STAFF_ROLES,
    body_rows,
    foot_row,
    funded,
    not_funded,
    summary,
)
from tests.rounds.factories import ProgrammeFactory, RoundFactory

URL = reverse("grants:report")


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def shire(db):
    programme = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    return RoundFactory(programme=programme, name="2026 round 1")


def test_every_one_of_the_seven_districts_has_a_row(client_as, officer, shire):
    funded("1000.00", round=shire, district="E07000130")  # Charnwood
    funded("250.50", round=shire, district="E07000130")
    funded("400.00", round=shire, district="E10000018")  # County-wide

    html = client_as(officer).get(URL).content

    rows = body_rows(html, "totals-by-district")
    assert list(rows) == [
        "Blaby", "Charnwood", "Harborough", "Hinckley and Bosworth", "Melton",
        "North West Leicestershire", "Oadby and Wigston", "County-wide",
    ]
    assert rows["Charnwood"] == ["2", "£1,250.50", "£0.00", "£1,250.50"]
    assert rows["Melton"] == ["0", "£0.00", "£0.00", "£0.00"]
    assert foot_row(html, "totals-by-district") == [
        "Total", "3", "£1,650.50", "£0.00", "£1,650.50"
    ]


def test_an_award_for_two_outcomes_counts_in_each_row_but_once_in_the_total(
    client_as, officer, shire
):
    funded("1000.00", round=shire, outcomes=["5.5", "8.3"])
    funded("500.00", round=shire, outcomes=["5.5"])

    html = client_as(officer).get(URL).content

    rows = body_rows(html, "totals-by-outcome")
    assert rows["5.5 People support each other through volunteering"][:2] == ["2", "£1,500.00"]
    assert [cells[:2] for label, cells in rows.items() if label.startswith("8.3")] == [
        ["1", "£1,000.00"]
    ]
    assert foot_row(html, "totals-by-outcome")[:3] == ["Total (each award once)", "2",
                                                      "£1,500.00"]
    note = " ".join(html.decode().split())
    assert "counts in the row of each, so these rows add up to more than the total" in note


def test_legal_structure_and_community_rows(client_as, officer, shire):
    funded("800.00", round=shire, legal_structure="cio", communities="Women")
    funded("200.00", round=shire, legal_structure="cio", communities="Women")
    funded("300.00", round=shire, legal_structure="unincorporated", communities="")

    html = client_as(officer).get(URL).content

    structures = body_rows(html, "totals-by-legal-structure")
    assert structures["Charitable incorporated organisation (CIO)"][:2] == ["2", "£1,000.00"]
    assert structures["Unincorporated association or community group"][:2] == ["1", "£300.00"]
    communities = body_rows(html, "totals-by-community")
    assert list(communities) == ["Women", "Not recorded"]
    assert communities["Women"][:2] == ["2", "£1,000.00"]


def test_quarterly_periods_run_from_april_and_show_empty_quarters(client_as, officer, shire):
    funded("100.00", round=shire, award_date=date(2025, 4, 10))   # 2025/26 Q1
    funded("300.00", round=shire, award_date=date(2025, 11, 2))   # 2025/26 Q3
    funded("50.00", round=shire, award_date=date(2026, 3, 31))    # 2025/26 Q4

    html = client_as(officer).get(URL, {"period": "quarter"}).content

    rows = body_rows(html, "totals-by-period")
    assert {label: cells[:2] for label, cells in rows.items()} == {
        "2025/26 Q1 (Apr to Jun)": ["1", "£100.00"],
        "2025/26 Q2 (Jul to Sep)": ["0", "£0.00"],
        "2025/26 Q3 (Oct to Dec)": ["1", "£300.00"],
        "2025/26 Q4 (Jan to Mar)": ["1", "£50.00"],
    }


def test_half_yearly_and_annual_periods(client_as, officer, shire):
    funded("100.00", round=shire, award_date=date(2025, 9, 30))
    funded("300.00", round=shire, award_date=date(2025, 10, 1))
    funded("50.00", round=shire, award_date=date(2026, 4, 1))
    client = client_as(officer)

    halves = body_rows(client.get(URL, {"period": "half"}).content, "totals-by-period")
    years = body_rows(client.get(URL, {"period": "annual"}).content, "totals-by-period")

    assert {label: cells[1] for label, cells in halves.items()} == {
        "2025/26 H1 (Apr to Sep)": "£100.00",
        "2025/26 H2 (Oct to Mar)": "£300.00",
        "2026/27 H1 (Apr to Sep)": "£50.00",
    }
    assert {label: cells[1] for label, cells in years.items()} == {
        "2025/26": "£400.00", "2026/27": "£50.00"
    }


def test_success_rate_average_award_and_days_to_decision(client_as, officer, shire):
    day = date(2025, 6, 1)
    funded("1000.00", round=shire, award_date=day, days_to_decision=10)
    funded("2000.00", round=shire, award_date=day, days_to_decision=20)
    funded("3000.01", round=shire, award_date=day, days_to_decision=60)
    not_funded(round=shire, decided_on=day, days_to_decision=30)

    facts = summary(client_as(officer).get(URL).content)

    assert facts["Awards"] == "3"
    assert facts["Amount awarded"] == "£6,000.01"
    assert facts["Average award"] == "£2,000.00"
    assert facts["Applications decided"] == "4 (3 approved, 1 not funded)"
    assert facts["Success rate"] == "75.0%"
    assert facts["Average time from submission to decision"] == "30.0 days"
    assert facts["Median time from submission to decision"] == "25.0 days"


def test_no_decisions_yet_is_said_in_words(client_as, officer, shire):
    facts = summary(client_as(officer).get(URL).content)

    assert facts["Success rate"] == "No decisions yet"
    assert facts["Average award"] == "No awards yet"


def test_filters_select_the_programme_round_and_financial_year(client_as, officer, shire):
    other_round = RoundFactory(programme=shire.programme, name="2026 round 2")
    other_programme = RoundFactory(name="Environment round")
    funded("100.00", round=shire, award_date=date(2025, 5, 1))
    funded("200.00", round=shire, award_date=date(2024, 5, 1))
    funded("400.00", round=other_round, award_date=date(2025, 5, 1))
    funded("800.00", round=other_programme, award_date=date(2025, 5, 1))
    client = client_as(officer)

    def awarded(**query):
        return summary(client.get(URL, query).content)["Amount awarded"]

    assert awarded() == "£1,500.00"
    assert awarded(programme=shire.programme.pk) == "£700.00"
    assert awarded(round=shire.pk) == "£300.00"
    assert awarded(round=shire.pk, financial_year="2025/26") == "£100.00"
    assert awarded(financial_year="2025/26") == "£1,300.00"


def test_a_round_of_another_programme_is_refused_with_a_message(client_as, officer, shire):
    elsewhere = RoundFactory(name="Environment round")

    response = client_as(officer).get(URL, {"programme": shire.programme.pk,
                                            "round": elsewhere.pk})

    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert "There is a problem" in page
    assert f"Environment round is not a round of {shire.programme.name}" in page


def test_an_unknown_period_is_refused_with_a_message(client_as, officer, shire):
    response = client_as(officer).get(URL, {"period": "fortnightly"})

    assert response.status_code == 400
    assert "Choose quarterly, half-yearly or annual periods" in response.content.decode()


def test_each_table_has_a_chart_with_a_text_alternative(client_as, officer, shire):
    funded("1000.00", round=shire, district="E07000133")

    html = client_as(officer).get(URL).content.decode()

    for key in ("district", "outcome", "legal-structure", "community", "period"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="chart-{key}"' in html
        assert f'id="totals-by-{key}"' in html
    assert 'role="img"' in html
    assert "Melton: £1,000.00" in html  # in the district chart's description
    assert "style=" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_who_decide_and_account_for_grants_may_see_reports(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR])
def test_applicants_and_assessors_are_refused(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL).status_code == 403
    assert client_as(make_user(role)).get(reverse("grants:report_download")).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_query_count_does_not_grow_with_the_number_of_awards(client_as, officer, shire):
    def count_queries() -> int:
        client = client_as(officer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"period": "quarter"}).status_code == 200
        return len(queries)

    funded("100.00", round=shire, award_date=date(2025, 4, 1))
    few = count_queries()
    for month in range(1, 13):
        funded("100.00", round=RoundFactory(), award_date=date(2024, month, 1),
               district="E07000131", outcomes=["5.1", "8.2"], paid="50.00",
               communities=f"Community {month}")
    assert count_queries() == few


def test_report_selectors_agree_with_the_finance_grand_total(shire):
    funded("100.00", round=shire, outcomes=["5.5", "6.1", "8.3"])
    report = reports.build_report(AwardFilter(round_id=shire.pk))

    assert report.totals["awarded"] == Decimal("100.00")
    outcome = next(b for b in report.breakdowns if b.key == "outcome")
    assert sum(row["awarded"] for row in outcome.rows) == Decimal("300.00")
