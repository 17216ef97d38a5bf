"""
The council's financial years run from 1 April to 31 March and are written
"2022/23". Code holds a year as the calendar year it starts in (2022).
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, When
from django.db.models.functions import ExtractYear

WRITTEN = re.compile(r"^(\d{4})/(\d{2})$")
EXAMPLE = "2020/21"


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def financial_year_bounds(start: int) -> tuple[date, date]:
    """The first and last days of the year, both inclusive."""
    return date(start, 4, 1), date(start + 1, 3, 31)


def parse_financial_year(text: str) -> int:
    """ "2020/21" -> 2020; anything else is a ValidationError saying how to write it."""
    match = WRITTEN.match((text or "").strip())
    if not match:
        raise ValidationError(
            f"Write the financial year like {EXAMPLE} (1 April 2020 to 31 March 2021)"
        )
    start, end = int(match[1]), int(match[2])
    if (start + 1) % 100 != end:
        raise ValidationError(
            f"{text.strip()} is not a financial year: after {start} comes "
            f"{financial_year_label(start)}"
        )
    if not 1900 <= start <= 2999:
        raise ValidationError(f"{text.strip()} is not a financial year this service can hold")
    return start


def financial_year_expression(field: str) -> Case:
    """The financial year (its starting calendar year) of a date column, in SQL."""
    return Case(
        When(**{f"{field}__month__gte": 4}, then=ExtractYear(field)),
        default=ExtractYear(field) - 1,
        output_field=IntegerField(),
    )
