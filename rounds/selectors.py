from django.db.models import QuerySet
from django.utils import timezone

from .models import Round, RoundStatus


def open_rounds(now=None) -> QuerySet[Round]:
    """Published rounds taking applications at this instant."""
    now = now or timezone.now()
    return (
        Round.objects.filter(status=RoundStatus.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
        .select_related("programme")
        .order_by("closes_at")
    )
