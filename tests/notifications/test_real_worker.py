"""
A real Celery worker consuming from a real Redis: the outbox survives a
broker outage, a transient failure is retried by the worker, and the same
task delivered again sends nothing more.

Each test module gets a redis-server of its own on a free 127.0.0.1 port
(so that it can be stopped and started, and so that parallel test
processes never take each other's tasks). Like the other tests of the real
stack, these skip when REDIS_URL is not set and fail in CI (CI=true) when
Redis cannot be run.
"""

import os
import shutil
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from grants import services as grant_services
from grants.models import ApplicationStatus
from notifications.models import Notification, NotificationStatus
from notifications.services import queue_notification, requeue_unsent_notifications
from notifications.tasks import send_notification, sweep_notifications
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, BudgetLineFactory
from tests.notifications.helpers import FlakyEmailBackend, PrivateRedis, require

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def redis_server():
    require(bool(os.environ.get("REDIS_URL")), "needs Redis (set REDIS_URL)")
    require(shutil.which("redis-server") is not None, "needs the redis-server program")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_app(redis_server):
    """The project's Celery app, publishing to the private Redis instead of running eagerly."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=redis_server.url)
    drop_broker_connections(app)
    yield app
    app.conf.update(saved)
    drop_broker_connections(app)


def drop_broker_connections(app) -> None:
    """
    Forget pooled connections, which still point at the broker used before:
    Celery keeps a connection pool and a producer pool, and kombu keeps its
    producer pools in a registry of its own.
    """
    import kombu.pools

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def worker(celery_app):
    from celery.contrib.testing.worker import start_worker

    def start():
        return start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1)

    return start


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def status_of(notification) -> str:
    notification.refresh_from_db()
    return notification.status


def test_a_submission_during_a_broker_outage_is_emailed_once_when_redis_is_back(
    redis_server, worker, make_user, settings
):
    applicant = make_user(Role.APPLICANT)
    draft = ApplicationFactory(outcomes=["5.5"])
    if not draft.budget_lines.exists():  # a complete draft, whichever factory made it
        BudgetLineFactory(application=draft, amount=draft.amount_requested)
    MembershipFactory(user=applicant, organisation=draft.organisation)

    redis_server.stop()
    try:
        started = time.monotonic()
        # A real transaction: the receipt is handed to the broker on commit.
        application = grant_services.submit_application(
            application=draft, actor=applicant, declaration_name="A Person"
        )
        took = time.monotonic() - started
    finally:
        redis_server.start()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.reference
    (receipt,) = Notification.objects.filter(kind="application_submitted")
    assert receipt.status == NotificationStatus.PENDING
    assert mail.outbox == []
    # The request was not held up for long by the unreachable broker.
    assert took < 15

    settings.NOTIFICATION_PENDING_GRACE_SECONDS = 0
    with worker():
        sweep_notifications.delay()
        assert wait_for(lambda: status_of(receipt) == NotificationStatus.SENT)
        # A second sweep finds nothing left to send.
        sweep_notifications.delay()
        time.sleep(1)
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    assert application.reference in mail.outbox[0].subject


def test_the_sweeper_leaves_rows_pending_while_the_broker_is_down(redis_server, celery_app, make_user):
    person = make_user(Role.APPLICANT)
    redis_server.stop()
    try:
        notification = queue_notification(
            kind="screening_passed", to_email=person.email, recipient=person, about=person,
            context={"application": ApplicationFactory(status="in_assessment")},
            idempotency_key="outage-sweep",
        )
        later = timezone.now() + timedelta(minutes=5)
        assert requeue_unsent_notifications(now=later) == 0
    finally:
        redis_server.start()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    # Due again at once, for the next sweep after the broker returns.
    assert notification.next_attempt_at == later


def test_a_transient_failure_is_retried_by_the_worker(worker, make_user, settings):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FlakyEmailBackend"
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 1
    FlakyEmailBackend.reset(failures=1)
    person = make_user(Role.APPLICANT)
    with worker():
        notification = queue_notification(
            kind="screening_passed", to_email=person.email, recipient=person, about=person,
            context={"application": ApplicationFactory(status="in_assessment")},
            idempotency_key="flaky",
        )
        assert wait_for(lambda: status_of(notification) == NotificationStatus.SENT)
    assert notification.attempts == 2
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_the_same_task_delivered_again_sends_no_second_email(worker, make_user):
    person = make_user(Role.APPLICANT)
    with worker():
        notification = queue_notification(
            kind="screening_passed", to_email=person.email, recipient=person, about=person,
            context={"application": ApplicationFactory(status="in_assessment")},
            idempotency_key="redelivered",
        )
        assert wait_for(lambda: status_of(notification) == NotificationStatus.SENT)
        send_notification.delay(notification.pk)
        send_notification.delay(notification.pk)
        # The worker takes tasks in order: once a later message is sent,
        # the two copies before it have been handled.
        marker = queue_notification(
            kind="screening_passed", to_email="marker@example.org", recipient=None, about=person,
            context={"application": ApplicationFactory(status="in_assessment")},
            idempotency_key="marker",
        )
        assert wait_for(lambda: status_of(marker) == NotificationStatus.SENT)
    assert [m.to for m in mail.outbox] == [[person.email], ["marker@example.org"]]
    notification.refresh_from_db()
    assert notification.attempts == 1
