"""
Reading historical awards from a spreadsheet (.xlsx) before they are
imported. Every row is checked and every problem reported ("Row 7: amount
'12,5o0' is not a number"); `services.import_historical_awards` writes the
rows only when there is none.

The layout (the first row holds the headings, in any order; letter case
and spaces around them do not matter):

| Heading           | What goes in it                                                        |
|-------------------|------------------------------------------------------------------------|
| Programme code    | the programme's code, like CF or SCG                                   |
| Round name        | the name of a round of that programme already set up, like Round 1     |
| Organisation name | the organisation's name                                                |
| Legal structure   | as listed on the organisation form, like Registered charity            |
| Charity number    | 6 or 7 digits (required for charities and CIOs)                        |
| Company number    | 8 characters, like 01234567 (required for companies and CICs)          |
| Postcode          | the organisation's postcode                                            |
| District          | the district it is based in, like Charnwood, or County-wide (or its ONS code) |
| Award date        | the date the award was made, like 20/04/2020                           |
| Amount            | the amount awarded in pounds and pence, like 2500 or 2,500.50          |
| Title             | the project's title                                                    |
| Reference         | the grant's reference, like CF-2020-00001 (not used by another grant)  |
"""

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from openpyxl import load_workbook

from applicants.choices import (
    STRUCTURES_NEEDING_CHARITY_NUMBER,
    STRUCTURES_NEEDING_COMPANY_NUMBER,
    District,
    LegalStructure,
)
from applicants.models import Organisation
from applicants.validators import (
    normalise_charity_number,
    normalise_company_number,
    normalise_postcode,
)
from grants.models import Application, ApplicationStatus
from rounds.models import Programme, Round

