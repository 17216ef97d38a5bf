"""A person in several organisations sees them all and switches which one they act for."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from applicants.choices import MembershipRole
from applicants.selectors import CURRENT_ORGANISATION_SESSION_KEY, current_organisation
from tests.applicants.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def two_organisations(owner, add_member):
    """The owner also edits a second organisation, named to sort after the first."""
    second = OrganisationFactory(name="Zeta Wigston Youth Club")
    MembershipFactory(user=owner.user, organisation=second, role=MembershipRole.EDITOR)
    return owner.organisation, second


def test_the_list_marks_the_current_organisation_and_offers_a_switch_for_the_others(
    client_as, owner, two_organisations
):
    first, second = two_organisations
    html = client_as(owner.user).get(reverse("applicants:list")).content.decode()
    assert html.count("<h1") == 1
    assert "<title>Your organisations – Community Grants – Leicestershire County Council</title>" in html
    assert first.name in html and second.name in html
    assert "Current organisation" in html
    assert html.count("Switch to this organisation") == 1
    assert reverse("applicants:switch", args=[second.pk]) in html
    assert reverse("applicants:switch", args=[first.pk]) not in html
    assert "Set up another organisation" in html


def test_switching_stores_the_choice_and_the_selector_uses_it(client_as, owner, two_organisations):
    first, second = two_organisations
    client = client_as(owner.user)
    response = client.post(reverse("applicants:switch", args=[second.pk]))
    assert response.status_code == 302
    assert client.session[CURRENT_ORGANISATION_SESSION_KEY] == second.pk
    html = client.get(reverse("applicants:list")).content.decode()
    assert reverse("applicants:switch", args=[first.pk]) in html
    assert reverse("applicants:switch", args=[second.pk]) not in html

    request = RequestFactory().get("/")
    request.user = owner.user
    request.session = {CURRENT_ORGANISATION_SESSION_KEY: second.pk}
    assert current_organisation(request) == second
    request.session = {}
    assert current_organisation(request) == first


def test_switching_returns_to_a_safe_next_page_only(client_as, owner, two_organisations):
    _, second = two_organisations
    client = client_as(owner.user)
    hub = reverse("applicants:detail", args=[second.pk])
    assert client.post(reverse("applicants:switch", args=[second.pk]), {"next": hub})["Location"] == hub
    response = client.post(reverse("applicants:switch", args=[second.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("grants:dashboard")


def test_a_non_member_cannot_switch_to_an_organisation(client_as, owner, other_owner):
    client = client_as(owner.user)
    response = client.post(reverse("applicants:switch", args=[other_owner.organisation.pk]))
    assert response.status_code == 404
    assert CURRENT_ORGANISATION_SESSION_KEY not in client.session


def test_switching_needs_a_post(client_as, owner):
    response = client_as(owner.user).get(reverse("applicants:switch", args=[owner.organisation.pk]))
    assert response.status_code == 405


def test_a_removed_member_falls_back_to_another_organisation(owner, two_organisations):
    first, second = two_organisations
    second.memberships.filter(user=owner.user).delete()
    request = RequestFactory().get("/")
    request.user = owner.user
    request.session = {CURRENT_ORGANISATION_SESSION_KEY: second.pk}
    assert current_organisation(request) == first


def test_the_hub_offers_the_switch_only_when_it_is_not_current(client_as, owner, two_organisations):
    first, second = two_organisations
    client = client_as(owner.user)
    client.post(reverse("applicants:switch", args=[first.pk]))
    assert (
        "Current organisation" in client.get(reverse("applicants:detail", args=[first.pk])).content.decode()
    )
    other = client.get(reverse("applicants:detail", args=[second.pk])).content.decode()
    assert "Switch to this organisation" in other
    assert f'name="next" value="{reverse("applicants:detail", args=[second.pk])}"' in other


def test_someone_in_one_organisation_is_not_offered_a_switch(client_as, owner):
    html = (
        client_as(owner.user).get(reverse("applicants:detail", args=[owner.organisation.pk])).content.decode()
    )
    assert "Switch to this organisation" not in html
