from django import forms
from django.contrib import admin

from applicants.choices import LegalStructure
from applicants.models import DocumentKind

from .models import Criterion, Outcome, Programme, Round


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "cost_centre", "gl_code"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class RoundAdminForm(forms.ModelForm):
    """The round's lists of values as checkboxes rather than raw JSON."""

    eligible_legal_structures = forms.TypedMultipleChoiceField(
        choices=LegalStructure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to use the programme's list.",
    )
    required_documents = forms.TypedMultipleChoiceField(
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each application must include these, from the profile or attached.",
    )

    class Meta:
        model = Round
        fields = [
            "programme", "name", "opens_at", "closes_at", "assessment_deadline",
            "decision_date", "budget", "min_award", "max_award", "eligible_legal_structures",
            "max_annual_income", "leicestershire_only", "earliest_project_start",
            "latest_project_end", "required_documents", "assessors_per_application",
            "scoring_scale_min", "scoring_scale_max",
        ]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundAdminForm
    list_display = ["name", "programme", "opens_at", "closes_at", "budget", "status"]
    list_filter = ["programme", "status"]
    readonly_fields = ["status"]
    inlines = [CriterionInline]
    fieldsets = [
        (None, {"fields": ["programme", "name", "status"]}),
        ("Dates", {"fields": ["opens_at", "closes_at", "assessment_deadline", "decision_date"]}),
        ("Money", {"fields": ["budget", "min_award", "max_award"]}),
        (
            "Who may apply",
            {
                "fields": [
                    "eligible_legal_structures",
                    "max_annual_income",
                    "leicestershire_only",
                    "earliest_project_start",
                    "latest_project_end",
                    "required_documents",
                ]
            },
        ),
        (
            "Scoring",
            {"fields": ["assessors_per_application", "scoring_scale_min", "scoring_scale_max"]},
        ),
    ]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "parent"]
