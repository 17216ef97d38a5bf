"""The shared money field: a GOV.UK text input that reads amounts as people write them."""

from decimal import Decimal

from django import forms

from config.formfields import MoneyField


class AmountForm(forms.Form):
    amount = MoneyField(label="Amount", label_noun="the amount")


def test_the_amount_box_is_a_styled_text_input():
    html = str(AmountForm()["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_pounds_signs_and_commas_are_understood():
    form = AmountForm({"amount": "£1,200.50"})
    assert form.is_valid() and form.cleaned_data["amount"] == Decimal("1200.50")


def test_scientific_notation_and_words_are_refused_plainly():
    for typed in ["1e3", "NaN", "ten pounds"]:
        form = AmountForm({"amount": typed})
        assert not form.is_valid()
        assert form.errors["amount"] == [
            "Enter the amount in pounds and pence, like 1200 or 1200.50"
        ]
