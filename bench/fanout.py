"""
Monitoring reminder fan-out through a real Celery worker on Redis.

The generated data has `reminders_expected` monitoring returns due in the
next 1 to 14 days, on running grants of organisations with one member each.
The periodic job (notifications.tasks.run_reminder_job("monitoring"), as
beat sends it) is put on the queue once; its worker stores one Notification
per reminder, each of which is sent by a send_notification task on the
other worker processes. The time is from queueing the job until every
reminder has been sent. Then the job is queued twice more, at the same
moment, so that two runs overlap: they must create nothing, and no email
may have gone out twice.
"""

import os
import sys
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from grants.models import MonitoringReturn
from notifications.models import Notification, NotificationStatus
from notifications.reminders import (
    MONITORING_DUE_SOON_DAYS,
    MONITORING_OVERDUE_AFTER_DAYS,
    OUTSTANDING_RETURN_STATES,
    RUNNING_AWARD_STATES,
    local_today,
)

from . import processes
from .datagen import Generated
from .mailbox import read_mailbox

KINDS = ["monitoring_due_soon", "monitoring_due_today", "monitoring_overdue"]
TIMEOUT = 900


def _celery_app():
    from config.celery import app

    return app


def _wait_for_worker(app, process, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited with {process.returncode}")
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("The Celery worker did not answer within a minute")


def _clean_redis() -> None:
    """Forget the bench queue and the bench's task results (only its own keys)."""
    import redis

    client = redis.Redis.from_url(settings.BENCH_REDIS_URL)
    for key in client.scan_iter(match="celery-task-meta-*", count=1000):
        client.delete(key)
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    client.close()


def due_reminders() -> int:
    """Reminders the monitoring job would send now (one per member of each organisation)."""
    today = local_today(timezone.now())
    returns = MonitoringReturn.objects.filter(
        status__in=OUTSTANDING_RETURN_STATES, award__status__in=RUNNING_AWARD_STATES
    ).filter(
        Q(due__gte=today, due__lte=today + timedelta(days=MONITORING_DUE_SOON_DAYS))
        | Q(due__lte=today - timedelta(days=MONITORING_OVERDUE_AFTER_DAYS))
    )
    return returns.aggregate(members=Count("award__application__organisation__memberships"))[
        "members"
    ]


def measure_fanout(generated: Generated, *, log=print) -> dict:
    from notifications.tasks import run_reminder_job

    mailbox = settings.BENCH_MAILBOX
    if os.path.exists(mailbox):
        os.remove(mailbox)
    _clean_redis()
    # An earlier run on a kept database already reminded everyone: start afresh.
    Notification.objects.filter(kind__in=KINDS).delete()
    expected = due_reminders()
    concurrency = int(os.environ.get("BENCH_WORKER_CONCURRENCY", 4))
    result = {"expected": expected, "worker_concurrency": concurrency}
    app = _celery_app()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_MAILBOX": mailbox}
    command = [
        os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "config", "worker",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-c", str(concurrency), "-P", "prefork",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING",
        "-n", f"bench-{os.getpid()}@%h",
    ]
    log_path = os.path.join(settings.BENCH_WORK_DIR, "celery-worker.log")
    try:
        with processes.started(command, env=env, cwd=settings.BASE_DIR, log_path=log_path) as worker:
            _wait_for_worker(app, worker)
            started = time.monotonic()
            job = run_reminder_job.delay("monitoring")
            created_at = sent_at = None
            deadline = started + TIMEOUT
            notifications = Notification.objects.filter(kind__in=KINDS)
            last_log = started
            progress = (-1, started)  # (sent, when it last changed)
            while time.monotonic() < deadline:
                if worker.poll() is not None:
                    raise RuntimeError(f"The Celery worker exited with {worker.returncode}")
                created = notifications.count()
                sent = notifications.filter(status=NotificationStatus.SENT).count()
                now = time.monotonic()
                if created_at is None and created >= expected:
                    created_at = now
                if sent >= expected:
                    sent_at = now
                    break
                if sent != progress[0]:
                    progress = (sent, now)
                elif job.ready() and now - progress[1] > 30:
                    break  # the job has ended and nothing more is being sent
                if now - last_log > 30:
                    log(f"    {now - started:.0f}s: {created} stored, {sent} sent")
                    last_log = now
                time.sleep(0.5)
            job_created = job.get(timeout=max(deadline - time.monotonic(), 1), propagate=False)
            result.update({
                "job_state": job.state,
                "job_created": job_created if job.successful() else repr(job_created),
                "created_seconds": round(created_at - started, 1) if created_at else None,
                "sent_seconds": round(sent_at - started, 1) if sent_at else None,
                "stored": notifications.count(),
            })
            if sent_at:
                result["per_second"] = round(expected / (sent_at - started), 1)
            log(f"  {expected} due: job {job.state}, {result['stored']} stored "
                f"(all in {result['created_seconds']}s), all sent in {result['sent_seconds']}s")

            # Twice more, overlapping, as two beats or a rerun after a crash would.
            rerun_started = time.monotonic()
            again = [run_reminder_job.delay("monitoring"), run_reminder_job.delay("monitoring")]
            rerun_created = [job.get(timeout=TIMEOUT, propagate=False) for job in again]
            result["rerun_seconds"] = round(time.monotonic() - rerun_started, 1)
            result["rerun_states"] = [job.state for job in again]
            rerun_created = [n if isinstance(n, int) else 0 for n in rerun_created]
            # Let any send the reruns caused finish before counting.
            stable_since, last = time.monotonic(), -1
            while time.monotonic() - stable_since < 3 and time.monotonic() < deadline + 60:
                count = len(read_mailbox(mailbox))
                if count != last:
                    stable_since, last = time.monotonic(), count
                time.sleep(0.5)
    finally:
        _clean_redis()

    duplicate_rows = (
        Notification.objects.filter(kind__in=KINDS)
        .values("kind", "content_type", "object_id", "recipient")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    keys = Counter(read_mailbox(mailbox))
    duplicate_emails = sum(count - 1 for count in keys.values() if count > 1)
    sent = Notification.objects.filter(kind__in=KINDS, status=NotificationStatus.SENT).count()
    result.update({
        "rerun_created": rerun_created,
        "duplicate_rows": duplicate_rows,
        "duplicate_emails": duplicate_emails,
        "duplicates": duplicate_rows + duplicate_emails + sum(rerun_created),
        "emails": sum(keys.values()),
        "unsent": expected - sent,
    })
    log(f"  two more runs created {rerun_created}; duplicate rows {duplicate_rows}, "
        f"duplicate emails {duplicate_emails}, emails {result['emails']}")
    return result
