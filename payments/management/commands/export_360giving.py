import time

from django.core.management.base import BaseCommand, CommandError

from payments import threesixtygiving
from payments.management.options import add_filter_arguments, award_filter_from, replacing


class Command(BaseCommand):
    help = (
        "Write committed awards in the 360Giving Data Standard: a JSON package (the default) "
        "or a spreadsheet (--format xlsx), optionally for one programme, round, district or "
        "financial year."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="PATH",
                            help="Where to write the file (replaced when complete).")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json",
                            help="json (the default) or xlsx.")
        add_filter_arguments(parser)

    def handle(self, *args, **options):
        writers = {"json": threesixtygiving.write_json, "xlsx": threesixtygiving.write_xlsx}
        if options["format"] not in writers:
            raise CommandError(f"--format is json or xlsx, not '{options['format']}'.")
        filters = award_filter_from(options)
        write = writers[options["format"]]
        started = time.monotonic()
        try:
            with replacing(options["output"]) as output:
                count = write(output, filters)
        except threesixtygiving.NothingToPublish as error:
            raise CommandError(f"{error.messages[0]} Nothing was written.") from None
        self.stdout.write(
            f"Wrote {count} grant{'s' if count != 1 else ''} to {options['output']} "
            f"in {time.monotonic() - started:.1f}s."
        )
