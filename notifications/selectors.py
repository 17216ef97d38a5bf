from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from accounts.models import User
from applicants.models import Organisation

from .models import Notification, NotificationStatus


def messages_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def messages_about(
    *,
    subject: models.Model | None = None,
    subjects: list[models.Model] | None = None,
    recipient: User | None = None,
    organisation: Organisation | None = None,
) -> QuerySet[Notification]:
    """
    The message history of one record, or of several (an application, its
    award and its returns): every message about them for an officer; only
    those sent to `recipient`, or to members of `organisation`, for an
    applicant (an organisation's members see what the service told any of
    them about their own records, never messages to anyone else).
    """
    records = [record for record in [subject, *(subjects or [])] if record is not None]
    about = Q(pk__in=[])
    for record in records:
        about |= Q(content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk))
    messages = Notification.objects.filter(about)
    if recipient is not None:
        messages = messages.filter(recipient=recipient)
    if organisation is not None:
        messages = messages.filter(
            recipient__in=User.objects.filter(memberships__organisation=organisation)
        )
    return messages.order_by("-created_at", "-pk")


def failed_messages() -> QuerySet[Notification]:
    """Messages that could not be sent, newest first, for officers to follow up."""
    return (
        Notification.objects.filter(status=NotificationStatus.FAILED)
        .select_related("recipient", "content_type")
        .order_by("-created_at", "-pk")
    )
