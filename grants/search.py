"""
Staff search across applications, awards and organisations (django-filter).

What a person types is read the way the organisation profile reads it: a
postcode, charity number or company number matches however it is spaced or
cased (applicants.validators), as well as any reference, title or name
containing the text.
"""

import re
from collections.abc import Callable
from functools import cache

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.lookups import In
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from applicants.choices import District, LegalStructure
from applicants.models import Organisation
from applicants.validators import (
    normalise_charity_number,
    normalise_company_number,
    normalise_postcode,
)
from rounds.models import Outcome, Programme, Round, RoundStatus

from .models import COMMITTED_AWARD_STATES, Application, ApplicationStatus, AwardStatus

# Longer text is cut: nobody's reference, name or postcode is longer.
MAX_SEARCH_LENGTH = 100
# Results are counted, and paged through, up to this many. Counting every
# application whose reference starts "SCG-20" reads tens of thousands of
# rows; nobody pages past the first thousand, they narrow the search.
COUNT_CAP = 1000
# The first half of a postcode ("LE19"), to find every group in an area.
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


class Within:
    APPLICATIONS = "applications"
    AWARDS = "awards"
    ORGANISATIONS = "organisations"
    CHOICES = [
        (APPLICATIONS, "Applications"),
        (AWARDS, "Awards"),
        (ORGANISATIONS, "Organisations"),
    ]


def _normalised(normalise, text: str) -> str | None:
    try:
        return normalise(text)
    except ValidationError:
        return None


class InSubquery(In):
    """
    `column IN (subquery)`, written `column = ANY(ARRAY(subquery))` on
    PostgreSQL. The subquery is then run once, before the outer query, and
    its result can feed an index scan that is ORed with others (a BitmapOr):
    matches on an application's organisation and on its own reference or
    title come from three indexes instead of a scan of every application.
    """

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _tidied(text: str) -> str:
    return " ".join(text.split())[:MAX_SEARCH_LENGTH]


def organisation_matches(text: str) -> Q:
    """Organisations whose name contains what was typed, or whose number or postcode it is."""
    text = _tidied(text)
    matches = Q(name__icontains=text)
    if charity_number := _normalised(normalise_charity_number, text):
        matches |= Q(charity_number=charity_number)
    if company_number := _normalised(normalise_company_number, text):
        matches |= Q(company_number=company_number)
    if postcode := _normalised(normalise_postcode, text):
        matches |= Q(postcode=postcode)
    else:
        compact = re.sub(r"\s+", "", text).upper()
        if OUTWARD_CODE.match(compact):
            matches |= Q(postcode__startswith=f"{compact} ")
    return matches


def application_matches(text: str) -> Q:
    """Applications whose reference or title contains what was typed, or whose organisation matches."""
    text = _tidied(text)
    # The organisation is matched in a subquery rather than through the join:
    # an OR across two joined tables can use no index (see InSubquery).
    organisations = Organisation.objects.filter(organisation_matches(text)).order_by().values("pk")
    return (
        Q(InSubquery(F("organisation_id"), organisations))
        | Q(reference__icontains=text)
        | Q(title__icontains=text)
    )


# The filters whose choices are rows: programmes, rounds and outcomes.
LISTED_FILTERS = ("programme", "round", "outcome")


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """
    The programme, round and outcome filters' choices, {filter: [(pk, label)]},
    in the order each list is shown, read with one query (a UNION ALL): three
    queries' round trips were a tenth of the search page's time (issue 9).
    """
    since = Value(None, output_field=DateTimeField())
    parts = [
        Programme.objects.annotate(
            kind=Value("programme"), first=F("name"), second=Value(""), since=since
        ),
        Round.objects.exclude(status=RoundStatus.DRAFT).annotate(
            kind=Value("round"), first=F("programme__name"), second=F("name"), since=F("opens_at")
        ),
        Outcome.objects.filter(parent__isnull=False).annotate(
            kind=Value("outcome"), first=F("code"), second=F("title"), since=since
        ),
    ]
    columns = ("kind", "pk", "first", "second", "since")
    programmes, *others = (part.order_by().values_list(*columns) for part in parts)
    rows = programmes.union(*others, all=True).order_by("first", "-since")
    # Programmes by name, rounds by programme and newest first, outcomes by code.
    choices = {name: [] for name in LISTED_FILTERS}
    label = {
        "programme": lambda first, second: first,
        "round": lambda first, second: f"{first}: {second}",
        "outcome": lambda first, second: f"{first} {second}",
    }
    for kind, pk, first, second, _ in rows:
        choices[kind].append((pk, label[kind](first, second)))
    return choices


