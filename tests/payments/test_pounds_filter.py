"""The `pounds` template filter writes amounts exactly as floatformat:"2g" does."""

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from payments.templatetags.money import pounds


@given(st.decimals(min_value=Decimal("-9999999999.999"), max_value=Decimal("9999999999.999"),
                   places=3, allow_nan=False, allow_infinity=False))
def test_pounds_matches_floatformat_with_grouping(amount):
    with translation.override("en-gb"):
        assert pounds(amount) == floatformat(amount, "2g")


def test_pounds_of_examples():
    assert pounds(Decimal("1234567.5")) == "1,234,567.50"
    assert pounds(Decimal("-0.001")) == "0.00"
    assert pounds(Decimal("0.005")) == "0.01"
    assert pounds(None) == pounds("") == ""
