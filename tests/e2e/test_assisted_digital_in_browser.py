"""
Assisted digital in Chromium: a grant officer takes a telephone call from a
group that cannot apply online, enters the group's details, starts the
application with the group's answers to the eligibility questions, fills in
every section and submits it with the contact's declaration. Every page is
checked with axe.
"""

import re

import pytest
from django.core.management import call_command

from applicants.models import Membership, Organisation
from grants.models import Application, ApplicationStatus, EntryChannel
from tests.e2e.test_grant_journey_in_browser import fill_date, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo_data", verbosity=0)


def banner(page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def test_an_officer_enters_an_application_for_a_group_by_telephone(
    demo, new_page, accessibility, screenshot
):
    see = accessibility.check
    officer = new_page()
    sign_in(officer, "officer@example.org", see)

    # From the officer's home to the applications they enter for groups.
    officer.goto("/staff/")
    officer.get_by_role("link", name="Enter an application for a group that cannot apply online").click()
    see(officer)
    assert "Anstey" not in officer.locator("table").inner_text()
    officer.get_by_role("link", name="Enter an application for a group").click()
    see(officer)

    # The group is not registered: the officer enters its details first.
    officer.get_by_label("Find the group").fill("Anstey")
    officer.get_by_role("button", name="Search").click()
    see(officer)
    officer.get_by_role("link", name="enter the group's details first").click()
    see(officer)
    officer.get_by_label("Organisation name").fill("Anstey Over-60s Club")
    officer.get_by_label("Unincorporated association or community group").check()
    officer.get_by_label("Address line 1").fill("Anstey Methodist Church, Bradgate Road")
    officer.get_by_label("Town or village").fill("Anstey")
    officer.get_by_label("Postcode").fill("le7 7al")
    officer.get_by_label("Charnwood").check()
    officer.get_by_label("Annual income").fill("£4,200")
    officer.get_by_label("How many volunteers do you have?").fill("5")
    officer.get_by_role("button", name="Save organisation").click()
    see(officer)
    assert "Anstey Over-60s Club has been set up" in banner(officer)
    group = Organisation.objects.get(name="Anstey Over-60s Club")
    assert not Membership.objects.filter(organisation=group).exists()

    # The start page has the group chosen; a missing contact is explained.
    group_field = officer.get_by_label("Which group is applying?")
    assert group_field.locator("option:checked").inner_text() == "Anstey Over-60s Club, LE7 7AL"
    officer.get_by_label("Which round are they applying to?").select_option(
        label=officer.locator("#id_round option", has_text="SHIRE Community Grants").first.inner_text()
    )
    officer.get_by_label("By telephone, entered by an officer").check()
    officer.get_by_label("How much will they ask for?").fill("£1,800")
    fill_date(officer, "project_start", "1", "4", "2027")
    fill_date(officer, "project_end", "31", "3", "2028")
    officer.get_by_label("In Leicestershire (one of its seven districts)").check()
    officer.get_by_label("Yes", exact=True).check()
    officer.get_by_role("button", name="Start the application").click()
    see(officer)
    assert "Enter the full name of the group's contact" in officer.locator(
        ".govuk-error-summary").inner_text()
    officer.get_by_label("Full name of the group's contact").fill("Mary Treasurer")
    officer.get_by_role("button", name="Start the application").click()
    see(officer)
    assert "You have started an application for Anstey Over-60s Club" in banner(officer)
    assert "You are entering this application for Anstey Over-60s Club" in officer.locator(
        "main").inner_text()
    screenshot(officer, "officer-assisted-digital")

    # The same section pages the groups use.
    officer.get_by_role("link", name="About your project").click()
    see(officer)
    officer.get_by_label("Project title").fill("Thursday tea and chair exercise")
    officer.get_by_label("Describe your project").fill("Tea, company and a gentle exercise class.")
    officer.get_by_role("button", name="Save and continue").click()
    officer.get_by_role("link", name="Who will benefit and where").click()
    see(officer)
    officer.get_by_label("Who will benefit?").fill("Older people in Anstey")
    officer.get_by_label("Charnwood").check()
    officer.get_by_role("button", name="Save and continue").click()
    officer.get_by_role("link", name="Outcomes").click()
    see(officer)
    officer.get_by_label("5.5 People support each other through volunteering").check()
    officer.get_by_role("button", name="Save and continue").click()
    officer.get_by_role("link", name="Budget").click()
    see(officer)
    officer.get_by_label("Item 1", exact=True).fill("Exercise instructor")
    officer.get_by_label("Cost of item 1").fill("£1,200")
    officer.get_by_label("Item 2", exact=True).fill("Hall hire")
    officer.get_by_label("Cost of item 2").fill("600")
    officer.get_by_role("button", name="Save and continue").click()
    officer.get_by_role("link", name="Supporting documents").click()
    see(officer)
    officer.get_by_role("button", name="Save and continue").click()

    # The declaration is the contact's, read to them on the telephone.
    officer.get_by_role("link", name="Check your answers and submit").click()
    see(officer)
    assert "Read the declaration to the group's contact" in officer.locator("main").inner_text()
    name = officer.get_by_label("Full name of the group's contact making the declaration")
    assert name.input_value() == "Mary Treasurer"
    officer.get_by_label(re.compile("The group's contact has confirmed that the information")).check()
    officer.get_by_role("button", name="Submit application").click()
    see(officer)
    reference = officer.locator(".govuk-panel__body strong").inner_text()
    application = Application.objects.get(reference=reference)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.entry_channel == EntryChannel.TELEPHONE
    assert application.declaration_name == "Mary Treasurer"

    # The list of applications entered, and the record the assessors see.
    officer.goto("/staff/assisted/")
    see(officer)
    row = officer.locator("tbody tr", has_text="Anstey Over-60s Club").inner_text()
    assert "Thursday tea and chair exercise" in row and reference in row
    assert "By telephone, entered by an officer" in row and "Submitted" in row
    officer.get_by_role("link", name="Thursday tea and chair exercise").click()
    see(officer)
    assert "with Mary Treasurer, the group's contact" in officer.locator("main").inner_text()
