"""
Run the reminder jobs once, now, as beat would: for operators and scripts.
Safe to run at any time and as often as you like: a reminder already sent
(by beat or an earlier run) is not sent again.
"""

from django.core.management.base import BaseCommand

from notifications.reminders import JOBS, run_reminder_job


class Command(BaseCommand):
    help = "Run the periodic reminder jobs once and list the reminders they queued."

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            action="append",
            choices=sorted(JOBS),
            help="Run only this job (may be repeated). Default: every job.",
        )

    def handle(self, *args, job=None, **options):
        total = 0
        for name in job or list(JOBS):
            created = run_reminder_job(name=name)
            total += len(created)
            self.stdout.write(f"{name} ({JOBS[name].description}): {len(created)} new")
            for notification in created:
                self.stdout.write(f"  {notification.kind} to {notification.to_email}: {notification.subject}")
        plural = "" if total == 1 else "s"
        self.stdout.write(self.style.SUCCESS(f"{total} reminder{plural} queued for sending."))
