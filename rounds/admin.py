from copy import copy

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.services import record_audit_event
from applicants.choices import LegalStructure
from applicants.models import DocumentKind

from .models import Criterion, Outcome, Programme, Round, RoundStatus
from .selectors import scoring_has_started
from .services import ROUND_FIELDS, SCALE_FIELDS, check_round_rules, update_round


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "cost_centre", "gl_code"]


class CriterionInline(admin.TabularInline):
    """
    A round's criteria. Once scoring has started they are shown read-only
    and cannot be added or removed: scores already given were made against
    them (rounds.services.set_criteria refuses the same on the officer pages).
    """

    model = Criterion
    extra = 0
    fields = ["order", "title", "guidance", "weight", "max_score"]

    def _locked(self, obj) -> bool:
        return obj is not None and (
            obj.status == RoundStatus.ARCHIVED or scoring_has_started(obj)
        )

    def get_readonly_fields(self, request, obj=None):
        return self.fields if self._locked(obj) else []

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


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

    def clean(self):
        cleaned = super().clean()
        # The officer pages' rules, checked on a copy: the form puts its
        # values on self.instance only after clean().
        candidate = copy(self.instance)
        for field, value in cleaned.items():
            setattr(candidate, field, value)
        if candidate.programme_id is not None and not self.errors:
            check_round_rules(candidate)
        return cleaned


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundAdminForm
    list_display = ["name", "programme", "opens_at", "closes_at", "budget", "status"]
    list_filter = ["programme", "status"]
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


    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["status"]
        # Moving a round to another programme would change its references.
        readonly = ["programme", "status"]
        if obj.status == RoundStatus.ARCHIVED:
            readonly += RoundAdminForm.Meta.fields
        elif scoring_has_started(obj):
            readonly += list(SCALE_FIELDS)
        return readonly

    def save_model(self, request, obj, form, change):
        """
        Changes go through the same service as the officer pages, so that
        they are checked, locked and audited the same way.
        """
        if not change:
            super().save_model(request, obj, form, change)
            record_audit_event(actor=request.user, verb="round_created", subject=obj,
                               to_state=obj.status, data={"through": "admin"})
            return
        try:
            update_round(
                round=obj,
                actor=request.user,
                values={field: form.cleaned_data[field] for field in form.changed_data
                        if field in ROUND_FIELDS},
            )
        except (PermissionDenied, ValidationError) as error:
            # The form's own checks passed, so this is a refusal the service
            # alone can make (for example a lock taken since the page opened).
            raise PermissionDenied(" ".join(getattr(error, "messages", [str(error)]))) from error


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "parent"]
