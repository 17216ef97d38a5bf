"""A round's eligibility rules, as the round page and the admin show them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts.roles import Role
from applicants.choices import LegalStructure
from rounds.models import Round
from tests.applicants.factories import MembershipFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        name="SHIRE Community Grants",
        eligible_legal_structures=[LegalStructure.REGISTERED_CHARITY, LegalStructure.CIO],
    )


def test_a_round_uses_the_programmes_structures_unless_it_has_its_own(programme):
    round = RoundFactory(programme=programme)
    assert round.allowed_legal_structures == ["registered_charity", "cio"]
    round.eligible_legal_structures = ["faith_group"]
    assert round.allowed_legal_structures == ["faith_group"]
    assert round.allowed_legal_structure_labels() == ["Faith group"]


def test_a_project_window_must_end_after_it_starts(programme):
    with pytest.raises(IntegrityError):
        RoundFactory(
            programme=programme,
            earliest_project_start=date(2027, 4, 1),
            latest_project_end=date(2027, 3, 31),
        )


def test_the_round_page_lists_who_can_apply(programme, client):
    round = RoundFactory(
        programme=programme,
        max_annual_income=Decimal("250000"),
        earliest_project_start=date(2027, 4, 1),
        latest_project_end=date(2028, 3, 31),
        required_documents=["governing_document", "safeguarding_policy"],
    )
    page = client.get(reverse("rounds:detail", args=[round.pk])).content.decode()
    assert "registered charity; charitable incorporated organisation (cio)" in page
    assert "annual income of £250,000 or less" in page
    assert "Leicester City and Rutland are not part of Leicestershire" in page
    assert "Projects starting on or after 1 April 2027" in page
    assert "Projects ending by 31 March 2028" in page
    assert "Governing document" in page and "Safeguarding policy" in page


def test_signed_out_visitors_are_asked_to_sign_in_to_check(programme, client):
    round = RoundFactory(programme=programme)
    page = client.get(reverse("rounds:detail", args=[round.pk])).content.decode()
    check = reverse("grants:eligibility", args=[round.pk])
    assert f"{reverse('account_login')}?next={check}" in page


def test_a_member_is_offered_the_checker_not_a_start_button(programme, client_as):
    round = RoundFactory(programme=programme)
    page = client_as(MembershipFactory().user).get(
        reverse("rounds:detail", args=[round.pk])
    ).content.decode()
    assert "Check if you can apply" in page
    assert reverse("grants:start") not in page


def test_a_closed_round_takes_no_applications(programme, client_as):
    round = RoundFactory(programme=programme, closed=True)
    page = client_as(MembershipFactory().user).get(
        reverse("rounds:detail", args=[round.pk])
    ).content.decode()
    assert "This round is not taking applications." in page
    assert "Check if you can apply" not in page


def test_the_admin_edits_the_rules_with_checkboxes(programme, make_user, client_as):
    round = RoundFactory(programme=programme)
    admin = client_as(make_user(Role.ADMINISTRATOR, is_superuser=True))
    page = admin.get(reverse("admin:rounds_round_change", args=[round.pk])).content.decode()
    assert 'type="checkbox" name="eligible_legal_structures" value="faith_group"' in page
    assert 'type="checkbox" name="required_documents" value="accounts"' in page
    assert isinstance(Round._meta.get_field("leicestershire_only").default, bool)


def test_a_grant_officer_is_offered_assisted_entry_instead(programme, make_user, client_as):
    round = RoundFactory(programme=programme)
    page = client_as(make_user(Role.GRANT_OFFICER)).get(
        reverse("rounds:detail", args=[round.pk])
    ).content.decode()
    assert reverse("grants:assisted_start") in page
    assert "set up your organisation" not in page
