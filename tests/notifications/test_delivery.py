"""
Sending from the outbox: permanent failures stop at once and show, transient
ones are retried with growing waits and then stop, a second delivery of the
same task sends nothing, and the sweeper picks up what the broker or a dead
worker left behind. SMTP failures come from a real SMTP conversation with a
small server on 127.0.0.1, through Django's own SMTP backend.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from accounts.roles import Role
from notifications.errors import TransientSendError
from notifications.models import Notification, NotificationStatus
from notifications.services import (
    deliver_notification,
    queue_notification,
    requeue_unsent_notifications,
    retry_delay,
)
from notifications.tasks import send_notification, sweep_notifications
from tests.grants.factories import ApplicationFactory
from tests.notifications.helpers import FakeSMTPServer, FlakyEmailBackend, free_port, smtp_settings


@pytest.fixture
def person(make_user):
    return make_user(Role.APPLICANT, email="group.secretary@example.org")


@pytest.fixture
def stored(person):
    """A pending notification, stored without being handed to a worker."""

    def make(*, to_email=None, key="delivery-test:1"):
        return queue_notification(
            kind="screening_passed",
            to_email=to_email or person.email,
            recipient=person,
            about=person,
            context={"application": ApplicationFactory(status="in_assessment")},
            idempotency_key=key,
        )

    return make


def test_a_refused_address_is_marked_failed_at_once_and_not_retried(stored, settings):
    notification = stored(to_email="nobody@example.org")
    with FakeSMTPServer(replies={"nobody@example.org": (550, "5.1.1 No such user")}) as server:
        for name, value in smtp_settings(server.port).items():
            setattr(settings, name, value)
        deliver_notification(notification_id=notification.pk)
        # A second delivery of the task, or a sweep, finds nothing to do.
        assert deliver_notification(notification_id=notification.pk) is None
        requeue_unsent_notifications(now=timezone.now() + timedelta(hours=1))
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 1
    assert "550" in notification.last_error and "No such user" in notification.last_error
    assert server.received == []


def test_an_address_django_cannot_use_fails_permanently(stored, settings):
    notification = stored(to_email="two@@example.org")
    with FakeSMTPServer() as server:
        for name, value in smtp_settings(server.port).items():
            setattr(settings, name, value)
        deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "Invalid address" in notification.last_error


def test_a_message_the_server_rejects_fails_permanently(stored, settings):
    notification = stored()
    with FakeSMTPServer(data_reply=(552, "5.3.4 Message too big")) as server:
        for name, value in smtp_settings(server.port).items():
            setattr(settings, name, value)
        deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "552" in notification.last_error


def test_a_greylisted_address_is_tried_again_later(stored, settings):
    notification = stored()
    with FakeSMTPServer(replies={notification.to_email: (450, "4.2.0 Greylisted, try later")}) as server:
        for name, value in smtp_settings(server.port).items():
            setattr(settings, name, value)
        before = timezone.now()
        with pytest.raises(TransientSendError) as raised:
            deliver_notification(notification_id=notification.pk, now=before)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert "Greylisted" in notification.last_error
    # The first wait is between half and all of the 30 second base.
    assert 15 <= raised.value.retry_in <= 30
    assert notification.next_attempt_at == before + timedelta(seconds=raised.value.retry_in)


def test_a_mail_server_that_is_down_is_retried_with_growing_waits_then_failed(stored, settings):
    notification = stored()
    for name, value in smtp_settings(free_port()).items():  # nothing listens there
        setattr(settings, name, value)
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    waits = []
    now = timezone.now()
    for _ in range(5):
        with pytest.raises(TransientSendError) as raised:
            deliver_notification(notification_id=notification.pk, now=now)
        waits.append(raised.value.retry_in)
        now += timedelta(seconds=raised.value.retry_in)
    # 30s, 1m, 2m, 4m, then capped at 5m; each with jitter of up to half.
    for wait, full in zip(waits, [30, 60, 120, 240, 300], strict=True):
        assert full / 2 <= wait <= full
    assert deliver_notification(notification_id=notification.pk, now=now) is not None
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 6
    assert notification.last_error.startswith("Gave up after 6 attempts.")
    assert "Connection refused" in notification.last_error or "ConnectionRefused" in notification.last_error


def test_the_retry_wait_never_exceeds_the_cap(settings):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = 300
    assert all(retry_delay(attempts) <= timedelta(seconds=300) for attempts in range(1, 40))


def test_a_sent_notification_is_not_sent_again_when_its_task_is_delivered_twice(stored, settings):
    notification = stored()
    send_notification.apply(args=[notification.pk])
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1
    assert [m.to for m in mail.outbox] == [[notification.to_email]]


class RedeliveringBackend(LocmemBackend):
    """While the first worker is mid-send, the broker hands the same task to a second one."""

    notification_id = None
    second_delivery: list = []

    def send_messages(self, messages):
        self.second_delivery.append(deliver_notification(notification_id=self.notification_id))
        return super().send_messages(messages)


def test_a_copy_of_the_task_arriving_while_the_first_is_sending_sends_nothing(stored, settings):
    notification = stored()
    RedeliveringBackend.notification_id = notification.pk
    RedeliveringBackend.second_delivery = []
    settings.EMAIL_BACKEND = f"{__name__}.RedeliveringBackend"
    deliver_notification(notification_id=notification.pk)
    assert RedeliveringBackend.second_delivery == [None]
    assert len(mail.outbox) == 1


def test_the_sending_email_carries_a_plain_text_and_an_html_part(stored):
    notification = stored()
    send_notification.apply(args=[notification.pk])
    (message,) = mail.outbox
    assert message.body == notification.body_text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and notification.subject in html
    assert message.extra_headers["X-Notification-Reference"] == notification.idempotency_key


def test_run_in_process_a_transient_failure_waits_for_the_sweeper(stored, settings):
    FlakyEmailBackend.reset(failures=1)
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FlakyEmailBackend"
    notification = stored()
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING and notification.attempts == 1
    assert mail.outbox == []

    # Not yet: the back-off and the sweeper's grace have not passed.
    assert requeue_unsent_notifications(now=timezone.now()) == 0
    later = notification.next_attempt_at + timedelta(seconds=settings.NOTIFICATION_PENDING_GRACE_SECONDS)
    assert requeue_unsent_notifications(now=later) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2
    assert len(mail.outbox) == 1


def test_the_sweeper_leaves_a_fresh_pending_row_to_the_on_commit_send(stored):
    notification = stored()
    assert sweep_notifications.apply().get() == 0
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING


def test_the_sweeper_sends_a_pending_row_the_broker_never_received(stored, settings):
    notification = stored()
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_PENDING_GRACE_SECONDS + 1)
    assert requeue_unsent_notifications(now=later) == 1
    # An overlapping sweep straight after finds it already handed over.
    assert requeue_unsent_notifications(now=later) == 0
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_the_sweeper_sends_again_a_row_stuck_in_sending_after_its_worker_died(stored, settings):
    stuck = stored(key="stuck")
    busy = stored(key="busy")
    now = timezone.now()
    stuck_since = now - timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS + 1)
    Notification.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=stuck_since, attempts=1)
    Notification.objects.filter(pk=busy.pk).update(status="sending", claimed_at=now, attempts=1)
    requeue_unsent_notifications(now=now)
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == NotificationStatus.SENT and stuck.attempts == 2
    # One still inside its time limit is left to the worker that has it.
    assert busy.status == NotificationStatus.SENDING
    assert [m.to for m in mail.outbox] == [[stuck.to_email]]


def test_a_row_that_keeps_getting_stuck_is_failed_rather_than_tried_forever(stored, settings):
    notification = stored()
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=notification.pk).update(
        status="sending", claimed_at=long_ago, attempts=settings.NOTIFICATION_MAX_ATTEMPTS
    )
    requeue_unsent_notifications()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "stopped before it finished" in notification.last_error
    assert mail.outbox == []


def test_the_same_key_never_stores_a_second_message(person):
    application = ApplicationFactory(status="in_assessment")
    first = queue_notification(
        kind="screening_passed", to_email=person.email, recipient=person, about=application,
        context={"application": application}, idempotency_key="same",
    )
    second = queue_notification(
        kind="screening_passed", to_email=person.email, recipient=person, about=application,
        context={"application": application}, idempotency_key="same",
    )
    assert first.pk == second.pk
    assert Notification.objects.filter(idempotency_key="same").count() == 1
