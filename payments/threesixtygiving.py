"""
Committed awards in the 360Giving Data Standard (schema 1.4), as a JSON
package `{"grants": [...]}` and as a spreadsheet with the standard's column
titles.

Both stream: awards come from one `.iterator()` query and are written one at
a time (the spreadsheet in openpyxl's write-only mode), so memory stays flat
and the number of queries does not depend on the number of awards.

Identifiers follow the standard's guidance: a grant is
`<GRANT_ID_PREFIX>-<reference>` ("360G-LEC-SCG-2026-00001"); a recipient is
`GB-CHC-<charity number>`, else `GB-COH-<company number>`, else, for a group
on no register, `<GRANT_ID_PREFIX>-ORG-<our id>`.
"""

import json
import re
from collections.abc import Iterator
from datetime import datetime, time
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from applicants.choices import District

from .exports import cells, one_snapshot, start_sheet
from .selectors import EVERY_AWARD, AwardFilter, committed_awards

CURRENCY = "GBP"
COUNTY_CODE = District.COUNTY_WIDE.value
# geoCodeType codelist: local authority district, county.
DISTRICT_CODE_TYPE = "LAD"
COUNTY_CODE_TYPE = "CTY"

# The fields the standard requires of every grant (with a recipient
# organisation); `missing_required_fields` checks them.
REQUIRED_FIELDS = (
    "id", "title", "description", "currency", "amountAwarded", "awardDate",
    "recipientOrganization", "fundingOrganization",
)
DATE_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$")


class NothingToPublish(ValidationError):
    """The selection holds no awards, and a 360Giving package must hold at least one."""


def json_filename(today) -> str:
    return f"360giving-{today:%Y-%m-%d}.json"


def xlsx_filename(today) -> str:
    return f"360giving-{today:%Y-%m-%d}.xlsx"


def grant_rows(filters: AwardFilter = EVERY_AWARD) -> QuerySet:
    """One dictionary per committed award with everything a 360Giving grant holds."""
    modified = Greatest(
        "application__updated_at", "offered_at", Coalesce("accepted_at", "offered_at")
    )
    return (
        committed_awards(filters)
        .annotate(modified=modified)
        .order_by("application__reference", "pk")
        .values(
            "pk",
            "amount",
            "award_date",
            "modified",
            reference=F("application__reference"),
            title=F("application__title"),
            summary=F("application__summary"),
            project_start=F("application__project_start"),
            project_end=F("application__project_end"),
            districts_served=F("application__districts_served"),
            organisation_id=F("application__organisation_id"),
            organisation=F("application__organisation__name"),
            charity_number=F("application__organisation__charity_number"),
            company_number=F("application__organisation__company_number"),
            postcode=F("application__organisation__postcode"),
            organisation_district=F("application__organisation__district"),
            programme_code=F("application__round__programme__code"),
            programme=F("application__round__programme__name"),
        )
    )


def grant_identifier(reference: str) -> str:
    return f"{settings.GRANT_ID_PREFIX}-{reference}"


def recipient_identifier(*, pk: int, charity_number: str, company_number: str) -> str:
    charity_number = re.sub(r"\s+", "", charity_number or "")
    company_number = re.sub(r"\s+", "", company_number or "").upper()
    if charity_number:
        return f"GB-CHC-{charity_number}"
    if company_number:
        # Companies House numbers are 8 characters; people drop leading zeros.
        return f"GB-COH-{company_number.zfill(8) if company_number.isdigit() else company_number}"
    return f"{settings.GRANT_ID_PREFIX}-ORG-{pk}"


DISTRICTS = dict(District.choices)


def beneficiary_locations(row: dict) -> list[dict]:
    """The districts the project serves (else where the organisation is based)."""
    codes = [code for code in (row["districts_served"] or []) if code in DISTRICTS]
    if not codes and row["organisation_district"] in DISTRICTS:
        codes = [row["organisation_district"]]
    return [
        {
            "name": DISTRICTS[code] if code != COUNTY_CODE else "Leicestershire",
            "geoCode": code,
            "geoCodeType": COUNTY_CODE_TYPE if code == COUNTY_CODE else DISTRICT_CODE_TYPE,
        }
        for code in dict.fromkeys(codes)
    ]


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def data_source() -> str:
    return getattr(settings, "THREESIXTYGIVING_DATA_SOURCE", "") or f"{settings.SITE_URL}/"


