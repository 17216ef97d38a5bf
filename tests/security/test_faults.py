"""
Faults survived with nothing lost: a database error part way through a
service leaves nothing half written; a mail server failing after an action
leaves the action done and its email waiting to be sent; an upload the
virus scanner refuses, or cannot check, is not stored.

(A Redis outage during submission is tested with real services in
tests/infrastructure and tests/notifications.)
"""

import os
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse

from accounts.models import AuditEvent
from grants import services
from grants.models import Application, ApplicationStatus, Attachment, ReferenceSequence
from notifications.models import Notification, NotificationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import PDF_BYTES, ApplicationFactory
from tests.notifications.helpers import FlakyEmailBackend

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL for a trigger that fails an insert"
)


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(organisation=member.organisation, outcomes=["5.5"])


@pytest.fixture
def audit_inserts_fail(db):
    """
    A real database error at the last write of a submission: PostgreSQL
    refuses the audit row, as it would on a full disk or a lost connection.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_submission_audit() RETURNS trigger AS $$
            BEGIN
              IF NEW.verb = 'application_submitted' THEN
                RAISE EXCEPTION 'disk full (simulated)';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_submission_audit BEFORE INSERT ON accounts_auditevent
              FOR EACH ROW EXECUTE FUNCTION refuse_submission_audit();
            """
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS refuse_submission_audit ON accounts_auditevent;"
            "DROP FUNCTION IF EXISTS refuse_submission_audit();"
        )


@postgres_only
def test_a_database_error_mid_submission_leaves_the_draft_untouched(draft, member, audit_inserts_fail):
    sequences = list(ReferenceSequence.objects.values_list("key", "last_value"))
    with pytest.raises(DatabaseError, match="disk full"):
        services.submit_application(application=draft, actor=member.user, declaration_name="A Person")

    application = Application.objects.get(pk=draft.pk)
    assert application.status == ApplicationStatus.DRAFT
    assert application.reference == "" and application.submitted_at is None
    assert application.declaration_name == ""
    # The reference number taken inside the transaction was given back.
    assert list(ReferenceSequence.objects.values_list("key", "last_value")) == sequences
    assert not AuditEvent.objects.filter(verb="application_submitted").exists()
    assert not Notification.objects.exists()


@postgres_only
def test_after_the_fault_clears_the_same_submission_goes_through(draft, member, audit_inserts_fail):
    with pytest.raises(DatabaseError):
        services.submit_application(application=draft, actor=member.user, declaration_name="A Person")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_submission_audit ON accounts_auditevent")
    application = services.submit_application(
        application=draft, actor=member.user, declaration_name="A Person"
    )
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference.endswith("-00001")


def test_a_mail_server_failure_keeps_the_submission_and_leaves_the_email_pending(
    draft, member, client_as, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FlakyEmailBackend"
    FlakyEmailBackend.reset(failures=100)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(member.user).post(
            reverse("grants:submit", args=[draft.pk]),
            {"declaration_name": "A Person", "confirm": "on"},
        )
    assert response.status_code == 302
    application = Application.objects.get(pk=draft.pk)
    assert application.status == ApplicationStatus.SUBMITTED and application.reference
    receipt = Notification.objects.get(kind="application_submitted", recipient=member.user)
    assert receipt.status == NotificationStatus.PENDING
    assert receipt.attempts == 1 and "Connection unexpectedly closed" in receipt.last_error


def refuse_everything(uploaded):
    from django.core.exceptions import ValidationError

    raise ValidationError("The selected file contains a virus")


def scanner_is_down(uploaded):
    raise ConnectionRefusedError("virus scanner not answering")


def stored_files_containing(marker: bytes) -> list[str]:
    """Files in private storage holding `marker` (other tests may store files meanwhile)."""
    root = django_settings.STORAGES["default"]["OPTIONS"]["location"]
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                if marker in handle.read():
                    found.append(path)
    return found


@pytest.mark.parametrize(
    "scanner,message",
    [
        ("tests.security.test_faults.refuse_everything", "The selected file contains a virus"),
        (
            "tests.security.test_faults.scanner_is_down",
            "The file could not be checked for viruses just now. Try again in a few minutes.",
        ),
    ],
)
def test_an_upload_the_scanner_refuses_or_cannot_check_is_not_stored(
    draft, member, client_as, settings, scanner, message
):
    settings.UPLOAD_SCANNER = scanner
    marker = f"%{uuid.uuid4()}\n".encode()
    response = client_as(member.user).post(
        reverse("grants:section_documents", args=[draft.pk]),
        {"kind": "quote", "upload": "", "file": SimpleUploadedFile("quote.pdf", PDF_BYTES + marker)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files_containing(marker) == []
