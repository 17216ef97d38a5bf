"""
The award ledger spreadsheet and the payment file for the finance system.

The ledger is written with openpyxl's write-only mode, which streams rows to
a temporary file, and fed from `.iterator()`, so memory stays flat however
many awards there are; the number of queries does not depend on the number
of rows.
"""

import csv
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import cache, partial
from typing import IO

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from applicants.choices import District, LegalStructure
from grants.models import AwardStatus

from .financial_years import financial_year_label, financial_year_of
from .models import PaymentRun
from .selectors import (
    EVERY_AWARD,
    PENNY,
    AwardFilter,
    award_ledger_rows,
    award_totals,
    breakdowns,
    payments_in_run,
)

CURRENCY_FORMAT = "£#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
# A spreadsheet treats text starting with one of these as a formula (or as
# the start of one, once someone edits the cell).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEDGER_SHEET = "Award ledger"
SUMMARY_SHEET = "Summary"

# (heading, column width, kind). The first columns keep their places:
# scheduled jobs and people's own spreadsheets read them by position.
LEDGER_COLUMNS = [
    ("Grant reference", 16, "text"),
    ("Organisation", 40, "text"),
    ("Charity number", 14, "text"),
    ("Company number", 14, "text"),
    ("District", 24, "text"),
    ("Programme", 28, "text"),
    ("Round", 36, "text"),
    ("Outcomes", 16, "text"),
    ("Award date", 12, "date"),
    ("Amount awarded", 16, "money"),
    ("Paid to date", 16, "money"),
    ("Repaid", 14, "money"),
    ("Outstanding", 16, "money"),
    ("Net awarded", 16, "money"),
    ("Status", 14, "text"),
    ("Cost centre", 12, "text"),
    ("GL code", 10, "text"),
    ("Legal structure", 30, "text"),
    ("Financial year", 12, "text"),
]
LEDGER_HEADINGS = [heading for heading, _, _ in LEDGER_COLUMNS]
MONEY_HEADINGS = ["Amount awarded", "Paid to date", "Repaid", "Outstanding", "Net awarded"]

# The figures of every summary sheet, in the order the dashboard shows them
# (the dashboard's "Offered" is the ledger's "Amount awarded").
FIGURE_COLUMNS = [
    ("Awards", 10, "number", "award_count"),
    ("Amount awarded", 16, "money", "awarded"),
    ("Accepted", 16, "money", "accepted"),
    ("Paid to date", 16, "money", "paid"),
    ("Repaid", 14, "money", "repaid"),
    ("Outstanding", 16, "money", "outstanding"),
    ("Net awarded", 16, "money", "net_awarded"),
]
SUMMARY_COLUMNS = [
    ("Programme", 32, "text"),
    ("Round", 40, "text"),
    *[(heading, width, kind) for heading, width, kind, _ in FIGURE_COLUMNS],
]
BOLD = Font(bold=True)
NUMBER_FORMATS = {"money": CURRENCY_FORMAT, "date": DATE_FORMAT}


def ledger_filename(today: date, *, suffix: str = "") -> str:
    return f"award-ledger{suffix}-{today:%Y-%m-%d}.xlsx"


def write_award_ledger(output: IO[bytes], filters: AwardFilter = EVERY_AWARD) -> int:
    """
    Write the ledger workbook to `output`: the sheet "Award ledger" (one row
    per award and a totals row), "Summary" (by programme and round) and one
    sheet per dashboard breakdown. Returns the number of awards.
    """
    workbook = Workbook(write_only=True)
    with one_snapshot():
        ledger = start_sheet(workbook, LEDGER_SHEET, LEDGER_COLUMNS)
        row_count = 0
        ledger_row = ledger_row_maker(ledger)
        append = ledger.append
        for row in award_ledger_rows(filters).iterator(chunk_size=2000):
            append(ledger_row(row))
            row_count += 1
        # The totals row, the summary sheet and the breakdown sheets (but
        # the outcomes) from one read, as the dashboard has them.
        award_figures = award_totals(filters)
        totals = award_figures.grand_totals
        ledger.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{row_count + 1}"
        total_row = dict.fromkeys(LEDGER_HEADINGS)
        total_row.update({
            "Grant reference": f"Total ({totals['award_count']} awards)",
            "Amount awarded": totals["awarded"],
            "Paid to date": totals["paid"],
            "Repaid": totals["repaid"],
            "Outstanding": totals["outstanding"],
            "Net awarded": totals["net_awarded"],
        })
        ledger.append(cells(ledger, LEDGER_COLUMNS, total_row.values(), bold=True))

        summary = start_sheet(workbook, SUMMARY_SHEET, SUMMARY_COLUMNS)
        for row in award_figures.by_programme_and_round():
            summary.append(
                cells(summary, SUMMARY_COLUMNS, [row["programme"], row["round"], *_figures(row)])
            )
        summary.append(
            cells(summary, SUMMARY_COLUMNS, ["Total", None, *_figures(totals)], bold=True)
        )

        for breakdown in breakdowns(totals=award_figures):
            columns = [(breakdown.heading, 44, "text"),
                       *[(heading, width, kind) for heading, width, kind, _ in FIGURE_COLUMNS]]
            sheet = start_sheet(workbook, breakdown.title, columns)
            for row in breakdown.rows:
                sheet.append(cells(sheet, columns, [row["label"], *_figures(row)]))
            sheet.append(cells(sheet, columns, ["Total", *_figures(totals)], bold=True))
            if breakdown.note:
                sheet.append(cells(sheet, columns[:1], [breakdown.note]))
    workbook.save(output)
    return row_count


