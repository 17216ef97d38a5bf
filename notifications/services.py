"""
The outbox. A notification is rendered and stored in the same transaction as
the action it reports; sending happens after commit, in a Celery task. If the
broker is down the row simply waits as pending and the sweeper re-queues it.

Exactly once rests on two database facts, not on the broker: the unique
`idempotency_key` (a second attempt to store the same message finds the
first), and the conditional UPDATE that claims a row pending -> sending (a
second delivery of the same task, or a duplicate put on the queue by the
sweeper, finds nothing to claim).
"""

import logging
import random
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import record_audit_event
from applicants.choices import MembershipRole
from applicants.models import Membership, Organisation

from .backends import REFERENCE_HEADER
from .errors import PermanentSendError, TransientSendError
from .models import Notification, NotificationStatus

__all__ = [
    "PermanentSendError",
    "TransientSendError",
    "classify_send_error",
    "deliver_notification",
    "enqueue_notification",
    "notify_organisation",
    "notify_round_opened",
    "set_notification_preference",
    "set_round_opening_alerts",
    "notify_user",
    "queue_notification",
    "remind_organisation",
    "remind_user",
    "requeue_unsent_notifications",
    "retry_delay",
]

logger = logging.getLogger(__name__)

# A sweep hands at most this many rows to the broker; the next sweep, a
# minute later, takes the rest.
SWEEP_BATCH = 500
# A row the sweeper has just handed to the broker is not handed over again
# for this long, so a busy queue does not fill with copies of it.
REQUEUE_AGAIN_AFTER = timedelta(minutes=5)


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=getattr(settings, name))


# --- Storing ------------------------------------------------------------------


def _render(kind: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"notifications/email/{kind}_subject.txt", context).split())
    body_text = render_to_string(f"notifications/email/{kind}.txt", context).strip()
    body_html = render_to_string(
        "notifications/email/layout.html", {**context, "subject": subject, "body": body_text}
    )
    return subject, body_text, body_html


