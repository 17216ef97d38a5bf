"""Form fields shared by every app's forms."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

PLAIN_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


class MoneyField(forms.DecimalField):
    """
    Pounds and pence as people write them: "1200", "£1,200.50", " 1 200 ".
    Anything else gets a message saying what to type.
    """

    def __init__(self, *, label_noun: str = "an amount", **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        # A text box, not a number input: people type "£1,200.50", and the
        # GOV.UK input styles (and error highlight) apply to text inputs.
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
        )
        super().__init__(**kwargs)
        self.label_noun = label_noun
        self.error_messages.update(
            {
                "required": f"Enter {label_noun}",
                "invalid": f"Enter {label_noun} in pounds and pence, like 1200 or 1200.50",
                "max_decimal_places": f"Enter {label_noun} to the nearest penny",
                "max_digits": f"Enter {label_noun} less than £10,000,000,000",
                "max_whole_digits": f"Enter {label_noun} less than £10,000,000,000",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[£,\s]", "", value.strip())
            if value.lower().startswith("gbp"):
                value = value[3:]
        if value in self.empty_values:
            return None
        # Plain digits only: Decimal() alone would also take "1e3", "NaN"
        # and "Infinity", which nobody means as an amount of money.
        if not PLAIN_AMOUNT.match(str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is not None and value < 0:
            raise ValidationError(f"Enter {self.label_noun} of £0 or more", code="min_value")
