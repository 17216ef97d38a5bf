from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Criterion, Programme, Round, RoundStatus


def open_rounds(now=None) -> QuerySet[Round]:
    """Published rounds taking applications at this instant."""
    now = now or timezone.now()
    return (
        Round.objects.filter(status=RoundStatus.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
        .select_related("programme")
        .order_by("closes_at")
    )


def scoring_has_started(round: Round) -> bool:
    """
    Whether any assessor has scored against the round's criteria. Read
    through Criterion's reverse relation to grants.Score (`scores`), so that
    rounds need not import grants.
    """
    return Criterion.objects.filter(round=round, scores__isnull=False).exists()


def programmes_for_setup() -> QuerySet[Programme]:
    """Every programme with how many rounds it has, for the officers' list."""
    return Programme.objects.annotate(
        round_count=Count("rounds"),
        draft_count=Count("rounds", filter=Q(rounds__status=RoundStatus.DRAFT)),
    ).order_by("name")


def programme_rounds(programme: Programme) -> QuerySet[Round]:
    """A programme's rounds, newest first, with their number of criteria."""
    return programme.rounds.annotate(criteria_count=Count("criteria")).order_by("-opens_at", "-pk")


def round_for_setup(pk: int) -> Round:
    """A round, any status, with its programme and whether scoring has started."""
    return get_object_or_404(
        Round.objects.select_related("programme").annotate(
            scoring_started=Exists(
                Criterion.objects.filter(round=OuterRef("pk"), scores__isnull=False)
            )
        ),
        pk=pk,
    )


def criteria_with_shares(round: Round) -> list[Criterion]:
    """
    The round's criteria in order, each with `share`: its weight as a
    percentage of the round's total weight, to one decimal place.
    """
    criteria = list(round.criteria.order_by("order", "pk"))
    total = sum(criterion.weight for criterion in criteria)
    for criterion in criteria:
        criterion.share = (
            (Decimal(criterion.weight) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if total
            else Decimal("0.0")
        )
    return criteria