class ListedChoices(django_filters.fields.ModelChoiceIterator):
    """
    A filter's choices from `filter_choices`, read once for the whole form
    (the filter set hands each field the same `listed` function). The
    queryset still checks a chosen value.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.field.listed()

    def __len__(self):
        return len(self.field.listed()) + (self.field.empty_label is not None)

    def __bool__(self):
        return True if self.field.empty_label is not None else bool(self.field.listed())


class ModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedChoices


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ModelChoiceField


class Select(forms.Select):
    """
    Django's Select with the same markup built in Python, straight from the
    choices: Django renders a template per option, and even building its
    per-option dictionaries (get_context) cost a sixth of the search page's
    time (issue 9). It keeps Django's class name because crispy-forms-gds
    styles a widget by its class name (govuk-select, and the error state).
    Like Django's, it marks the first option with the value as selected.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                group = "".join(self._option(*choice, chosen) for choice in option_label)
                options.append(f'<optgroup label="{conditional_escape(option_value)}">{group}</optgroup>')
            else:
                options.append(self._option(option_value, option_label, chosen))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(options)),  # noqa: S308 (each part escaped in _option)
        )

    @staticmethod
    def _option(value, label, chosen: list[str]) -> str:
        value = "" if value is None else str(value)
        selected = ""
        if value in chosen:
            selected = " selected"
            # Only the first option with the value, as Django does.
            chosen.clear()
        return f'<option value="{conditional_escape(value)}"{selected}>{conditional_escape(label)}</option>'


class SearchForm(forms.Form):
    """
    The filter form. grants/search.html writes its fields out in GOV.UK
    markup from `displayed_fields`: crispy-forms' templates per field were
    a third of the page's time at 50,000 applications (issue 9), and crispy
    put a CSRF token in this GET form, and so in the address of every search.
    """

    def displayed_fields(self) -> list[forms.BoundField]:
        """The fields, each widget with its GOV.UK class and, when its value is wrong, the error state."""
        fields = []
        for field in self:
            widget = field.field.widget
            kind = "govuk-select" if isinstance(widget, forms.Select) else "govuk-input"
            widget.attrs["class"] = f"{kind} {kind}--error" if field.errors else kind
            if field.errors:
                widget.attrs["aria-describedby"] = f"{field.id_for_label}-error"
                widget.attrs["aria-invalid"] = "true"
            fields.append(field)
        return fields


class DefaultOrdering:
    """Rows in `default_ordering` until the person chooses how to sort them."""

    default_ordering: tuple[str, ...] = ()

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*self.default_ordering)
        return queryset


class ApplicationSearch(DefaultOrdering, django_filters.FilterSet):
    """Submitted applications (drafts are the applicant's own business)."""

    default_ordering = ("-submitted_at", "-pk")

    q = django_filters.CharFilter(
        label="Reference, name, charity or company number, or postcode",
        method="search_text",
        max_length=MAX_SEARCH_LENGTH,
    )
    programme = ModelChoiceFilter(
        label="Programme",
        field_name="round__programme",
        queryset=Programme.objects.all(),
        empty_label="All programmes",
        widget=Select,
        error_messages={"invalid_choice": "Choose a programme from the list"},
    )
    round = ModelChoiceFilter(
        queryset=Round.objects.exclude(status=RoundStatus.DRAFT),
        empty_label="All rounds",
        widget=Select,
        error_messages={"invalid_choice": "Choose a round from the list"},
    )
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in ApplicationStatus if s != ApplicationStatus.DRAFT],
        empty_label="All statuses",
        widget=Select,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    district = django_filters.ChoiceFilter(
        label="District where the organisation is based",
        field_name="organisation__district",
        choices=District.choices,
        empty_label="All districts",
        widget=Select,
        error_messages={"invalid_choice": "Choose a district from the list"},
    )
    outcome = ModelChoiceFilter(
        label="Strategic Plan outcome",
        field_name="outcomes",
        queryset=Outcome.objects.filter(parent__isnull=False),
        empty_label="All outcomes",
        widget=Select,
        error_messages={"invalid_choice": "Choose an outcome from the list"},
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        widget=Select,
        error_messages={"invalid_choice": "Choose how to sort the results from the list"},
        empty_label="Newest first",
        fields=(
            ("reference", "reference"),
            ("submitted_at", "submitted"),
            ("organisation__name", "organisation"),
            ("amount_requested", "amount"),
        ),
        field_labels={
            "reference": "Reference",
            "submitted": "Date submitted",
            "organisation": "Organisation name",
            "amount": "Amount requested",
        },
    )

    class Meta:
        model = Application
        fields = ["q", "programme", "round", "status", "district", "outcome"]
        form = SearchForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cache(filter_choices)
        for name in LISTED_FILTERS:
            self.filters[name].field.listed = lambda name=name: choices()[name]

    def search_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(application_matches(value))


