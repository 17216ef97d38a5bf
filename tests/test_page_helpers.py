"""Helpers that long tables use instead of reverse() and floatformat per row."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from config.links import pk_link
from grants.templatetags.money import money


@pytest.mark.parametrize("name", ["payments:award_detail", "payments:payment_fail",
                                  "grants:officer_application", "grants:recommend"])
@pytest.mark.parametrize("pk", [1, 42, 987654321, 10**12])
def test_pk_link_gives_the_path_reverse_gives(name, pk):
    assert pk_link(name)(pk) == reverse(name, kwargs={"pk": pk})


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("999999999.99"), places=2))
def test_money_writes_amounts_as_floatformat_2g_does(amount):
    expected = Template('{{ amount|floatformat:"2g" }}').render(Context({"amount": amount}))
    assert money(amount) == expected


def test_money_rounds_half_pennies_up_and_leaves_nothing_blank():
    assert money(Decimal("1234.565")) == "1,234.57"
    assert money(3) == "3.00"
    assert money(None) == ""
    assert money("") == ""
