"""Officers enter applications for groups that cannot apply online, and the record says so."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.models import Membership, Organisation
from grants.models import Application, ApplicationStatus, EntryChannel
from tests.applicants.factories import MembershipFactory, OrganisationFactory
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import RoundFactory, outcome

ANSWERS = {
    "amount": "3000",
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
def officer(make_user):
    return make_user(Role.GRANT_OFFICER, full_name="Olive Officer")


@pytest.fixture
def group(db):
    return OrganisationFactory(name="Bagworth Over-60s Club")


@pytest.fixture
def round(db):
    return RoundFactory()


def start(client, group, funding_round, **changes):
    data = {
        "organisation": group.pk,
        "round": funding_round.pk,
        "entry_channel": "telephone",
        "contact_name": "Pat Secretary",
        **ANSWERS,
        **changes,
    }
    return client.post(reverse("grants:assisted_start"), data)


def test_an_officer_starts_an_application_and_the_record_says_who_and_how(
    officer, group, round, client_as
):
    response = start(client_as(officer), group, round, entry_channel="paper")
    application = Application.objects.get()
    assert response.url == reverse("grants:task_list", args=[application.pk])
    assert application.organisation == group
    assert application.entered_by_officer == officer
    assert application.entry_channel == EntryChannel.PAPER
    assert application.contact_name == "Pat Secretary"
    assert application.amount_requested == Decimal("3000")
    event = AuditEvent.objects.get(verb="application_started")
    assert event.actor == officer
    assert event.data["entry_channel"] == "paper"
    assert event.data["contact_name"] == "Pat Secretary"


def test_the_officer_fills_the_same_sections_and_submits_for_the_contact(
    officer, group, round, client_as
):
    client = client_as(officer)
    start(client, group, round)
    application = Application.objects.get()
    page = client.get(reverse("grants:task_list", args=[application.pk])).content.decode()
    assert "You are entering this application for Bagworth Over-60s Club" in page
    for name, data in [
        (
            "project",
            {
                "title": "Tea dances",
                "summary": "Monthly tea dances.",
                "project_start_0": "1",
                "project_start_1": "4",
                "project_start_2": "2027",
                "project_end_0": "31",
                "project_end_1": "3",
                "project_end_2": "2028",
            },
        ),
        ("beneficiaries", {"beneficiaries": "Older people", "districts_served": ["E07000132"]}),
        ("outcomes", {"theme_5": [outcome("5.5").pk]}),
        ("budget", {"amount_requested": "3000", "item_0": "Hall hire", "cost_0": "3000"}),
    ]:
        response = client.post(
            reverse(f"grants:section_{name}", args=[application.pk]), {**data, "continue": ""}
        )
        assert response.status_code == 302, response.content.decode()

    page = client.get(reverse("grants:submit", args=[application.pk])).content.decode()
    assert "Full name of the group's contact making the declaration" in page
    assert 'value="Pat Secretary"' in page
    response = client.post(
        reverse("grants:submit", args=[application.pk]),
        {"declaration_name": "Pat Secretary", "confirm": "on"},
    )
    assert response.url == reverse("grants:submitted", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration_name == "Pat Secretary"

    page = client.get(
        reverse("grants:officer_application", args=[application.pk])
    ).content.decode()
    assert (
        "Entered by Olive Officer (by telephone, entered by an officer) with Pat Secretary, "
        "the group's contact." in page
    )


def test_an_officer_enters_a_new_group_without_joining_it(officer, client_as):
    response = client_as(officer).post(
        reverse("grants:assisted_organisation"),
        {
            "name": "Kegworth Village Hall",
            "legal_structure": "unincorporated",
            "address_line_1": "1 High Street",
            "town": "Kegworth",
            "postcode": "de74 2dA",
            "district": "E07000134",
            "annual_income": "£8,000",
            "volunteers_count": "6",
        },
    )
    group = Organisation.objects.get(name="Kegworth Village Hall")
    assert response.url == f"{reverse('grants:assisted_start')}?organisation={group.pk}"
    assert not Membership.objects.filter(organisation=group).exists()
    page = client_as(officer).get(response.url).content.decode()
    assert f'<option value="{group.pk}" selected>' in page


def test_the_rules_apply_to_officers_too(officer, group, round, client_as):
    group.annual_income = Decimal("999999")
    group.save()
    round.max_annual_income = Decimal("250000")
    round.save()
    response = start(client_as(officer), group, round)
    assert "Your annual income of £999,999 is above this round&#x27;s limit of £250,000" in (
        response.content.decode()
    )
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"contact_name": ""}, "Enter the full name of the group&#x27;s contact"),
        ({"entry_channel": "online"}, "Choose how the application reached you"),
        ({"organisation": ""}, "Choose the group that is applying"),
        ({"round": "999999"}, "Choose a round that is open now"),
    ],
)
def test_the_start_page_says_what_is_missing(officer, group, round, client_as, changes, message):
    response = start(client_as(officer), group, round, **changes)
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_the_start_page_finds_a_group_by_name(officer, group, client_as):
    OrganisationFactory(name="Unrelated Society")
    page = (
        client_as(officer).get(reverse("grants:assisted_start") + "?q=bagworth").content.decode()
    )
    assert "Bagworth Over-60s Club" in page and "Unrelated Society" not in page


def test_another_officer_cannot_change_an_entered_application(officer, make_user, client_as):
    application = ApplicationFactory(entered_by_officer=officer, entry_channel="telephone")
    colleague = make_user(Role.GRANT_OFFICER)
    client = client_as(colleague)
    assert client.get(reverse("grants:task_list", args=[application.pk])).status_code == 404
    response = client.post(
        reverse("grants:section_project", args=[application.pk]),
        {"title": "Changed", "continue": ""},
    )
    assert response.status_code == 404


def test_an_officer_cannot_open_a_groups_own_online_application(officer, client_as):
    online = ApplicationFactory()
    client = client_as(officer)
    assert client.get(reverse("grants:task_list", args=[online.pk])).status_code == 404
    assert client.get(reverse("grants:section_budget", args=[online.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.FINANCE])
def test_only_grant_officers_enter_applications_for_groups(make_user, client_as, role):
    client = client_as(make_user(role))
    for name in ("grants:assisted", "grants:assisted_start", "grants:assisted_organisation"):
        assert client.get(reverse(name)).status_code == 403


def test_the_list_shows_what_the_officer_has_entered(officer, client_as):
    ApplicationFactory(
        entered_by_officer=officer,
        entry_channel="in_person",
        contact_name="Jo Chair",
        organisation__name="Ibstock Crafters",
    )
    ApplicationFactory(organisation__name="Someone Else's Group")
    page = client_as(officer).get(reverse("grants:assisted")).content.decode()
    assert "Ibstock Crafters" in page and "Contact: Jo Chair" in page
    assert "In person, entered by an officer" in page
    assert "Someone Else" not in page


def test_members_of_the_group_can_continue_what_the_officer_entered(officer, client_as):
    application = ApplicationFactory(entered_by_officer=officer, entry_channel="telephone")
    member = MembershipFactory(organisation=application.organisation)
    response = client_as(member.user).post(
        reverse("grants:section_project", args=[application.pk]),
        {"title": "Our own words", "continue": ""},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Our own words"
