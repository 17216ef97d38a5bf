"""A printable copy of what was submitted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import ApplicationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AttachmentFactory


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def submitted(member):
    application = ApplicationFactory(
        organisation=member.organisation,
        status=ApplicationStatus.SUBMITTED,
        title="Friday lunches",
        amount_requested=Decimal("4000"),
        budget_lines=[("Food", Decimal("3000")), ("Minibus hire", Decimal("1000"))],
        outcomes=["5.5"],
        declaration_name="Sam Volunteer",
    )
    AttachmentFactory(application=application, original_name="Minibus quote.pdf")
    return application


def test_the_printable_copy_holds_everything_that_was_submitted(member, submitted, client_as):
    page = (
        client_as(member.user).get(reverse("grants:print", args=[submitted.pk])).content.decode()
    )
    assert f"<title>Copy of your application {submitted.reference}" in page
    assert page.count("<h1") == 1
    for text in (
        submitted.reference,
        "Friday lunches",
        "Sam Volunteer",
        "Minibus hire",
        "£1,000.00",
        "£4,000.00",
        "5.5 People support each other through volunteering",
        "Minibus quote.pdf",
        submitted.organisation.name,
    ):
        assert text in page
    assert "What the money will pay for" in page  # the budget table's caption


def test_the_print_styles_come_from_a_stylesheet_not_inline(member, submitted, client_as):
    page = (
        client_as(member.user).get(reverse("grants:print", args=[submitted.pk])).content.decode()
    )
    assert '<link rel="stylesheet" href="/static/css/grants-print.css" media="print">' in page
    assert "<style" not in page and "style=" not in page and "<script>" not in page
    assert "data-print-page hidden" in page  # the print button appears only with JavaScript


def test_a_draft_can_be_printed_too(member, client_as):
    draft = ApplicationFactory(organisation=member.organisation)
    page = client_as(member.user).get(reverse("grants:print", args=[draft.pk])).content.decode()
    assert "None yet: this application has not been submitted" in page


def test_another_organisation_cannot_print_it(submitted, client_as):
    outsider = MembershipFactory().user
    assert client_as(outsider).get(reverse("grants:print", args=[submitted.pk])).status_code == 404


def test_the_budget_table_adds_up_its_lines_to_the_penny(member, client_as):
    application = ApplicationFactory(
        organisation=member.organisation,
        status=ApplicationStatus.SUBMITTED,
        amount_requested=Decimal("1500"),
        budget_lines=[("Food", Decimal("1234.56")), ("Hall hire", Decimal("99.44")),
                      ("Stamps", Decimal("0.01"))],
    )
    page = client_as(member.user).get(reverse("grants:print", args=[application.pk])).content.decode()
    total_row = page[page.index('scope="row" class="govuk-table__header">Total</th>'):][:200]
    assert "£1,334.01" in total_row
