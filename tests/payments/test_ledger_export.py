import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from openpyxl.cell import WriteOnlyCell

from applicants.choices import District, LegalStructure
from grants.models import AwardStatus
from payments.exports import LEDGER_COLUMNS, cells, start_sheet, text_cell
from rounds.models import RoundStatus
from tests.applicants.factories import OrganisationFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

HEADINGS = [heading for heading, _, _ in LEDGER_COLUMNS]


def download(client, **params):
    response = client.get(reverse("payments:ledger"), params)
    assert response.status_code == 200, response.content[:500]
    return response, openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def money(cell) -> Decimal:
    return money_value(cell.value)


def money_value(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def ledger_data(make_award):
    programme = ProgrammeFactory(
        name="Communities Fund", code="CF", cost_centre="CC9001", gl_code="70510"
    )
    round = RoundFactory(
        programme=programme, name="Round 1", status=RoundStatus.ARCHIVED, closed=True
    )
    organisation = OrganisationFactory(
        name="Shepshed Community Larder", charity_number="1187654", company_number="",
        district=District.CHARNWOOD,
    )
    first = make_award(
        "2500.50", paid="1000.00", award_date=date(2020, 4, 20),
        application__round=round, application__organisation=organisation,
        application__reference="CF-2020-00001", application__outcomes=["8.2", "5.4"],
    )
    make_award(
        "1000.00", application__round=round, application__reference="CF-2020-00002",
        application__organisation__legal_structure=LegalStructure.CIC,
        application__organisation__charity_number="",
        application__organisation__company_number="12345678",
        status=AwardStatus.COMPLETED,
    )
    other_round = RoundFactory(name="Other round")
    make_award("75.25", paid="0", status=AwardStatus.ACCEPTED, application__round=other_round)
    return {"programme": programme, "round": round, "first": first}


def test_ledger_download_is_an_xlsx_attachment_named_by_date(client_as, finance_user):
    with time_machine.travel(datetime(2026, 11, 23, 10, 0), tick=False):
        response, workbook = download(client_as(finance_user))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="award-ledger-2026-11-23.xlsx"'
    )
    assert workbook.sheetnames == [
        "Award ledger", "Summary", "By district", "By Strategic Plan outcome",
        "By legal structure", "By financial year",
    ]


def test_ledger_has_one_row_per_award_and_a_totals_row(client_as, finance_user, ledger_data):
    _, workbook = download(client_as(finance_user))
    sheet = workbook["Award ledger"]
    rows = list(sheet.iter_rows())

    assert [cell.value for cell in rows[0]] == HEADINGS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S4"
    assert len(rows) == 1 + 3 + 1
    first = dict(zip(HEADINGS, rows[1], strict=True))
    assert first["Grant reference"].value == "CF-2020-00001"
    assert first["Organisation"].value == "Shepshed Community Larder"
    assert first["Charity number"].value == "1187654"
    assert first["Company number"].value is None
    assert first["District"].value == "Charnwood"
    assert first["Programme"].value == "Communities Fund"
    assert first["Round"].value == "Round 1"
    assert first["Outcomes"].value == "5.4, 8.2"
    assert first["Award date"].value == datetime(2020, 4, 20)
    assert money(first["Amount awarded"]) == Decimal("2500.50")
    assert money(first["Paid to date"]) == Decimal("1000.00")
    assert money(first["Outstanding"]) == Decimal("1500.50")
    assert first["Status"].value == "Active"
    assert money(first["Repaid"]) == Decimal("0.00")
    assert money(first["Net awarded"]) == Decimal("2500.50")
    assert first["Cost centre"].value == "CC9001"
    assert first["GL code"].value == "70510"
    assert first["Legal structure"].value == "Registered charity"
    assert first["Financial year"].value == "2020/21"
    for heading in ("Amount awarded", "Paid to date", "Repaid", "Outstanding", "Net awarded"):
        assert first[heading].number_format == "£#,##0.00"
    second = dict(zip(HEADINGS, rows[2], strict=True))
    assert second["Company number"].value == "12345678"
    assert second["Status"].value == "Completed"
    assert second["Legal structure"].value == "Community interest company (CIC)"

    totals = dict(zip(HEADINGS, rows[-1], strict=True))
    assert totals["Grant reference"].value == "Total (3 awards)"
    for heading in ("Amount awarded", "Paid to date", "Repaid", "Outstanding", "Net awarded"):
        column = [money(dict(zip(HEADINGS, row, strict=True))[heading]) for row in rows[1:-1]]
        assert money(totals[heading]) == sum(column)
        assert totals[heading].data_type == "n"  # a value, not a formula
        assert totals[heading].number_format == "£#,##0.00"
    assert money(totals["Amount awarded"]) == Decimal("3575.75")


