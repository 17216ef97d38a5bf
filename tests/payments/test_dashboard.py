"""
The finance dashboard: totals by programme, round, district, outcome, legal
structure and financial year, the Strategic Plan indicator, and agreement
with the exported ledger to the penny.
"""

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from applicants.choices import District, LegalStructure
from grants.models import AwardStatus
from payments import selectors, services
from payments.financial_years import financial_year_label, financial_year_of
from rounds.models import RoundStatus
from tests.grants.factories import AwardFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

PENNY = Decimal("0.01")
FIGURES = ("award_count", "awarded", "accepted", "paid", "repaid", "outstanding", "net_awarded")
ACCEPTED_LABELS = {"Accepted", "Active", "Completed", "Closed early"}


@pytest.fixture
def dashboard_data(make_award, finance_user):
    scg = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    cf = ProgrammeFactory(name="Communities Fund", code="CF")
    scg_round = RoundFactory(programme=scg, name="2025/26 Round 1")
    cf_round = RoundFactory(programme=cf, name="Round 1", status=RoundStatus.ARCHIVED,
                            closed=True)
    awards = [
        make_award("1000.00", award_date=date(2025, 4, 1), application__round=scg_round,
                   application__outcomes=["5.5", "8.3"],
                   application__organisation__district=District.CHARNWOOD),
        make_award("2000.50", paid="500.25", award_date=date(2026, 3, 31),
                   application__round=scg_round, application__outcomes=["5.5"],
                   application__organisation__district=District.MELTON),
        make_award("300.00", paid="0", status=AwardStatus.OFFERED, award_date=date(2026, 4, 1),
                   application__round=scg_round,
                   application__organisation__legal_structure=LegalStructure.TOWN_OR_PARISH_COUNCIL,
                   application__organisation__charity_number="",
                   application__organisation__district=District.MELTON),
        make_award("4000.00", award_date=date(2020, 5, 1), application__round=cf_round,
                   application__outcomes=["5.4", "8.2"],
                   application__organisation__district=District.COUNTY_WIDE,
                   status=AwardStatus.COMPLETED),
    ]
    AwardFactory(amount=Decimal("9999.00"), status=AwardStatus.DECLINED,
                 application__round=scg_round)
    repayment = services.request_repayment(award=awards[0], actor=finance_user,
                                           amount=Decimal("100.10"), reason="Underspend")
    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("60.05"), received_on=timezone.localdate(),
                                       reference="R1")
    return awards


def rows_by(breakdowns, key):
    [breakdown] = [b for b in breakdowns if b.key == key]
    return {row["label"]: row for row in breakdown.rows}


def figures(row) -> tuple:
    if not isinstance(row, dict):
        row = {key: getattr(row, key) for key in FIGURES}
    return tuple(row[key] for key in FIGURES)


def test_grand_totals_offered_accepted_paid_repaid_outstanding_and_net(dashboard_data):
    totals = selectors.award_grand_totals()
    assert figures(totals) == (
        4, Decimal("7300.50"), Decimal("7000.50"), Decimal("5500.25"), Decimal("60.05"),
        Decimal("1800.25"), Decimal("7240.45"),
    )


def test_totals_by_district_legal_structure_and_financial_year(dashboard_data):
    breakdowns = selectors.breakdowns()

    districts = rows_by(breakdowns, "district")
    assert set(districts) == {"Charnwood", "Melton", "County-wide"}
    assert figures(districts["Melton"]) == (
        2, Decimal("2300.50"), Decimal("2000.50"), Decimal("500.25"), Decimal("0.00"),
        Decimal("1800.25"), Decimal("2300.50"),
    )
    structures = rows_by(breakdowns, "legal-structure")
    assert structures["Town or parish council"]["awarded"] == Decimal("300.00")
    assert structures["Registered charity"]["award_count"] == 3
    years = rows_by(breakdowns, "financial-year")
    assert list(years) == ["2020/21", "2025/26", "2026/27"]
    assert years["2025/26"]["awarded"] == Decimal("3000.50")  # 1 April 2025 to 31 March 2026
    assert years["2026/27"]["awarded"] == Decimal("300.00")


