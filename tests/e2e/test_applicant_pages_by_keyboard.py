"""
The applicant's pages without a mouse, and every organisation page checked
with axe: the pages the journeys do not pass through are visited here.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse

from applicants.models import Organisation
from grants.models import Application, ApplicationStatus

PASSWORD = "demo-password-2026"


# Each test loads the demo into a real transaction the live server can see;
# the flush afterwards puts back the reference data (roles, outcomes) through
# post_migrate, for whichever test this worker runs next.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo_data", verbosity=0)


def focused(page) -> dict:
    """What has the keyboard focus, and whether it is visibly marked."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, id: el.id, name: el.getAttribute('name'),
                text: (el.innerText || el.value || '').trim().slice(0, 60),
                outlined: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
                highlighted: style.backgroundColor === 'rgb(255, 221, 0)'
                    || style.boxShadow !== 'none',
            };
        }"""
    )


def tab_to(page, predicate, limit=40) -> dict:
    """Press Tab until the focused element matches; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        assert element["outlined"] or element["highlighted"], f"focus not visible on {element}"
        if predicate(element):
            return element
    raise AssertionError("Tab never reached the element: a keyboard trap or a missing control")


def test_an_applicant_signs_in_and_reaches_their_applications_by_keyboard(demo, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    # The first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content" and (skip["outlined"] or skip["highlighted"])
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    tab_to(page, lambda e: e["name"] == "login")
    page.keyboard.type("applicant@example.org")
    tab_to(page, lambda e: e["name"] == "password")
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Sign in")
    with page.expect_navigation(url="**/applications/"):
        page.keyboard.press("Enter")

    # From the dashboard, the draft opens and its first section saves by keyboard.
    draft = Application.objects.get(
        organisation__name="Braunstone Town Lunch Club", status=ApplicationStatus.DRAFT
    )
    tab_to(page, lambda e: e["tag"] == "A" and draft.title[:30] in e["text"])
    with page.expect_navigation(url=f"**{reverse('grants:task_list', args=[draft.pk])}"):
        page.keyboard.press("Enter")
    tab_to(page, lambda e: e["tag"] == "A" and e["text"] == "About your project")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    field = tab_to(page, lambda e: e["name"] == "title")
    assert field["tag"] == "INPUT"
    page.keyboard.press("End")
    page.keyboard.type(" on Tuesdays")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Save and come back later")
    with page.expect_navigation(url="**/applications/"):
        page.keyboard.press("Enter")
    draft.refresh_from_db()
    assert draft.title.endswith(" on Tuesdays")


def test_every_organisation_and_application_page_passes_axe(demo, new_page, accessibility):
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("applicant@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/applications/")
    organisation = Organisation.objects.get(name="Braunstone Town Lunch Club")
    draft = Application.objects.get(organisation=organisation, status=ApplicationStatus.DRAFT)
    submitted = Application.objects.filter(organisation=organisation).exclude(
        status=ApplicationStatus.DRAFT
    ).first()
    pages = [
        reverse("applicants:list"),
        reverse("applicants:detail", args=[organisation.pk]),
        reverse("applicants:edit", args=[organisation.pk]),
        reverse("applicants:access_needs", args=[organisation.pk]),
        reverse("applicants:bank_details", args=[organisation.pk]),
        reverse("applicants:documents", args=[organisation.pk]),
        reverse("applicants:members", args=[organisation.pk]),
        reverse("applicants:invite", args=[organisation.pk]),
        reverse("applicants:create"),
        reverse("grants:task_list", args=[draft.pk]),
        reverse("grants:withdraw", args=[draft.pk]),
        reverse("grants:detail", args=[submitted.pk]),
        reverse("grants:print", args=[submitted.pk]),
        reverse("notifications:list"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        accessibility.check(page)
        # The same pages with their forms sent empty show errors accessibly too.
        if page.locator("main form button[type=submit]").count() == 1 and "withdraw" not in path:
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            accessibility.check(page)
    assert len(accessibility.checked) >= len(pages)