def test_summary_sheet_totals_equal_the_ledger_totals(client_as, finance_user, ledger_data):
    _, workbook = download(client_as(finance_user))
    ledger_total = dict(zip(HEADINGS, list(workbook["Award ledger"].iter_rows())[-1], strict=True))
    rows = list(workbook["Summary"].iter_rows(values_only=True))

    assert rows[0] == ("Programme", "Round", "Awards", "Amount awarded", "Accepted",
                       "Paid to date", "Repaid", "Outstanding", "Net awarded")
    by_round = {(row[0], row[1]): row[2:] for row in rows[1:-1]}
    count, awarded, accepted, paid, *_ = by_round[("Communities Fund", "Round 1")]
    assert (count, Decimal(str(awarded)), Decimal(str(paid))) == (
        2, Decimal("3500.50"), Decimal("2000.00")
    )
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["Programme"] == "Total"
    assert total["Awards"] == 3 == sum(row[2] for row in rows[1:-1])
    for heading in ("Amount awarded", "Paid to date", "Repaid", "Outstanding", "Net awarded"):
        assert money_value(total[heading]) == money(ledger_total[heading])
    for column in range(3, 9):
        assert money_value(rows[-1][column]) == sum(
            Decimal(str(row[column])) for row in rows[1:-1]
        ).quantize(Decimal("0.01"))


def test_ledger_can_be_filtered_to_a_programme_or_round(client_as, finance_user, ledger_data):
    client = client_as(finance_user)
    _, workbook = download(client, programme=ledger_data["programme"].pk)
    references = [row[0] for row in workbook["Award ledger"].iter_rows(values_only=True)]
    assert references == ["Grant reference", "CF-2020-00001", "CF-2020-00002",
                          "Total (2 awards)"]
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert [row[1] for row in summary[1:-1]] == ["Round 1"]

    _, workbook = download(client, round=ledger_data["round"].pk)
    assert workbook["Award ledger"].max_row == 4


def test_bad_ledger_filters_get_a_message_not_an_error(client_as, finance_user, ledger_data):
    other_round = RoundFactory(name="Elsewhere")
    client = client_as(finance_user)

    response = client.get(reverse("payments:ledger"), {"programme": "not-a-number"})
    assert response.status_code == 400
    assert "Choose a programme from the list" in response.content.decode()

    response = client.get(
        reverse("payments:ledger"),
        {"programme": ledger_data["programme"].pk, "round": other_round.pk},
    )
    assert response.status_code == 400
    assert "Elsewhere is not a round of Communities Fund" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x","y")', "+44 1234", "-2+3", "@SUM(A1:A2)", "\tTabbed", "\rReturn"],
)
def test_text_that_looks_like_a_formula_is_written_as_text(
    client_as, finance_user, make_award, name
):
    make_award("100.00", application__organisation__name=name)

    _, workbook = download(client_as(finance_user))
    cell = workbook["Award ledger"]["B2"]

    assert cell.value == name
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_characters_a_spreadsheet_cannot_hold_do_not_break_the_export(
    client_as, finance_user, make_award
):
    make_award("100.00", application__organisation__name="Bell\x07 Ringers")

    _, workbook = download(client_as(finance_user))

    assert workbook["Award ledger"]["B2"].value == "Bell Ringers"