def test_an_award_with_several_outcomes_counts_in_each_row_but_once_in_the_total(
    dashboard_data, client_as, finance_user
):
    outcomes = rows_by(selectors.breakdowns(), "outcome")

    assert outcomes["5.5 People support each other through volunteering"]["award_count"] == 2
    assert outcomes["8.3 Long lives in good health"]["award_count"] == 1
    assert outcomes["No outcome recorded"]["award_count"] == 1
    assert sum(row["award_count"] for row in outcomes.values()) == 6
    assert selectors.award_grand_totals()["award_count"] == 4

    html = " ".join(client_as(finance_user).get(reverse("payments:summary")).content
                    .decode().split())
    assert "counts in the row of each, so these rows add up to more than the total" in html
    assert "Total (each award once)" in html


def test_the_vcse_indicator_counts_shire_community_grants_to_vcse_groups_by_year(
    dashboard_data, client_as, finance_user
):
    indicator = {row["label"]: row for row in selectors.vcse_indicator()}

    # The parish council's award and the Communities Fund do not count.
    assert list(indicator) == ["2025/26"]
    assert (indicator["2025/26"]["award_count"], indicator["2025/26"]["awarded"],
            indicator["2025/26"]["net_awarded"]) == (2, Decimal("3000.50"), Decimal("2940.45"))
    html = client_as(finance_user).get(reverse("payments:summary")).content.decode()
    assert "Amount of SHIRE Community Grants awarded to VCSE organisations" in html


def test_the_communities_fund_headline_stays(dashboard_data, client_as, finance_user):
    html = " ".join(client_as(finance_user).get(reverse("payments:summary")).content
                    .decode().split())
    assert "Communities Fund:</strong> 1 round, 1 grant, £4,000.00 awarded" in html


# --- Every figure on the dashboard equals the ledger --------------------------------


