"""The report's spreadsheet holds exactly the figures the page shows."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from payments.exports import CURRENCY_FORMAT, XLSX_CONTENT_TYPE
from tests.grants.report_helpers import body_rows, foot_row, funded, not_funded, summary
from tests.rounds.factories import ProgrammeFactory, RoundFactory

PAGE = reverse("grants:report")
DOWNLOAD = reverse("grants:report_download")
SHEETS = {
    "district": "By district",
    "outcome": "By Strategic Plan outcome",
    "legal-structure": "By legal structure",
    "community": "By community served",
    "period": "By quarter",
}


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE)


@pytest.fixture
def shire(db):
    return RoundFactory(programme=ProgrammeFactory(name="SHIRE Community Grants", code="SCG"))


def page_value(text: str):
    """ "£1,250.50" -> Decimal("1250.50"); "3" -> 3."""
    if text.startswith("£"):
        return Decimal(text[1:].replace(",", ""))
    return int(text)


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'attachment; filename="grants-report-' in response["Content-Disposition"]
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def exact(value):
    """A spreadsheet number as the page shows it: whole numbers, or pounds and pence."""
    if isinstance(value, float):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def sheet_rows(book, title):
    return [[exact(value) for value in row] for row in book[title].iter_rows(values_only=True)]


@pytest.fixture
def awards(shire):
    funded("1000.00", round=shire, district="E07000130", outcomes=["5.5", "8.3"],
           award_date=date(2025, 4, 10), paid="400.00", legal_structure="cio",
           communities="Older people")
    funded("250.50", round=shire, district="E07000133", outcomes=["5.5"],
           award_date=date(2025, 11, 2), communities="=HYPERLINK(\"http://x\")")
    funded("99.99", round=shire, district="E10000018", outcomes=["4.1"],
           award_date=date(2026, 2, 1), legal_structure="cic", communities="Women")
    not_funded(round=shire, decided_on=date(2025, 6, 1))


def test_every_sheet_matches_its_table_on_the_page(client_as, finance, awards):
    query = {"period": "quarter"}
    client = client_as(finance)
    html = client.get(PAGE, query).content
    book = workbook(client.get(DOWNLOAD, query))

    assert book.sheetnames == ["Summary", *SHEETS.values()]
    for key, title in SHEETS.items():
        rows = sheet_rows(book, title)
        assert rows[0][1:] == ["Awards", "Amount awarded", "Paid to date", "Net awarded"]
        on_page = body_rows(html, f"totals-by-{key}")
        in_sheet = {row[0]: row[1:] for row in rows[1:len(on_page) + 1]}
        assert in_sheet == {
            label: [page_value(cell) for cell in cells] for label, cells in on_page.items()
        }, title
        total = rows[len(on_page) + 1]
        page_total = foot_row(html, f"totals-by-{key}")
        assert total[0] == page_total[0]
        assert total[1:] == [page_value(cell) for cell in page_total[1:]]


def test_outcome_sheet_says_the_total_counts_each_award_once(client_as, finance, awards):
    book = workbook(client_as(finance).get(DOWNLOAD))
    rows = sheet_rows(book, "By Strategic Plan outcome")

    assert rows[-2][:3] == ["Total (each award once)", 3, Decimal("1350.49")]
    assert "The total counts every award once" in rows[-1][0]
    assert sum(row[2] for row in rows[1:-2]) == Decimal("2350.49")


def test_summary_sheet_matches_the_page(client_as, finance, awards):
    client = client_as(finance)
    facts = summary(client.get(PAGE).content)
    rows = {row[0]: row[1] for row in sheet_rows(workbook(client.get(DOWNLOAD)), "Summary")[1:]}

    assert rows["Programme"] == "All programmes"
    assert rows["Awards"] == int(facts["Awards"]) == 3
    assert rows["Amount awarded"] == page_value(facts["Amount awarded"])
    assert rows["Average award"] == page_value(facts["Average award"]) == Decimal("450.16")
    assert f"{rows['Success rate (approved / decided, %)']:.1f}%" == facts["Success rate"]
    assert f"{rows['Median days from submission to decision']:.1f} days" == facts[
        "Median time from submission to decision"
    ]


def test_money_is_formatted_as_pounds_and_text_is_never_a_formula(client_as, finance, awards):
    book = workbook(client_as(finance).get(DOWNLOAD))
    sheet = book["By community served"]

    formula_like = [cell for cell in sheet["A"] if str(cell.value).startswith("=")]
    assert len(formula_like) == 1
    assert formula_like[0].data_type == "s"
    assert formula_like[0].quotePrefix
    money = [cell for cell in sheet["C"][1:] if cell.value is not None]
    assert money and all(cell.number_format == CURRENCY_FORMAT for cell in money)
    assert book["Summary"]["B4"].value  # the selection is written out


def test_the_download_uses_the_same_filters_as_the_page(client_as, finance, awards, shire):
    other = RoundFactory(programme=shire.programme)
    funded("5000.00", round=other)
    client = client_as(finance)

    book = workbook(client.get(DOWNLOAD, {"round": shire.pk, "financial_year": "2025/26"}))

    rows = {row[0]: row[1] for row in sheet_rows(book, "Summary")[1:]}
    assert rows["Round"] == f"{shire.programme.name}: {shire.name}"
    assert rows["Financial year"] == "2025/26"
    assert rows["Amount awarded"] == Decimal("1350.49")


def test_a_bad_filter_shows_the_report_page_with_the_error(client_as, finance, shire):
    response = client_as(finance).get(DOWNLOAD, {"financial_year": "next year"})

    assert response.status_code == 400
    assert "Choose a financial year from the list" in response.content.decode()
