"""
Forms for the officers' round set-up pages. The forms turn what was typed
into values; whether a round's set-up holds together is decided by
rounds.services, whose refusals the views show against these fields.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from applicants.choices import LegalStructure
from applicants.models import DocumentKind
from config.formfields import MoneyField

from .models import Criterion, Programme, Round
from .services import max_score_problem

TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")
NAMED_TIMES = {"midday": time(12), "noon": time(12), "midnight": time(0)}


class DayMonthYearField(DateInputField):
    """A GOV.UK date input whose messages name the date they are about."""

    def __init__(self, *, noun: str, **kwargs):
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)
        self.noun = noun
        self.error_messages["required"] = f"Enter {noun}"
        self.error_messages["incomplete"] = f"Enter {noun} as a day, month and year"
        for part, name in zip(self.fields, ("day", "month", "year"), strict=True):
            part.error_messages["incomplete"] = f"{noun[0].upper()}{noun[1:]} must include a {name}"
            part.validators = [RegexValidator(r"^[0-9]{1,4}\Z", f"Enter {noun} in numbers")]

    def compress(self, data_list):
        if not data_list or not all(data_list):
            return None
        day, month, year = data_list
        if len(year) != 4:
            raise ValidationError(f"The year of {self.noun} must have 4 digits, like 2027")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.noun[0].upper()}{self.noun[1:]} must be a real date") from None


class TimeOfDayField(forms.Field):
    """A time as people write it: "9am", "5:30pm", "17:30" or "midday"."""

    widget = forms.TextInput(attrs={"spellcheck": "false"})

    def __init__(self, *, noun: str, **kwargs):
        super().__init__(**kwargs)
        self.noun = noun
        self.error_messages["required"] = f"Enter {noun}"

    def prepare_value(self, value):
        return value.strftime("%H:%M") if isinstance(value, time) else value

    def to_python(self, value):
        value = (value or "").strip().lower().replace(" ", "")
        if not value:
            return None
        if value in NAMED_TIMES:
            return NAMED_TIMES[value]
        match = TIME.match(value)
        if not match:
            raise ValidationError(f"Enter {self.noun} like 9am or 17:30")
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if match["half"]:
            if not 1 <= hour <= 12:
                raise ValidationError(f"Enter {self.noun} with an hour from 1 to 12 before am or pm")
            hour = hour % 12 + (12 if match["half"] == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError(f"Enter {self.noun} as a real time, like 9am or 17:30")
        return time(hour, minute)


def london_instant(day: date, at: time) -> datetime:
    """
    The exact instant of a wall-clock time in the council's time zone.
    Raises ValidationError for a time the clocks skip when they go forward;
    a time that happens twice when they go back is read as the first
    (British Summer Time), which is the earlier instant.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    instant = datetime.combine(day, at, tzinfo=zone)
    # A skipped time does not survive a round trip through UTC.
    if instant.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != (
        datetime.combine(day, at)
    ):
        raise ValidationError(
            "That time does not exist on that day because the clocks go forward. "
            "Choose a time from 2am"
        )
    return instant


class ProgrammeForm(forms.ModelForm):
    eligible_legal_structures = forms.TypedMultipleChoiceField(
        label="Which kinds of organisation may apply?",
        choices=LegalStructure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any kind of organisation may apply. "
        "A round can narrow this list.",
    )

    class Meta:
        model = Programme
        fields = ["name", "code", "description", "eligible_legal_structures", "cost_centre", "gl_code"]
        labels = {
            "name": "Programme name",
            "code": "Programme code",
            "description": "Description",
            "cost_centre": "Cost centre",
            "gl_code": "General ledger (GL) code",
        }
        help_texts = {
            "code": "2 to 6 letters or numbers, for example SCG. "
            "It starts every application reference, like SCG-2026-00042.",
            "description": "Applicants see this on each round's page.",
            "cost_centre": "The finance system's cost centre that pays these grants.",
            "gl_code": "The ledger code finance use for these grants.",
        }
        error_messages = {
            "name": {
                "required": "Enter the programme name",
                "max_length": "The programme name must be 200 characters or fewer",
                "unique": "There is already a programme with this name",
            },
            "code": {
                "required": "Enter the programme code",
                "max_length": "The programme code must be 6 characters or fewer",
                "unique": "Another programme already uses this code",
            },
            "cost_centre": {"max_length": "The cost centre must be 20 characters or fewer"},
            "gl_code": {"max_length": "The GL code must be 20 characters or fewer"},
        }

    def __init__(self, *args, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 4
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("code", field_width=5),
            Field.textarea("description", rows=4),
            Field.checkboxes("eligible_legal_structures", small=True, legend_size=Size.SMALL),
            Field.text("cost_centre", field_width=10),
            Field.text("gl_code", field_width=10),
            Submit("save", submit_label),
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", code):
            raise ValidationError(
                "The programme code must be 2 to 6 letters or numbers, starting with a letter, "
                "like SCG"
            )
        return code


def whole_number(*, label: str, noun: str, help_text: str = "", min_value: int = 0, max_value=None):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=min_value,
        max_value=max_value,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter {noun}",
            "invalid": f"Enter {noun} as a whole number, like 3",
            "min_value": f"Enter {noun} of {min_value} or more",
            "max_value": f"Enter {noun} of {max_value} or less",
        },
    )