def _store(
    *,
    kind: str,
    to_email: str,
    recipient: User | None,
    about: models.Model | None,
    context: dict,
    idempotency_key: str,
) -> tuple[Notification, bool]:
    """The notification for this key, and whether this call created it."""
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing, False
    subject, body_text, body_html = _render(
        kind, {"site_url": settings.SITE_URL, "recipient": recipient, **context}
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                recipient=recipient,
                to_email=to_email,
                content_type=ContentType.objects.get_for_model(about) if about is not None else None,
                object_id=str(about.pk) if about is not None else "",
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # Another process stored the same key first; that row is the one.
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    transaction.on_commit(lambda: enqueue_notification(notification_id=notification.pk))
    return notification, True


def queue_notification(
    *,
    kind: str,
    to_email: str,
    recipient: User | None,
    about: models.Model | None,
    context: dict,
    idempotency_key: str,
) -> Notification:
    """
    Store a rendered notification and send it after the surrounding
    transaction commits. The same idempotency key never produces a second row.
    """
    notification, _ = _store(
        kind=kind,
        to_email=to_email,
        recipient=recipient,
        about=about,
        context=context,
        idempotency_key=idempotency_key,
    )
    return notification


def _store_for_user(
    *, kind: str, user: User, about: models.Model | None, context: dict, key: str
) -> tuple[Notification, bool]:
    return _store(
        kind=kind,
        to_email=user.email,
        recipient=user,
        about=about,
        context={**context, "user": user},
        idempotency_key=f"{key}:user:{user.pk}",
    )


def _organisation_members(organisation: Organisation, *, essential: bool):
    """
    The members who receive a message: those who have not switched
    notifications off and, for an essential message, the owners whatever
    their preference, so somebody always hears about decisions, offers,
    payments and requests for changes.
    """
    wanted = Q(memberships__receives_notifications=True)
    if essential:
        wanted |= Q(memberships__role=MembershipRole.OWNER)
    return User.objects.filter(
        wanted, memberships__organisation=organisation, is_active=True
    ).distinct().order_by("pk")


def notify_user(*, kind: str, user: User, about: models.Model, context: dict, key: str) -> Notification:
    notification, _ = _store_for_user(kind=kind, user=user, about=about, context=context, key=key)
    return notification


def notify_organisation(
    *,
    kind: str,
    organisation: Organisation,
    about: models.Model,
    context: dict,
    key: str,
    essential: bool = True,
) -> list[Notification]:
    """
    One notification to each member of the organisation who receives
    notifications. Messages about something that happened to the group's
    own records are essential by default: owners get them even with
    notifications off.
    """
    return [
        _store_for_user(
            kind=kind,
            user=member,
            about=about,
            context={**context, "organisation": organisation},
            key=key,
        )[0]
        for member in _organisation_members(organisation, essential=essential)
    ]


def remind_user(
    *, kind: str, user: User, about: models.Model | None, context: dict, key: str
) -> Notification | None:
    """
    Like notify_user, for periodic jobs: returns the notification only when
    this call created it, so a job can say what it sent, and None when an
    earlier or overlapping run already did.
    """
    notification, created = _store_for_user(kind=kind, user=user, about=about, context=context, key=key)
    return notification if created else None


def remind_organisation(
    *, kind: str, organisation: Organisation, about: models.Model, context: dict, key: str
) -> list[Notification]:
    """
    Like notify_organisation, returning only the notifications this call
    created. Reminders follow every member's preference, except that the
    owners are reminded when nobody else would be, so a group that switched
    everything off still hears that a return is overdue.
    """
    created = []
    members = list(_organisation_members(organisation, essential=False))
    if not members:
        members = list(_organisation_members(organisation, essential=True))
    for member in members:
        notification = remind_user(
            kind=kind,
            user=member,
            about=about,
            context={**context, "organisation": organisation},
            key=key,
        )
        if notification is not None:
            created.append(notification)
    return created


# --- Sending ------------------------------------------------------------------


def enqueue_notification(*, notification_id: int) -> bool:
    """Hand the notification to the broker; a broker outage is logged, not raised."""
    from .tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:  # the broker is unreachable; the sweeper will retry
        logger.warning("Broker unavailable: notification %s left pending", notification_id)
        return False
    return True


def classify_send_error(error: BaseException) -> bool:
    """
    True when the error is permanent: trying the same message again cannot
    succeed, so it is marked failed at once. Anything not known to be
    permanent is treated as transient and retried up to the limit, so an
    unexpected error is never retried forever and never silently dropped.
    """
    if isinstance(error, PermanentSendError):
        return True
    if isinstance(error, TransientSendError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # 4xx is "try later" (greylisting, mailbox busy); 5xx is "no".
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPAuthenticationError):
        # Connection and credentials: the server or the configuration, not
        # the message; an operator can put either right while retries run.
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    # Django raises ValueError for an address it cannot encode or a header
    # that would inject another.
    return isinstance(error, ValueError)


def retry_delay(attempts: int) -> timedelta:
    """
    Exponential back-off after the given number of attempts (30s, 1m, 2m...
    capped), with jitter so that messages that failed together (a mail
    server outage) are not all tried again in the same second.
    """
    base = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS
    cap = settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def _message_for(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        headers={REFERENCE_HEADER: notification.idempotency_key},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    return message


def deliver_notification(*, notification_id: int, now: datetime | None = None) -> Notification | None:
    """
    Claim the row (pending -> sending) with one conditional UPDATE, so only
    one worker can ever send it, then send and mark it sent. Returns None
    when another worker has it or it is already sent or failed.

    A transient failure puts the row back to pending with the time of its
    next attempt and raises TransientSendError (carrying the delay) for the
    task to retry; after NOTIFICATION_MAX_ATTEMPTS, or on a permanent
    failure, the row is marked failed with the reason and nothing is raised.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, claimed_at=now, attempts=models.F("attempts") + 1
    )
    if not claimed:
        return None
    notification = Notification.objects.get(pk=notification_id)
    try:
        _message_for(notification).send()
    except Exception as error:  # every failure is recorded on the row, then classified
        reason = f"{type(error).__name__}: {error}"
        if classify_send_error(error):
            logger.warning("Notification %s failed permanently: %s", notification_id, reason)
            _finish(notification, NotificationStatus.FAILED, error=reason)
            return notification
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            logger.error("Notification %s failed after %s attempts: %s", notification_id,
                         notification.attempts, reason)
            _finish(
                notification,
                NotificationStatus.FAILED,
                error=f"Gave up after {notification.attempts} attempts. {reason}",
            )
            return notification
        delay = retry_delay(notification.attempts)
        _finish(notification, NotificationStatus.PENDING, error=reason, next_attempt_at=now + delay)
        raise TransientSendError(reason, retry_in=delay.total_seconds()) from error
    _finish(notification, NotificationStatus.SENT)
    return notification


def _finish(
    notification: Notification, status: str, *, error: str = "", next_attempt_at: datetime | None = None
) -> None:
    """Record the outcome of this worker's claim (and only while it holds it)."""
    fields = {
        "status": status,
        "last_error": error,
        "sent_at": timezone.now() if status == NotificationStatus.SENT else None,
    }
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(**fields)
    for name, value in fields.items():
        setattr(notification, name, value)


def requeue_unsent_notifications(*, now: datetime | None = None) -> int:
    """
    The sweeper: re-queue pending rows the on-commit enqueue missed (broker
    down) or whose retry is due, and rows stuck in sending because their
    worker died. Returns how many it handed to the broker.
    """
    now = now or timezone.now()
    stuck_before = now - _seconds("NOTIFICATION_STUCK_AFTER_SECONDS")
    stuck = Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=stuck_before)
    # A message whose every attempt hangs until the worker is killed would
    # otherwise come back for ever.
    stuck.filter(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED,
        last_error="Gave up: the worker sending it stopped before it finished, too many times.",
    )
    stuck.update(status=NotificationStatus.PENDING, next_attempt_at=models.F("claimed_at"))

    # Claim a batch by moving its next_attempt_at forward, under
    # SKIP LOCKED, so two overlapping sweeps never queue the same row twice.
    due_before = now - _seconds("NOTIFICATION_PENDING_GRACE_SECONDS")
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=due_before)
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=now + REQUEUE_AGAIN_AFTER)
    enqueued = 0
    for position, pk in enumerate(ids):
        if not enqueue_notification(notification_id=pk):
            # The broker is still down: leave the rest due at once for the
            # next sweep rather than waiting out the timeout for each one.
            Notification.objects.filter(pk__in=ids[position:], status=NotificationStatus.PENDING).update(
                next_attempt_at=now
            )
            break
        enqueued += 1
    return enqueued


