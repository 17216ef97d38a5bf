"""The choices above a programme or round report."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

from payments.forms import AwardFilterForm

from .reports import Period


class ReportFilterForm(AwardFilterForm):
    """
    The finance dashboard's award filter (programme, round, financial year:
    the same validation, so a report selects exactly the awards the ledger
    does) without the district, which the report breaks down by instead,
    and with the length of the periods the report counts in.
    """

    period = forms.ChoiceField(
        label="Periods",
        choices=Period.CHOICES,
        required=False,
        initial=Period.ANNUAL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose quarterly, half-yearly or annual periods"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["district"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("programme"),
            Field.select("round"),
            Field.select("financial_year"),
            Field.radios("period", legend_size="s", inline=True),
        )

    def chosen_period(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("period") or Period.ANNUAL
        return Period.ANNUAL

    def selection(self) -> list[tuple[str, str]]:
        """What the report is about, in words, for the page and the spreadsheet."""
        cleaned = self.cleaned_data if self.is_bound and self.is_valid() else {}
        programme, round = cleaned.get("programme"), cleaned.get("round")
        return [
            ("Programme", programme.name if programme else "All programmes"),
            ("Round", f"{round.programme.name}: {round.name}" if round else "All rounds"),
            ("Financial year", cleaned.get("financial_year") or "All years"),
            ("Periods", dict(Period.CHOICES)[self.chosen_period()]),
        ]
