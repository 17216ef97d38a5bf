"""Normalising and checking the identifiers organisations give us."""

import re

from django.core.exceptions import ValidationError

# Full UK postcode, after spaces are removed and letters upper-cased.
POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if not POSTCODE.match(compact):
        raise ValidationError("Enter a real postcode, like LE3 8RA")
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_charity_number(value: str) -> str:
    """England and Wales charity numbers have 6 or 7 digits."""
    compact = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{6,7}", compact):
        raise ValidationError("Enter a charity number of 6 or 7 digits, like 1123456")
    return compact


def normalise_company_number(value: str) -> str:
    """8 characters: digits with leading zeros kept, or SC/NI and 6 digits."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if re.fullmatch(r"\d{1,8}", compact):
        compact = compact.zfill(8)
    if not re.fullmatch(r"(\d{8}|(SC|NI)\d{6})", compact):
        raise ValidationError("Enter a company number of 8 characters, like 01234567 or SC123456")
    return compact


# Spaces, hyphens and dashes people type between groups of digits.
DIGIT_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")


def normalise_sort_code(value: str) -> str:
    """ "12-34-56", "12 34 56" and "123456" all become "123456"."""
    compact = DIGIT_SEPARATORS.sub("", value or "")
    if not re.fullmatch(r"[0-9]{6}", compact):
        raise ValidationError("Enter a valid sort code of 6 digits, like 30-94-30")
    return compact


def normalise_account_number(value: str) -> str:
    """Exactly 8 digits once spaces are removed."""
    compact = re.sub(r"\s+", "", value or "")
    if not re.fullmatch(r"[0-9]+", compact):
        raise ValidationError("Enter the account number using numbers only, like 00733445")
    if len(compact) != 8:
        raise ValidationError("The account number must be 8 digits long, like 00733445")
    return compact


def normalise_telephone(value: str) -> str:
    """A UK or international number as typed, if it has a plausible number of digits."""
    cleaned = " ".join((value or "").split())
    digits = re.sub(r"\D", "", cleaned)
    if not re.fullmatch(r"\+?[0-9 ()\-]+", cleaned) or not 10 <= len(digits) <= 15:
        raise ValidationError("Enter a telephone number, like 0116 496 0123 or +44 116 496 0123")
    return cleaned
