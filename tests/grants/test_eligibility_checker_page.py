"""The "Check if you can apply" page and its Start button."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applicants.choices import LegalStructure
from grants.models import Application
from tests.applicants.factories import MembershipFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

ANSWERS = {
    "amount": "£4,500",
    "project_start_0": "1",
    "project_start_1": "4",
    "project_start_2": "2027",
    "project_end_0": "31",
    "project_end_1": "3",
    "project_end_2": "2028",
    "based_in": "leicestershire",
    "serves_leicestershire": "yes",
}


@pytest.fixture
def round(db):
    programme = ProgrammeFactory(
        name="SHIRE Community Grants",
        eligible_legal_structures=[s.value for s in LegalStructure if s != "parish_council"],
    )
    return RoundFactory(
        programme=programme, name="2026/27 Round 1", max_annual_income=Decimal("250000")
    )


@pytest.fixture
def member(db):
    return MembershipFactory(organisation__name="Glenfield Lunch Club")


@pytest.fixture
def signed_in(member, client_as):
    return client_as(member.user)


def check(client, round, member, **data):
    """Answer the checker's questions for the member's organisation."""
    return client.post(
        reverse("grants:eligibility", args=[round.pk]),
        {"organisation": member.organisation.pk, **ANSWERS, **data},
    )


def test_the_round_page_offers_the_checker(round, member, client_as):
    page = client_as(member.user).get(reverse("rounds:detail", args=[round.pk])).content.decode()
    assert "Check if you can apply" in page
    assert reverse("grants:eligibility", args=[round.pk]) in page


def test_the_checker_asks_its_questions_for_the_current_organisation(round, member, client_as):
    response = client_as(member.user).get(reverse("grants:eligibility", args=[round.pk]))
    page = response.content.decode()
    assert "<title>Check if you can apply" in page
    assert "You are checking for Glenfield Lunch Club" in page
    for label in ("How much will you ask for?", "Where is your organisation based?"):
        assert label in page


def test_an_eligible_group_is_told_it_can_apply_with_a_start_button(round, member, signed_in):
    response = check(signed_in, round, member)
    page = response.content.decode()
    assert "You can apply" in page
    assert "Start your application" in page
    assert Application.objects.count() == 0  # checking starts nothing


def test_every_reason_is_listed_when_the_group_cannot_apply(round, member, signed_in):
    member.organisation.annual_income = Decimal("312000")
    member.organisation.save()
    response = check(
        signed_in, round, member, amount="20000", based_in="rutland", serves_leicestershire="no"
    )
    page = response.content.decode()
    assert "You cannot apply to this round" in page
    assert "Your annual income of £312,000 is above this round&#x27;s limit of £250,000" in page
    assert "you asked for £20,000" in page
    assert "Organisations based in Leicester City or Rutland cannot apply unless" in page
    assert "Start your application" not in page


def test_unanswered_questions_are_errors_linked_from_the_summary(round, member, client_as):
    response = client_as(member.user).post(reverse("grants:eligibility", args=[round.pk]), {})
    page = response.content.decode()
    assert "<title>Error: Check if you can apply" in page
    assert 'href="#id_amount"' in page
    assert "Say where your organisation is based" in page


def test_an_impossible_date_gets_a_plain_message(round, member, signed_in):
    response = check(signed_in, round, member, project_start_0="31", project_start_1="2")
    assert "The date your project starts must be a real date, like 1 4 2027" in (
        response.content.decode()
    )


def test_start_creates_the_draft_with_the_answers(round, member, signed_in):
    client = signed_in
    start_data = check(client, round, member).context["start_data"]
    response = client.post(reverse("grants:start"), {"round": round.pk, **start_data})
    application = Application.objects.get()
    assert response.url == reverse("grants:task_list", args=[application.pk])
    assert application.organisation == member.organisation
    assert application.amount_requested == Decimal("4500")


def test_a_start_without_answers_goes_back_to_the_checker(round, member, client_as):
    response = client_as(member.user).post(
        reverse("grants:start"), {"round": round.pk, "organisation": member.organisation.pk}
    )
    assert response.url == reverse("grants:eligibility", args=[round.pk])
    assert not Application.objects.exists()


def test_a_crafted_start_cannot_get_round_the_rules(round, member, client_as):
    member.organisation.legal_structure = LegalStructure.TOWN_OR_PARISH_COUNCIL
    member.organisation.save()
    client = client_as(member.user)
    response = client.post(
        reverse("grants:start"),
        {"round": round.pk, "organisation": member.organisation.pk, **ANSWERS},
        follow=True,
    )
    assert "Town or parish councils cannot apply to SHIRE Community Grants" in (
        response.content.decode()
    )
    assert not Application.objects.exists()


def test_the_checker_cannot_start_for_another_organisation(round, member, signed_in):
    other = MembershipFactory(organisation__name="Someone Else's Group").organisation
    client = signed_in
    response = check(client, round, member, organisation=other.pk)
    assert "Someone Else" not in response.content.decode()
    assert "Start your application" not in response.content.decode()
    response = client.post(
        reverse("grants:start"), {"round": round.pk, "organisation": other.pk, **ANSWERS}
    )
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_a_viewer_is_not_offered_the_checker_and_cannot_start(round, client_as):
    viewer = MembershipFactory(role="viewer")
    client = client_as(viewer.user)
    page = client.get(reverse("grants:eligibility", args=[round.pk])).content.decode()
    assert "ask its owner to make you an editor" in page
    response = client.post(
        reverse("grants:start"),
        {"round": round.pk, "organisation": viewer.organisation.pk, **ANSWERS},
    )
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_a_draft_round_has_no_checker(member, client_as):
    hidden = RoundFactory(status="draft")
    response = client_as(member.user).get(reverse("grants:eligibility", args=[hidden.pk]))
    assert response.status_code == 404
