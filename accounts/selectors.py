"""Reads of accounts and the audit log that pages and commands share."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.shortcuts import get_object_or_404

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


def people() -> QuerySet[User]:
    """
    Everyone with an account, by name (by email address for those without
    one), with their roles loaded in one more query for the whole page.
    """
    return User.objects.prefetch_related("groups").order_by(
        Lower(Coalesce(NullIf("full_name", Value("")), "email")), "pk"
    )


def get_person(pk: int) -> User:
    return get_object_or_404(User.objects.prefetch_related("groups"), pk=pk)


def audit_events_about(user: User, limit: int = 10) -> list[AuditEvent]:
    """The latest changes to one person's account (roles, activation), newest first."""
    content_type = ContentType.objects.get_for_model(User)
    return list(audit_events().filter(content_type=content_type, object_id=str(user.pk))[:limit])