def _amount(value: Decimal) -> float | int:
    """
    A JSON number for an amount. The standard wants numbers, and json writes
    floats with the shortest text that reads back as the same float, which
    for amounts of at most 15 significant digits (ours have 12) is exactly
    the pounds and pence stored.
    """
    return int(value) if value == value.to_integral_value() else float(value)


def grant_record(row: dict) -> dict:
    """One grant in the standard's JSON shape, empty optional fields left out."""
    title = (row["title"] or "").strip() or f"{row['programme']} grant to {row['organisation']}"
    recipient = {
        "id": recipient_identifier(
            pk=row["organisation_id"], charity_number=row["charity_number"],
            company_number=row["company_number"],
        ),
        "name": row["organisation"],
    }
    if row["charity_number"]:
        recipient["charityNumber"] = row["charity_number"]
    if row["company_number"]:
        recipient["companyNumber"] = row["company_number"]
    if row["postcode"]:
        recipient["postalCode"] = row["postcode"]
    grant = {
        "id": grant_identifier(row["reference"]),
        "title": title,
        "description": (row["summary"] or "").strip() or title,
        "currency": CURRENCY,
        "amountAwarded": _amount(row["amount"]),
        "awardDate": row["award_date"].isoformat(),
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": settings.FUNDER_ORG_ID, "name": settings.FUNDER_NAME}],
        "grantProgramme": [{"code": row["programme_code"], "title": row["programme"]}],
    }
    planned = {}
    if row["project_start"]:
        planned["startDate"] = row["project_start"].isoformat()
    if row["project_end"]:
        planned["endDate"] = row["project_end"].isoformat()
    if planned:
        grant["plannedDates"] = [planned]
    locations = beneficiary_locations(row)
    if locations:
        grant["beneficiaryLocation"] = locations
    grant["dateModified"] = _instant(row["modified"])
    grant["dataSource"] = data_source()
    return grant


def grant_records(filters: AwardFilter = EVERY_AWARD) -> Iterator[dict]:
    for row in grant_rows(filters).iterator(chunk_size=2000):
        yield grant_record(row)


def missing_required_fields(grant: dict) -> list[str]:
    """
    The project's own check of what the standard requires, independent of
    the schema file: each problem as a sentence; an empty list when the
    grant is complete.
    """
    problems = []
    for field in REQUIRED_FIELDS:
        if grant.get(field) in (None, "", []):
            problems.append(f"{field} is missing")
    if not str(grant.get("id", "")).startswith("360G-"):
        problems.append("id does not start with the 360G- prefix")
    if grant.get("currency") not in (None, CURRENCY):
        problems.append("currency is not GBP")
    amount = grant.get("amountAwarded")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        problems.append("amountAwarded is not a number")
    if grant.get("awardDate") and not DATE_PATTERN.match(grant["awardDate"]):
        problems.append("awardDate is not a YYYY-MM-DD date")
    for field in ("recipientOrganization", "fundingOrganization"):
        for organisation in grant.get(field) or []:
            for key in ("id", "name"):
                if not organisation.get(key):
                    problems.append(f"{field} {key} is missing")
    return problems


def write_json(output: IO[bytes], filters: AwardFilter = EVERY_AWARD) -> int:
    """
    Write the package to `output` (UTF-8) one grant at a time. Returns the
    number of grants; raises NothingToPublish, writing nothing, when there
    are none.
    """
    count = 0
    with one_snapshot():
        for grant in grant_records(filters):
            output.write(b'{"grants": [\n' if not count else b",\n")
            output.write(json.dumps(grant, ensure_ascii=False).encode())
            count += 1
    if not count:
        raise NothingToPublish("There are no awards to publish for this selection.")
    output.write(b"\n]}\n")
    return count


# --- The spreadsheet ---------------------------------------------------------------

GRANTS_SHEET = "grants"

