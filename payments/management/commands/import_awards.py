from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from payments import services
from payments.imports import ImportRejected, read_award_rows


class Command(BaseCommand):
    help = (
        "Import historical awards (made and paid before this service) from an .xlsx file "
        "laid out as payments/imports.py describes. Every row is checked; nothing is imported "
        "unless every row is right."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH.xlsx")
        parser.add_argument(
            "--user", required=True, metavar="EMAIL",
            help="The finance user the import is recorded against.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        actor = User.objects.filter(email__iexact=options["user"].strip(), is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user has the email address {options['user']}.")
        try:
            with path.open("rb") as file:
                rows = read_award_rows(file)
            run = services.import_historical_awards(rows=rows, actor=actor)
        except ImportRejected as rejected:
            for message in rejected.messages:
                self.stderr.write(message)
            count = len(rejected.messages)
            raise CommandError(
                f"Nothing was imported: the file has {count} problem{'s' if count != 1 else ''}."
            ) from None
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(messages)) from None
        total = sum(row.amount for row in rows)
        self.stdout.write(
            f"Imported {len(rows)} award{'s' if len(rows) != 1 else ''} totalling £{total:,.2f}, "
            f"recorded as paid in {run.reference}."
        )
