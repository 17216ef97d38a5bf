"""
A member of one organisation cannot read, change, download, withdraw or submit
anything of another by guessing ids: every attempt is a 404 and changes nothing.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import Application, ApplicationStatus, Attachment
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import (
    PDF_BYTES,
    ApplicationFactory,
    AttachmentFactory,
    AwardFactory,
)

PAGES = [
    "grants:detail",
    "grants:task_list",
    "grants:section_project",
    "grants:section_beneficiaries",
    "grants:section_outcomes",
    "grants:section_budget",
    "grants:section_documents",
    "grants:submit",
    "grants:submitted",
    "grants:withdraw",
    "grants:print",
    "grants:offer",
]

CHANGES = [
    ("grants:section_project", {"title": "Hijacked", "continue": ""}),
    ("grants:section_beneficiaries", {"beneficiaries": "Hijacked", "continue": ""}),
    ("grants:section_outcomes", {"theme_5": [], "continue": ""}),
    (
        "grants:section_budget",
        {"amount_requested": "1", "item_0": "x", "cost_0": "1", "continue": ""},
    ),
    ("grants:section_documents", {"continue": ""}),
    ("grants:submit", {"declaration_name": "Mallory", "confirm": "on"}),
    ("grants:withdraw", {"reason": "Mischief"}),
    ("grants:autosave", {"field": "summary", "value": "Hijacked"}),
    ("grants:offer", {"signatory_name": "Mallory", "confirm": "on"}),
]


@pytest.fixture
def mallory(db):
    """A member (owner) of organisation A."""
    return MembershipFactory().user


@pytest.fixture
def theirs(db):
    """Organisation B's complete draft, with an attachment."""
    application = ApplicationFactory(title="B's project", summary="B's words", outcomes=["5.5"])
    MembershipFactory(organisation=application.organisation)
    AttachmentFactory(application=application)
    return application


def unchanged(application):
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.title == "B's project" and application.summary == "B's words"
    assert application.outcomes.count() == 1
    assert application.budget_lines.count() == 1
    assert application.attachments.count() == 1


@pytest.mark.parametrize("name", PAGES)
def test_reading_another_organisations_pages_is_a_404(mallory, theirs, client_as, name):
    AwardFactory(application__organisation=theirs.organisation)
    assert client_as(mallory).get(reverse(name, args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("name,data", CHANGES)
def test_changing_another_organisations_application_is_a_404(
    mallory, theirs, client_as, name, data
):
    response = client_as(mallory).post(reverse(name, args=[theirs.pk]), data)
    assert response.status_code == 404
    unchanged(theirs)


def test_downloading_or_removing_another_organisations_file_is_a_404(mallory, theirs, client_as):
    client = client_as(mallory)
    attachment = theirs.attachments.get()
    download = reverse("grants:attachment", args=[theirs.pk, attachment.pk])
    remove = reverse("grants:remove_attachment", args=[theirs.pk, attachment.pk])
    assert client.get(download).status_code == 404
    assert client.post(remove).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_their_file_cannot_be_reached_through_my_own_application(mallory, theirs, client_as):
    mine = ApplicationFactory(organisation=mallory.memberships.get().organisation)
    attachment = theirs.attachments.get()
    client = client_as(mallory)
    assert (
        client.get(reverse("grants:attachment", args=[mine.pk, attachment.pk])).status_code == 404
    )
    response = client.post(reverse("grants:remove_attachment", args=[mine.pk, attachment.pk]))
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_uploading_to_another_organisations_application_is_a_404(mallory, theirs, client_as):
    response = client_as(mallory).post(
        reverse("grants:section_documents", args=[theirs.pk]),
        {"kind": "quote", "upload": "", "file": SimpleUploadedFile("x.pdf", PDF_BYTES)},
    )
    assert response.status_code == 404
    assert theirs.attachments.count() == 1


def test_starting_an_application_for_another_organisation_is_a_404(mallory, theirs, client_as):
    other_round = ApplicationFactory().round
    response = client_as(mallory).post(
        reverse("grants:start"),
        {"round": other_round.pk, "organisation": theirs.organisation.pk},
    )
    assert response.status_code == 404
    assert not Application.objects.filter(round=other_round, organisation=theirs.organisation)


def test_their_applications_never_appear_on_my_dashboard(mallory, theirs, client_as):
    assert (
        "B&#x27;s project"
        not in client_as(mallory).get(reverse("grants:dashboard")).content.decode()
    )
