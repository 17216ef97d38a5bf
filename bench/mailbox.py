"""
An email backend for the benchmark: every message sent, from any process
(web workers, Celery workers), is one line appended to BENCH_MAILBOX with
the notification's idempotency key, so the bench can count messages and
duplicates after the fact. Nothing is delivered anywhere.
"""

import os

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from notifications.backends import REFERENCE_HEADER


class CountingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        lines = []
        for message in email_messages:
            key = message.extra_headers.get(REFERENCE_HEADER, "") or message.subject
            for recipient in message.recipients():
                lines.append(f"{key}\t{recipient}\n")
        # One write per call with O_APPEND: lines from concurrent processes
        # never interleave.
        fd = os.open(settings.BENCH_MAILBOX, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, "".join(lines).encode())
        finally:
            os.close(fd)
        return len(email_messages)


def read_mailbox(path: str) -> list[str]:
    """The keys of every message written so far (one per recipient)."""
    try:
        with open(path, encoding="utf-8") as mailbox:
            return [line.split("\t", 1)[0] for line in mailbox if line.strip()]
    except FileNotFoundError:
        return []
