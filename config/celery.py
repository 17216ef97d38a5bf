"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shire_grants")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _reminder_job(name: str, schedule: crontab) -> dict:
    return {
        "task": "notifications.tasks.run_reminder_job",
        "args": [name],
        "schedule": schedule,
        # A run that waited past its slot in the queue is dropped: the next
        # run sends whatever is still due, and never sends anything twice.
        "options": {"expire_seconds": 55 * 60},
    }


# Periodic jobs are defined here, in code. `manage.py install_schedules`
# writes them to django-celery-beat's tables, and its DatabaseScheduler does
# the same when beat starts. Crontab times are in CELERY_TIMEZONE
# (Europe/London), so they follow the clocks through summer time.
# Reminders run every hour of the working day rather than once: a run missed
# (beat or a worker down) is made up within the hour, and people are not
# emailed in the night. The jobs are idempotent, so extra runs send nothing.
WORKING_HOURS = crontab(minute=5, hour="8-19")
app.conf.beat_schedule = {
    "sweep-unsent-notifications": {
        "task": "notifications.tasks.sweep_notifications",
        "schedule": 60.0,
        "options": {"expire_seconds": 55},
    },
    "reminders-rounds-opened": _reminder_job("rounds_opened", WORKING_HOURS),
    "reminders-rounds-closing": _reminder_job("rounds_closing", WORKING_HOURS),
    "reminders-scoring": _reminder_job("scoring", WORKING_HOURS),
    "reminders-offers": _reminder_job("offers", WORKING_HOURS),
    "reminders-monitoring": _reminder_job("monitoring", WORKING_HOURS),
    "reminders-monitoring-digest": _reminder_job(
        "monitoring_digest", crontab(minute=30, hour=7, day_of_week="mon")
    ),
}

# What each job is for, shown in the admin beside the periodic task.
BEAT_DESCRIPTIONS = {
    "sweep-unsent-notifications": (
        "Hands pending notifications to the broker again (broker outage, retries due, stuck sends)."
    ),
    "reminders-rounds-opened": "A round has opened, to organisations that asked to be told.",
    "reminders-rounds-closing": "Rounds closing in 7 days and in 1 day, to organisations with a draft.",
    "reminders-scoring": "Assessors: scores due in 3 days, and overdue.",
    "reminders-offers": "Grant offers not accepted after NOTIFICATION_OFFER_REMINDER_DAYS days.",
    "reminders-monitoring": "Monitoring returns due in 14 days, due today, and 7 days overdue.",
    "reminders-monitoring-digest": "Monday: overdue monitoring returns, to every grant officer.",
}
