"""
`manage.py export_subject_data --email person@example.org [--output file.json]`:
everything held about one person, for a subject access request. The export
is recorded in the audit log (done by "the system", since a command has no
signed-in person).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from accounts import services
from accounts.models import User
from accounts.selectors import get_user_by_email


class Command(BaseCommand):
    help = "Export everything held about one person as JSON (subject access request)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The person's email address.")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, email, output=None, **options):
        try:
            subject = get_user_by_email(email)
        except User.DoesNotExist:
            raise CommandError(f"No account uses the email address {email}.") from None
        data = services.export_subject_data(subject=subject, actor=None)
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            # Progress goes to stderr so stdout stays the data alone.
            sys.stderr.write(f"Wrote the data held about {subject.email} to {output}\n")
        else:
            self.stdout.write(text)
