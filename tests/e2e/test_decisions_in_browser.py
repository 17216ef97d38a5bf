"""
An officer ranks a round and recommends; an approver approves in bulk up to
the budget, and the application that does not fit is refused, plainly.
"""

import re
from decimal import Decimal

import pytest

from accounts.roles import Role
from grants.models import ApplicationStatus, Award
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.grants.decision_helpers import scored
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, user, see):
    page.goto("/accounts/login/")
    see(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def banner(page) -> str:
    return " ".join(page.locator(".govuk-notification-banner").all_inner_texts())


def test_an_officer_ranks_and_an_approver_approves_up_to_the_budget(
    new_page, accessibility, screenshot
):
    see = accessibility.check
    # Named, not numbered by the factories, so that the screenshots are the same each run.
    round = RoundFactory(budget=Decimal("10000.00"), name="Spring 2027",
                         programme__name="SHIRE Community Grants", programme__code="SCG")
    best = scored(round, 90, 80, amount="5000.00", organisation__name="Syston Men's Shed")
    second = scored(round, 70, 80, amount="6000.00", organisation__name="Shepshed Larder")
    third = scored(round, 60, amount="3000.00", organisation__name="Enderby Youth Club")
    officer = UserFactory(roles=[Role.GRANT_OFFICER], full_name="Olive Officer",
                          email="officer@example.org")
    approver = UserFactory(roles=[Role.APPROVER], full_name="Abe Approver",
                           email="approver@example.org")

    # The officer opens the ranking, best first.
    page = new_page()
    sign_in(page, officer, see)
    page.goto(f"/staff/rounds/{round.pk}/ranking/")
    see(page)
    references = page.locator("table tbody tr td:nth-child(2) a").all_inner_texts()
    assert references == [best.reference, second.reference, third.reference]

    # Recommends the first in full.
    page.get_by_role("link", name=f"Recommend {best.reference}").click()
    see(page)
    page.get_by_label("Fund in full").check()
    page.get_by_role("button", name="Make recommendation").click()
    see(page)
    assert f"Your recommendation on {best.reference} has been saved." in banner(page)

    # A part award with no reason is refused, and what was typed is kept.
    page.get_by_role("link", name=f"Recommend {second.reference}").click()
    page.get_by_label("Fund in part").check()
    page.get_by_label("Amount to fund, if funding in part").fill("£4,500")
    page.get_by_role("button", name="Make recommendation").click()
    see(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Give the reason for funding in part; the applicant is told it." in summary
    assert page.get_by_label("Amount to fund, if funding in part").input_value() == "£4,500"
    page.get_by_label("Reason").fill("The staffing line is already funded.")
    page.get_by_role("button", name="Make recommendation").click()
    assert f"Your recommendation on {second.reference} has been saved." in banner(page)

    page.get_by_role("link", name=f"Recommend {third.reference}").click()
    page.get_by_label("Fund in full").check()
    page.get_by_role("button", name="Make recommendation").click()
    see(page)
    # £5,000 + £4,500 fit the £10,000; the third (£3,000) does not.
    rows = page.locator("table tbody tr")
    assert "Budget line" in rows.nth(2).inner_text()
    assert "Over budget" in rows.nth(3).inner_text()
    assert "£12,500.00" in rows.nth(3).inner_text()
    screenshot(page, "officer-ranking")

    # The approver ticks all three and sees the total before approving.
    desk = new_page()
    sign_in(desk, approver, see)
    desk.goto("/decisions/")
    see(desk)
    for application in (third, best, second):
        desk.get_by_label(f"Approve {application.reference}").check()
    assert desk.locator("[data-selected-total] output").inner_text() == (
        "3 selected, totalling £12,500.00 (more than the remaining budget)"
    )
    screenshot(desk, "approver-decisions")
    desk.get_by_role("button", name="Approve selected").click()
    see(desk)
    assert "£12,500.00" in desk.locator("#selected-total").inner_text()
    assert "more than the remaining budget" in desk.locator(".govuk-warning-text").inner_text()
    desk.get_by_role("button", name="Approve and send the offers").click()
    see(desk)
    text = banner(desk)
    assert "2 applications approved, totalling £9,500.00." in text
    assert re.search(
        rf"{third.reference} \(£3,000\.00\) was not approved: Awarding £3,000\.00 would exceed "
        r"the round's budget: only £500\.00 of £10,000\.00 remains\.",
        text,
    )
    assert Award.objects.filter(application__round=round).count() == 2
    third.refresh_from_db()
    assert third.status == ApplicationStatus.RECOMMENDED

    # The officer reads the history of the part award.
    page.goto(f"/staff/applications/{second.pk}/history/")
    see(page)
    history = page.locator("table").inner_text()
    assert "Recommendation made" in history and "Approved" in history
    assert "The staffing line is already funded." in history
