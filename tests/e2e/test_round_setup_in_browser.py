"""
A grant officer sets up a programme and a round with two criteria, publishes
it and copies it, in Chromium: every page checked with axe, and the main
steps done from the keyboard alone.
"""

import re

import pytest

from accounts.roles import Role
from rounds.models import Round, RoundStatus
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.e2e.test_applicant_pages_by_keyboard import focused, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


def fill_date(page, name, day, month, year):
    page.locator(f"#id_{name}_0").fill(day)
    page.locator(f"#id_{name}_1").fill(month)
    page.locator(f"#id_{name}_2").fill(year)


def fill_name_and_dates(page, name, year):
    """A round's name and its window: 9am on 1 April to noon on 30 June of `year`."""
    page.get_by_label("Round name").fill(name)
    fill_date(page, "opens_on", "1", "4", year)
    page.get_by_label("Time the round opens").fill("9am")
    fill_date(page, "closes_on", "30", "6", year)
    page.get_by_label("Time the round closes").fill("midday")


def press_button(page, name):
    """Reach a button with Tab and press it with Enter, as a keyboard user would."""
    page.locator("main").get_by_role("button", name=name).focus()
    assert focused(page)["text"] == name
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_officer_sets_up_publishes_and_copies_a_round(
    transactional_db, new_page, accessibility, screenshot
):
    see = accessibility.check
    officer = UserFactory(email="officer@example.org", roles=[Role.GRANT_OFFICER])
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto("/staff/")
    see(page)

    # From the officer home to the programmes, by keyboard.
    tab_to(page, lambda e: e["tag"] == "A" and e["text"] == "Set up programmes and rounds")
    with page.expect_navigation(url="**/rounds/setup/"):
        page.keyboard.press("Enter")
    see(page)
    tab_to(page, lambda e: e["tag"] == "A" and e["text"] == "Add a programme")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    see(page)

    page.get_by_label("Programme name").fill("SHIRE Environment Grant")
    page.get_by_label("Programme code").fill("seg")
    page.get_by_label("Description").fill("Helps communities prevent waste.")
    checkbox = page.get_by_label("Registered charity", exact=True)
    checkbox.focus()
    page.keyboard.press("Space")
    assert checkbox.is_checked()
    press_button(page, "Add programme")
    see(page)
    assert page.locator("h1").inner_text() == "SHIRE Environment Grant"

    page.get_by_role("button", name="Add a round").click()
    see(page)
    fill_name_and_dates(page, "Round 1: 2027/28", "2027")
    page.get_by_label("Budget").fill("£20,000")
    page.get_by_label("Smallest grant").fill("£250")
    page.get_by_label("Largest grant").fill("£25,000")
    press_button(page, "Add round")
    # A largest grant above the budget is explained, and nothing typed is lost.
    see(page)
    summary = page.locator(".govuk-error-summary")
    assert "The largest grant must be no more than the budget of £20,000" in summary.inner_text()
    assert page.get_by_label("Round name").input_value() == "Round 1: 2027/28"
    page.get_by_label("Largest grant").fill("£2,000")
    press_button(page, "Add round")
    see(page)
    assert "as a draft" in page.locator(".govuk-notification-banner").inner_text()

    # Two criteria: the first in the blank row, the second after "Add another".
    page.get_by_role("link", name="Add criteria").click()
    see(page)
    page.locator("#id_criteria-0-title").fill("Need for the project")
    page.locator("#id_criteria-0-guidance").fill("Evidence that people need it")
    page.locator("#id_criteria-0-weight").fill("60")
    page.locator("#id_criteria-0-max_score").fill("5")
    press_button(page, "Add another criterion")
    see(page)
    assert page.locator("#id_criteria-0-title").input_value() == "Need for the project"
    page.locator("#id_criteria-1-title").fill("Value for money")
    page.locator("#id_criteria-1-weight").fill("40")
    page.locator("#id_criteria-1-max_score").fill("9")
    press_button(page, "Save criteria")
    see(page)
    assert "Criterion 2: The maximum score must be more than 0 and no more than 5" in (
        page.locator(".govuk-error-summary").inner_text()
    )
    page.locator("#id_criteria-1-max_score").fill("5")
    press_button(page, "Save criteria")
    see(page)
    table = page.locator("table").inner_text()
    assert "60.0%" in table and "40.0%" in table
    screenshot(page, "round-setup")

    # Publish, after confirming.
    page.get_by_role("button", name="Publish the round").click()
    see(page)
    press_button(page, "Publish the round")
    see(page)
    assert "is published" in page.locator(".govuk-notification-banner").inner_text()
    round = Round.objects.get(name="Round 1: 2027/28")
    assert round.status == RoundStatus.PUBLISHED

    # Copy it into next year's round.
    page.get_by_role("button", name="Copy into a new round").click()
    see(page)
    fill_name_and_dates(page, "Round 2: 2028/29", "2028")
    press_button(page, "Copy the round")
    see(page)
    assert page.locator("h1").inner_text() == "Round 2: 2028/29"
    assert "Draft" in page.locator("main").inner_text()
    assert "Need for the project" in page.locator("table").inner_text()

    # The programme lists both rounds.
    page.get_by_role("link", name=re.compile("Back to SHIRE Environment Grant")).click()
    see(page)
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 2 and "Published" in " ".join(rows) and "Draft" in " ".join(rows)
    copy = Round.objects.get(name="Round 2: 2028/29")
    assert copy.status == RoundStatus.DRAFT and copy.criteria.count() == 2
