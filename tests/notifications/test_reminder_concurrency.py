"""
On PostgreSQL: two reminder runs at the same instant (two beat processes, or
beat and an operator's run_reminders) send each reminder once, and a run
skips a row another transaction holds instead of waiting for it.
"""

import threading
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import close_old_connections, connection, transaction

from grants.models import MonitoringReturn
from notifications.models import Notification
from notifications.reminders import run_reminder_job
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import MonitoringReturnFactory
from tests.notifications.helpers import london, require

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_overlapping_runs_send_each_reminder_once():
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    for _ in range(6):
        member = MembershipFactory()
        MonitoringReturnFactory(award__application__organisation=member.organisation, due=date(2026, 4, 10))
    barrier = threading.Barrier(2)
    created = []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            created.extend(run_reminder_job(name="monitoring"))
        finally:
            connection.close()

    with time_machine.travel(london(2026, 4, 10, 8, 5), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(created) == 6
    assert Notification.objects.filter(kind="monitoring_due_today").count() == 6
    assert len(mail.outbox) == 6


def test_a_return_held_by_another_transaction_is_skipped_then_reminded_later():
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    member = MembershipFactory()
    held = MonitoringReturnFactory(
        award__application__organisation=member.organisation, due=date(2026, 4, 10)
    )
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        # As a service submitting the return would, for a moment.
        close_old_connections()
        try:
            with transaction.atomic():
                MonitoringReturn.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with time_machine.travel(london(2026, 4, 10, 8, 5), tick=False):
            assert run_reminder_job(name="monitoring") == []
    finally:
        release.set()
        holder.join()
    with time_machine.travel(london(2026, 4, 10, 9, 5), tick=False):
        assert [n.kind for n in run_reminder_job(name="monitoring")] == ["monitoring_due_today"]
