"""
A Django email backend that sends through GOV.UK Notify.

Notify sends only from templates made in its own web interface, so the
service uses one email template whose subject is ((subject)) and whose
body is ((body)), and passes the already rendered subject and plain-text
body as personalisation. Every email Django sends (the outbox, and also
django-allauth's sign-up and password emails) then goes through Notify with
nothing else to change.

Errors are translated for the outbox: a 400 (an invalid address, or one a
trial key may not send to) can never succeed and raises
PermanentSendError; a rate limit, a Notify outage, a network failure or a
403 (a key an operator can put right) raises TransientSendError and is
retried with back-off.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

from .errors import PermanentSendError, TransientSendError

# The outbox puts its idempotency key in this header; Notify keeps it as the
# message's reference, so a message can be traced from one to the other.
REFERENCE_HEADER = "X-Notification-Reference"


class GovUKNotifyEmailBackend(BaseEmailBackend):
    def __init__(
        self,
        fail_silently: bool = False,
        *,
        api_key: str | None = None,
        template_id: str | None = None,
        reply_to_id: str | None = None,
        base_url: str | None = None,
        **kwargs,
    ):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key = api_key or settings.GOV_UK_NOTIFY_API_KEY
        self.template_id = template_id or settings.GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID
        self.reply_to_id = reply_to_id or settings.GOV_UK_NOTIFY_EMAIL_REPLY_TO_ID or None
        self.base_url = base_url or settings.GOV_UK_NOTIFY_BASE_URL
        if not self.api_key or not self.template_id:
            raise ImproperlyConfigured(
                "The GOV.UK Notify email backend needs GOV_UK_NOTIFY_API_KEY and "
                "GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID."
            )
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        # Imported here so that the package is needed only where Notify is used.
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(
            self.api_key, base_url=self.base_url, timeout=settings.EMAIL_TIMEOUT
        )
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = self.open()
        sent = 0
        try:
            for message in email_messages:
                for address in message.recipients():
                    try:
                        self._send(message, address)
                    except (PermanentSendError, TransientSendError):
                        if not self.fail_silently:
                            raise
                    else:
                        sent += 1
        finally:
            if opened:
                self.close()
        return sent

    def _send(self, message, address: str) -> None:
        from notifications_python_client.errors import APIError, HTTPError

        try:
            self.client.send_email_notification(
                email_address=address,
                template_id=self.template_id,
                personalisation={"subject": message.subject, "body": message.body},
                reference=message.extra_headers.get(REFERENCE_HEADER) or None,
                email_reply_to_id=self.reply_to_id,
            )
        except HTTPError as error:
            # The client reports a failure to connect at all as a 503.
            if error.status_code == 400:
                raise PermanentSendError(f"GOV.UK Notify refused the email: {error}") from error
            raise TransientSendError(f"GOV.UK Notify: {error}") from error
        except APIError as error:
            raise TransientSendError(f"GOV.UK Notify: {error}") from error
