from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from accounts.models import User

from .models import Notification, NotificationStatus


def messages_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def messages_about(*, subject: models.Model, recipient: User | None = None) -> QuerySet[Notification]:
    """
    The message history of one record (an application, an award, a return):
    every message about it, or only those sent to `recipient`. Pages that
    show it (grants' application and award pages) decide which, from who is
    looking: an officer sees all, an applicant the ones sent to them.
    """
    messages = Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
    )
    if recipient is not None:
        messages = messages.filter(recipient=recipient)
    return messages.order_by("-created_at", "-pk")


def failed_messages() -> QuerySet[Notification]:
    """Messages that could not be sent, newest first, for officers to follow up."""
    return (
        Notification.objects.filter(status=NotificationStatus.FAILED)
        .select_related("recipient", "content_type")
        .order_by("-created_at", "-pk")
    )