class RoundDatesForm(forms.Form):
    """A round's name and dates: used alone to copy a round, and as part of RoundForm."""

    # Where a service's error about a model field is shown on this form.
    FIELD_FOR = {"opens_at": "opens_on", "closes_at": "closes_on"}

    name = forms.CharField(
        label="Round name",
        max_length=200,
        help_text="For example, Round 3: 2027/28",
        error_messages={
            "required": "Enter the round name",
            "max_length": "The round name must be 200 characters or fewer",
        },
    )
    opens_on = DayMonthYearField(label="Date the round opens", noun="the date the round opens",
                                 help_text="For example, 1 4 2027")
    opens_time = TimeOfDayField(label="Time the round opens", noun="the time the round opens",
                                help_text="UK time, for example 9am or 09:00")
    closes_on = DayMonthYearField(label="Date the round closes", noun="the date the round closes",
                                  help_text="For example, 30 6 2027")
    closes_time = TimeOfDayField(label="Time the round closes", noun="the time the round closes",
                                 help_text="UK time. Applications must be submitted before this "
                                 "moment, for example 12pm or 23:59")
    assessment_deadline = DayMonthYearField(
        label="Assessment deadline (optional)",
        noun="the assessment deadline",
        required=False,
        help_text="Assessors must finish scoring by this date",
    )
    decision_date = DayMonthYearField(
        label="Decision date (optional)",
        noun="the decision date",
        required=False,
        help_text="When applicants will be told the decision",
    )

    def __init__(self, *args, instance: Round | None = None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {**self.initial_from(instance), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(*self.layout_parts())

    @staticmethod
    def initial_from(round: Round) -> dict:
        return {
            "name": round.name,
            "opens_on": timezone.localtime(round.opens_at).date(),
            "opens_time": timezone.localtime(round.opens_at).time(),
            "closes_on": timezone.localtime(round.closes_at).date(),
            "closes_time": timezone.localtime(round.closes_at).time(),
            "assessment_deadline": round.assessment_deadline,
            "decision_date": round.decision_date,
        }

    def layout_parts(self) -> list:
        return [
            Field.text("name"),
            Fieldset(
                Field("opens_on", legend_size=Size.SMALL),
                Field.text("opens_time", field_width=5),
                Field("closes_on", legend_size=Size.SMALL),
                Field.text("closes_time", field_width=5),
                Field("assessment_deadline", legend_size=Size.SMALL),
                Field("decision_date", legend_size=Size.SMALL),
                legend="Dates",
                legend_size=Size.MEDIUM,
            ),
        ]

    def full_clean(self):
        super().full_clean()
        self._show_date_errors_on_day_inputs()

    def _show_date_errors_on_day_inputs(self) -> None:
        """
        An error about a whole date is shown against its day input, so that
        the error summary's link goes to a field that exists.
        """
        for name in self._errors.keys() & self.fields.keys():
            parts = getattr(self.fields[name], "fields", ())
            if parts and not any(getattr(part.widget, "errors", None) for part in parts):
                parts[0].widget.errors = list(self._errors[name])

    def clean(self):
        cleaned = super().clean()
        for prefix in ("opens", "closes"):
            day, at = cleaned.get(f"{prefix}_on"), cleaned.get(f"{prefix}_time")
            if day and at:
                try:
                    cleaned[f"{prefix}_at"] = london_instant(day, at)
                except ValidationError as error:
                    self.add_error(f"{prefix}_time", error)
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal against the field it is about, if this form has it."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            field = self.FIELD_FOR.get(field, field)
            self.add_error(field if field in self.fields else None, errors)
        self._show_date_errors_on_day_inputs()

    def dates(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "assessment_deadline": data.get("assessment_deadline"),
            "decision_date": data.get("decision_date"),
        }


class CopyRoundForm(RoundDatesForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append(Submit("copy", "Copy the round"))


class RoundForm(RoundDatesForm):
    """Everything an officer sets up on a round, apart from its criteria."""

    budget = MoneyField(label="Budget", label_noun="the budget",
                        help_text="The total the round can award, for example £150,000")
    min_award = MoneyField(label="Smallest grant", label_noun="the smallest grant",
                           help_text="For example, £500")
    max_award = MoneyField(label="Largest grant", label_noun="the largest grant",
                           help_text="For example, £5,000")
    eligible_legal_structures = forms.TypedMultipleChoiceField(
        label="Which kinds of organisation may apply?",
        choices=LegalStructure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to use the programme's list.",
    )
    max_annual_income = MoneyField(
        label="Largest annual income of an organisation that may apply (optional)",
        label_noun="the largest annual income",
        required=False,
        help_text="Leave blank if there is no limit, for example £250,000",
    )
    leicestershire_only = forms.TypedChoiceField(
        label="Must groups be based in or serve Leicestershire?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="Groups based in Leicester City or Rutland may then apply only for projects "
        "that serve people in Leicestershire.",
        error_messages={"required": "Say whether groups must be based in or serve Leicestershire"},
    )
    earliest_project_start = DayMonthYearField(
        label="Earliest project start (optional)", noun="the earliest project start",
        required=False, help_text="For example, 1 4 2027",
    )
    latest_project_end = DayMonthYearField(
        label="Latest project end (optional)", noun="the latest project end",
        required=False, help_text="For example, 31 3 2028",
    )
    required_documents = forms.TypedMultipleChoiceField(
        label="Documents every application must include",
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From the organisation's profile or attached to the application.",
    )
    assessors_per_application = whole_number(
        label="Assessors for each application", noun="the number of assessors",
        min_value=1, max_value=10, help_text="For example, 2",
    )
    scoring_scale_min = whole_number(
        label="Lowest score", noun="the lowest score", max_value=99, help_text="Usually 0 or 1",
    )
    scoring_scale_max = whole_number(
        label="Highest score", noun="the highest score", min_value=1, max_value=100,
        help_text="For example, 3 or 5",
    )
    moderation_threshold = whole_number(
        label="Moderation threshold", noun="the moderation threshold", max_value=100,
        help_text="Flag an application for moderation when its assessors' scores differ by more "
        "than this many percentage points, for example 20",
    )

    SETUP_FIELDS = (
        "budget", "min_award", "max_award", "eligible_legal_structures", "max_annual_income",
        "leicestershire_only", "earliest_project_start", "latest_project_end",
        "required_documents", "assessors_per_application", "scoring_scale_min",
        "scoring_scale_max", "moderation_threshold",
    )

    def __init__(self, *args, instance: Round | None = None, scale_locked: bool = False,
                 submit_label: str, **kwargs):
        if instance is not None:
            # Also needed when the form is posted: a disabled field's value
            # is its initial one, whatever was sent.
            initial = {field: getattr(instance, field) for field in self.SETUP_FIELDS}
            initial["leicestershire_only"] = "yes" if instance.leicestershire_only else "no"
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        elif not kwargs.get("data"):
            kwargs.setdefault("initial", {}).update(
                leicestershire_only="yes", assessors_per_application=2,
                scoring_scale_min=0, scoring_scale_max=5, moderation_threshold=20,
            )
        super().__init__(*args, instance=instance, **kwargs)
        if scale_locked:
            # A disabled field keeps its saved value whatever is posted.
            for field in ("scoring_scale_min", "scoring_scale_max"):
                self.fields[field].disabled = True
                self.fields[field].help_text = "Fixed: scoring has started in this round."
        self.helper.layout.extend([
            Fieldset(
                Field.text("budget", field_width=10),
                Field.text("min_award", field_width=10),
                Field.text("max_award", field_width=10),
                legend="Money", legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.checkboxes("eligible_legal_structures", small=True, legend_size=Size.SMALL),
                Field.text("max_annual_income", field_width=10),
                Field.radios("leicestershire_only", inline=True, small=True,
                             legend_size=Size.SMALL),
                Field("earliest_project_start", legend_size=Size.SMALL),
                Field("latest_project_end", legend_size=Size.SMALL),
                Field.checkboxes("required_documents", small=True, legend_size=Size.SMALL),
                legend="Who may apply", legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("assessors_per_application", field_width=2),
                Field.text("scoring_scale_min", field_width=2),
                Field.text("scoring_scale_max", field_width=2),
                Field.text("moderation_threshold", field_width=3),
                legend="Scoring", legend_size=Size.MEDIUM,
            ),
            Submit("save", submit_label),
        ])

    def values(self) -> dict:
        data = self.cleaned_data
        values = self.dates()
        values.update({field: data[field] for field in self.SETUP_FIELDS})
        values["eligible_legal_structures"] = list(data["eligible_legal_structures"])
        values["required_documents"] = list(data["required_documents"])
        return values


class CriterionForm(forms.ModelForm):
    """One criterion on the criteria page; its place comes from the formset's order."""

    weight = forms.IntegerField(
        label="Weight", min_value=1, max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the weight",
            "invalid": "Enter the weight as a whole number, like 25",
            "min_value": "Enter a weight of 1 or more",
            "max_value": "Enter a weight of 1,000 or less",
        },
    )
    max_score = forms.IntegerField(
        label="Maximum score", min_value=1, max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the maximum score",
            "invalid": "Enter the maximum score as a whole number, like 5",
            "min_value": "Enter a maximum score of 1 or more",
            "max_value": "Enter a maximum score of 100 or less",
        },
    )

    class Meta:
        model = Criterion
        fields = ["title", "guidance", "weight", "max_score"]
        labels = {"title": "Title", "guidance": "Guidance for assessors (optional)"}
        widgets = {"guidance": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "title": {
                "required": "Enter the criterion's title",
                "max_length": "The title must be 200 characters or fewer",
            }
        }

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["max_score"].help_text = (
            f"Up to {round.scoring_scale_max}, the top of the round's scale"
        )
        self.fields["weight"].help_text = "Weights are shared out as a percentage of their total"

    def clean_max_score(self):
        max_score = self.cleaned_data["max_score"]
        problem = max_score_problem(
            max_score=max_score,
            scale_min=self.round.scoring_scale_min,
            scale_max=self.round.scoring_scale_max,
        )
        if problem:
            raise ValidationError(problem)
        return max_score


class BaseCriterionFormSet(forms.BaseInlineFormSet):
    default_error_messages = {
        "missing_management_form": "The criteria could not be read. Reload the page and try again",
        "too_many_forms": "A round can have up to %(num)d criteria",
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = "Position"
        form.fields["ORDER"].widget = forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false"}
        )
        form.fields["ORDER"].error_messages["invalid"] = "Enter the position as a whole number"
        form.fields["DELETE"].label = "Remove this criterion"

    def add_another(self) -> "BaseCriterionFormSet":
        """The same formset, as posted, with one more blank criterion (no JavaScript needed)."""
        data = self.data.copy()
        key = f"{self.prefix}-TOTAL_FORMS"
        data[key] = str(int(data.get(key) or 0) + 1)
        return type(self)(data, instance=self.instance, form_kwargs=self.form_kwargs)

    def clean(self):
        super().clean()
        # Checking the count is pointless when the forms themselves, or the
        # counts of them the page sent, are already at fault.
        if any(self.errors) or not self.management_form.is_valid():
            return
        if not self.criteria():
            raise ValidationError("Add at least one criterion", code="no_criteria")

    def criteria(self) -> list[dict]:
        """The criteria kept, in the order given, as services.set_criteria takes them."""
        kept = [
            form for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form)
        ]
        kept.sort(key=lambda form: (form.cleaned_data.get("ORDER") or 1000, self.forms.index(form)))
        return [
            {
                **({"pk": form.instance.pk} if form.instance.pk else {}),
                "title": form.cleaned_data["title"].strip(),
                "guidance": form.cleaned_data.get("guidance", "").strip(),
                "weight": form.cleaned_data["weight"],
                "max_score": form.cleaned_data["max_score"],
            }
            for form in kept
        ]


CriterionFormSet = forms.inlineformset_factory(
    Round,
    Criterion,
    form=CriterionForm,
    formset=BaseCriterionFormSet,
    fields=["title", "guidance", "weight", "max_score"],
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=30,
    validate_max=True,
)
