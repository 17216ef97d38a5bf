"""
`manage.py export_subject_data --email person@example.org [--output file.json]`:
everything held about one person, for a subject access request;
`--organisation <id>` instead: everything held about one organisation. The
export is recorded in the audit log (done by "the system", since a command
has no signed-in person).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from accounts import services
from accounts.models import User
from accounts.selectors import get_user_by_email


class Command(BaseCommand):
    help = "Export everything held about one person (or one organisation) as JSON."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help="The person's email address.")
        who.add_argument("--organisation", type=int, help="The organisation's number (id).")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, email=None, organisation=None, output=None, **options):
        if email:
            try:
                subject = get_user_by_email(email)
            except User.DoesNotExist:
                raise CommandError(f"No account uses the email address {email}.") from None
            data = services.export_subject_data(subject=subject, actor=None)
        else:
            from applicants.models import Organisation

            try:
                subject = Organisation.objects.get(pk=organisation)
            except Organisation.DoesNotExist:
                raise CommandError(f"There is no organisation number {organisation}.") from None
            data = services.export_organisation_data(organisation=subject, actor=None)
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            # Progress goes to stderr so stdout stays the data alone.
            sys.stderr.write(f"Wrote the data held about {subject} to {output}\n")
        else:
            self.stdout.write(text)
