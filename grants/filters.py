"""
Filters and sorting for the officer's and the assessor's lists (django-filter).
Every filter works on annotations made by the selectors, so the query count
stays the same whatever the number of rows.
"""

import django_filters
from django import forms
from django.db.models import Q

from applicants.choices import District

from . import selectors
from .models import ApplicationStatus, AssignmentStatus, ScreeningResult

NOT_SCREENED = "not_screened"


class SearchFilter(django_filters.CharFilter):
    """Text search on reference, title and organisation name."""

    def __init__(self, *, prefix: str = "", **kwargs):
        self.prefix = prefix
        super().__init__(label="Reference, project or organisation", **kwargs)

    def filter(self, queryset, value):
        value = (value or "").strip()[:100]
        if not value:
            return queryset
        p = self.prefix
        return queryset.filter(
            Q(**{f"{p}reference__icontains": value})
            | Q(**{f"{p}title__icontains": value})
            | Q(**{f"{p}organisation__name__icontains": value})
        )


def _district_filter(prefix: str):
    def apply(queryset, name, value):
        if not value:
            return queryset
        # A JSON list of ONS codes: the quoted code matches one element
        # exactly, on PostgreSQL and SQLite alike.
        return queryset.filter(**{f"{prefix}districts_served__icontains": f'"{value}"'})

    return apply


class OfficerApplicationFilter(django_filters.FilterSet):
    q = SearchFilter()
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        empty_label="Any status",
    )
    district = django_filters.ChoiceFilter(
        label="District served",
        choices=District.choices,
        empty_label="Any district",
        method=_district_filter(""),
    )
    screening = django_filters.ChoiceFilter(
        label="Screening",
        choices=[*ScreeningResult.choices, (NOT_SCREENED, "Not screened yet")],
        empty_label="Any result",
        method="filter_screening",
    )
    needs_assessors = django_filters.BooleanFilter(
        label="Only applications that need assessors",
        method="filter_needs_assessors",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        empty_label="Reference",
        fields=(
            ("reference", "reference"),
            ("organisation__name", "organisation"),
            ("amount_requested", "amount"),
            ("final_score", "score"),
            ("submitted_at", "submitted"),
        ),
        field_labels={
            "reference": "Reference",
            "organisation": "Organisation",
            "amount": "Amount requested",
            "score": "Score",
            "submitted": "Date submitted",
        },
    )

    def filter_screening(self, queryset, name, value):
        if value == NOT_SCREENED:
            return queryset.filter(screening_result="")
        return queryset.filter(screening_result=value) if value else queryset

    def filter_needs_assessors(self, queryset, name, value):
        return selectors.needs_assessors(queryset) if value else queryset

    @property
    def qs(self):
        queryset = super().qs
        # The chosen order, then the primary key so that pages never overlap.
        return queryset.order_by(*(queryset.query.order_by or ["reference"]), "pk")


class AssessorQueueFilter(django_filters.FilterSet):
    q = SearchFilter(prefix="application__")
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[c for c in AssignmentStatus.choices if c[0] != AssignmentStatus.REMOVED],
        empty_label="Any status",
    )
    district = django_filters.ChoiceFilter(
        label="District served",
        choices=District.choices,
        empty_label="Any district",
        method=_district_filter("application__"),
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        empty_label="Due date",
        fields=(
            ("due", "due"),
            ("application__reference", "reference"),
            ("application__organisation__name", "organisation"),
            ("status", "status"),
        ),
        field_labels={
            "due": "Due date",
            "reference": "Reference",
            "organisation": "Organisation",
            "status": "Status",
        },
    )

    @property
    def qs(self):
        queryset = super().qs
        return queryset.order_by(*(queryset.query.order_by or ["due"]), "pk")
