from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"


class Notification(models.Model):
    """
    The outbox: every message is a row first, then a task sends it once.

    `status` is a plain field rather than an FSM field on purpose: a sender
    claims a row with a conditional UPDATE (pending -> sending), which is
    atomic across processes in a way an in-memory transition cannot be.
    """

    kind = models.CharField(max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to_email = models.EmailField()
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    subject_object = GenericForeignKey("content_type", "object_id")
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper may next hand a pending row to the broker: creation
    # time at first, then the end of a retry's back-off, so that a retry
    # lost with the broker is still made, without any long ETA on Redis.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"

    @property
    def is_failed(self) -> bool:
        return self.status == NotificationStatus.FAILED
