import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    Button,
    Div,
    Field,
    Fieldset,
    Fluid,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from applicants.choices import District
from applicants.uploads import ALLOWED_DESCRIPTION, max_upload_megabytes
from config.formfields import MoneyField
from rounds.models import Outcome

from .eligibility import Answers, long_date, pounds
from .models import (
    AttachmentKind,
    BasedIn,
    EntryChannel,
    FinancialOutlook,
    IneligibleReason,
    Recommendation,
)


class ProjectDateField(DateInputField):
    """A GOV.UK date input whose messages say what to type, never Python's words."""

    def __init__(self, *, noun: str, **kwargs):
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)
        self.noun = noun
        self.error_messages.update(
            {
                "required": f"Enter the date {noun}",
                "incomplete": f"Enter the date {noun}, with a day, month and year",
            }
        )
        day, month, year = self.fields
        day.error_messages["incomplete"] = f"The date {noun} must include a day"
        month.error_messages["incomplete"] = f"The date {noun} must include a month"
        year.error_messages["incomplete"] = f"The date {noun} must include a year"
        for part in self.fields:
            part.max_length = 4
            part.validators = [
                RegexValidator(r"^[0-9]{1,4}\Z", f"Enter the date {noun} in numbers")
            ]
            part.error_messages["max_length"] = f"Enter the date {noun} in numbers, like 1 4 2027"

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(year) != 4:
            raise ValidationError(f"The year {self.noun} must have 4 digits, like 2027")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                f"The date {self.noun} must be a real date, like 1 4 2027"
            ) from None


class DateErrorsLinkToDayMixin:
    """
    An error about a whole date (a missing or impossible date, or one added by
    clean()) is shown against its day input, so that the error summary's link
    goes to a field that exists rather than to the date's fieldset.
    """

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            if not isinstance(field, DateInputField) or name not in self._errors:
                continue
            if not any(getattr(part.widget, "errors", None) for part in field.fields):
                field.fields[0].widget.errors = list(self._errors[name])


class PeopleCountField(forms.IntegerField):
    """A whole number of people, read as people write it: "1,200" or " 35 "."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace(" ", "")
        return super().to_python(value)


def save_buttons():
    return Div(
        Submit("continue", "Save and continue"),
        Button.secondary("save_and_return", "Save and come back later"),
        css_class="govuk-button-group",
    )


def autosaved(*, rows: int):
    """A textarea the page's script saves as it is typed (static/js/autosave.js)."""
    return forms.Textarea(attrs={"rows": rows, "data-autosave": "true"})


