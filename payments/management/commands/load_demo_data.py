from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.demo import DEMO_PASSWORD, load_demo_data


@contextmanager
def mail_backend(backend: str):
    previous = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = backend
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = previous


class Command(BaseCommand):
    help = (
        "Load demo programmes, rounds, organisations, the Communities Fund's history and "
        "one sign-in per role. Safe to run again: nothing is added twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Load even with production settings (the demo sign-ins share one known "
                 "password).",
        )

    def handle(self, *args, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production") and not options["allow_production"]:
            raise CommandError(
                "These are production settings. The demo sign-ins share a published password, "
                "so demo data is not loaded here (use --allow-production to insist)."
            )
        # The demo's own activity (receipts, offers, payment runs) is recorded
        # in the outbox like any other, but not emailed: a first `make run`
        # would otherwise print a hundred emails before the sign-ins.
        with mail_backend("django.core.mail.backends.dummy.EmailBackend"):
            result = load_demo_data()
        if result.created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data is already loaded; nothing was added.")
        width = max(len(demo.email) for demo, _ in result.users)
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'Role':<15} {'Email':<{width}}  Notes")
        for demo, _ in result.users:
            line = f"  {demo.role.label:<15} {demo.email:<{width}}  {demo.note}"
            self.stdout.write(line.rstrip())
