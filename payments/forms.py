from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applicants.choices import District
from config.formfields import MoneyField
from rounds.models import Programme, Round

from .financial_years import financial_year_label, parse_financial_year
from .selectors import AwardFilter, award_financial_years


class PaymentDateField(DateInputField):
    """The GOV.UK date input, with messages that say what to put right."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError("The payment date must be a real date", code="invalid") from None


class MarkPaidForm(forms.Form):
    paid_on = PaymentDateField(
        label="When was the money paid?",
        help_text="The date on the remittance from the finance system, for example 27 3 2026",
        require_all_fields=False,
    )
    reference = forms.CharField(
        label="Payment reference",
        help_text="The BACS or finance system reference for this run",
        max_length=50,
        error_messages={
            "required": "Enter the payment reference from the finance system",
            "max_length": "The payment reference must be 50 characters or fewer",
        },
    )

    def __init__(self, *args, run=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = run
        self.fields["paid_on"].error_messages["required"] = "Enter the date the money was paid"
        self.fields["paid_on"].error_messages["incomplete"] = "Enter the date the money was paid"
        self.helper = FormHelper()
        if run is not None:
            self.helper.form_action = reverse("payments:run_paid", kwargs={"pk": run.pk})
        self.helper.layout = Layout(
            Field("paid_on", legend_size=Size.MEDIUM),
            Field.text("reference", field_width=20),
            Submit("mark_paid", "Mark as paid"),
        )

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise ValidationError("The payment date must be today or in the past")
        if self.run is not None and paid_on < timezone.localdate(self.run.created_at):
            raise ValidationError(
                f"The payment date must be on or after "
                f"{timezone.localdate(self.run.created_at):%-d %B %Y}, when the run was built"
            )
        return paid_on

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            raise ValidationError("Enter the payment reference from the finance system")
        return reference


class AwardFilterForm(forms.Form):
    """
    Which awards a download holds; every filter is optional. The form is
    drawn by the summary page with one button per download, each posting
    (by GET) to its own address.
    """

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label="All programmes",
        error_messages={"invalid_choice": "Choose a programme from the list"},
    )
    round = forms.ModelChoiceField(
        queryset=Round.objects.select_related("programme").order_by("programme__name", "-opens_at"),
        required=False,
        empty_label="All rounds",
        error_messages={"invalid_choice": "Choose a round from the list"},
    )
    district = forms.ChoiceField(
        label="District where the organisation is based",
        choices=[("", "All districts"), *District.choices],
        required=False,
        error_messages={"invalid_choice": "Choose a district from the list"},
    )
    financial_year = forms.ChoiceField(
        label="Financial year (1 April to 31 March)",
        required=False,
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )

    def __init__(self, *args, financial_years: list[int] | None = None, **kwargs):
        """`financial_years`: the years to offer when already known (latest first)."""
        super().__init__(*args, **kwargs)
        self.fields["round"].label_from_instance = lambda r: f"{r.programme.name}: {r.name}"
        years = financial_years if financial_years is not None else award_financial_years()
        self.fields["financial_year"].choices = [
            ("", "All years"), *[(financial_year_label(y), financial_year_label(y)) for y in years]
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("programme"),
            Field.select("round"),
            Field.select("district"),
            Field.select("financial_year"),
        )

    def clean(self):
        cleaned = super().clean()
        programme, round = cleaned.get("programme"), cleaned.get("round")
        if programme and round and round.programme_id != programme.pk:
            self.add_error("round", f"{round.name} is not a round of {programme.name}")
        return cleaned

    def award_filter(self) -> AwardFilter:
        """The filter the cleaned form describes (every award for an unbound form)."""
        if not self.is_bound:
            return AwardFilter()
        cleaned = self.cleaned_data
        programme, round = cleaned.get("programme"), cleaned.get("round")
        year = cleaned.get("financial_year")
        return AwardFilter(
            programme_id=programme.pk if programme else None,
            round_id=round.pk if round else None,
            district=cleaned.get("district") or None,
            financial_year=parse_financial_year(year) if year else None,
        )


# The ledger download keeps its name for the links people have saved.
LedgerFilterForm = AwardFilterForm


class RepaymentRequestForm(forms.Form):
    amount = MoneyField(
        label="Amount to be repaid", label_noun="the amount to be repaid",
        help_text="In pounds and pence, for example 250 or 250.50",
    )
    reason = forms.CharField(
        label="Why must the money be repaid?",
        help_text="The organisation is told this reason in the email asking for the money back.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Enter why the money must be repaid",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("amount", field_width=10),
            Field.textarea("reason"),
            Submit("request", "Ask for the money back"),
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise ValidationError("Enter an amount to be repaid of more than £0")
        return amount

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the money must be repaid")
        return reason


class ReceivedDateField(DateInputField):
    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError("The date received must be a real date", code="invalid") from None


class RepaymentReceivedForm(forms.Form):
    amount = MoneyField(
        label="Amount received", label_noun="the amount received",
        help_text="In pounds and pence, for example 250 or 250.50",
    )
    received_on = ReceivedDateField(
        label="When was the money received?",
        help_text="The date on the bank statement, for example 27 3 2026",
        require_all_fields=False,
    )
    reference = forms.CharField(
        label="Receipt reference",
        help_text="The bank or finance system reference for the money received",
        max_length=50,
        error_messages={
            "required": "Enter the receipt reference",
            "max_length": "The receipt reference must be 50 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].error_messages["required"] = "Enter the date the money was received"
        self.fields["received_on"].error_messages["incomplete"] = (
            "Enter the date the money was received"
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("amount", field_width=10),
            Field("received_on", legend_size=Size.SMALL),
            Field.text("reference", field_width=20),
            Submit("record", "Record money received"),
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise ValidationError("Enter an amount received of more than £0")
        return amount

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise ValidationError("The date received must be today or in the past")
        return received_on

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            raise ValidationError("Enter the receipt reference")
        return reference


class PaymentFailedForm(forms.Form):
    reason = forms.CharField(
        label="Why did the payment fail?",
        help_text="For example, the bank returned it because the account is closed.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Enter why the payment failed",
            "max_length": "The reason must be 1,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason"),
            Submit("fail", "Mark payment as failed", css_class="govuk-button--warning"),
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the payment failed")
        return reason


class AwardImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a spreadsheet of awards",
        help_text="An Excel workbook (.xlsx) with the columns described above",
        error_messages={"required": "Select a spreadsheet of awards",
                        "empty": "The selected file is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Field("file"),
            Submit("import", "Check and import awards"),
        )


class AwardSearchForm(forms.Form):
    q = forms.CharField(
        label="Grant reference or organisation name", required=False, max_length=100,
        error_messages={"max_length": "Enter 100 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=20),
            Button.secondary("search", "Search"),
        )


class BankCheckForm(forms.Form):
    """
    Confirms a check of an organisation's bank details. `changed_at` carries
    the change the checker was shown, so a change made meanwhile is not
    passed as checked.
    """

    changed_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="I have checked these bank details with the organisation, using contact details "
        "the council already holds",
        error_messages={"required": "Confirm that you have checked the bank details"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "changed_at", Field.checkbox("confirm"), Submit("verify", "Mark bank details as checked")
        )


class ProjectDateField(DateInputField):
    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError("The date must be a real date", code="invalid") from None


class VariationRequestForm(forms.Form):
    new_amount = MoneyField(
        label="New amount (optional)", label_noun="the new amount", required=False,
        help_text="The whole award after the change, in pounds and pence. Leave empty to keep "
        "the amount.",
    )
    new_project_start = ProjectDateField(
        label="New project start date (optional)", required=False, require_all_fields=False,
        help_text="For example 1 4 2026",
    )
    new_project_end = ProjectDateField(
        label="New project end date (optional)", required=False, require_all_fields=False,
        help_text="For example 31 3 2027",
    )
    new_conditions = forms.CharField(
        label="New conditions (optional)", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The full conditions after the change. Leave empty to keep them.",
        error_messages={"max_length": "The conditions must be 5,000 characters or fewer"},
    )
    reason = forms.CharField(
        label="Why does the award need to change?", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the award needs to change",
                        "max_length": "The reason must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("new_amount", field_width=10),
            Field("new_project_start"),
            Field("new_project_end"),
            Field.textarea("new_conditions"),
            Field.textarea("reason"),
            Submit("request", "Ask for approval"),
        )


class VariationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve the variation"), ("reject", "Do not approve it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve the variation"},
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you do not approve it: the officer is told why.",
        error_messages={"max_length": "The note must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.MEDIUM), Field.textarea("note"),
            Submit("decide", "Confirm decision"),
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "Enter why the variation is not approved")
        return data


class CloseAwardForm(forms.Form):
    how = forms.ChoiceField(
        label="How is the grant ending?",
        choices=[("complete", "Monitoring is complete and every instalment is paid"),
                 ("early", "Close it early")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the grant is ending"},
    )
    reason = forms.CharField(
        label="Why is it closing early?", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when closing early. Instalments not yet in a payment run are cancelled.",
        error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("how", legend_size=Size.MEDIUM), Field.textarea("reason"),
            Submit("close", "Close the grant"),
        )

    def clean(self):
        data = super().clean()
        if data.get("how") == "early" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why the grant is closing early")
        return data