def _figures(row: dict) -> list:
    return [row[key] for _, _, _, key in FIGURE_COLUMNS]


@contextmanager
def one_snapshot():
    """
    Read the rows and the totals from one moment, so that the totals always
    agree with the rows even while payments are being marked paid. SQLite
    gives that within any transaction; PostgreSQL needs REPEATABLE READ,
    which can only be set as the transaction's first statement.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


class PreparedCellsSheet(WriteOnlyWorksheet):
    """
    A write-only sheet that takes the cells in a row as they are.

    openpyxl's write-only sheet first tries to store each value of a row in
    a blank cell and only when that fails (a ValueError, whose message
    formats the cell's repr) takes the value as a ready-made cell, then
    makes a new blank cell after it. With the ledger's six formatted cells
    a row, that was about a seventh of the time spent writing its rows at
    25,000 awards (issue 9). This looks for a cell first and otherwise does
    what openpyxl does. It overrides a private method (openpyxl has no
    public way to change how rows are written): should a later openpyxl no
    longer call it, openpyxl's own writes the same file, only slower, and
    test_prepared_cells_sheet_writes_what_openpyxl_writes compares the two.
    """

    def _values_to_row(self, values, row_idx):
        cell = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                made = value
            else:
                cell.value = value
                made = cell
            made.column = col_idx
            made.row = row_idx
            if made.hyperlink is not None:
                made.hyperlink.ref = made.coordinate
            yield made
            # A value that made the blank cell styled (a date) or a link
            # must not carry that over to the next value.
            if made is cell and (cell.has_style or cell.hyperlink):
                cell = WriteOnlyCell(self)


def start_sheet(workbook: Workbook, title: str, columns: list[tuple]):
    """A write-only sheet with its column widths, a frozen heading row and the headings."""
    sheet = PreparedCellsSheet(parent=workbook, title=title)
    # What workbook.create_sheet does for a write-only workbook, with the
    # sheet above instead of openpyxl's.
    workbook._add_sheet(sheet)
    # Column widths and frozen panes must be set before the first row in
    # write-only mode.
    for index, (_, width, *_) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(cells(sheet, columns, [column[0] for column in columns], bold=True,
                        headings=True))
    return sheet



def _pence(amount) -> Decimal:
    # SQLite returns sums of decimals as floats; they are exact to the penny.
    return Decimal(amount).quantize(PENNY)


DISTRICTS = dict(District.choices)
LEGAL_STRUCTURES = dict(LegalStructure.choices)
STATUSES = dict(AwardStatus.choices)


def _outcome_list(codes: str | None) -> str:
    """ "8.2,5.4" -> "5.4, 8.2": the outcome codes in the Strategic Plan's order."""
    return ", ".join(sorted(
        filter(None, (codes or "").split(",")),
        key=lambda code: [int(part) if part.isdigit() else part for part in code.split(".")],
    ))


LEDGER_MONEY_KEYS = ("amount", "paid", "repaid", "outstanding", "net_awarded")


def ledger_row_maker(sheet) -> Callable[[dict], list]:
    """
    A function making the ledger row (LEDGER_COLUMNS, as `cells` would make
    it, not bold) of a row of `award_ledger_rows`. It runs for every award,
    so it does once what need not be done per row:

    - each formatted column (date, money) has one cell, made and styled
      once and given each row's value, instead of a new cell and style per
      value. A write-only sheet writes a row out as it is appended, so the
      cells are free again for the next row: append each row before making
      the next;
    - the columns that repeat a few values (district, programme, round,
      outcomes, status, codes, legal structure, financial year) keep the
      text made for each value they have met, so its label, the cleaning
      and the formula check are done once per value, not once per award.
      Each column has its own store: a formula-like value is a cell, and
      a row must not hold one cell twice.
    """
    text = partial(_text_value, sheet)

    def repeated(label: Callable | None = None) -> Callable:
        return cache(text if label is None else lambda value: text(label(value)))

    date_cell = _formatted_cell(sheet, DATE_FORMAT)
    money_cells = [_formatted_cell(sheet, CURRENCY_FORMAT) for _ in LEDGER_MONEY_KEYS]
    money = list(zip(money_cells, LEDGER_MONEY_KEYS, strict=True))
    district = repeated(lambda code: DISTRICTS.get(code, code))
    programme = repeated()
    round_name = repeated()
    outcomes = repeated(_outcome_list)
    status = repeated(lambda code: STATUSES.get(code, code))
    cost_centre = repeated()
    gl_code = repeated()
    legal_structure = repeated(lambda code: LEGAL_STRUCTURES.get(code, code))
    financial_year = repeated(lambda day: financial_year_label(financial_year_of(day)))

    def make_row(row: dict) -> list:
        award_date = row["award_date"]
        return [
            text(row["reference"]),
            text(row["organisation"]),
            text(row["charity_number"]),
            text(row["company_number"]),
            district(row["district"]),
            programme(row["programme"]),
            round_name(row["round"]),
            outcomes(row["outcome_codes"]),
            date_cell(award_date),
            *[cell(_pence(row[key])) for cell, key in money],
            status(row["status"]),
            cost_centre(row["cost_centre"]),
            gl_code(row["gl_code"]),
            legal_structure(row["legal_structure"]),
            financial_year(award_date),
        ]

    return make_row


def cells(sheet, columns: list[tuple], values: Iterable, *, bold: bool = False,
          headings: bool = False) -> list:
    """
    One row for a write-only sheet. `columns` holds (heading, width, kind)
    tuples: text is formula-safe, money and dates are formatted. Plain text
    goes in as a bare value, which openpyxl writes far faster than a cell.
    """
    row = []
    for column, value in zip(columns, values, strict=True):
        kind = column[2]
        if headings or kind == "text":
            if not bold:
                row.append(_text_value(sheet, value))
                continue
            cell = text_cell(sheet, value)
        elif value is None and not bold:
            row.append(None)
            continue
        else:
            cell = WriteOnlyCell(sheet, value=value)
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
        if bold:
            cell.font = BOLD
        row.append(cell)
    return row


def _text_value(sheet, value):
    # Plain text goes in as a bare value, which openpyxl writes far faster
    # than a cell.
    text = safe_text(value)
    if text.startswith(FORMULA_PREFIXES):
        return text_cell(sheet, value)
    return text or None


def _formatted_cell(sheet, number_format: str) -> Callable:
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format

    def value_in_cell(value):
        if value is None:
            return None
        cell.value = value
        return cell

    return value_in_cell


def safe_text(value) -> str:
    """Text without the characters XML cannot carry (dropped rather than failing the export)."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def text_cell(sheet, value) -> WriteOnlyCell:
    """
    A cell that always holds text. Text that a spreadsheet would read as a
    formula is stored as a string with the quote-prefix style, so it is
    shown exactly as entered and never run, even after someone edits it.
    """
    text = safe_text(value)
    cell = WriteOnlyCell(sheet, value=text or None)
    if text.startswith(FORMULA_PREFIXES):
        # openpyxl has just typed "=..." as a formula; make it text again.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


# --- The payment file for the council's finance system ------------------------------

# In the column order of a typical council finance system upload; the
# organisation's name comes last so the first columns stay where an import
# template expects them.
PAYMENT_FILE_HEADINGS = [
    "Supplier reference",
    "Grant reference",
    "Cost centre",
    "GL code",
    "Amount",
    "Payment date",
    "Bank account name",
    "Sort code",
    "Account number",
    "Supplier name",
]


def payment_file_name(run: PaymentRun) -> str:
    return f"payment-run-{run.reference}.csv"


def payment_date(run: PaymentRun) -> date:
    """
    The date the finance system is asked to pay: the day the run was paid
    when it has been, else the day it was exported, so the file is the same
    however often it is downloaded.
    """
    if run.paid_on:
        return run.paid_on
    if run.exported_at:
        return timezone.localdate(run.exported_at)
    return timezone.localdate()


def csv_safe(value) -> str:
    """
    Text for a CSV cell that a spreadsheet will not run: a value starting
    with a formula character gets a leading apostrophe, which spreadsheets
    read as "this is text" (the OWASP advice for CSV injection).
    """
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def write_payment_file(output: IO[str], run: PaymentRun) -> int:
    """
    The run's payments as CSV, one row each, amounts in pounds and pence
    without symbols, dates as dd/mm/yyyy and bank details masked. Returns
    the number of payments.
    """
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(PAYMENT_FILE_HEADINGS)
    paying_on = f"{payment_date(run):%d/%m/%Y}"
    count = 0
    for payment in payments_in_run(run):
        application = payment.instalment.award.application
        organisation = application.organisation
        programme = application.round.programme
        writer.writerow([
            csv_safe(value)
            for value in (
                organisation.supplier_reference,
                application.reference,
                programme.cost_centre,
                programme.gl_code,
                f"{payment.amount:.2f}",
                paying_on,
                organisation.bank_account_name,
                organisation.masked_sort_code,
                organisation.masked_account_number,
                organisation.name,
            )
        ])
        count += 1
    return count
