"""
{% load money %}{{ amount|money }}: "1,234.50", as floatformat:"2g" writes
it, for tables with hundreds of amounts. floatformat looks up the active
language's number format for every value (about 30 microseconds each); an
amount of money always has two places and a comma between thousands here.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()
PENNY = Decimal("0.01")


@register.filter
def money(amount) -> str:
    if amount is None or amount == "":
        return ""
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    return f"{amount.quantize(PENNY, rounding=ROUND_HALF_UP):,.2f}"
