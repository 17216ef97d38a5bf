"""
The real stack: PostgreSQL row locks and a Celery worker on Redis. These
run whenever PostgreSQL or a broker is configured; in CI (CI=true) they
must run, so a missing service fails the build instead of skipping.
"""

import os
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from accounts.roles import Role
from grants import services
from grants.models import Award
from notifications.models import Notification, NotificationStatus
from notifications.services import queue_notification
from tests.grants.factories import ApplicationFactory, DecisionFactory
from tests.rounds.factories import RoundFactory

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run this test)")
        pytest.skip(reason)


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_the_same_instant_cannot_overspend_the_budget(make_user):
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    round = RoundFactory(budget=Decimal("6000.00"))
    applications = []
    for _ in range(2):
        application = ApplicationFactory(
            round=round, status="recommended", amount_requested=Decimal("5000.00")
        )
        DecisionFactory(application=application)
        applications.append(application)
    approvers = [make_user(Role.APPROVER), make_user(Role.APPROVER)]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(application, approver):
        close_old_connections()
        try:
            barrier.wait()
            services.approve_application(
                application=application, actor=approver, amount=Decimal("5000.00")
            )
            outcomes.append("approved")
        except Exception as error:  # the refusal is the point of the test
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(applications, approvers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ValidationError", "approved"]
    assert Award.objects.filter(application__round=round).count() == 1


@pytest.fixture
def real_broker(settings):
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "needs a Redis broker (set REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        require(False, f"Redis at {url} is unreachable: {error}")
    from config.celery import app

    app.conf.update(task_always_eager=False, broker_url=url)
    yield app
    app.conf.update(task_always_eager=True)


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_notification_is_sent_once_by_a_real_worker_on_redis(real_broker, make_user):
    from celery.contrib.testing.worker import start_worker

    person = make_user(Role.APPLICANT)
    with start_worker(real_broker, perform_ping_check=False, pool="solo", concurrency=1):
        notification = queue_notification(
            kind="screening_passed",
            to_email=person.email,
            recipient=person,
            about=person,
            context={
                "application": ApplicationFactory(reference="SCG-2026-00099", status="submitted")
            },
            idempotency_key="broker-test:1",
        )
        # Queued outside a transaction, so on_commit hands it to Redis at once.
        for _ in range(100):
            notification.refresh_from_db()
            if notification.status == NotificationStatus.SENT:
                break
            time.sleep(0.1)
    assert notification.status == NotificationStatus.SENT
    assert [m.subject for m in mail.outbox].count(notification.subject) == 1
    assert Notification.objects.filter(idempotency_key="broker-test:1").count() == 1


@pytest.mark.django_db
def test_postgresql_runs_page_queries_without_jit_compilation():
    # config.settings.base.database: JIT added 100-300 ms to millisecond queries.
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
