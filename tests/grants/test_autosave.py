"""Autosave of long answers: only for someone who may change that draft, never once submitted."""

import pytest
from django.test import Client
from django.urls import reverse

from grants.models import ApplicationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(organisation=member.organisation, summary="Old words")


def autosave(client, application, field="summary", value="New words, typed just now"):
    return client.post(
        reverse("grants:autosave", args=[application.pk]), {"field": field, "value": value}
    )


def test_a_long_answer_is_saved_and_the_time_returned(member, draft, client_as):
    response = autosave(client_as(member.user), draft)
    assert response.status_code == 200
    assert response.json()["saved"] is True
    assert response.json()["saved_at"]
    draft.refresh_from_db()
    assert draft.summary == "New words, typed just now"


def test_who_will_benefit_is_autosaved_too(member, draft, client_as):
    autosave(client_as(member.user), draft, field="beneficiaries", value="Carers")
    draft.refresh_from_db()
    assert draft.beneficiaries == "Carers"


@pytest.mark.parametrize("field", ["title", "status", "amount_requested", "organisation", ""])
def test_only_long_answers_can_be_autosaved(member, draft, client_as, field):
    response = autosave(client_as(member.user), draft, field=field, value="x")
    assert response.status_code == 400
    assert response.json() == {
        "saved": False,
        "error": "This answer cannot be saved automatically.",
    }
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.summary == "Old words"


def test_an_answer_over_the_limit_is_refused(member, draft, client_as):
    response = autosave(client_as(member.user), draft, value="x" * 5001)
    assert response.status_code == 400
    assert response.json()["error"] == "This answer must be 5,000 characters or fewer."
    draft.refresh_from_db()
    assert draft.summary == "Old words"


def test_a_member_of_another_organisation_gets_a_404(draft, client_as):
    outsider = MembershipFactory()
    assert autosave(client_as(outsider.user), draft).status_code == 404
    draft.refresh_from_db()
    assert draft.summary == "Old words"


def test_a_viewer_cannot_autosave(draft, client_as):
    viewer = MembershipFactory(organisation=draft.organisation, role="viewer")
    response = autosave(client_as(viewer.user), draft)
    assert response.status_code == 403
    assert response.json()["saved"] is False
    draft.refresh_from_db()
    assert draft.summary == "Old words"


def test_a_submitted_application_cannot_be_autosaved(member, client_as):
    submitted = ApplicationFactory(
        organisation=member.organisation, status=ApplicationStatus.SUBMITTED, summary="Sent"
    )
    response = autosave(client_as(member.user), submitted)
    assert response.status_code == 409
    assert response.json() == {"saved": False, "error": "This application has been submitted."}
    submitted.refresh_from_db()
    assert submitted.summary == "Sent"


def test_a_signed_out_person_is_told_in_json(draft, client):
    response = autosave(client, draft)
    assert response.status_code == 401
    assert response.json()["saved"] is False
    draft.refresh_from_db()
    assert draft.summary == "Old words"


def test_autosave_needs_the_csrf_token(member, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert autosave(client, draft).status_code == 403
    draft.refresh_from_db()
    assert draft.summary == "Old words"


def test_only_post_is_accepted(member, draft, client_as):
    response = client_as(member.user).get(reverse("grants:autosave", args=[draft.pk]))
    assert response.status_code == 405


def test_the_page_asks_for_autosave_without_any_inline_script(member, draft, client_as):
    page = (
        client_as(member.user)
        .get(reverse("grants:section_project", args=[draft.pk]))
        .content.decode()
    )
    assert f'data-autosave-url="{reverse("grants:autosave", args=[draft.pk])}"' in page
    assert 'name="summary"' in page and "data-autosave" in page
    assert '<script type="module" src="/static/js/autosave.js">' in page
    assert "<script>" not in page and "onclick" not in page
