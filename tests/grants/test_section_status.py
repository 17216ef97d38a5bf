"""Each section's status comes from what is saved, and the task list shows it."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import DocumentKind
from grants.selectors import application_sections
from tests.applicants.factories import MembershipFactory, OrganisationDocumentFactory
from tests.grants.factories import ApplicationFactory, AttachmentFactory, BudgetLineFactory
from tests.rounds.factories import RoundFactory, outcome

ALL_DOCUMENTS = [
    DocumentKind.GOVERNING_DOCUMENT,
    DocumentKind.ACCOUNTS,
    DocumentKind.SAFEGUARDING_POLICY,
]


@pytest.fixture
def member(db):
    return MembershipFactory()


def empty_draft(member, **fields):
    defaults = {
        "title": "",
        "summary": "",
        "amount_requested": None,
        "project_start": None,
        "project_end": None,
        "beneficiaries": "",
        "beneficiaries_count": None,
        "districts_served": [],
        "budget_lines": [],
    }
    return ApplicationFactory(organisation=member.organisation, **{**defaults, **fields})


def statuses(application):
    return {section.key: section.status for section in application_sections(application)}


def problems(application, key):
    return next(s.problems for s in application_sections(application) if s.key == key)


def test_a_new_draft_has_nothing_started(member):
    assert statuses(empty_draft(member)) == {
        "project": "Not started",
        "beneficiaries": "Not started",
        "outcomes": "Not started",
        "budget": "Not started",
        # Nothing is asked for in this round, so nothing is missing.
        "documents": "Completed",
    }


def test_the_checkers_answers_put_project_and_budget_in_progress(member):
    draft = empty_draft(
        member,
        amount_requested=Decimal("4000"),
        project_start=date(2027, 4, 1),
        project_end=date(2028, 3, 31),
    )
    found = statuses(draft)
    assert found["project"] == "In progress" and found["budget"] == "In progress"
    assert problems(draft, "project") == ("Enter a project title", "Describe your project")


def test_a_project_with_every_answer_is_completed(member):
    draft = empty_draft(
        member,
        title="Friday lunches",
        summary="Lunch and company.",
        project_start=date(2027, 4, 1),
        project_end=date(2028, 3, 31),
    )
    assert statuses(draft)["project"] == "Completed"


def test_dates_outside_the_rounds_window_keep_the_project_in_progress(member):
    round = RoundFactory(latest_project_end=date(2027, 12, 31))
    draft = ApplicationFactory(
        round=round, organisation=member.organisation, project_end=date(2028, 3, 31)
    )
    assert statuses(draft)["project"] == "In progress"
    assert problems(draft, "project") == (
        "Your project must end by 31 December 2027; you said it ends on 31 March 2028",
    )


def test_who_will_benefit_needs_the_people_and_the_districts(member):
    draft = empty_draft(member, beneficiaries_count=20)
    assert statuses(draft)["beneficiaries"] == "In progress"
    draft.beneficiaries = "Older people"
    draft.districts_served = ["E07000129"]
    assert statuses(draft)["beneficiaries"] == "Completed"


def test_outcomes_are_completed_by_one_outcome(member):
    draft = empty_draft(member)
    draft.outcomes.add(outcome("5.5"))
    assert statuses(draft)["outcomes"] == "Completed"


def test_a_budget_is_completed_when_its_lines_add_up_to_the_amount(member):
    draft = empty_draft(member, amount_requested=Decimal("4000.00"))
    BudgetLineFactory(application=draft, amount=Decimal("3000.00"))
    assert statuses(draft)["budget"] == "In progress"
    assert problems(draft, "budget") == (
        "Your budget lines add up to £3,000.00 but you are asking for £4,000.00: change the "
        "lines or the amount so that they match",
    )
    BudgetLineFactory(application=draft, amount=Decimal("1000.00"))
    assert statuses(draft)["budget"] == "Completed"


def test_a_budget_needs_lines_and_an_amount_in_range(member):
    draft = empty_draft(member, amount_requested=Decimal("40000"))
    assert problems(draft, "budget") == (
        "The amount you ask for must be between £500 and £10,000; you asked for £40,000",
        "Add at least one budget line to show what the money will pay for",
    )
    lines_only = empty_draft(MembershipFactory())
    BudgetLineFactory(application=lines_only)
    assert statuses(lines_only)["budget"] == "In progress"
    assert problems(lines_only, "budget") == ("Enter the amount you are asking for",)


def test_required_documents_come_from_the_profile_or_the_application(member):
    round = RoundFactory(required_documents=ALL_DOCUMENTS)
    draft = empty_draft(member, round=round)
    assert statuses(draft)["documents"] == "Not started"
    assert problems(draft, "documents") == (
        "Add your organisation's governing document",
        "Add your organisation's latest accounts",
        "Add your organisation's safeguarding policy",
    )
    OrganisationDocumentFactory(organisation=member.organisation, kind=DocumentKind.ACCOUNTS)
    assert statuses(draft)["documents"] == "In progress"
    AttachmentFactory(application=draft, kind="governing_document")
    AttachmentFactory(application=draft, kind="safeguarding_policy")
    assert statuses(draft)["documents"] == "Completed"


def test_a_quote_alone_does_not_complete_required_documents(member):
    draft = empty_draft(member, round=RoundFactory(required_documents=ALL_DOCUMENTS))
    AttachmentFactory(application=draft, kind="quote")
    assert statuses(draft)["documents"] == "In progress"


# --- The task list page ------------------------------------------------------------


def test_the_task_list_shows_each_status_and_hides_submit_until_all_are_done(member, client_as):
    draft = empty_draft(member, title="Friday lunches")
    client = client_as(member.user)
    page = client.get(reverse("grants:task_list", args=[draft.pk])).content.decode()
    assert "govuk-task-list" in page
    assert "You have completed 1 of 5 sections" in page
    assert '<strong class="govuk-tag govuk-tag--light-blue">In progress</strong>' in page
    assert "Cannot start yet" in page
    assert reverse("grants:submit", args=[draft.pk]) not in page

    complete = ApplicationFactory(
        organisation=MembershipFactory(user=member.user).organisation, outcomes=["5.5"]
    )
    page = client.get(reverse("grants:task_list", args=[complete.pk])).content.decode()
    assert "You have completed every section" in page
    assert reverse("grants:submit", args=[complete.pk]) in page


def test_a_submitted_application_has_no_task_list(member, client_as):
    submitted = ApplicationFactory(organisation=member.organisation, status="submitted")
    response = client_as(member.user).get(reverse("grants:task_list", args=[submitted.pk]))
    assert response.url == reverse("grants:detail", args=[submitted.pk])


def queries_for(client, url) -> int:
    client.get(url)  # the first request warms caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_task_list_takes_the_same_queries_however_much_is_saved(member, client_as):
    client = client_as(member.user)
    small = ApplicationFactory(organisation=member.organisation)
    small.outcomes.add(outcome("5.5"))
    big = ApplicationFactory(
        organisation=MembershipFactory(user=member.user).organisation, budget_lines=[]
    )
    for _ in range(30):
        BudgetLineFactory(application=big)
    for _ in range(5):
        AttachmentFactory(application=big)
    big.outcomes.add(*[outcome(code) for code in ("4.1", "4.2", "5.1", "5.5", "8.3")])
    assert queries_for(client, reverse("grants:task_list", args=[big.pk])) == queries_for(
        client, reverse("grants:task_list", args=[small.pk])
    )