class SectionForm(DateErrorsLinkToDayMixin, forms.Form):
    """A section of an application: every answer optional, so part of it always saves."""

    def __init__(self, *args, application, autosave_url: str = "", **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if autosave_url:
            self.helper.attrs = {"data-autosave-url": autosave_url}


class ProjectForm(SectionForm):
    title = forms.CharField(
        label="Project title",
        max_length=200,
        required=False,
        help_text="A short name for your project, for example Friday lunch club.",
        error_messages={"max_length": "The project title must be 200 characters or fewer"},
    )
    summary = forms.CharField(
        label="Describe your project",
        required=False,
        max_length=5000,
        help_text="What you will do, why it is needed and what difference it will make.",
        widget=autosaved(rows=8),
        error_messages={"max_length": "Your description must be 5,000 characters or fewer"},
    )
    project_start = ProjectDateField(
        label="When will the project start?",
        noun="your project starts",
        required=False,
        help_text="For example, 1 4 2027",
    )
    project_end = ProjectDateField(
        label="When will the project end?",
        noun="your project ends",
        required=False,
        help_text="For example, 31 3 2028",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        round = self.application.round
        window = []
        if round.earliest_project_start:
            window.append(f"start on or after {long_date(round.earliest_project_start)}")
        if round.latest_project_end:
            window.append(f"end by {long_date(round.latest_project_end)}")
        if window:
            self.fields[
                "project_start"
            ].help_text = (
                f"Projects in this round must {' and '.join(window)}. For example, 1 4 2027"
            )
        self.helper.layout = Layout(
            Field.text("title"),
            Field.textarea("summary", rows=8, max_characters=5000),
            Field("project_start"),
            Field("project_end"),
            save_buttons(),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("project_start"), cleaned.get("project_end")
        round = self.application.round
        if start and end and end < start:
            self.add_error("project_end", "The end date must be on or after the start date")
        elif start and round.earliest_project_start and start < round.earliest_project_start:
            self.add_error(
                "project_start",
                f"Your project must start on or after {long_date(round.earliest_project_start)}",
            )
        if end and round.latest_project_end and end > round.latest_project_end:
            self.add_error(
                "project_end", f"Your project must end by {long_date(round.latest_project_end)}"
            )
        return cleaned


class BeneficiariesForm(SectionForm):
    beneficiaries = forms.CharField(
        label="Who will benefit?",
        required=False,
        max_length=2000,
        help_text="The people or groups your project is for and why they need it.",
        widget=autosaved(rows=5),
        error_messages={"max_length": "This must be 2,000 characters or fewer"},
    )
    beneficiaries_count = PeopleCountField(
        label="About how many people will benefit? (optional)",
        required=False,
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "invalid": "Enter the number of people as a whole number, like 120",
            "min_value": "Enter the number of people as a whole number, like 120",
            "max_value": "Enter a number of people smaller than 10,000,000",
        },
    )
    districts_served = forms.MultipleChoiceField(
        label="Which districts will the project serve?",
        help_text="Select all that apply.",
        choices=District.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose districts from the list"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiaries_count"].widget.input_type = "text"
        self.fields["beneficiaries_count"].widget.attrs.update(
            {"inputmode": "numeric", "spellcheck": "false"}
        )
        self.helper.layout = Layout(
            Field.textarea("beneficiaries", rows=5, max_characters=2000),
            Field.text("beneficiaries_count", field_width=10),
            Field.checkboxes("districts_served", legend_size=Size.SMALL, small=True),
            save_buttons(),
        )


def outcome_themes():
    """The Strategic Plan's themes, each with its outcomes (two queries)."""
    outcomes = Outcome.objects.filter(parent__isnull=False).order_by("code")
    themes = Outcome.objects.filter(parent__isnull=True).order_by("code")
    by_theme = {}
    for outcome in outcomes:
        by_theme.setdefault(outcome.parent_id, []).append(outcome)
    return [(theme, by_theme.get(theme.pk, [])) for theme in themes]


class OutcomesForm(SectionForm):
    """One set of checkboxes per Strategic Plan theme."""

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme_fields = []
        for theme, outcomes in themes:
            name = f"theme_{theme.code}"
            self.fields[name] = forms.MultipleChoiceField(
                label=theme.title,
                choices=[(str(o.pk), f"{o.code} {o.title}") for o in outcomes],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": "Choose outcomes from the list"},
            )
            self.theme_fields.append(name)
        self.helper.layout = Layout(
            *(
                Field.checkboxes(name, legend_size=Size.SMALL, small=True)
                for name in self.theme_fields
            ),
            save_buttons(),
        )

    def outcome_ids(self) -> list[int]:
        return [int(pk) for name in self.theme_fields for pk in self.cleaned_data.get(name, [])]

    @staticmethod
    def initial_for(*, themes, selected_ids) -> dict:
        selected = {str(pk) for pk in selected_ids}
        return {
            f"theme_{theme.code}": [str(o.pk) for o in outcomes if str(o.pk) in selected]
            for theme, outcomes in themes
        }


# MoneyField's default NumberInput is not styled by crispy-forms-gds (it
# gives "govuk-input" only to text inputs), so the amounts here are text
# inputs; MoneyField reads them as people write them either way.
MAX_BUDGET_LINES = 50
LINE_FIELD = re.compile(r"^(item|cost)_(\d{1,3})$")


class BudgetForm(SectionForm):
    """
    The amount requested and its budget lines. Lines are plain numbered
    fields (item_0, cost_0, ...) rather than a formset so that the GOV.UK
    error summary links to each of them; a line left blank is ignored, and
    "Add another line" and "Remove" are ordinary submit buttons, so rows are
    added and removed without JavaScript.
    """

    amount_requested = MoneyField(
        label="How much are you asking for?",
        required=False,
        widget=forms.TextInput,
        label_noun="the amount you are asking for",
        help_text="In pounds, for example 4500.",
    )

    def __init__(self, *args, rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        round = self.application.round
        self.fields["amount_requested"].help_text = (
            f"Between {pounds(round.min_award)} and {pounds(round.max_award)}, "
            "in pounds, for example 4500."
        )
        self.rows = max(1, min(rows, MAX_BUDGET_LINES))
        lines = []
        for index in range(self.rows):
            number = index + 1
            self.fields[f"item_{index}"] = forms.CharField(
                label=f"Item {number}",
                max_length=200,
                required=False,
                error_messages={"max_length": f"Item {number} must be 200 characters or fewer"},
            )
            self.fields[f"cost_{index}"] = MoneyField(
                label=f"Cost of item {number}",
                required=False,
                widget=forms.TextInput,
                label_noun=f"the cost of item {number}",
            )
            lines.append(
                Fieldset(
                    Div(
                        Div(
                            Field.text(f"item_{index}", field_width=Fluid.FULL),
                            css_class="govuk-grid-column-one-half",
                        ),
                        Div(
                            Field.text(f"cost_{index}", field_width=Fluid.FULL),
                            css_class="govuk-grid-column-one-quarter",
                        ),
                        Div(
                            HTML(
                                format_html(
                                    '<button type="submit" name="remove" value="{}" '
                                    'class="govuk-button govuk-button--secondary '
                                    'govuk-!-margin-top-6 govuk-!-margin-bottom-0" '
                                    'data-module="govuk-button">Remove'
                                    '<span class="govuk-visually-hidden"> budget line {}</span>'
                                    "</button>",
                                    index,
                                    number,
                                )
                            ),
                            css_class="govuk-grid-column-one-quarter",
                        ),
                        css_class="govuk-grid-row",
                    ),
                    legend=f"Budget line {number}",
                    legend_size=Size.SMALL,
                )
            )
        self.helper.layout = Layout(
            # Pressing Enter in a field submits with the form's first button:
            # make that "Save and continue", not line 1's "Remove".
            HTML(
                '<button type="submit" name="continue" class="govuk-visually-hidden" '
                'tabindex="-1" aria-hidden="true">Save and continue</button>'
            ),
            Field.text("amount_requested", field_width=10),
            HTML(
                '<h2 class="govuk-heading-m">What the money will pay for</h2>'
                '<p class="govuk-body">List each cost. The lines must add up to the '
                "amount you are asking for.</p>"
            ),
            *lines,
            *(
                [Button.secondary("add_line", "Add another line")]
                if self.rows < MAX_BUDGET_LINES
                else [HTML(f'<p class="govuk-body">You can list up to {MAX_BUDGET_LINES} lines.</p>')]
            ),
            save_buttons(),
        )

    @staticmethod
    def rows_posted(data) -> int:
        indexes = [int(m.group(2)) for key in data if (m := LINE_FIELD.match(key))]
        return max(indexes) + 1 if indexes else 0

    def clean(self):
        cleaned = super().clean()
        for index in range(self.rows):
            item = (cleaned.get(f"item_{index}") or "").strip()
            cost = cleaned.get(f"cost_{index}")
            if f"item_{index}" in self.errors or f"cost_{index}" in self.errors:
                continue
            if item and cost is None:
                self.add_error(f"cost_{index}", f"Enter the cost of item {index + 1}")
            elif cost is not None and not item:
                self.add_error(f"item_{index}", f"Say what item {index + 1} is")
        return cleaned

    def lines(self) -> list[tuple[str, Decimal]]:
        """The lines filled in, in order; blank ones dropped."""
        lines = []
        for index in range(self.rows):
            item = (self.cleaned_data.get(f"item_{index}") or "").strip()
            cost = self.cleaned_data.get(f"cost_{index}")
            if item and cost is not None:
                lines.append((item, cost))
        return lines

    @staticmethod
    def initial_for(*, application, lines) -> dict:
        initial = {"amount_requested": application.amount_requested}
        for index, line in enumerate(lines):
            initial[f"item_{index}"] = line.item
            initial[f"cost_{index}"] = line.amount
        return initial


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is this document?",
        choices=AttachmentKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of document this is",
            "invalid_choice": "Choose what kind of document this is",
        },
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"A {ALLOWED_DESCRIPTION} file, smaller than {max_upload_megabytes()}MB."
        self.fields["file"].max_length = None
        self.helper = FormHelper()
        # The page wraps it in its own multipart form.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field("file"),
            Submit("upload", "Upload document", css_class="govuk-button--secondary"),
        )


class DocumentsForm(forms.Form):
    """The documents section's buttons: its answers are the attachments, saved as uploaded."""


class EligibilityForm(DateErrorsLinkToDayMixin, forms.Form):
    """The eligibility checker's questions (the profile answers the rest)."""

    amount = MoneyField(
        label="How much will you ask for?",
        widget=forms.TextInput,
        label_noun="the amount you will ask for",
        help_text="In pounds, for example 4500.",
    )
    project_start = ProjectDateField(
        label="When will the project start?",
        noun="your project starts",
        help_text="For example, 1 4 2027",
    )
    project_end = ProjectDateField(
        label="When will the project end?",
        noun="your project ends",
        help_text="For example, 31 3 2028",
    )
    based_in = forms.ChoiceField(
        label="Where is your organisation based?",
        choices=BasedIn.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say where your organisation is based",
            "invalid_choice": "Say where your organisation is based",
        },
    )
    serves_leicestershire = forms.TypedChoiceField(
        label="Will the project serve people who live in Leicestershire?",
        help_text="Leicestershire does not include Leicester City or Rutland.",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the project will serve people in Leicestershire",
            "invalid_choice": "Say whether the project will serve people in Leicestershire",
        },
    )

    def __init__(
        self, *args, round=None, organisations=None, submit_label="Check eligibility", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.round = round
        if round is not None:
            self.fields["amount"].help_text = (
                f"This round gives grants of {pounds(round.min_award)} to "
                f"{pounds(round.max_award)}. In pounds, for example 4500."
            )
        fields = []
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label="Which organisation are you applying for?",
                queryset=organisations,
                widget=forms.RadioSelect,
                empty_label=None,
                error_messages={
                    "required": "Choose the organisation you are applying for",
                    "invalid_choice": "Choose the organisation you are applying for",
                },
            )
            self.order_fields(["organisation"])
            only = list(organisations[:2])
            if len(only) == 1:
                # Nothing to choose: the page says which organisation it is.
                self.fields["organisation"].widget = forms.HiddenInput()
                self.fields["organisation"].initial = only[0].pk
                self.only_organisation = only[0]
            fields.append(Field.radios("organisation", legend_size=Size.SMALL))
        self.helper = FormHelper()
        # The page wraps it in its own form.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *fields, *self.question_layout(), Submit("check", submit_label)
        )

    @staticmethod
    def question_layout():
        return [
            Field.text("amount", field_width=10),
            Field("project_start"),
            Field("project_end"),
            Field.radios("based_in", legend_size=Size.SMALL),
            Field.radios("serves_leicestershire", legend_size=Size.SMALL, inline=True),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("project_start"), cleaned.get("project_end")
        if start and end and end < start:
            self.add_error("project_end", "The end date must be on or after the start date")
        return cleaned

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            amount=data["amount"],
            project_start=data["project_start"],
            project_end=data["project_end"],
            based_in=data["based_in"],
            serves_leicestershire=data["serves_leicestershire"],
        )

    def answers_as_data(self) -> dict:
        """The answers as hidden fields, so that the Start button posts them back."""
        data = self.cleaned_data
        hidden = {
            "amount": f"{data['amount']}",
            "based_in": data["based_in"],
            "serves_leicestershire": "yes" if data["serves_leicestershire"] else "no",
        }
        for name in ("project_start", "project_end"):
            day = data[name]
            hidden.update({f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year})
        if "organisation" in data:
            hidden["organisation"] = data["organisation"].pk
        return hidden


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}, {obj.postcode}"


class RoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.programme.name}: {obj.name}"


ASSISTED_CHANNELS = [
    (value, label) for value, label in EntryChannel.choices if value != EntryChannel.ONLINE
]


class AssistedStartForm(EligibilityForm):
    """
    An officer starts an application for a group that cannot apply online:
    which group, which round, how it reached them, who the contact is, and
    the group's answers to the eligibility questions.
    """

    def __init__(self, *args, organisations, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = OrganisationChoiceField(
            label="Which group is applying?",
            queryset=organisations,
            empty_label="Choose the group",
            error_messages={
                "required": "Choose the group that is applying",
                "invalid_choice": "Choose the group that is applying from the list",
            },
        )
        self.fields["round"] = RoundChoiceField(
            label="Which round are they applying to?",
            queryset=rounds,
            empty_label="Choose a round",
            error_messages={
                "required": "Choose the round they are applying to",
                "invalid_choice": "Choose a round that is open now",
            },
        )
        self.fields["entry_channel"] = forms.ChoiceField(
            label="How did the application reach you?",
            choices=ASSISTED_CHANNELS,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose how the application reached you",
                "invalid_choice": "Choose how the application reached you",
            },
        )
        self.fields["contact_name"] = forms.CharField(
            label="Full name of the group's contact",
            help_text="The person you spoke to or who signed the paper form.",
            max_length=200,
            error_messages={
                "required": "Enter the full name of the group's contact",
                "max_length": "The name must be 200 characters or fewer",
            },
        )
        self.fields["amount"].label = "How much will they ask for?"
        self.fields["based_in"].label = "Where is the group based?"
        self.order_fields(["organisation", "round", "entry_channel", "contact_name"])
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("organisation"),
            Field.select("round"),
            Field.radios("entry_channel", legend_size=Size.SMALL),
            Field.text("contact_name", field_width=20),
            HTML(
                '<h2 class="govuk-heading-m">The group\'s answers to the eligibility questions</h2>'
            ),
            *self.question_layout(),
            Submit("start", "Start the application"),
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing this application?",
        max_length=2000,
        widget=forms.Textarea,
        help_text="This helps us improve the grants we offer.",
        error_messages={
            "required": "Tell us why you are withdrawing the application",
            "max_length": "Your reason must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason", rows=4, max_characters=2000),
            Submit("withdraw", "Withdraw application", css_class="govuk-button--warning"),
        )


