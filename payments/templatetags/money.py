"""
`pounds`: an amount as `floatformat:"2g"` writes it in this service's
language (en-gb): pence always shown, thousands separated by commas.
floatformat looks the separators up in the locale on every call, which
cost a quarter of the finance summary's rendering with its 600 figures
(issue 9); the service has one language, so this formats directly.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

PENNY = Decimal("0.01")


@register.filter
def pounds(value) -> str:
    try:
        amount = Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not amount.is_finite():
        return ""
    # floatformat never writes "-0.00".
    return f"{abs(amount) if amount.is_zero() else amount:,.2f}"