def test_ledger_query_count_does_not_grow_with_awards(
    client_as, finance_user, make_award, django_assert_max_num_queries
):
    client = client_as(finance_user)
    round = RoundFactory()
    for _ in range(5):
        make_award("100.00", paid="10.00", application__round=round, application__outcomes=["5.5"])
    download(client)
    with django_assert_max_num_queries(30) as small:
        download(client)
    for _ in range(25):
        make_award("100.00", application__outcomes=["5.5", "8.2"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        _, workbook = download(client)
    assert workbook["Award ledger"].max_row == 1 + 30 + 1


def test_every_ledger_row_has_its_own_date_money_and_year(client_as, finance_user, make_award):
    # The formatted columns reuse one cell each and the repeated columns
    # reuse their text, so check that no row shows another row's figures.
    round = RoundFactory(name="Round A")
    awards = [
        ("CF-2021-00001", "300.00", "100.00", date(2021, 3, 31), "2020/21"),
        ("CF-2021-00002", "450.25", "0", date(2021, 4, 1), "2021/22"),
        ("CF-2021-00003", "1200.00", "1200.00", date(2022, 12, 5), "2022/23"),
    ]
    for reference, amount, paid, award_date, _ in awards:
        make_award(amount, paid=paid, award_date=award_date, application__round=round,
                   application__reference=reference)

    _, workbook = download(client_as(finance_user))
    rows = [dict(zip(HEADINGS, row, strict=True))
            for row in list(workbook["Award ledger"].iter_rows())[1:-1]]

    assert [row["Grant reference"].value for row in rows] == [award[0] for award in awards]
    for row, (_, amount, paid, award_date, year) in zip(rows, awards, strict=True):
        assert row["Award date"].value == datetime.combine(award_date, datetime.min.time())
        assert row["Award date"].number_format == "dd/mm/yyyy"
        assert money(row["Amount awarded"]) == Decimal(amount)
        assert money(row["Paid to date"]) == Decimal(paid)
        assert money(row["Outstanding"]) == Decimal(amount) - Decimal(paid)
        for heading in ("Amount awarded", "Paid to date", "Repaid", "Outstanding", "Net awarded"):
            assert row[heading].number_format == "£#,##0.00"
            assert row[heading].data_type == "n"
        assert row["Round"].value == "Round A"
        assert row["Financial year"].value == year


def test_a_formula_like_name_shared_by_many_awards_is_text_in_every_row(
    client_as, finance_user, make_award
):
    programme = ProgrammeFactory(name="=SUM(1,2)", cost_centre="-CC1")
    round = RoundFactory(programme=programme, name="@Round")
    for _ in range(3):
        make_award("100.00", application__round=round)

    _, workbook = download(client_as(finance_user))
    rows = [dict(zip(HEADINGS, row, strict=True))
            for row in list(workbook["Award ledger"].iter_rows())[1:-1]]

    assert len(rows) == 3
    for row in rows:
        for heading, text in (("Programme", "=SUM(1,2)"), ("Round", "@Round"),
                              ("Cost centre", "-CC1")):
            assert row[heading].value == text
            assert row[heading].data_type == "s"
            assert row[heading].quotePrefix is True
        assert row["District"].quotePrefix is False


def test_prepared_cells_sheet_writes_what_openpyxl_writes():
    """
    The ledger's sheets take ready-made cells without openpyxl's failed
    attempt to store them as values; the cells must come out the same.
    """
    columns = [("Heading", 10, "text")]

    def openpyxl_sheet(workbook):
        sheet = workbook.create_sheet("Sheet")
        sheet.append(cells(sheet, columns, ["Heading"], bold=True, headings=True))
        return sheet

    def write(make_sheet) -> list:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = make_sheet(workbook)
        money = WriteOnlyCell(sheet)
        money.number_format = "£#,##0.00"
        linked = WriteOnlyCell(sheet, value="Guidance")
        linked.hyperlink = "https://example.org/guidance"
        for number in range(1, 4):
            money.value = Decimal(number) / 4
            sheet.append([
                f"Row {number}", None, money, date(2024, 1, number), text_cell(sheet, "=1+1"),
                number, text_cell(sheet, "plain"), "after", linked if number == 2 else None,
            ])
        output = io.BytesIO()
        workbook.save(output)
        return [
            (cell.coordinate, cell.value, cell.data_type, cell.number_format, cell.font.b,
             cell.quotePrefix, cell.hyperlink.target if cell.hyperlink else None)
            for row in openpyxl.load_workbook(output).worksheets[0].iter_rows() for cell in row
        ]

    ours = write(lambda workbook: start_sheet(workbook, "Sheet", columns))

    assert ours == write(openpyxl_sheet)
    by_place = {cell[0]: cell[1:] for cell in ours}
    assert by_place["A1"] == ("Heading", "s", "General", True, False, None)
    assert by_place["C2"][:3] == (0.25, "n", "£#,##0.00")
    assert by_place["C4"][:3] == (0.75, "n", "£#,##0.00")
    assert by_place["E3"][:2] == ("=1+1", "s") and by_place["E3"][4] is True
    assert by_place["I3"][5] == "https://example.org/guidance"
