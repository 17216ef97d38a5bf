"""
Every page is reachable from the navigation: for each role, a person signs
in with the demo data and follows links (same-site, GET) from the header's
menu, as someone clicking around would. Each kind of page reached (one
Django URL pattern) is checked once with axe, every link must lead to a page
that opens, and the main pages of the role must be among those reached.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from applicants.models import Organisation
from payments.demo import APPLICANT_ORGANISATION, DEMO_PASSWORD
from tests.grants.monitoring_helpers import funded_return

pytestmark = pytest.mark.django_db(transaction=True)

# A role's crawl stops after this many pages, and opens at most this many
# pages of one kind (the fifth application looks like the first).
PAGE_LIMIT = 60
PER_PATTERN = 2

# Files and downloads are not pages; signing out would end the crawl.
NOT_PAGES = {
    "account_logout",
    "mfa_download_recovery_codes",
    "applicants:download_document",
    "grants:attachment",
    "grants:offer_pdf",
    "grants:report_download",
    "grants:return_file",
    "payments:ledger",
    "payments:offer_letter_pdf",
    "payments:run_ledger",
    "payments:run_payment_file",
    "payments:threesixtygiving_json",
    "payments:threesixtygiving_xlsx",
}
NOT_CRAWLED = re.compile(r"^/(django-admin|healthz)/")

# The pages each role must be able to reach from the menu, by URL name:
# everyone's account and messages, then each role's own.
EVERYONE = {"account_email", "account_change_password", "mfa_index", "notifications:list"}
MAIN_PAGES = {
    "applicant@example.org": {
        "grants:dashboard", "rounds:list", "rounds:detail", "grants:eligibility",
        "grants:task_list", "grants:section_project", "grants:detail", "grants:offer",
        "grants:return_tasks", "grants:return_section", "applicants:detail",
        "applicants:bank_details", "applicants:documents", "applicants:members",
        "notifications:preferences",
    },
    "assessor@example.org": {
        "grants:assessor_queue", "grants:declare",
    },
    "officer@example.org": {
        "grants:officer_home", "grants:round_applications", "grants:officer_application",
        "grants:round_moderation", "grants:round_declarations", "grants:ranking",
        "grants:application_history", "grants:monitoring_returns", "grants:monitoring_review",
        "grants:monitoring_summary", "grants:report", "grants:search", "grants:assisted",
        "grants:assisted_start", "rounds:programmes", "rounds:programme", "rounds:setup",
        "payments:offer_list", "payments:variation_list", "notifications:failed",
    },
    "approver@example.org": {
        "grants:approver_queue", "grants:decide", "payments:variation_list", "grants:report",
        "grants:search",
    },
    "finance@example.org": {
        "payments:summary", "payments:run_list", "payments:run_detail", "payments:run_build",
        "payments:award_list", "payments:award_detail", "payments:bank_check_list",
        "payments:award_import", "payments:payment_rules", "applicants:bank_details_full",
        "grants:report", "grants:search",
    },
    "admin@example.org": {
        "grants:officer_home", "grants:monitoring_returns", "payments:summary",
        "payments:run_list", "grants:report", "grants:search", "accounts:audit_log",
        "accounts:subject_access", "notifications:failed",
    },
}


@pytest.fixture
def demo(transactional_db):
    """The demo data, and a monitoring return due from the demo group (the demo has none)."""
    call_command("load_demo_data", verbosity=0)
    funded_return(Organisation.objects.get(name=APPLICANT_ORGANISATION))


def url_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def links_on(page, origin: str) -> list[str]:
    """The page's same-site links, as path and query, without fragments."""
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(link => link.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


# At the tests' 1280 pixel wide window nothing in the main content may reach
# past the edge of the content column, and the regions that scroll sideways
# on narrow screens must not need to.
TOO_WIDE = """() => {
    const edge = document.querySelector('main').getBoundingClientRect().right + 1;
    const name = el => el.id || (el.querySelector('caption') || {}).innerText || el.tagName;
    const past = [...document.querySelectorAll('main table, main form, main img, main pre')]
        .filter(el => el.getBoundingClientRect().right > edge && !el.closest('.app-table-scroll'));
    const scrolled = [...document.querySelectorAll('main .app-table-scroll')]
        .filter(el => el.scrollWidth > el.clientWidth + 1);
    return [...past, ...scrolled].map(name);
}"""


def crawl(page, origin: str, see) -> tuple[dict[str, list[str]], list[str]]:
    """
    Follows links from the header's menu, kinds of page not seen yet first.
    Returns the pages opened by URL name, and the problems: links that led
    nowhere, and pages too wide for the window.
    """
    menu = page.locator(".govuk-service-navigation__list a[href]")
    queue = [urlsplit(href).path for href in menu.evaluate_all("ls => ls.map(l => l.href)")]
    seen = set(queue)
    opened: dict[str, list[str]] = {}
    broken = []
    while queue and sum(len(paths) for paths in opened.values()) < PAGE_LIMIT:
        # The next link to a kind of page opened the fewest times so far.
        queue.sort(key=lambda url: len(opened.get(url_name(urlsplit(url).path), [])))
        url = queue.pop(0)
        name = url_name(urlsplit(url).path)
        if name is None:
            broken.append(f"{url}: no such page")
            continue
        if len(opened.get(name, [])) >= PER_PATTERN:
            continue
        response = page.goto(url)
        if response.status != 200 or "/accounts/login/" in page.url:
            broken.append(f"{url}: {response.status} {page.title()}")
            continue
        if name not in opened:
            see(page)
            broken += [f"{url}: wider than the page: {what}" for what in page.evaluate(TOO_WIDE)]
        opened.setdefault(name, []).append(url)
        for link in links_on(page, origin):
            path = urlsplit(link).path
            if link in seen or NOT_CRAWLED.match(path) or url_name(path) in NOT_PAGES:
                continue
            seen.add(link)
            queue.append(link)
    return opened, broken


@pytest.mark.parametrize("email", list(MAIN_PAGES))
def test_every_main_page_is_reachable_from_the_menu(email, demo, live_server, new_page, accessibility):
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    opened, broken = crawl(page, live_server.url, accessibility.check)

    print(f"\n{email}: {sum(map(len, opened.values()))} pages, {len(opened)} kinds")
    for name, urls in sorted(opened.items()):
        print(f"  {name}: {urls[0]}")
    assert not broken, "Links that lead nowhere, or pages that do not fit:\n" + "\n".join(broken)
    missing = (MAIN_PAGES[email] | EVERYONE) - set(opened)
    assert not missing, f"Not reachable from the menu for {email}: {sorted(missing)}"
