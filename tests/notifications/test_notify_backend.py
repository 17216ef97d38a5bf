"""
The GOV.UK Notify backend, with the HTTP layer faked by `responses` (the
network boundary): the request it builds, and how Notify's answers become
sent, failed or retried notifications in the outbox.
"""

import json
import uuid

import jwt
import pytest
import requests
import responses
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from accounts.roles import Role
from notifications.backends import GovUKNotifyEmailBackend
from notifications.errors import TransientSendError
from notifications.models import NotificationStatus
from notifications.services import deliver_notification, queue_notification
from tests.grants.factories import ApplicationFactory

SERVICE_ID = str(uuid.UUID(int=1))
SECRET = str(uuid.UUID(int=2))
API_KEY = f"shire_grants_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.UUID(int=3))
REPLY_TO_ID = str(uuid.UUID(int=4))
NOTIFY_URL = "https://api.notifications.service.gov.uk/v2/notifications/email"


@pytest.fixture
def notify(settings):
    settings.EMAIL_BACKEND = "notifications.backends.GovUKNotifyEmailBackend"
    settings.GOV_UK_NOTIFY_API_KEY = API_KEY
    settings.GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_ID
    settings.GOV_UK_NOTIFY_EMAIL_REPLY_TO_ID = REPLY_TO_ID
    with responses.RequestsMock() as fake:
        yield fake


@pytest.fixture
def notification(make_user):
    person = make_user(Role.APPLICANT, email="treasurer@example.org")
    application = ApplicationFactory(status="in_assessment", reference="SCG-2026-00123")
    return queue_notification(
        kind="screening_passed",
        to_email=person.email,
        recipient=person,
        about=application,
        context={"application": application},
        idempotency_key="application:1:screening_passed",
    )


def created(notification_id="740e5834-3a29-46b4-9a6f-16142fde533a"):
    return {"id": notification_id, "reference": None, "content": {}, "uri": "", "template": {}}


def test_the_backend_posts_the_rendered_email_to_notify(notify, notification):
    notify.post(NOTIFY_URL, json=created(), status=201)
    deliver_notification(notification_id=notification.pk)

    (call,) = notify.calls
    body = json.loads(call.request.body)
    assert body == {
        "email_address": "treasurer@example.org",
        "template_id": TEMPLATE_ID,
        "personalisation": {"subject": notification.subject, "body": notification.body_text},
        "reference": "application:1:screening_passed",
        "email_reply_to_id": REPLY_TO_ID,
    }
    token = call.request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_an_address_notify_refuses_marks_the_notification_failed(notify, notification):
    notify.post(
        NOTIFY_URL,
        json={"status_code": 400, "errors": [
            {"error": "ValidationError", "message": "email_address Not a valid email address"}
        ]},
        status=400,
    )
    deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "Not a valid email address" in notification.last_error
    assert len(notify.calls) == 1


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (429, {"errors": [{"error": "RateLimitError", "message": "Exceeded rate limit"}]}),
        (500, {"errors": [{"error": "Exception", "message": "Internal server error"}]}),
        (403, {"errors": [{"error": "AuthError", "message": "Invalid token: API key not found"}]}),
    ],
)
def test_a_rate_limit_an_outage_or_a_bad_key_is_retried(notify, notification, status, payload):
    notify.post(NOTIFY_URL, json={"status_code": status, **payload}, status=status)
    with pytest.raises(TransientSendError):
        deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert payload["errors"][0]["message"] in notification.last_error


def test_notify_out_of_reach_is_retried(notify, notification):
    notify.post(NOTIFY_URL, body=requests.ConnectionError("Name or service not known"))
    with pytest.raises(TransientSendError):
        deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING


def test_other_django_email_goes_through_notify_too(notify):
    notify.post(NOTIFY_URL, json=created(), status=201)
    sent = mail.send_mail("Confirm your email address", "Follow the link.", None, ["new@example.org"])
    assert sent == 1
    body = json.loads(notify.calls[0].request.body)
    assert body["personalisation"] == {"subject": "Confirm your email address", "body": "Follow the link."}
    assert "reference" not in body


def test_the_backend_refuses_to_start_without_its_settings(settings):
    settings.GOV_UK_NOTIFY_API_KEY = ""
    settings.GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_ID
    with pytest.raises(ImproperlyConfigured):
        GovUKNotifyEmailBackend()