# --- Round opened and preferences ---------------------------------------------


def notify_round_opened(*, round) -> list[Notification]:
    """
    "A new round is open" to the members of every organisation that asked
    to be told, once per person per round whoever calls it and however
    often (publish_round, or the hourly "rounds_opened" job for a round
    published ahead of its opening). Returns the notifications this call
    created. Call inside a transaction: nothing is sent if it rolls back.
    """
    organisations = Organisation.objects.filter(notify_new_rounds=True).order_by("pk")
    sent = []
    for organisation in organisations:
        for member in _organisation_members(organisation, essential=False):
            notification = remind_user(
                kind="round_opened",
                user=member,
                about=round,
                context={"round": round, "organisation": organisation},
                key=f"round:{round.pk}:opened",
            )
            if notification is not None:
                sent.append(notification)
    return sent


@transaction.atomic
def set_notification_preference(*, membership: Membership, actor: User, receives: bool) -> Membership:
    """A member switches their own reminders and updates for one organisation on or off."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id != actor.pk:
        raise PermissionDenied("You can change only your own email preferences.")
    if membership.receives_notifications != receives:
        membership.receives_notifications = receives
        membership.save(update_fields=["receives_notifications"])
        record_audit_event(
            actor=actor,
            verb="notification_preference_changed",
            subject=membership.organisation,
            data={"member": actor.email, "receives_notifications": receives},
        )
    return membership


@transaction.atomic
def set_round_opening_alerts(*, organisation: Organisation, actor: User, wanted: bool) -> Organisation:
    """An owner or editor asks (or stops asking) to be told when a new round opens."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not Membership.objects.filter(
        user=actor, organisation=organisation,
        role__in=[MembershipRole.OWNER, MembershipRole.EDITOR],
    ).exists():
        raise PermissionDenied("Only the organisation's owners and editors can change this.")
    if organisation.notify_new_rounds != wanted:
        organisation.notify_new_rounds = wanted
        organisation.save(update_fields=["notify_new_rounds"])
        record_audit_event(
            actor=actor,
            verb="round_opening_alerts_changed",
            subject=organisation,
            data={"notify_new_rounds": wanted},
        )
    return organisation