# (column title, width, kind, how to read it from a grant)
XLSX_COLUMNS = [
    ("Identifier", 28, "text", lambda g: g["id"]),
    ("Title", 40, "text", lambda g: g["title"]),
    ("Description", 60, "text", lambda g: g["description"]),
    ("Currency", 10, "text", lambda g: g["currency"]),
    ("Amount Awarded", 16, "amount", lambda g: g["amountAwarded"]),
    ("Award Date", 12, "date", lambda g: g["awardDate"]),
    ("Recipient Org:Identifier", 24, "text", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", 40, "text", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:Charity Number", 14, "text",
     lambda g: g["recipientOrganization"][0].get("charityNumber")),
    ("Recipient Org:Company Number", 14, "text",
     lambda g: g["recipientOrganization"][0].get("companyNumber")),
    ("Recipient Org:Postal Code", 12, "text",
     lambda g: g["recipientOrganization"][0].get("postalCode")),
    ("Funding Org:Identifier", 14, "text", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", 30, "text", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Title", 30, "text", lambda g: g["grantProgramme"][0]["title"]),
    ("Planned Dates:Start Date", 12, "date",
     lambda g: g.get("plannedDates", [{}])[0].get("startDate")),
    ("Planned Dates:End Date", 12, "date",
     lambda g: g.get("plannedDates", [{}])[0].get("endDate")),
    ("Beneficiary Location:Name", 24, "text", lambda g: _location(g, 0, "name")),
    ("Beneficiary Location:Geographic Code", 14, "text", lambda g: _location(g, 0, "geoCode")),
    ("Beneficiary Location:Geographic Code Type", 10, "text",
     lambda g: _location(g, 0, "geoCodeType")),
    ("Last Modified", 26, "text", lambda g: g["dateModified"]),
    ("Data Source", 30, "text", lambda g: g["dataSource"]),
]
XLSX_TITLES = [column[0] for column in XLSX_COLUMNS]


def _location(grant: dict, index: int, key: str):
    locations = grant.get("beneficiaryLocation") or []
    return locations[index][key] if index < len(locations) else None


def _extra_location_columns(count: int) -> list[tuple]:
    """
    Columns for the second and later beneficiary locations, numbered as the
    standard's spreadsheet conversion expects ("Beneficiary Location:1:Name").
    """
    columns = []
    for index in range(1, count):
        for title, key, width in (("Name", "name", 24), ("Geographic Code", "geoCode", 14),
                                  ("Geographic Code Type", "geoCodeType", 10)):
            columns.append((
                f"Beneficiary Location:{index}:{title}", width, "text",
                lambda g, i=index, k=key: _location(g, i, k),
            ))
    return columns


def _most_locations(filters: AwardFilter) -> int:
    """The most beneficiary locations any grant has: one pass over one column."""
    most = 1
    rows = committed_awards(filters).values_list(
        "application__districts_served", flat=True
    ).order_by()
    for served in rows.iterator(chunk_size=5000):
        most = max(most, len({code for code in served or [] if code in DISTRICTS}))
    return most


def write_xlsx(output: IO[bytes], filters: AwardFilter = EVERY_AWARD) -> int:
    """The same grants as a spreadsheet, one row each; returns the number of grants."""
    workbook = Workbook(write_only=True)
    count = 0
    with one_snapshot():
        columns = XLSX_COLUMNS + _extra_location_columns(_most_locations(filters))
        sheet = start_sheet(workbook, GRANTS_SHEET, columns)
        for grant in grant_records(filters):
            sheet.append(_xlsx_row(sheet, columns, grant))
            count += 1
    if not count:
        raise NothingToPublish("There are no awards to publish for this selection.")
    workbook.save(output)
    return count


def _xlsx_row(sheet, columns: list[tuple], grant: dict) -> list:
    values, layout = [], []
    for title, width, kind, read in columns:
        value = read(grant)
        if kind == "date" and value:
            value = datetime.combine(datetime.fromisoformat(value).date(), time())
        elif kind == "amount":
            value = Decimal(str(value))
        values.append(value)
        layout.append((title, width, kind if kind in ("date", "amount") else "text"))
    row = cells(sheet, layout, values)
    for cell, (_, _, kind) in zip(row, layout, strict=True):
        if isinstance(cell, Cell) and kind in ("date", "amount"):
            cell.number_format = "yyyy-mm-dd" if kind == "date" else "0.00"
    return row
