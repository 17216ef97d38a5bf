"""
Applications are read in the admin but changed only through the service
pages, so every change is checked and audited; status fields are read-only.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import Application, Assignment, Award, MonitoringReturn, MonitoringRule


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "organisation", "round", "amount_requested", "status"]
    list_filter = ["status", "round"]
    search_fields = ["reference", "title", "organisation__name"]
    list_select_related = ["organisation", "round__programme"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "assessor", "status", "weighted_score"]
    list_filter = ["status"]
    list_select_related = ["application", "assessor"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["application", "amount", "award_date", "status"]
    list_filter = ["status"]
    list_select_related = ["application"]


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(ReadOnlyAdmin):
    list_display = ["award", "kind", "period", "due", "status", "accepted_at"]
    list_filter = ["status", "kind"]


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(admin.ModelAdmin):
    """
    A round's reporting rule is configuration, like the round itself: set
    before awards are accepted. Changing it later does not move returns
    already scheduled (scheduling happens once, on acceptance).
    """

    list_display = ["round", "end_of_grant_weeks", "interim_threshold", "interim_months",
                    "opens_days_before"]
    list_select_related = ["round__programme"]
