"""Documents uploaded once, checked by content, kept in versions, served only to those allowed."""

import os

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from applicants.models import DocumentKind, OrganisationDocument
from applicants.selectors import current_document_names, current_documents
from applicants.services import upload_organisation_document
from tests.applicants.factories import PDF_BYTES, PNG_BYTES, OrganisationDocumentFactory, OrganisationFactory

WRONG_TYPE = "The selected file must be a PDF, DOCX, XLSX, ODT, JPG or PNG"


def upload_url(organisation, kind=DocumentKind.GOVERNING_DOCUMENT):
    return reverse("applicants:upload_document", args=[organisation.pk, kind])


def upload(client, organisation, name, content, kind=DocumentKind.GOVERNING_DOCUMENT):
    return client.post(upload_url(organisation, kind), {"file": SimpleUploadedFile(name, content)})


def test_a_pdf_is_stored_under_a_generated_name_and_audited(client_as, owner):
    organisation = owner.organisation
    response = upload(client_as(owner.user), organisation, "../../Our constitution\x07.pdf", PDF_BYTES)
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:documents", args=[organisation.pk])
    document = OrganisationDocument.objects.get()
    assert document.original_name == "Our constitution.pdf"
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert document.uploaded_by == owner.user
    assert document.file.name.startswith(f"organisations/{organisation.pk}/")
    assert "constitution" not in document.file.name
    event = AuditEvent.objects.get(verb="document_uploaded")
    assert event.data["kind"] == DocumentKind.GOVERNING_DOCUMENT


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("x.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, WRONG_TYPE),
        ("notes.pdf", b"just some text, not a PDF at all", WRONG_TYPE),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_files_that_are_not_what_they_claim_or_empty_are_refused(client_as, owner, name, content, message):
    organisation = owner.organisation
    response = upload(client_as(owner.user), organisation, name, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'href="#id_file"' in html
    assert "<title>Error: Upload your governing document" in html
    assert not OrganisationDocument.objects.exists()


def test_an_oversized_file_is_refused(client_as, owner, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    response = upload(client_as(owner.user), owner.organisation, "big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    assert "The selected file must be smaller than 1MB" in response.content.decode()
    assert not OrganisationDocument.objects.exists()


def test_no_file_at_all_asks_for_one(client_as, owner):
    response = client_as(owner.user).post(upload_url(owner.organisation), {})
    assert "Select a file" in response.content.decode()


def test_the_scan_hook_can_refuse_a_file(client_as, owner, settings):
    settings.UPLOAD_SCANNER = "tests.applicants.test_documents.refuse_everything"
    response = upload(client_as(owner.user), owner.organisation, "ok.pdf", PDF_BYTES)
    assert "The selected file contains a virus" in response.content.decode()
    assert not OrganisationDocument.objects.exists()


def refuse_everything(uploaded):
    from django.core.exceptions import ValidationError

    raise ValidationError("The selected file contains a virus")


def test_an_unknown_kind_of_document_is_not_found(client_as, owner):
    response = client_as(owner.user).get(
        reverse("applicants:upload_document", args=[owner.organisation.pk, "passport"])
    )
    assert response.status_code == 404


def test_viewers_cannot_upload_but_can_see_documents(client_as, organisation, add_member):
    viewer = add_member(organisation, MembershipRole.VIEWER)
    client = client_as(viewer.user)
    assert client.get(upload_url(organisation)).status_code == 403
    assert upload(client, organisation, "a.pdf", PDF_BYTES).status_code == 403
    html = client.get(reverse("applicants:documents", args=[organisation.pk])).content.decode()
    assert "Upload your" not in html
    with pytest.raises(PermissionDenied):
        upload_organisation_document(
            organisation=organisation,
            actor=viewer.user,
            kind=DocumentKind.ACCOUNTS,
            uploaded=SimpleUploadedFile("a.pdf", PDF_BYTES),
        )
    assert not OrganisationDocument.objects.exists()


def test_the_newest_upload_of_each_kind_is_current_and_earlier_ones_are_kept(
    client_as, owner, django_assert_num_queries
):
    organisation = owner.organisation
    client = client_as(owner.user)
    upload(client, organisation, "constitution-2019.pdf", PDF_BYTES)
    upload(client, organisation, "constitution-2024.pdf", PDF_BYTES)
    upload(client, organisation, "accounts.png", PNG_BYTES, kind=DocumentKind.ACCOUNTS)
    OrganisationDocumentFactory(organisation=OrganisationFactory(), original_name="not ours.pdf")

    with django_assert_num_queries(1):
        current = list(current_documents(organisation))
    assert [(d.kind, d.original_name) for d in current] == [
        (DocumentKind.GOVERNING_DOCUMENT, "constitution-2024.pdf"),
        (DocumentKind.ACCOUNTS, "accounts.png"),
    ]
    # The application summary's lighter read picks the same documents.
    with django_assert_num_queries(1):
        names = current_document_names(organisation)
    assert [(d.kind, d.original_name) for d in names] == [(d.kind, d.original_name) for d in current]
    page = client.get(reverse("applicants:documents", args=[organisation.pk])).content.decode()
    html = page[page.index("<h1") :]  # after the banners saying what was uploaded
    assert html.index("constitution-2024.pdf") < html.index("constitution-2019.pdf")
    assert "Earlier version" in html
    assert "Upload a new version" in html
    assert "Upload your safeguarding policy" in html
    hub = client.get(reverse("applicants:detail", args=[organisation.pk])).content.decode()
    assert "constitution-2024.pdf" in hub and "constitution-2019.pdf" not in hub


@pytest.fixture
def document(organisation):
    return OrganisationDocumentFactory(organisation=organisation, original_name="Safe & sound.pdf")


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR])
def test_staff_who_read_applications_may_download(client_as, make_user, document, role):
    response = client_as(make_user(role)).get(reverse("applicants:download_document", args=[document.pk]))
    assert response.status_code == 200


def test_members_download_as_an_attachment_that_is_never_sniffed(client_as, owner, document, add_member):
    viewer = add_member(owner.organisation, MembershipRole.VIEWER)
    response = client_as(viewer.user).get(reverse("applicants:download_document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Safe" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("who", ["other_owner", "assessor", "applicant_without_organisation"])
def test_anyone_else_gets_not_found_whether_or_not_the_document_exists(
    client_as, make_user, other_owner, document, who
):
    user = {
        "other_owner": other_owner.user,
        "assessor": make_user(Role.ASSESSOR),
        "applicant_without_organisation": make_user(Role.APPLICANT),
    }[who]
    client = client_as(user)
    assert client.get(reverse("applicants:download_document", args=[document.pk])).status_code == 404
    assert client.get(reverse("applicants:download_document", args=[document.pk + 999])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, document):
    response = client.get(reverse("applicants:download_document", args=[document.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_documents_page_query_count_does_not_grow_with_the_documents(
    client_as, owner, django_assert_max_num_queries
):
    organisation = owner.organisation
    client = client_as(owner.user)
    url = reverse("applicants:documents", args=[organisation.pk])
    hub = reverse("applicants:detail", args=[organisation.pk])
    OrganisationDocumentFactory(organisation=organisation, uploaded_by=owner.user)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    with django_assert_max_num_queries(30) as few_hub:
        client.get(hub)
    for kind in DocumentKind.values * 4:
        OrganisationDocumentFactory(organisation=organisation, kind=kind)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(few_hub.captured_queries)):
        assert client.get(hub).status_code == 200


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=300),
    content=st.binary(max_size=2048),
    kind=st.sampled_from(DocumentKind.values),
)
def test_random_uploads_never_cause_a_server_error_or_lose_earlier_documents(
    client_as, owner, document, name, content, kind
):
    organisation = owner.organisation
    before = set(OrganisationDocument.objects.values_list("pk", flat=True))
    response = client_as(owner.user).post(
        upload_url(organisation, kind),
        # A name that is only a path ("/", "a/") has no file name at all; a
        # browser cannot send one (Django drops such parts), so use "x".
        {"file": SimpleUploadedFile(os.path.basename(name.replace("\x00", "")) or "x", content)},
    )
    assert response.status_code in (200, 302)
    after = set(OrganisationDocument.objects.values_list("pk", flat=True))
    assert before <= after
    assert len(after - before) == (1 if response.status_code == 302 else 0)
