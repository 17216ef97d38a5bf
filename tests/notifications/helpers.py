"""
Stand-ins at the network boundary only: a tiny SMTP server on 127.0.0.1 that
Django's real SMTP backend talks to, email backends that fail the way a
mail server does, and a private redis-server the tests may stop and start.
Nothing here replaces the project's own code.
"""

import os
import shutil
import smtplib
import socket
import socketserver
import subprocess
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

IN_CI = os.environ.get("CI") == "true"
LONDON = ZoneInfo("Europe/London")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI (CI=true) fail instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run this test)")
        pytest.skip(reason)


def london(*parts: int) -> datetime:
    """A wall-clock time in Europe/London, with whatever offset it had then."""
    return datetime(*parts, tzinfo=LONDON)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP ---------------------------------------------------------------------


class FakeSMTPServer:
    """
    Speaks just enough SMTP for smtplib. `replies` maps a recipient address
    to the (code, text) the server answers RCPT TO with, and `data_reply`
    is the answer after the message body (250 unless told).
    """

    def __init__(self, *, replies: dict[str, tuple[int, str]] | None = None, data_reply=(250, "Queued")):
        self.replies = replies or {}
        self.data_reply = data_reply
        self.received: list[tuple[list[str], str]] = []
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, code: int, text: str) -> None:
                self.wfile.write(f"{code} {text}\r\n".encode())

            def handle(self):
                self.reply(220, "fake.example.org ESMTP")
                recipients: list[str] = []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in {"EHLO", "HELO", "MAIL", "RSET", "NOOP"}:
                        recipients = [] if verb in {"MAIL", "RSET"} else recipients
                        self.reply(250, "OK")
                    elif verb == "RCPT":
                        address = command.split(":", 1)[1].strip().strip("<>")
                        code, text = server.replies.get(address, (250, "OK"))
                        if code == 250:
                            recipients.append(address)
                        self.reply(code, text)
                    elif verb == "DATA":
                        self.reply(354, "End data with <CR><LF>.<CR><LF>")
                        body = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            body.append(data.decode())
                        code, text = server.data_reply
                        if code == 250:
                            server.received.append((recipients, "".join(body)))
                        self.reply(code, text)
                    elif verb == "QUIT":
                        self.reply(221, "Bye")
                        return
                    else:
                        self.reply(500, "Unknown command")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


def smtp_settings(port: int) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }


# --- Email backends that fail like a mail server ------------------------------


class FlakyEmailBackend(LocmemBackend):
    """
    Drops the connection for the first `failures` sends (across instances,
    as a real server outage would), then delivers to django.core.mail.outbox.
    """

    failures = 1
    calls = 0
    lock = threading.Lock()

    @classmethod
    def reset(cls, *, failures: int) -> None:
        cls.failures, cls.calls = failures, 0

    def send_messages(self, messages):
        with self.lock:
            type(self).calls += 1
            failing = type(self).calls <= type(self).failures
        if failing:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


# --- A private Redis ----------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on a free 127.0.0.1 port, to stop and start at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
