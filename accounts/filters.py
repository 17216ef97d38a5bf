"""The audit log's and the people list's filters (django-filter), as the pages' forms."""

import django_filters
from django import forms
from django.db.models import Q

from . import selectors
from .models import AuditEvent, User
from .roles import Role

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y"]


class ObjectTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        model = obj.model_class()
        return str(model._meta.verbose_name).capitalize() if model else obj.model


class ObjectTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ObjectTypeChoiceField


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from_date"), cleaned.get("to_date")
        if start and end and start > end:
            self.add_error("to_date", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor__email",
        lookup_expr="icontains",
        label="Done by (email address or part of it)",
    )
    verb = django_filters.ChoiceFilter(label="What happened", empty_label="Anything")
    object_type = ObjectTypeFilter(
        field_name="content_type",
        label="Type of record",
        empty_label="Any",
        queryset=selectors.audited_object_types(),
    )
    object_id = django_filters.CharFilter(label="Record number")
    from_date = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label="From",
        input_formats=DATE_INPUT_FORMATS,
    )
    to_date = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label="To",
        input_formats=DATE_INPUT_FORMATS,
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        verbs = selectors.audit_verbs()
        self.filters["verb"].extra["choices"] = [(verb, verb.replace("_", " ")) for verb in verbs]
        messages = {"invalid": "Enter a real date, like 27/03/2026"}
        self.filters["from_date"].extra["error_messages"] = messages
        self.filters["to_date"].extra["error_messages"] = messages


class PeopleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name or email address")
    role = django_filters.ChoiceFilter(
        field_name="groups__name", label="Role", choices=Role.choices, empty_label="Any role"
    )
    status = django_filters.ChoiceFilter(
        method="with_status",
        label="Status",
        choices=[("active", "Active"), ("inactive", "Inactive")],
        empty_label="Active or inactive",
    )

    class Meta:
        model = User
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        messages = {"invalid_choice": "Choose from the list"}
        self.filters["role"].extra["error_messages"] = messages
        self.filters["status"].extra["error_messages"] = messages

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
        return queryset

    def with_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")
