"""
`manage.py apply_retention` lists the personal data due for anonymisation
under the retention periods (settings RETENTION_*); `--apply` anonymises it.
Run it nightly with --apply once the council has agreed the periods.
"""

from django.core.management.base import BaseCommand

from accounts.retention import apply_retention


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (a dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Anonymise, rather than only list.")

    def handle(self, *args, apply=False, **options):
        result = apply_retention(apply=apply)
        done = "Anonymised" if apply else "Due for anonymisation (dry run, nothing changed)"
        self.stdout.write(f"{done}:")
        self.stdout.write(f"  unsuccessful applications: {len(result.applications)}")
        for reference in result.applications:
            self.stdout.write(f"    {reference}")
        self.stdout.write(f"  closed awards: {len(result.awards)}")
        for reference in result.awards:
            self.stdout.write(f"    {reference}")
        self.stdout.write(f"  organisations' bank details: {len(result.organisations)}")
        self.stdout.write(f"  inactive applicant accounts: {len(result.accounts)}")
        if not apply:
            self.stdout.write("Run again with --apply to anonymise them.")
