"""
Why a message could not be sent, in the two kinds that matter: a failure
that may pass (try again later) and one that will not (stop and show it).
Backends raise these; `services.classify_send_error` maps the errors of
Django's own SMTP backend onto them.
"""


class TransientSendError(Exception):
    """Sending failed for a reason that may pass: network, server busy, rate limit."""

    def __init__(self, message: str = "", *, retry_in: float = 0):
        super().__init__(message)
        # Seconds until the next attempt, chosen by the service so that the
        # row's next_attempt_at and the task's retry countdown agree.
        self.retry_in = retry_in


class PermanentSendError(Exception):
    """Sending can never succeed as it is: the address is invalid or refused."""
