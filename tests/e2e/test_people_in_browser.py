"""
An administrator manages people in Chromium: finds someone and gives them
the assessor role, adds a staff member (who sets their password from the
email and signs in), and deactivates someone, partly from the keyboard
alone. Every page is checked with axe.
"""

import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import Role, role_names
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.e2e.keyboard import focused, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-brand-new-password-77"


@pytest.fixture
def snap(request):
    """The `screenshot` fixture where tests/e2e/conftest.py has it; otherwise no pictures."""
    try:
        return request.getfixturevalue("screenshot")
    except pytest.FixtureLookupError:
        return lambda page, name: None


def sign_in(page, email, password=TEST_PASSWORD, see=None):
    page.goto("/accounts/login/")
    if see:
        see(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def banner(page) -> str:
    return " ".join(page.locator(".govuk-notification-banner").all_inner_texts())


def people_rows(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("#people tbody tr").all_inner_texts()]


def test_an_administrator_manages_people_and_roles(new_page, accessibility, snap):
    see = accessibility.check
    admin = UserFactory(roles=[Role.ADMINISTRATOR], email="ada@example.org", full_name="Ada Admin")
    UserFactory(roles=[Role.ADMINISTRATOR], email="bea@example.org", full_name="Bea Admin")
    sam = UserFactory(roles=[Role.APPLICANT], email="sam@lunchclub.example", full_name="Sam Scorer")
    gil = UserFactory(roles=[Role.FINANCE], email="gil@example.org", full_name="Gil Leaver")
    page = new_page()
    sign_in(page, admin.email, see=see)

    # People is in the header; the list shows everyone.
    page.locator(".govuk-service-navigation").get_by_role("link", name="People").click()
    page.wait_for_load_state()
    see(page)
    assert page.locator("h1").inner_text() == "People"
    assert "4 people" in page.locator("#people caption").inner_text()
    snap(page, "administrator-people")

    # Finds Sam and gives him the assessor role.
    page.get_by_label("Name or email address").fill("sam")
    page.get_by_role("button", name="Find people").click()
    page.wait_for_load_state()
    see(page)
    assert people_rows(page) == ["Sam Scorer sam@lunchclub.example Applicant Never Active"]
    page.get_by_role("link", name="Sam Scorer").click()
    page.wait_for_load_state()
    see(page)
    assert page.locator("h1").inner_text() == "Sam Scorer"
    assert page.get_by_label("Applicant").is_checked()
    page.get_by_label("Assessor").check()
    page.get_by_role("button", name="Save roles").click()
    page.wait_for_load_state()
    # Changing roles asks her to confirm who she is; the save then goes ahead.
    assert page.locator("h1").inner_text() == "Confirm it is you"
    see(page)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    see(page)
    assert "Roles saved for Sam Scorer: added assessor." in banner(page)
    assert "Role granted: assessor" in page.locator("#account-changes").inner_text()
    assert role_names(User.objects.get(pk=sam.pk)) == {"applicant", "assessor"}
    snap(page, "administrator-person-roles")

    # Removing her own administrator role is refused, and her ticks are kept.
    page.goto(f"/administration/people/{admin.pk}/")
    page.get_by_label("Administrator").uncheck()
    page.get_by_label("Finance").check()
    page.get_by_role("button", name="Save roles").click()
    page.wait_for_load_state()
    see(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "You cannot remove your own administrator role" in summary
    assert page.get_by_label("Finance").is_checked() and not page.get_by_label("Administrator").is_checked()
    assert role_names(User.objects.get(pk=admin.pk)) == {"administrator"}

    # Adds a staff member: a duplicate address is explained, and what was typed is kept.
    page.goto("/administration/people/")
    page.locator("main").get_by_role("link", name="Add a staff member").click()
    page.wait_for_load_state()
    see(page)
    page.get_by_role("button", name="Add staff member").click()
    page.wait_for_load_state()
    see(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter their full name" in summary and "Choose at least one role" in summary
    page.get_by_label("Full name").fill("Nia Officer")
    page.get_by_label("Email address").fill("Gil@Example.org")
    page.get_by_label("Grant officer").check()
    page.get_by_role("button", name="Add staff member").click()
    page.wait_for_load_state()
    see(page)
    assert "gil@example.org already has an account" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Full name").input_value() == "Nia Officer"
    assert page.get_by_label("Grant officer").is_checked()
    snap(page, "administrator-add-staff-member-error")
    page.get_by_label("Email address").fill("nia.officer@leics.example")
    page.get_by_role("button", name="Add staff member").click()
    page.wait_for_load_state()
    see(page)
    assert "We have emailed nia.officer@leics.example a link to set their password" in banner(page)
    assert "Never: they have not set a password yet" in page.locator("main").inner_text()

    # Nia sets her password from the email and signs in as a grant officer.
    message = next(m for m in reversed(mail.outbox) if m.to == ["nia.officer@leics.example"])
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)
    nia = new_page()
    nia.goto(link)
    see(nia)
    nia.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    nia.get_by_label("Confirm your new password").fill(NEW_PASSWORD)
    nia.get_by_role("button", name="Save new password").click()
    nia.wait_for_load_state()
    see(nia)
    sign_in(nia, "nia.officer@leics.example", NEW_PASSWORD)
    assert nia.url.endswith("/staff/")
    see(nia)

    # By keyboard alone: find Gil, add a role, then deactivate the account.
    page.goto("/administration/people/")
    tab_to(page, lambda e: e["name"] == "q")
    page.keyboard.type("Gil")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Find people")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda e: e["tag"] == "A" and e["text"] == "Gil Leaver")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    approver = tab_to(page, lambda e: e["type"] == "checkbox" and e["value"] == "approver")
    assert not approver["checked"]
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    tab_to(page, lambda e: e["type"] == "submit" and e["value"] == "Save roles")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Roles saved for Gil Leaver: added approver." in banner(page)
    tab_to(page, lambda e: e["tag"] == "A" and e["text"].startswith("Deactivate account"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    see(page)
    assert page.locator("h1").inner_text() == "Deactivate this account?"
    snap(page, "administrator-deactivate")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Deactivate account")
    with page.expect_navigation():
        page.keyboard.press("Space")
    see(page)
    assert "Gil Leaver’s account has been deactivated. They cannot sign in." in banner(page)
    assert not User.objects.get(pk=gil.pk).is_active

    # The list says so, and Gil can no longer sign in.
    page.goto("/administration/people/?status=inactive")
    see(page)
    assert people_rows(page) == ["Gil Leaver gil@example.org Approver Finance Never Inactive"]
    gil_page = new_page()
    sign_in(gil_page, "gil@example.org")
    see(gil_page)
    assert gil_page.url.endswith("/accounts/inactive/")
    assert gil_page.locator("h1").inner_text() == "Your account is not active"
    assert not gil_page.locator(".govuk-service-navigation").get_by_role("link", name="Finance").count()
