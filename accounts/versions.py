"""
Version numbers of data that pages cache figures of (see DataVersion).

A service that changes such data calls `raise_version` inside its
transaction, after its other writes: the counter's row stays locked until
the commit, so taking it last keeps other transactions from waiting on it
while this one still waits for rows of its own. A reader keys its cache by
`current_version`; it may cache figures newer than the number it read,
never older, because a change and its new number commit together.
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import DataVersion

# Committed awards, their payments and repayments, and the organisations'
# district and legal structure: what the award totals are computed from.
AWARD_MONEY = "award_money"


def current_version(name: str) -> int:
    number = DataVersion.objects.filter(name=name).values_list("number", flat=True).first()
    return number or 0


def raise_version(name: str) -> None:
    if DataVersion.objects.filter(name=name).update(number=F("number") + 1):
        return
    # The first change ever: make the row (another transaction may be
    # making it at the same moment, so a clash means it exists now).
    try:
        with transaction.atomic():
            DataVersion.objects.create(name=name, number=1)
    except IntegrityError:
        DataVersion.objects.filter(name=name).update(number=F("number") + 1)
