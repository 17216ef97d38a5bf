import time

from django.core.management.base import BaseCommand

from payments.exports import write_award_ledger
from payments.management.options import add_filter_arguments, award_filter_from, replacing


class Command(BaseCommand):
    help = (
        "Write the award ledger (.xlsx) for scheduled jobs, optionally for one programme, "
        "round, district or financial year."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="PATH.xlsx",
                            help="Where to write the ledger (replaced when complete).")
        add_filter_arguments(parser)

    def handle(self, *args, **options):
        filters = award_filter_from(options)
        started = time.monotonic()
        with replacing(options["output"]) as output:
            count = write_award_ledger(output, filters)
        self.stdout.write(
            f"Wrote {count} award{'s' if count != 1 else ''} to {options['output']} "
            f"in {time.monotonic() - started:.1f}s."
        )
