"""Each section's page: it saves its own answers, keeps what was typed, loses nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from grants.models import ApplicationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import RoundFactory, outcome


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(
        organisation=member.organisation,
        title="Friday lunches",
        summary="Lunch and company.",
        beneficiaries="Older people",
        districts_served=["E07000129"],
        outcomes=["5.5"],
    )


def post(client, name, application, data, button="continue"):
    return client.post(
        reverse(f"grants:section_{name}", args=[application.pk]), {**data, button: ""}
    )


def test_save_and_continue_returns_to_the_task_list(member, draft, client_as):
    response = post(client_as(member.user), "project", draft, {"title": "Saturday lunches"})
    assert response.url == reverse("grants:task_list", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.title == "Saturday lunches"


def test_save_and_come_back_later_goes_to_the_dashboard_with_a_message(member, draft, client_as):
    client = client_as(member.user)
    response = post(client, "project", draft, {"title": "Saturday lunches"}, "save_and_return")
    assert response.url == reverse("grants:dashboard")
    page = client.get(response.url).content.decode()
    assert "Your application has been saved. You can come back to it at any time." in page


def test_a_section_saves_only_its_own_answers(member, draft, client_as):
    post(client_as(member.user), "project", draft, {"title": "New title"})
    draft.refresh_from_db()
    assert draft.beneficiaries == "Older people"
    assert draft.districts_served == ["E07000129"]
    assert list(draft.outcomes.values_list("code", flat=True)) == ["5.5"]
    assert draft.budget_lines.count() == 1


def test_a_section_saved_empty_clears_only_that_section(member, draft, client_as):
    post(client_as(member.user), "beneficiaries", draft, {})
    draft.refresh_from_db()
    assert draft.beneficiaries == "" and draft.districts_served == []
    assert draft.title == "Friday lunches"


def test_an_impossible_date_is_refused_and_everything_typed_is_kept(member, draft, client_as):
    response = post(
        client_as(member.user),
        "project",
        draft,
        {
            "title": "Village hall boiler",
            "summary": "<b>Warm</b> hall",
            "project_start_0": "31",
            "project_start_1": "2",
            "project_start_2": "2027",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: About your project" in page
    assert "The date your project starts must be a real date, like 1 4 2027" in page
    assert 'href="#id_project_start_0"' in page
    assert 'value="Village hall boiler"' in page
    assert "&lt;b&gt;Warm&lt;/b&gt; hall" in page  # kept, and escaped
    draft.refresh_from_db()
    assert draft.title == "Friday lunches"  # nothing half-saved from an invalid page


def test_an_end_date_before_the_start_is_refused(member, draft, client_as):
    response = post(
        client_as(member.user),
        "project",
        draft,
        {
            "project_start_0": "1",
            "project_start_1": "6",
            "project_start_2": "2027",
            "project_end_0": "1",
            "project_end_1": "5",
            "project_end_2": "2027",
        },
    )
    assert "The end date must be on or after the start date" in response.content.decode()


def test_dates_outside_the_rounds_window_are_refused_on_the_page(member, client_as):
    round = RoundFactory(earliest_project_start=date(2027, 4, 1))
    draft = ApplicationFactory(round=round, organisation=member.organisation)
    response = post(
        client_as(member.user),
        "project",
        draft,
        {"project_start_0": "1", "project_start_1": "3", "project_start_2": "2027"},
    )
    page = response.content.decode()
    assert "Your project must start on or after 1 April 2027" in page
    assert "Projects in this round must start on or after 1 April 2027" in page


def test_a_two_digit_year_is_refused_with_a_plain_message(member, draft, client_as):
    response = post(
        client_as(member.user),
        "project",
        draft,
        {"project_start_0": "1", "project_start_1": "4", "project_start_2": "27"},
    )
    assert "The year your project starts must have 4 digits, like 2027" in (
        response.content.decode()
    )


def test_text_longer_than_allowed_is_refused_not_truncated(member, draft, client_as):
    response = post(client_as(member.user), "project", draft, {"title": "x" * 201})
    assert "The project title must be 200 characters or fewer" in response.content.decode()


@pytest.mark.parametrize("typed,expected", [("1,200", 1200), (" 35 ", 35)])
def test_numbers_of_people_are_read_as_people_write_them(
    member, draft, client_as, typed, expected
):
    post(client_as(member.user), "beneficiaries", draft, {"beneficiaries_count": typed})
    draft.refresh_from_db()
    assert draft.beneficiaries_count == expected


def test_a_number_of_people_in_words_says_what_to_type(member, draft, client_as):
    response = post(
        client_as(member.user), "beneficiaries", draft, {"beneficiaries_count": "lots"}
    )
    assert "Enter the number of people as a whole number, like 120" in response.content.decode()


def test_outcomes_are_grouped_by_theme_and_saved(member, draft, client_as):
    client = client_as(member.user)
    page = client.get(reverse("grants:section_outcomes", args=[draft.pk])).content.decode()
    for theme in ("Clean and Green", "Great Communities", "Safe and Well"):
        assert f"{theme}" in page
    assert "4.3 Resources used sustainably" in page
    post(
        client, "outcomes", draft, {"theme_4": [outcome("4.3").pk], "theme_8": [outcome("8.3").pk]}
    )
    assert sorted(draft.outcomes.values_list("code", flat=True)) == ["4.3", "8.3"]


def test_an_outcome_from_the_wrong_theme_is_refused(member, draft, client_as):
    response = post(client_as(member.user), "outcomes", draft, {"theme_4": [outcome("5.5").pk]})
    assert "Choose outcomes from the list" in response.content.decode()
    assert list(draft.outcomes.values_list("code", flat=True)) == ["5.5"]


def test_a_viewer_can_read_but_not_change_a_section(draft, client_as):
    viewer = MembershipFactory(organisation=draft.organisation, role="viewer")
    client = client_as(viewer.user)
    assert client.get(reverse("grants:detail", args=[draft.pk])).status_code == 200
    assert client.get(reverse("grants:section_project", args=[draft.pk])).status_code == 403
    assert post(client, "project", draft, {"title": "Changed"}).status_code == 403
    draft.refresh_from_db()
    assert draft.title == "Friday lunches"


def test_a_submitted_application_cannot_be_changed_through_a_section(member, client_as):
    submitted = ApplicationFactory(
        organisation=member.organisation, status=ApplicationStatus.SUBMITTED, title="Sent"
    )
    response = post(client_as(member.user), "project", submitted, {"title": "Changed"})
    assert response.url == reverse("grants:detail", args=[submitted.pk])
    submitted.refresh_from_db()
    assert submitted.title == "Sent"


def test_changing_the_amount_is_audited(member, draft, client_as):
    data = {"amount_requested": "4000", "item_0": "Hall", "cost_0": "4000"}
    post(client_as(member.user), "budget", draft, data)
    event = AuditEvent.objects.get(verb="amount_requested_changed")
    assert event.data == {"from": "5000.00", "to": "4000"}
    assert draft.budget_lines.get().amount == Decimal("4000")
