"""Files attached to an application: checked by content, size and scan; served only to those allowed."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants.models import ApplicationStatus, AssignmentStatus, Attachment
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import (
    PDF_BYTES,
    ApplicationFactory,
    AssignmentFactory,
    AttachmentFactory,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(organisation=member.organisation)


def upload(client, application, name, content, kind="quote"):
    return client.post(
        reverse("grants:section_documents", args=[application.pk]),
        {"kind": kind, "upload": "", "file": SimpleUploadedFile(name, content)},
    )


def refuse_everything(uploaded):
    raise ValidationError("The selected file contains a virus")


def test_a_pdf_is_attached_under_a_private_name(member, draft, client_as):
    response = upload(client_as(member.user), draft, "Builder's quote.pdf", PDF_BYTES)
    assert response.url == reverse("grants:section_documents", args=[draft.pk])
    attachment = Attachment.objects.get()
    assert attachment.original_name == "Builder's quote.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert "quote" not in attachment.file.name  # stored under a generated name
    assert AuditEvent.objects.filter(verb="attachment_added").exists()


def test_a_picture_named_as_a_pdf_is_stored_as_what_it_is(member, draft, client_as):
    upload(client_as(member.user), draft, "photo.pdf", PNG_BYTES)
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "photo.png"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("quote.pdf", EXE_BYTES, "The selected file must be a PDF, DOCX, XLSX, ODT, JPG or PNG"),
        ("quote.exe", EXE_BYTES, "The selected file must be a PDF, DOCX, XLSX, ODT, JPG or PNG"),
        ("notes.txt", b"just some text", "The selected file must be a PDF, DOCX, XLSX, ODT"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_files_of_the_wrong_kind_are_refused(member, draft, client_as, name, content, message):
    response = upload(client_as(member.user), draft, name, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Supporting documents" in page
    assert message in page
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(member, draft, client_as, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = upload(client_as(member.user), draft, "big.pdf", big)
    assert "The selected file must be smaller than 1MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_virus_scan_hook_can_refuse_a_file(member, draft, client_as, settings):
    settings.UPLOAD_SCANNER = "tests.grants.test_attachments.refuse_everything"
    response = upload(client_as(member.user), draft, "quote.pdf", PDF_BYTES)
    assert "The selected file contains a virus" in response.content.decode()
    assert not Attachment.objects.exists()


def test_no_file_or_no_kind_says_what_is_missing(member, draft, client_as):
    client = client_as(member.user)
    response = client.post(
        reverse("grants:section_documents", args=[draft.pk]), {"kind": "quote", "upload": ""}
    )
    assert "Select a file" in response.content.decode()
    response = upload(client, draft, "quote.pdf", PDF_BYTES, kind="")
    assert "Choose what kind of document this is" in response.content.decode()


def test_a_file_can_be_removed_while_the_application_is_a_draft(
    member, draft, client_as, django_capture_on_commit_callbacks
):
    attachment = AttachmentFactory(application=draft)
    storage, path = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(member.user).post(
            reverse("grants:remove_attachment", args=[draft.pk, attachment.pk])
        )
    assert response.url == reverse("grants:section_documents", args=[draft.pk])
    assert not Attachment.objects.exists()
    assert not storage.exists(path)


def test_a_file_cannot_be_removed_once_submitted(member, client_as):
    submitted = ApplicationFactory(
        organisation=member.organisation, status=ApplicationStatus.SUBMITTED
    )
    attachment = AttachmentFactory(application=submitted)
    client_as(member.user).post(
        reverse("grants:remove_attachment", args=[submitted.pk, attachment.pk])
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# --- Downloads ---------------------------------------------------------------------


@pytest.fixture
def submitted_attachment(db):
    application = ApplicationFactory(status=ApplicationStatus.IN_ASSESSMENT)
    MembershipFactory(organisation=application.organisation)
    return AttachmentFactory(application=application, original_name="Quote from builder.pdf")


def download(client, attachment, application=None):
    application = application or attachment.application
    return client.get(reverse("grants:attachment", args=[application.pk, attachment.pk]))


def test_a_member_downloads_the_file_as_an_attachment(submitted_attachment, client_as):
    member = submitted_attachment.application.organisation.memberships.get().user
    response = download(client_as(member), submitted_attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "role", [Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR]
)
def test_staff_who_read_applications_may_download(
    submitted_attachment, make_user, client_as, role
):
    assert download(client_as(make_user(role)), submitted_attachment).status_code == 200


@pytest.mark.parametrize(
    "status,allowed",
    [
        (AssignmentStatus.IN_PROGRESS, True),
        (AssignmentStatus.SUBMITTED, True),
        (AssignmentStatus.ASSIGNED, False),  # not yet declared
        (AssignmentStatus.CONFLICTED, False),
    ],
)
def test_an_assessor_may_download_only_while_assigned_and_not_conflicted(
    submitted_attachment, client_as, status, allowed
):
    assignment = AssignmentFactory(application=submitted_attachment.application, status=status)
    response = download(client_as(assignment.assessor), submitted_attachment)
    assert response.status_code == (200 if allowed else 404)


def test_an_assessor_of_another_application_gets_a_404(submitted_attachment, client_as):
    elsewhere = AssignmentFactory(status=AssignmentStatus.IN_PROGRESS)
    assert download(client_as(elsewhere.assessor), submitted_attachment).status_code == 404


def test_a_member_of_another_organisation_gets_a_404(submitted_attachment, client_as):
    outsider = MembershipFactory().user
    assert download(client_as(outsider), submitted_attachment).status_code == 404


def test_an_attachment_cannot_be_reached_through_another_application(
    submitted_attachment, client_as
):
    member = MembershipFactory()
    own = ApplicationFactory(organisation=member.organisation)
    response = download(client_as(member.user), submitted_attachment, application=own)
    assert response.status_code == 404


def test_a_signed_out_person_is_sent_to_sign_in(submitted_attachment, client):
    response = download(client, submitted_attachment)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
