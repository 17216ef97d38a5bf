"""The administrators' and finance's security pages in Chromium, each checked with axe."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.services import record_audit_event
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.applicants.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_audit_log_and_the_personal_data_export_pass_axe(new_page, accessibility):
    admin = UserFactory(roles=[Role.ADMINISTRATOR], email="admin@example.org")
    organisation = OrganisationFactory(name="Coalville Community Larder")
    record_audit_event(
        actor=admin, verb="organisation_updated", subject=organisation, data={"changed": ["name"]}
    )
    page = new_page()
    sign_in(page, admin.email)

    page.goto(reverse("accounts:audit_log"))
    assert page.locator("h1").inner_text() == "Audit log"
    assert "Coalville Community Larder" in page.locator("#audit-events").inner_text()
    accessibility.check(page)
    page.get_by_label("From").fill("31/2/2026")
    page.get_by_role("button", name="Filter the log").click()
    page.wait_for_load_state()
    assert "Enter a real date" in page.locator(".govuk-error-summary").inner_text()
    accessibility.check(page)

    page.goto(reverse("accounts:subject_access"))
    accessibility.check(page)
    page.get_by_role("button", name="Download their data").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the email address of the person who asked" in summary
    accessibility.check(page)


def test_finance_confirms_who_they_are_then_sees_full_bank_details(new_page, accessibility):
    finance = UserFactory(roles=[Role.FINANCE], email="finance@example.org")
    organisation = OrganisationFactory(bank_sort_code="401234", bank_account_number="31926819")
    page = new_page()
    sign_in(page, finance.email)

    page.goto(reverse("applicants:bank_details_full", args=[organisation.pk]))
    assert page.locator("h1").inner_text() == "Confirm it is you"
    accessibility.check(page)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Full bank details"
    assert "40-12-34" in page.locator("main").inner_text()
    accessibility.check(page)