class DeclarationForm(forms.Form):
    declaration_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={
            "required": "Enter your full name to make the declaration",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    confirm = forms.BooleanField(
        label="I confirm that the information in this application is true and complete",
        error_messages={"required": "Confirm that the information is true and complete"},
    )

    def __init__(self, *args, for_group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_group:
            # Assisted digital: the group's contact makes the declaration and
            # the officer records it.
            self.fields[
                "declaration_name"
            ].label = "Full name of the group's contact making the declaration"
            self.fields["declaration_name"].error_messages["required"] = (
                "Enter the full name of the group's contact making the declaration"
            )
            self.fields["confirm"].label = (
                "The group's contact has confirmed that the information in this application "
                "is true and complete"
            )
            self.fields["confirm"].error_messages["required"] = (
                "Confirm that the group's contact has confirmed the information"
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("declaration_name", field_width=20),
            Field.checkbox("confirm"),
            Submit("submit", "Submit application"),
        )


class AcceptOfferForm(forms.Form):
    signatory_name = forms.CharField(
        label="Full name of the person accepting for the organisation",
        max_length=200,
        error_messages={"required": "Enter the full name of the person accepting the offer"},
    )
    confirm = forms.BooleanField(
        label="I accept the grant on these terms and conditions on behalf of the organisation",
        error_messages={"required": "Confirm that you accept the terms and conditions"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("signatory_name", field_width=20),
            Field.checkbox("confirm"),
            Submit("accept", "Accept the grant"),
        )


class DeclineOfferForm(forms.Form):
    reason = forms.CharField(
        label="Why is your organisation declining the grant?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why your organisation is declining the grant"},
    )
    confirm = forms.BooleanField(
        label="I understand that declining cannot be undone and the money will be offered to "
        "other groups",
        error_messages={"required": "Confirm that your organisation is declining the grant"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason"),
            Field.checkbox("confirm"),
            Submit("decline", "Decline the grant", css_class="govuk-button--warning"),
        )


class AssessorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.email})" if obj.full_name else obj.email


class AssignAssessorForm(forms.Form):
    assessor = AssessorChoiceField(
        label="Assessor",
        queryset=None,
        empty_label="Choose an assessor",
        error_messages={
            "required": "Choose an assessor",
            "invalid_choice": "Choose an assessor from the list",
        },
    )

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors
        self.helper = FormHelper()
        # The page wraps it in its own form, posting to the assign view.
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.select("assessor"), Submit("assign", "Assign assessor"))


class DeclarationOfInterestForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with this organisation or application?",
        choices=[
            ("no", "No, I have no conflict of interest"),
            ("yes", "Yes, I have a conflict of interest"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you have a conflict of interest"},
    )
    details = forms.CharField(
        label="If yes, describe the conflict",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("has_conflict", legend_size=Size.MEDIUM),
            Field.textarea("details", rows=3),
            Submit("declare", "Confirm declaration"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_conflict") and not cleaned.get("details", "").strip():
            self.add_error("details", "Describe your conflict of interest")
        return cleaned


@dataclass(frozen=True)
class CriterionFields:
    """What the scoring page shows for one criterion: its fieldset's legend and two fields."""

    legend: str
    score: forms.BoundField
    justification: forms.BoundField
    radios: str  # the score's radio buttons, ready to show


def score_radios(field: forms.BoundField) -> str:
    """
    A score's radio buttons in GOV.UK markup, the chosen one checked. Built
    here rather than in a template loop: a page's twenty-odd options took
    longer to render that way than the rest of the form.
    """
    value = field.value()
    chosen = "" if value is None else str(value)
    options = []
    for number, (option, label) in enumerate(field.field.choices, start=1):
        checked = mark_safe(' checked="checked"') if option == chosen else ""
        options.append((field.html_name, f"{field.auto_id}_{number}", option, checked, label))
    return format_html_join(
        "",
        '<div class="govuk-radios__item">'
        '<input type="radio" name="{0}" class="govuk-radios__input" id="{1}" value="{2}"{3}>'
        '<label class="govuk-label govuk-radios__label" for="{1}">{4}</label></div>',
        options,
    )


class ScoringForm(forms.Form):
    """
    One score and one justification per criterion of the round. A draft
    may leave anything blank; `submitting` makes every answer required.
    `existing` holds what is saved, by criterion id: (score or None,
    justification), the shape `scores()` gives back.
    Labels are escaped here because the page marks them safe, as the GOV.UK
    templates do.

    The page writes the fields out itself (grants/includes/scoring_fields.html)
    in the markup crispy-forms-gds gives them: two fields a criterion went
    through some forty of its templates, the larger part of the page's time.
    The helper remains for the error summary.
    """

    def __init__(self, *args, criteria, round, existing, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.submitting = submitting
        self.legends = {}
        for criterion in self.criteria:
            score_name, note_name = f"score_{criterion.pk}", f"justification_{criterion.pk}"
            saved_score, saved_justification = existing.get(criterion.pk, (None, ""))
            low = round.scoring_scale_min
            high = min(round.scoring_scale_max, criterion.max_score)
            title = escape(criterion.title)
            self.fields[score_name] = forms.TypedChoiceField(
                label=f"Score for {title}",
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                help_text=escape(criterion.guidance),
                initial=None if saved_score is None else str(saved_score),
                error_messages={
                    "invalid_choice": f"Choose a score from {low} to {high} for {title}",
                },
            )
            self.fields[note_name] = forms.CharField(
                label=f"Why did you give this score for {title}?",
                required=False,
                max_length=3000,
                widget=forms.Textarea,
                initial=saved_justification,
                error_messages={
                    "max_length": f"Your justification for {title} must be 3,000 characters "
                    "or fewer",
                },
            )
            self.legends[criterion.pk] = f"{title} (weight {criterion.weight}, scored {low} to {high})"
        self.helper = FormHelper()

    def criterion_fields(self) -> list[CriterionFields]:
        rows = []
        for criterion in self.criteria:
            score = self[f"score_{criterion.pk}"]
            rows.append(CriterionFields(
                legend=self.legends[criterion.pk],
                score=score,
                justification=self[f"justification_{criterion.pk}"],
                radios=score_radios(score),
            ))
        return rows

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            for criterion in self.criteria:
                score_name, note_name = f"score_{criterion.pk}", f"justification_{criterion.pk}"
                title = criterion.title
                if score_name not in self.errors and cleaned.get(score_name) is None:
                    self.add_error(score_name, f"Give a score for {title}")
                if note_name not in self.errors and not cleaned.get(note_name, "").strip():
                    self.add_error(note_name, f"Explain your score for {title}")
        return cleaned

    def scores(self) -> dict[int, tuple[int | None, str]]:
        """The answers that are valid, by criterion: all of them when the form is valid."""
        result = {}
        for c in self.criteria:
            score_name, note_name = f"score_{c.pk}", f"justification_{c.pk}"
            if score_name in self.errors or note_name in self.errors:
                continue
            result[c.pk] = (
                self.cleaned_data.get(score_name),
                self.cleaned_data.get(note_name, ""),
            )
        return result


class ScreeningFailForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the application not eligible?",
        choices=IneligibleReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose why the application is not eligible",
            "invalid_choice": "Choose a reason from the list",
        },
    )
    notes = forms.CharField(
        label="What the applicant needs to know",
        help_text="The applicant sees this with the reason. Needed when you choose another "
        "reason.",
        required=False,
        max_length=3000,
        widget=forms.Textarea,
        error_messages={"max_length": "The explanation must be 3,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("reason", legend_size=Size.SMALL),
            Field.textarea("notes", rows=3),
            Submit("fail", "Mark as not eligible", css_class="govuk-button--warning"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == IneligibleReason.OTHER and not cleaned.get("notes", "").strip():
            self.add_error("notes", "Explain why the application is not eligible")
        return cleaned


class ReasonForm(forms.Form):
    """A required reason, for reopening screening or moderating."""

    reason = forms.CharField(
        label="Reason",
        max_length=3000,
        widget=forms.Textarea,
        error_messages={
            "required": "Give a reason",
            "max_length": "The reason must be 3,000 characters or fewer",
        },
    )

    def __init__(self, *args, label="Reason", button="Confirm", required_message="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        if required_message:
            self.fields["reason"].error_messages["required"] = required_message
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("reason", rows=3), Submit("confirm", button))


class ModerationForm(forms.Form):
    score = forms.DecimalField(
        label="Moderated score (%)",
        help_text="A percentage from 0 to 100, to one decimal place, for example 64.5.",
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        error_messages={
            "required": "Enter the moderated score",
            "invalid": "Enter the moderated score as a number, for example 64.5",
            "min_value": "The moderated score must be 0 or more",
            "max_value": "The moderated score must be 100 or less",
            "max_digits": "Enter the moderated score as a number from 0 to 100",
            "max_decimal_places": "Give the moderated score to one decimal place at most",
            "max_whole_digits": "The moderated score must be 100 or less",
        },
    )
    reason = forms.CharField(
        label="Why you are moderating the score",
        help_text="Kept in the application's history with the assessors' own scores.",
        max_length=3000,
        widget=forms.Textarea,
        error_messages={
            "required": "Give a reason for the moderated score",
            "max_length": "The reason must be 3,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].widget.input_type = "text"
        self.fields["score"].widget.attrs.update({"inputmode": "decimal"})
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("score", field_width=5),
            Field.textarea("reason", rows=3),
            Submit("moderate", "Save moderated score"),
        )

    def full_clean(self):
        # A percent sign or spaces around the number are forgiven.
        if self.is_bound and "score" in self.data:
            data = self.data.copy()
            data["score"] = str(data.get("score", "")).replace("%", "").strip()
            self.data = data
        super().full_clean()


class RecommendationForm(forms.Form):
    recommendation = forms.ChoiceField(
        label="Your recommendation",
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a recommendation"},
    )
    amount = MoneyField(
        label="Amount to fund, if funding in part",
        required=False,
        label_noun="the amount",
        help_text="Less than the amount requested, within the round's minimum and maximum.",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=3000,
        widget=forms.Textarea,
        help_text="Needed to fund in part (the applicant is told it) or to decline "
        "(for the approvers only).",
    )
    feedback = forms.CharField(
        label="Feedback for the applicant",
        required=False,
        max_length=3000,
        widget=forms.Textarea,
        help_text="Needed when you recommend declining; the applicant reads it with the decision.",
    )

    def __init__(self, *args, submit_label: str = "Make recommendation", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("recommendation", legend_size=Size.SMALL),
            Field.text("amount", field_width=10),
            Field.textarea("reason", rows=3),
            Field.textarea("feedback", rows=3),
            Submit("recommend", submit_label),
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve"),
            ("reject", "Do not fund"),
            ("waitlist", "Put on the waiting list"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision"},
    )
    amount = MoneyField(label="Amount to award", required=False, label_noun="the amount to award")
    feedback = forms.CharField(
        label="Feedback for the applicant",
        required=False,
        max_length=3000,
        widget=forms.Textarea,
        help_text="Leave blank to send the officer's feedback. Needed if you do not fund an "
        "application the officer recommended funding.",
    )
    reason = forms.CharField(
        label="Reason for your decision (for the record)",
        required=False,
        max_length=3000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.SMALL),
            Field.text("amount", field_width=10),
            Field.textarea("feedback", rows=3),
            Field.textarea("reason", rows=3),
            Submit("decide", "Confirm decision"),
        )

    def clean(self):
        cleaned = super().clean()
        missing = cleaned.get("amount") is None and "amount" not in self.errors
        if cleaned.get("decision") == "approve" and missing:
            self.add_error("amount", "Enter the amount to award")
        return cleaned


# --- Monitoring returns -------------------------------------------------------


def _count_field(label: str, noun: str, **kwargs) -> PeopleCountField:
    return PeopleCountField(
        label=label,
        required=False,
        min_value=0,
        max_value=10_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": f"Enter the number of {noun} as a whole number, like 12",
            "min_value": f"Enter the number of {noun} as a whole number, like 12",
            "max_value": f"Enter a number of {noun} smaller than 10,000,000",
        },
        **kwargs,
    )


class ReturnSectionForm(forms.Form):
    """A section of a monitoring return: every answer optional, so part of it always saves."""

    def __init__(self, *args, monitoring_return, content=None, **kwargs):
        self.monitoring_return = monitoring_return
        self.content = content
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()

    def data_to_save(self) -> dict:
        return dict(self.cleaned_data)


class ActivitiesForm(ReturnSectionForm):
    activities = forms.CharField(
        label="What activities did you deliver?",
        required=False,
        max_length=5000,
        help_text="What you did with the grant: sessions, events, services, and how often.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": "This must be 5,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.textarea("activities", rows=8, max_characters=5000), save_buttons()
        )


class PeopleForm(ReturnSectionForm):
    people_children = _count_field("Children and young people", "children and young people")
    people_older = _count_field("Older people", "older people")
    people_disabled = _count_field("Disabled people", "disabled people")
    people_other = _count_field("Other people", "other people")
    volunteers = _count_field(
        "How many volunteers helped?", "volunteers",
        help_text="Count each person once, however many times they helped.",
    )
    volunteer_hours = _count_field(
        "How many hours did volunteers give in total?", "volunteer hours",
        help_text="An estimate is fine, for example 6 volunteers × 3 hours × 20 weeks = 360.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Fieldset(
                HTML(
                    '<p class="govuk-hint">Count each person once, in the group that fits '
                    "best. Enter 0 for a group you did not reach.</p>"
                ),
                Field.text("people_children", field_width=10),
                Field.text("people_older", field_width=10),
                Field.text("people_disabled", field_width=10),
                Field.text("people_other", field_width=10),
                legend="How many people did the project reach?",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("volunteers", field_width=10),
                Field.text("volunteer_hours", field_width=10),
                legend="Volunteers",
                legend_size=Size.MEDIUM,
            ),
            save_buttons(),
        )


class SpendForm(ReturnSectionForm):
    """
    What was spent on each budget line of the application, with an
    explanation for any line more than 10% over or under. The explanation
    is demanded when the group continues; "come back later" saves without it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        layout = []
        for item in self.content.spend:
            line = item.line
            spent, explanation = f"spent_{line.pk}", f"explanation_{line.pk}"
            self.fields[spent] = MoneyField(
                label=f"Spent on {line.item}",
                required=False,
                widget=forms.TextInput,
                label_noun=f"the amount spent on {line.item}",
                help_text=f"You planned to spend £{line.amount:,.2f}.",
            )
            self.fields[explanation] = forms.CharField(
                label="Explain the difference (if more than 10% over or under)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"max_length": "The explanation must be 2,000 characters or fewer"},
            )
            self.initial.setdefault(spent, item.spent)
            self.initial.setdefault(explanation, item.explanation)
            layout.append(
                Fieldset(
                    Field.text(spent, field_width=10),
                    Field.textarea(explanation, rows=3),
                    legend=line.item,
                    legend_size=Size.SMALL,
                )
            )
        self.helper.layout = Layout(*layout, save_buttons())

    def clean(self):
        cleaned = super().clean()
        if self.data.get("continue") is None:
            return cleaned
        from .selectors import variance_needs_explaining

        for item in self.content.spend:
            line = item.line
            spent = cleaned.get(f"spent_{line.pk}")
            explanation = (cleaned.get(f"explanation_{line.pk}") or "").strip()
            if variance_needs_explaining(planned=line.amount, spent=spent) and not explanation:
                self.add_error(
                    f"explanation_{line.pk}",
                    f"Explain why you spent £{spent:,.2f} on {line.item} rather than "
                    f"the £{line.amount:,.2f} planned",
                )
        return cleaned

    def data_to_save(self) -> dict:
        spend = {}
        for item in self.content.spend:
            line = item.line
            spent = self.cleaned_data.get(f"spent_{line.pk}")
            spend[str(line.pk)] = {
                "spent": None if spent is None else str(spent),
                "explanation": (self.cleaned_data.get(f"explanation_{line.pk}") or "").strip(),
            }
        return {"spend": spend}


class ReturnOutcomesForm(ReturnSectionForm):
    """What was achieved towards each Strategic Plan outcome the award is tagged with."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for outcome, text in self.content.outcomes:
            name = f"outcome_{outcome.pk}"
            self.fields[name] = forms.CharField(
                label=f"{outcome.code} {outcome.title}",
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text="What difference did the project make towards this outcome?",
                error_messages={"max_length": "This must be 3,000 characters or fewer"},
            )
            self.initial.setdefault(name, text)
        self.helper.layout = Layout(
            *(Field.textarea(name, rows=4) for name in self.fields), save_buttons()
        )

    def data_to_save(self) -> dict:
        return {
            "outcomes": {
                name.removeprefix("outcome_"): value.strip()
                for name, value in self.cleaned_data.items()
            }
        }


class StoryForm(ReturnSectionForm):
    case_study = forms.CharField(
        label="Case study",
        required=False,
        max_length=3000,
        help_text="Tell us about one person or group the project helped and what changed for "
        "them. Do not use their real name.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "The case study must be 3,000 characters or fewer"},
    )
    challenges = forms.CharField(
        label="What challenges does your organisation face, now and in the next year?",
        required=False,
        max_length=3000,
        help_text="For example money, volunteers, premises or demand for your services.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "This must be 3,000 characters or fewer"},
    )
    financially_viable = forms.ChoiceField(
        label="Do you expect your organisation to remain financially viable for the next year?",
        required=False,
        choices=FinancialOutlook.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose yes, not sure or no"},
    )
    viability_notes = forms.CharField(
        label="Anything you want to tell us about your finances (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "This must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.textarea("case_study", rows=6, max_characters=3000),
            Field.textarea("challenges", rows=5, max_characters=3000),
            Field.radios("financially_viable", legend_size=Size.SMALL, inline=True),
            Field.textarea("viability_notes", rows=3),
            save_buttons(),
        )


class ReturnFileForm(AttachmentForm):
    """AttachmentForm's checked file field, without the kind (a return's files are all one kind)."""

    kind = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("file"), Submit("upload", "Upload file", css_class="govuk-button--secondary")
        )


class ReviewReturnForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your review",
        choices=[
            ("accept", "Accept the return"),
            ("changes", "Ask the group to change it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to accept the return or ask for changes"},
    )
    comments = forms.CharField(
        label="Comments for the group",
        required=False,
        max_length=3000,
        help_text="Needed when you ask for changes: say what to change. The group is emailed "
        "these comments.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Comments must be 3,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("comments", rows=4),
            Submit("review", "Confirm review"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "changes" and not (cleaned.get("comments") or "").strip():
            self.add_error("comments", "Say what the group needs to change")
        return cleaned


class CaseOfficerForm(forms.Form):
    officer = forms.ModelChoiceField(
        label="Case officer",
        queryset=None,
        required=False,
        empty_label="Nobody",
        error_messages={"invalid_choice": "Choose a grant officer from the list"},
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: user.display_name
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("officer"),
            Submit("assign", "Save case officer", css_class="govuk-button--secondary"),
        )