class AwardSearch(ApplicationSearch):
    """Applications whose award is committed, with the award's figures to sort by."""

    default_ordering = ("-award__award_date", "-pk")

    sort = django_filters.OrderingFilter(
        label="Sort by",
        widget=Select,
        error_messages={"invalid_choice": "Choose how to sort the results from the list"},
        empty_label="Newest award first",
        fields=(
            ("reference", "reference"),
            ("award__award_date", "award_date"),
            ("organisation__name", "organisation"),
            ("award__amount", "amount"),
        ),
        field_labels={
            "reference": "Reference",
            "award_date": "Award date",
            "organisation": "Organisation name",
            "amount": "Amount awarded",
        },
    )


class OrganisationSearch(DefaultOrdering, django_filters.FilterSet):
    default_ordering = ("name", "pk")

    q = django_filters.CharFilter(
        label="Name, charity or company number, or postcode",
        method="search_text",
        max_length=MAX_SEARCH_LENGTH,
    )
    district = django_filters.ChoiceFilter(
        choices=District.choices,
        empty_label="All districts",
        widget=Select,
        error_messages={"invalid_choice": "Choose a district from the list"},
    )
    legal_structure = django_filters.ChoiceFilter(
        choices=LegalStructure.choices,
        empty_label="All legal structures",
        widget=Select,
        error_messages={"invalid_choice": "Choose a legal structure from the list"},
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        widget=Select,
        error_messages={"invalid_choice": "Choose how to sort the results from the list"},
        empty_label="Name (A to Z)",
        fields=(("name", "name"), ("created_at", "registered")),
        field_labels={"name": "Name", "registered": "Date registered"},
    )

    class Meta:
        model = Organisation
        fields = ["q", "district", "legal_structure"]
        form = SearchForm

    def search_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(organisation_matches(value))


# What the results table shows, and no more: loading whole rows made and
# decrypted each organisation's bank details, and parsed a dozen dates, for
# every row of the page.
APPLICATION_COLUMNS = (
    "reference", "title", "status", "submitted_at", "amount_requested",
    "organisation__name", "organisation__postcode", "organisation__district",
    "round__name", "round__programme__name",
    "award__status", "award__award_date", "award__amount",
)
ORGANISATION_COLUMNS = (
    "name", "legal_structure", "charity_number", "company_number", "postcode", "district",
)


def searchable_applications() -> QuerySet[Application]:
    # application_rows reads the page's columns.
    return Application.objects.exclude(status=ApplicationStatus.DRAFT)


def application_rows(
    page: QuerySet[Application], *, awards: bool, link: Callable[[int], str] | None
) -> list[dict]:
    """
    The results table's rows for a page of applications (or awards), each a
    dictionary of what its cells show, `url` the application's page if
    `link` is given. Each value the template writes is then one dictionary
    lookup, not a walk through three related objects, and no model
    instances are made: the 25 rows' cells were half the page's time at
    50,000 applications (issue 9).
    """
    statuses = dict(AwardStatus.choices if awards else ApplicationStatus.choices)
    districts = dict(District.choices)
    status, date, amount = (
        ("award__status", "award__award_date", "award__amount")
        if awards
        else ("status", "submitted_at", "amount_requested")
    )
    rows = []
    for row in page.values("pk", *APPLICATION_COLUMNS):
        district = row["organisation__district"]
        rows.append({
            "url": link(row["pk"]) if link else "",
            "reference": row["reference"],
            "title": row["title"],
            "organisation": row["organisation__name"],
            "postcode": row["organisation__postcode"],
            "district": districts.get(district, district),
            "round": f"{row['round__programme__name']}: {row['round__name']}",
            "status": statuses.get(row[status], row[status]),
            "date": row[date],
            "amount": row[amount],
        })
    return rows


def searchable_awards() -> QuerySet[Application]:
    return searchable_applications().filter(award__status__in=COMMITTED_AWARD_STATES)


def searchable_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.only(*ORGANISATION_COLUMNS)


def search(within: str, data) -> django_filters.FilterSet:
    """The filter set for what is searched, bound to the query string."""
    if within == Within.AWARDS:
        return AwardSearch(data, queryset=searchable_awards())
    if within == Within.ORGANISATIONS:
        return OrganisationSearch(data, queryset=searchable_organisations())
    return ApplicationSearch(data, queryset=searchable_applications())


class CappedPaginator(Paginator):
    """
    Pages through at most `cap` results, counting no further than one past
    it: the count is then cheap however many rows match, and
    `more_than_count` says whether the page must say "more than".
    """

    def __init__(self, object_list, per_page, cap: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def more_than_count(self) -> bool:
        return self._counted > self.cap