def ledger_rows(client) -> tuple[list[str], list[dict]]:
    response = client.get(reverse("payments:ledger"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Award ledger"].iter_rows(values_only=True))
    headings = list(rows[0])
    return workbook, [dict(zip(headings, row, strict=True)) for row in rows[1:-1]], \
        dict(zip(headings, rows[-1], strict=True))


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(PENNY)


def ledger_figures(rows: list[dict]) -> tuple:
    """The dashboard's figures, worked out from ledger rows as someone would in Excel."""
    awarded = sum((money(r["Amount awarded"]) for r in rows), start=Decimal("0.00"))
    accepted = sum((money(r["Amount awarded"]) for r in rows if r["Status"] in ACCEPTED_LABELS),
                   start=Decimal("0.00"))
    paid = sum((money(r["Paid to date"]) for r in rows), start=Decimal("0.00"))
    repaid = sum((money(r["Repaid"]) for r in rows), start=Decimal("0.00"))
    outstanding = sum((money(r["Outstanding"]) for r in rows), start=Decimal("0.00"))
    net = sum((money(r["Net awarded"]) for r in rows), start=Decimal("0.00"))
    return (len(rows), awarded, accepted, paid, repaid, outstanding, net)


def group_ledger(rows: list[dict], key) -> dict:
    groups = defaultdict(list)
    for row in rows:
        for label in key(row):
            groups[label].append(row)
    return {label: ledger_figures(members) for label, members in groups.items()}


def assert_dashboard_equals_ledger(client) -> None:
    context = client.get(reverse("payments:summary")).context
    workbook, rows, totals_row = ledger_rows(client)

    grand = context["grand_totals"]
    assert figures(grand) == ledger_figures(rows)
    for heading, key in (("Amount awarded", "awarded"), ("Paid to date", "paid"),
                         ("Repaid", "repaid"), ("Outstanding", "outstanding"),
                         ("Net awarded", "net_awarded")):
        assert money(totals_row[heading]) == grand[key]

    by_programme = group_ledger(rows, lambda r: [r["Programme"]])
    for programme in context["programmes"]:
        expected = by_programme.get(programme.name, (0, *[Decimal("0.00")] * 6))
        assert tuple(money(v) if k != "award_count" else v
                     for k, v in zip(FIGURES, figures(programme), strict=True)) == expected
    by_round = group_ledger(rows, lambda r: [(r["Programme"], r["Round"])])
    for round in context["rounds"]:
        expected = by_round.get((round.programme.name, round.name), (0, *[Decimal("0.00")] * 6))
        assert tuple(money(v) if k != "award_count" else v
                     for k, v in zip(FIGURES, figures(round), strict=True)) == expected

    district_labels = {d.label for d in District}
    keys = {
        "district": lambda r: [r["District"]],
        "legal-structure": lambda r: [r["Legal structure"]],
        "financial-year": lambda r: [r["Financial year"]],
        "outcome": lambda r: (r["Outcomes"] or "").split(", ") if r["Outcomes"] else [None],
    }
    for breakdown in context["breakdowns"]:
        from_ledger = group_ledger(rows, keys[breakdown.key])
        shown = {}
        for row in breakdown.rows:
            label = row.get("outcome", row["label"]) if breakdown.key == "outcome" else row["label"]
            shown[label] = figures(row)
        assert shown == from_ledger, breakdown.key
    assert all(row["District"] in district_labels for row in rows)

    # The ledger's own summary sheets hold the same figures as the page.
    for breakdown in context["breakdowns"]:
        sheet = list(workbook[breakdown.title].iter_rows(values_only=True))
        body = {row[0]: row[1:] for row in sheet[1:] if row[0] and row[1] is not None}
        for row in breakdown.rows:
            assert tuple(money(v) if i else v for i, v in enumerate(body[row["label"]])) == \
                figures(row)
        assert tuple(money(v) if i else v for i, v in enumerate(body["Total"])) == figures(grand)

    indicator = {row["label"]: figures(row) for row in context["indicator"]}
    vcse = [r for r in rows if r["Programme"] == "SHIRE Community Grants"
            and r["Legal structure"] != LegalStructure.TOWN_OR_PARISH_COUNCIL.label]
    assert indicator == group_ledger(vcse, lambda r: [r["Financial year"]])


def test_every_dashboard_figure_equals_the_ledger(dashboard_data, client_as, finance_user):
    assert_dashboard_equals_ledger(client_as(finance_user))


def test_financial_years_in_the_ledger_run_april_to_march(dashboard_data, client_as,
                                                          finance_user):
    _, rows, _ = ledger_rows(client_as(finance_user))
    for row in rows:
        assert row["Financial year"] == financial_year_label(
            financial_year_of(row["Award date"].date())
        )


def test_the_ledger_page_filters_by_district_and_financial_year(
    dashboard_data, client_as, finance_user
):
    client = client_as(finance_user)
    form = client.get(reverse("payments:summary")).content.decode()
    assert 'name="district"' in form and 'name="financial_year"' in form
    assert '<option value="2025/26">2025/26</option>' in form

    response = client.get(reverse("payments:ledger"),
                          {"district": District.MELTON, "financial_year": "2025/26"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[
        "Award ledger"].iter_rows(values_only=True))
    assert len(rows) == 1 + 1 + 1
    assert rows[1][4] == "Melton"

    response = client.get(reverse("payments:ledger"), {"financial_year": "2019/21"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a financial year from the list" in html
    assert 'href="#id_financial_year"' in html
    response = client.get(reverse("payments:ledger"), {"district": "Leicester"})
    assert "Choose a district from the list" in response.content.decode()


# --- Query counts --------------------------------------------------------------------


def test_summary_query_count_is_the_same_at_two_data_sizes(
    client_as, finance_user, make_award, django_assert_max_num_queries
):
    client = client_as(finance_user)
    url = reverse("payments:summary")

    def add_awards(count: int, year: int) -> None:
        programme = ProgrammeFactory()
        round = RoundFactory(programme=programme)
        for index in range(count):
            award = make_award(
                "100.00", paid="40.00", award_date=date(year, 1 + index % 12, 1),
                application__round=round, application__outcomes=["5.5", "8.3"][: 1 + index % 2],
                application__organisation__district=list(District)[index % 8],
            )
            if index % 3 == 0:
                services.request_repayment(award=award, actor=finance_user,
                                           amount=Decimal("10.00"), reason="x")

    add_awards(3, 2024)
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for year in (2021, 2022, 2023):
        add_awards(12, year)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
