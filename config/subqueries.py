"""Figures for each row of a list, worked out by correlated subqueries."""

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.expressions import OuterRef
from django.db.models.functions import Coalesce


def count_per_row(queryset: QuerySet, group: str) -> Coalesce:
    """
    How many rows of `queryset` have `group` pointing at the outer row (0
    when none), as a subquery. Unlike a join and GROUP BY, PostgreSQL works
    it out after ORDER BY and LIMIT: for the page of rows shown only.
    """
    counts = (
        queryset.filter(**{group: OuterRef("pk")})
        .order_by()
        .values(group)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
