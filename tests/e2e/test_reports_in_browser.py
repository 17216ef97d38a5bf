"""
The officer dashboard, a report with its charts and the search in Chromium:
axe finds nothing, nothing is blocked by the Content Security Policy, and
the pages work by keyboard.
"""

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_applicant_pages_by_keyboard import tab_to

PASSWORD = "demo-password-2026"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo_data", verbosity=0)


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(staff|decisions|finance)/.*"))


def test_officer_dashboard_report_and_search_in_the_browser(
    demo, new_page, accessibility, screenshot
):
    page = new_page()
    sign_in(page, "officer@example.org")

    page.goto("/staff/")
    accessibility.check(page)
    assert page.locator("#open-rounds tbody tr").count() >= 1
    assert page.locator("#waiting li").first.inner_text().startswith("Applications to screen")
    screenshot(page, "officer-home")

    # A round's applications, from the list of rounds.
    page.get_by_role("link", name=re.compile("^SHIRE Community Grants: ")).first.click()
    page.wait_for_url("**/staff/rounds/*/")
    accessibility.check(page)
    assert page.locator("main table tbody tr").count() >= 1
    screenshot(page, "officer-round")
    page.goto("/staff/")

    # The report, reached from the navigation, with a chart above each table.
    page.get_by_role("link", name="Reports").first.click()
    page.wait_for_url("**/staff/reports/")
    accessibility.check(page)
    chart = page.get_by_role("img", name="Amount awarded by district")
    assert chart.is_visible()
    assert page.locator("#totals-by-district tbody tr").count() == 8
    assert "(each award once)" in page.locator("#totals-by-outcome tfoot").inner_text()
    screenshot(page, "reports")

    # Quarterly periods, chosen with the form.
    page.get_by_text("Choose a programme, round, financial year or periods").click()
    page.get_by_label("Quarterly (scrutiny committees)").check()
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url("**period=quarter**")
    accessibility.check(page)
    assert " Q1 (Apr to Jun)" in page.locator("#totals-by-period").inner_text()
    assert page.get_by_role("img", name="Amount awarded by quarter").is_visible()

    # The download is a real spreadsheet.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download this report")).click()
    assert download.value.suggested_filename.startswith("grants-report-")

    # Search by postcode, by keyboard from the search box to the button.
    page.goto("/staff/search/")
    accessibility.check(page)
    page.get_by_label("Reference, name, charity or company number, or postcode").focus()
    page.keyboard.type("le67")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Search")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=le67**")
    accessibility.check(page)
    assert page.locator("#results tbody tr").count() >= 1
    assert "LE67" in page.locator("#results").inner_text()
    screenshot(page, "search")

    page.get_by_label("Awards").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**within=awards**")
    accessibility.check(page)
    page.get_by_label("Organisations").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**within=organisations**")
    accessibility.check(page)
    assert page.locator("#results tbody tr").count() >= 1


def test_a_search_with_more_results_than_are_listed_in_the_browser(
    demo, new_page, accessibility, monkeypatch
):
    # A lower limit than the real 1,000 stands in for a broad search of a
    # large service; the demo data has a few dozen applications.
    monkeypatch.setattr("grants.search.COUNT_CAP", 2)
    page = new_page()
    sign_in(page, "officer@example.org")

    page.goto("/staff/search/?q=SCG")

    accessibility.check(page)
    assert page.get_by_role("heading", name="More than 2 results").is_visible()
    assert page.get_by_text("Only the first 2 are listed.").is_visible()
    assert page.locator("#results tbody tr").count() == 2
    assert page.get_by_role("navigation", name="Pagination").count() == 0