COLUMNS = {
    "programme code": "programme_code",
    "round name": "round_name",
    "organisation name": "organisation_name",
    "legal structure": "legal_structure",
    "charity number": "charity_number",
    "company number": "company_number",
    "postcode": "postcode",
    "district": "district",
    "award date": "award_date",
    "amount": "amount",
    "title": "title",
    "reference": "reference",
}
HEADINGS = [heading[0].upper() + heading[1:] for heading in COLUMNS]
MAX_ROWS = 20000
MAX_AMOUNT = Decimal("9999999999.99")
# "2500", "2500.5", "2,500.50" and "£2,500.50": commas only between thousands.
AMOUNT_TEXT = re.compile(r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
REFERENCE_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
ENDED_STATES = [ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE]


class ImportRejected(ValidationError):
    """The file cannot be imported; `.messages` lists every problem, row by row."""


@dataclass
class AwardRow:
    """One checked row, ready to import."""

    row_number: int
    round: Round
    reference: str
    title: str
    amount: Decimal
    award_date: date
    organisation: Organisation | None
    organisation_key: tuple
    organisation_fields: dict = field(default_factory=dict)


def _text(value) -> str:
    """A cell as text: whole numbers without ".0", everything trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def _shown(value) -> str:
    """A cell's value as quoted back in a message (short)."""
    text = _text(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def parse_amount(value) -> Decimal:
    """Pounds and pence from a number cell or text like "£2,500.50"; ValueError if not."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"\s", "", str(value or "")).removeprefix("£")
        if not AMOUNT_TEXT.match(text):
            raise ValueError("is not a number")
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError("is not a number") from None
    if not amount.is_finite():
        raise ValueError("is not a number")
    if amount <= 0:
        raise ValueError("must be more than £0")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("must be in pounds and pence (at most 2 decimal places)")
    if amount > MAX_AMOUNT:
        raise ValueError("is too large")
    return amount.quantize(Decimal("0.01"))


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError("is not a real date (write it like 20/04/2020)")


def _legal_structures() -> dict[str, str]:
    names = {}
    for structure in LegalStructure:
        names[structure.value.lower()] = structure.value
        names[structure.label.lower()] = structure.value
    # The usual short forms of the longer names.
    names.update({"charity": LegalStructure.REGISTERED_CHARITY, "cic": LegalStructure.CIC,
                  "cio": LegalStructure.CIO, "unincorporated association": LegalStructure.UNINCORPORATED,
                  "community group": LegalStructure.UNINCORPORATED,
                  "company limited by guarantee": LegalStructure.COMPANY_LIMITED_BY_GUARANTEE})
    return names


def _districts() -> dict[str, str]:
    names = {}
    for district in District:
        names[district.value.lower()] = district.value
        names[district.label.lower()] = district.value
    names.update({"county wide": District.COUNTY_WIDE, "countywide": District.COUNTY_WIDE,
                  "leicestershire": District.COUNTY_WIDE})
    return names


def _open_rows(file: IO[bytes]):
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportRejected(
            "The file must be an Excel workbook (.xlsx). Save the spreadsheet as "
            "'Excel Workbook' and try again."
        ) from error
    sheet = workbook.worksheets[0]
    return workbook, sheet.iter_rows(values_only=True)


def read_award_rows(file: IO[bytes]) -> list[AwardRow]:
    """
    Read and check every row of the workbook's first sheet. Returns the rows
    when all are good; otherwise raises ImportRejected listing every problem.
    """
    workbook, rows = _open_rows(file)
    try:
        raw_rows = _read_raw_rows(rows)
    finally:
        workbook.close()
    return _check_rows(raw_rows)


def _read_raw_rows(rows) -> list[tuple[int, dict]]:
    headings = next(rows, None)
    if headings is None:
        raise ImportRejected("The file is empty: the first row must hold the column headings.")
    positions = {}
    for index, heading in enumerate(headings):
        name = _text(heading).lower()
        if name in COLUMNS:
            positions[COLUMNS[name]] = index
    missing = [heading for heading in HEADINGS if COLUMNS[heading.lower()] not in positions]
    if missing:
        raise ImportRejected(
            "The first row must hold the column headings. Missing: "
            + ", ".join(f"'{heading}'" for heading in missing) + "."
        )
    raw_rows = []
    for number, values in enumerate(rows, start=2):
        if not any(_text(value) for value in values):
            continue  # a blank line
        if len(raw_rows) == MAX_ROWS:
            raise ImportRejected(
                f"The file has more than {MAX_ROWS:,} awards. Split it into smaller files."
            )
        raw_rows.append((number, {
            key: values[index] if index < len(values) else None
            for key, index in positions.items()
        }))
    if not raw_rows:
        raise ImportRejected("The file has no awards below the column headings.")
    return raw_rows


def _check_rows(raw_rows: list[tuple[int, dict]]) -> list[AwardRow]:
    errors: list[str] = []
    programmes = {p.code.upper(): p for p in Programme.objects.all()}
    rounds = {
        (r.programme_id, r.name.strip().lower()): r
        for r in Round.objects.select_related("programme")
    }
    references = [_text(raw["reference"]) for _, raw in raw_rows]
    taken = set(
        Application.objects.annotate(lower=Lower("reference"))
        .filter(lower__in=[r.lower() for r in references if r])
        .values_list("lower", flat=True)
    )
    structures, districts = _legal_structures(), _districts()
    today = timezone.localdate()
    seen_references: dict[str, int] = {}
    checked: list[AwardRow] = []

    for number, raw in raw_rows:
        row_errors: list[str] = []

        def problem(message: str, number=number, row_errors=row_errors) -> None:
            row_errors.append(f"Row {number}: {message}")

        code = _text(raw["programme_code"]).upper()
        programme = programmes.get(code)
        if not code:
            problem("programme code is missing")
        elif programme is None:
            known = ", ".join(sorted(programmes)) or "none yet"
            problem(f"programme code '{_shown(raw['programme_code'])}' is not a programme "
                    f"(the codes are {known})")
        round_name = _text(raw["round_name"])
        round = None
        if not round_name:
            problem("round name is missing")
        elif programme is not None:
            round = rounds.get((programme.pk, round_name.lower()))
            if round is None:
                problem(f"{programme.name} has no round called '{_shown(raw['round_name'])}'")

        name = _text(raw["organisation_name"])
        if not name:
            problem("organisation name is missing")
        elif len(name) > 200:
            problem("organisation name is longer than 200 characters")

        structure = structures.get(_text(raw["legal_structure"]).lower())
        if not _text(raw["legal_structure"]):
            problem("legal structure is missing")
        elif structure is None:
            problem(f"legal structure '{_shown(raw['legal_structure'])}' is not one this service "
                    "knows (use a name from the organisation form, like 'Registered charity')")

        charity_number = company_number = postcode = ""
        if _text(raw["charity_number"]):
            try:
                charity_number = normalise_charity_number(_text(raw["charity_number"]))
            except ValidationError:
                problem(f"charity number '{_shown(raw['charity_number'])}' is not 6 or 7 digits")
        elif structure in STRUCTURES_NEEDING_CHARITY_NUMBER:
            problem(f"a {LegalStructure(structure).label.lower()} needs a charity number")
        if _text(raw["company_number"]):
            try:
                company_number = normalise_company_number(_text(raw["company_number"]))
            except ValidationError:
                problem(f"company number '{_shown(raw['company_number'])}' is not 8 characters, "
                        "like 01234567 or SC123456")
        elif structure in STRUCTURES_NEEDING_COMPANY_NUMBER:
            problem(f"a {LegalStructure(structure).label.lower()} needs a company number")
        if not _text(raw["postcode"]):
            problem("postcode is missing")
        else:
            try:
                postcode = normalise_postcode(_text(raw["postcode"]))
            except ValidationError:
                problem(f"postcode '{_shown(raw['postcode'])}' is not a real postcode")

        district = districts.get(_text(raw["district"]).lower())
        if not _text(raw["district"]):
            problem("district is missing")
        elif district is None:
            problem(f"district '{_shown(raw['district'])}' is not one of Leicestershire's "
                    "districts or County-wide")

        award_date = None
        if not _text(raw["award_date"]):
            problem("award date is missing")
        else:
            try:
                award_date = parse_date(raw["award_date"])
            except ValueError as error:
                problem(f"award date '{_shown(raw['award_date'])}' {error}")
            else:
                if award_date > today:
                    problem(f"award date {award_date:%d/%m/%Y} is in the future")
                elif award_date.year < 1990:
                    problem(f"award date {award_date:%d/%m/%Y} is too long ago")

        amount = None
        if not _text(raw["amount"]):
            problem("amount is missing")
        else:
            try:
                amount = parse_amount(raw["amount"])
            except ValueError as error:
                problem(f"amount '{_shown(raw['amount'])}' {error}")

        title = _text(raw["title"])
        if not title:
            problem("title is missing")
        elif len(title) > 200:
            problem("title is longer than 200 characters")

        reference = _text(raw["reference"])
        if not reference:
            problem("reference is missing")
        elif len(reference) > 20 or not REFERENCE_TEXT.match(reference):
            problem(f"reference '{_shown(raw['reference'])}' must be up to 20 letters, numbers "
                    "and hyphens, like CF-2020-00001")
        elif reference.lower() in taken:
            problem(f"reference {reference} is already used by another grant")
        elif reference.lower() in seen_references:
            problem(f"reference {reference} is also on row {seen_references[reference.lower()]}")
        if reference:
            seen_references.setdefault(reference.lower(), number)

        errors.extend(row_errors)
        if not row_errors:
            checked.append(AwardRow(
                row_number=number, round=round, reference=reference, title=title,
                amount=amount, award_date=award_date, organisation=None,
                organisation_key=_organisation_key(name, charity_number, company_number, postcode),
                organisation_fields={
                    "name": name, "legal_structure": structure, "charity_number": charity_number,
                    "company_number": company_number, "postcode": postcode, "district": district,
                },
            ))

    if not errors:
        errors = _match_organisations(checked)
    if errors:
        raise ImportRejected(errors)
    return checked


def _organisation_key(name: str, charity_number: str, company_number: str, postcode: str) -> tuple:
    if charity_number:
        return ("charity", charity_number)
    if company_number:
        return ("company", company_number)
    return ("name", name.lower(), postcode)


def _match_organisations(rows: list[AwardRow]) -> list[str]:
    """
    Find each row's organisation among those already known (by charity
    number, else company number, else name and postcode); the others are
    created on import. One organisation may hold one award per round.
    """
    charities = {r.organisation_key[1] for r in rows if r.organisation_key[0] == "charity"}
    companies = {r.organisation_key[1] for r in rows if r.organisation_key[0] == "company"}
    names = {r.organisation_key[1] for r in rows if r.organisation_key[0] == "name"}
    known: dict[tuple, Organisation] = {}
    candidates = Organisation.objects.annotate(lower=Lower("name")).filter(
        Q(charity_number__in=charities) | Q(company_number__in=companies) | Q(lower__in=names)
    )
    for organisation in candidates.order_by("pk"):
        for key in (("charity", organisation.charity_number),
                    ("company", organisation.company_number),
                    ("name", organisation.name.lower(), organisation.postcode)):
            known.setdefault(key, organisation)
    for row in rows:
        row.organisation = known.get(row.organisation_key)

    existing = {
        (application.round_id, application.organisation_id): application.reference
        for application in Application.objects.filter(
            round_id__in={row.round.pk for row in rows},
            organisation_id__in={row.organisation.pk for row in rows if row.organisation},
        ).exclude(status__in=ENDED_STATES).only("round_id", "organisation_id", "reference")
    }
    errors, in_file = [], {}
    for row in rows:
        who = row.organisation.pk if row.organisation else row.organisation_key
        name = row.organisation.name if row.organisation else row.organisation_fields["name"]
        if row.organisation and (row.round.pk, row.organisation.pk) in existing:
            reference = existing[(row.round.pk, row.organisation.pk)] or "a draft"
            errors.append(f"Row {row.row_number}: {name} already has an application in "
                          f"{row.round.programme.name} {row.round.name} ({reference})")
        elif (row.round.pk, who) in in_file:
            errors.append(f"Row {row.row_number}: {name} already has an award in "
                          f"{row.round.programme.name} {row.round.name} on row "
                          f"{in_file[(row.round.pk, who)]}; one organisation may have one "
                          "award per round")
        else:
            in_file[(row.round.pk, who)] = row.row_number
    return errors
