"""Where email tasks are published (docs/scaling.md: a queue of their own)."""

import os
import subprocess
import sys

from config.celery import app

ROUTE_OF = (
    "import django; django.setup(); from config.celery import app; "
    "print(app.amqp.router.route({}, sys.argv[1], (), {})['queue'].name)"
)


def _queue_in_a_fresh_process(task: str, settings_module="config.settings.test", **environment: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **environment}
    if "CELERY_EMAIL_QUEUE" not in environment:
        env.pop("CELERY_EMAIL_QUEUE", None)
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; {ROUTE_OF}", task],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )
    return result.stdout.strip()


def test_by_default_email_goes_to_the_queue_every_worker_consumes():
    route = app.amqp.router.route({}, "notifications.tasks.send_notification", (), {})
    assert route["queue"].name == app.conf.task_default_queue


def test_email_follows_a_settings_module_that_changes_the_default_queue():
    # The bench's worker consumes only its own queue "bench": email sent to
    # "celery" there would never go (found by the bench's reminder fan-out).
    assert _queue_in_a_fresh_process(
        "notifications.tasks.send_notification", settings_module="bench.settings"
    ) == "bench"


def test_email_can_have_a_queue_of_its_own_while_other_tasks_stay_put():
    assert _queue_in_a_fresh_process(
        "notifications.tasks.send_notification", CELERY_EMAIL_QUEUE="email"
    ) == "email"
    assert _queue_in_a_fresh_process(
        "notifications.tasks.sweep_notifications", CELERY_EMAIL_QUEUE="email"
    ) == app.conf.task_default_queue
