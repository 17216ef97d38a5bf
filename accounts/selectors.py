"""Reads of accounts and the audit log that pages and commands share."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import AuditEvent, User

# Apps whose records the audit log is about; the object type filter lists
# their models only (not Django's or the libraries' own).
AUDITED_APPS = ("accounts", "applicants", "rounds", "grants", "payments", "notifications")


def audit_events() -> QuerySet[AuditEvent]:
    """Newest first, with what a list row shows loaded in the same query."""
    return AuditEvent.objects.select_related("actor", "content_type").order_by("-at", "-pk")


def audited_object_types() -> QuerySet[ContentType]:
    return ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by("app_label", "model")


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct())


def get_user_by_email(email: str) -> User:
    """The account using this address, matched without regard to case."""
    return User.objects.get(email__iexact=email.strip())
