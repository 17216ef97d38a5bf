"""
The beat schedule is code: install_schedules writes it to django-celery-beat
idempotently, beat's own start-up writes the same rows, and run_reminders
runs the jobs once and says what it queued.
"""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app
from tests.grants.factories import MonitoringReturnFactory
from tests.notifications.helpers import london


def install() -> str:
    out = StringIO()
    call_command("install_schedules", stdout=out)
    return out.getvalue()


def table():
    return sorted(
        PeriodicTask.objects.values_list("name", "task", "args", "enabled", "crontab_id", "interval_id")
    )


def test_install_schedules_writes_every_job_in_the_code(db):
    output = install()
    tasks = {task.name: task for task in PeriodicTask.objects.all()}
    assert set(app.conf.beat_schedule) <= set(tasks)
    sweep = tasks["sweep-unsent-notifications"]
    assert sweep.task == "notifications.tasks.sweep_notifications"
    assert (sweep.interval.every, sweep.interval.period) == (60, "seconds")
    monitoring = tasks["reminders-monitoring"]
    assert monitoring.task == "notifications.tasks.run_reminder_job"
    assert monitoring.args == '["monitoring"]'
    assert (monitoring.crontab.minute, monitoring.crontab.hour) == ("5", "8-19")
    # Crontabs are in London time, so jobs follow the clocks through summer time.
    assert str(monitoring.crontab.timezone) == "Europe/London"
    digest = tasks["reminders-monitoring-digest"]
    assert (digest.crontab.hour, digest.crontab.day_of_week) == ("7", "mon")
    assert all(tasks[name].enabled and tasks[name].description for name in app.conf.beat_schedule)
    assert "Installed reminders-monitoring" in output


def test_install_schedules_twice_changes_nothing(db):
    install()
    before = (table(), CrontabSchedule.objects.count(), IntervalSchedule.objects.count())
    output = install()
    assert (table(), CrontabSchedule.objects.count(), IntervalSchedule.objects.count()) == before
    assert "Updated reminders-monitoring" in output and "Installed" not in output


def test_install_schedules_puts_back_what_was_changed_by_hand(db):
    install()
    PeriodicTask.objects.filter(name="reminders-offers").update(enabled=False)
    retired = PeriodicTask.objects.create(
        name="reminders-old", task="notifications.tasks.run_reminder_job", args='["old"]',
        interval=IntervalSchedule.objects.first(),
    )
    someone_elses = PeriodicTask.objects.create(
        name="nightly-report", task="payments.tasks.nightly", interval=IntervalSchedule.objects.first()
    )
    output = install()
    assert PeriodicTask.objects.get(name="reminders-offers").enabled
    retired.refresh_from_db()
    someone_elses.refresh_from_db()
    assert not retired.enabled and "Switched off reminders-old" in output
    assert someone_elses.enabled


# Beat's scheduler closes connections it thinks are stale, which a test
# wrapped in a transaction would look like; so this one commits for real.
@pytest.mark.django_db(transaction=True)
def test_beat_installs_the_same_schedule_when_it_starts():
    DatabaseScheduler(app=app)
    from_beat = table()
    install()
    assert table() == from_beat
    assert set(app.conf.beat_schedule) <= {name for name, *_ in from_beat}


def test_run_reminders_says_what_it_queued_and_sends_nothing_twice(member):
    monitoring_return = MonitoringReturnFactory(
        award__application__organisation=member.organisation, due=date(2026, 4, 10)
    )
    reference = monitoring_return.award.application.reference
    with time_machine.travel(london(2026, 4, 10, 8, 0), tick=False):
        first, second = StringIO(), StringIO()
        call_command("run_reminders", stdout=first)
        call_command("run_reminders", "--job", "monitoring", stdout=second)
    assert "monitoring (Monitoring returns due in 14 days, today, and overdue): 1 new" in first.getvalue()
    assert (
        f"monitoring_due_today to {member.user.email}: "
        f"Your monitoring return for {reference} is due today"
    ) in first.getvalue()
    assert "rounds_closing (Rounds closing in 7 days and in 1 day): 0 new" in first.getvalue()
    assert "1 reminder queued for sending." in first.getvalue()
    assert second.getvalue().splitlines() == [
        "monitoring (Monitoring returns due in 14 days, today, and overdue): 0 new",
        "0 reminders queued for sending.",
    ]
