"""
Assessment in Chromium, one tab per person: the officer screens an
application and assigns two assessors; one declares a conflict and the
place is filled again automatically; both assessors score (one entirely by
keyboard, watching the running total); the officer moderates the
disagreement. Every page is checked with axe.
"""

from decimal import Decimal

import pytest

from accounts.roles import Role
from grants.models import Application, ApplicationStatus, Assignment, AssignmentStatus
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import CriterionFactory, RoundFactory

# The live server must see the rows, so the data is committed; the flush
# afterwards puts back the reference data through post_migrate.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(transactional_db):
    def person(email, name, role):
        return UserFactory(email=email, full_name=name, roles=[role])

    return {
        "officer": person("officer@example.org", "Olive Officer", Role.GRANT_OFFICER),
        "conflicted": person("ash@example.org", "Ash Assessor", Role.ASSESSOR),
        "first": person("bea@example.org", "Bea Assessor", Role.ASSESSOR),
        "reserve": person("cal@example.org", "Cal Assessor", Role.ASSESSOR),
    }


@pytest.fixture
def application(people):
    round = RoundFactory(
        closed=True, assessors_per_application=2, scoring_scale_min=0, scoring_scale_max=5,
        moderation_threshold=20,
    )
    CriterionFactory(round=round, title="Local need", weight=40, max_score=5, order=1,
                     guidance="Is the need shown with local evidence?")
    CriterionFactory(round=round, title="Deliverability", weight=60, max_score=5, order=2,
                     guidance="Can the group deliver the project on time?")
    return ApplicationFactory(
        round=round, status=ApplicationStatus.SUBMITTED, title="Wigston repair café",
        organisation__name="Wigston Repair Café",
    )


def sign_in(page, email, see):
    page.goto("/accounts/login/")
    see(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def banner(page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


FOCUS = """() => {
    const el = document.activeElement;
    const label = el.type === 'radio' ? document.querySelector(`label[for="${el.id}"]`) : null;
    const shown = label ? getComputedStyle(label, '::before') : getComputedStyle(el);
    return {
        tag: el.tagName, name: el.getAttribute('name'), value: el.value,
        text: (el.innerText || '').trim().slice(0, 60),
        visible: (shown.outlineStyle !== 'none' && shown.outlineWidth !== '0px')
            || shown.boxShadow !== 'none'
            || getComputedStyle(el).backgroundColor === 'rgb(255, 221, 0)',
    };
}"""


def tab_to(page, predicate, limit=80) -> dict:
    """Press Tab until the focused element matches; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = page.evaluate(FOCUS)
        assert element["visible"], f"focus not visible on {element}"
        if predicate(element):
            return element
    raise AssertionError("Tab never reached the element: a keyboard trap or a missing control")


def score_by_keyboard(page, criterion_pk: int, score: int, reason: str) -> None:
    name = f"score_{criterion_pk}"
    tab_to(page, lambda e: e["name"] == name)
    page.keyboard.press("Space")  # the first choice, 0
    for _ in range(score):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == str(score)
    tab_to(page, lambda e: e["name"] == f"justification_{criterion_pk}")
    page.keyboard.type(reason)


def test_screen_assign_declare_reassign_score_and_moderate(
    people, application, new_page, accessibility, screenshot
):
    see = accessibility.check
    need, deliverability = application.round.criteria.order_by("order")

    # The officer screens the application as eligible.
    officer = new_page()
    sign_in(officer, "officer@example.org", see)
    officer.goto(f"/staff/rounds/{application.round_id}/")
    see(officer)
    officer.get_by_role("link", name=application.reference).click()
    see(officer)
    officer.get_by_role("button", name="Mark as eligible").click()
    see(officer)
    assert "passed screening" in banner(officer)

    # And assigns two assessors by hand.
    for name, email in (("Ash Assessor", "ash"), ("Bea Assessor", "bea")):
        officer.get_by_label("Assessor").select_option(label=f"{name} ({email}@example.org)")
        officer.get_by_role("button", name="Assign assessor").click()
        see(officer)
        assert "has been asked to score" in banner(officer)
    assert officer.locator("#id_assessor").count() == 0  # both places filled

    # Ash declares a conflict: the application is closed to them at once.
    ash = new_page()
    sign_in(ash, "ash@example.org", see)
    ash.goto("/assess/")
    see(ash)
    ash.get_by_role("link", name=application.reference).click()
    see(ash)
    ash.get_by_label("Yes, I have a conflict of interest").check()
    ash.get_by_label("If yes, describe the conflict").fill("I volunteer at the café.")
    screenshot(ash, "assessor-conflict")
    ash.get_by_role("button", name="Confirm declaration").click()
    see(ash)
    assert "returned to the grants team" in banner(ash)
    conflicted = Assignment.objects.get(assessor=people["conflicted"])
    response = ash.goto(f"/assess/{conflicted.pk}/score/")
    assert response.status == 404

    # The officer sees it needs an assessor and allocates automatically.
    officer.goto(f"/staff/rounds/{application.round_id}/")
    see(officer)
    assert "1 application needs assessors" in officer.locator("main").inner_text()
    officer.get_by_role("button", name="Allocate assessors automatically").click()
    see(officer)
    assert "1 assignment made." in banner(officer)
    reserve = Assignment.objects.get(application=application, assessor=people["reserve"])
    officer.get_by_role("link", name="Declarations of interest").click()
    see(officer)
    minutes = officer.locator("table").inner_text()
    assert "Ash Assessor" in minutes and "I volunteer at the café." in minutes

    # Bea declares no conflict and scores entirely by keyboard, with the
    # running total following each choice.
    bea = new_page()
    sign_in(bea, "bea@example.org", see)
    bea.goto("/assess/")
    bea.get_by_role("link", name=application.reference).click()
    bea.get_by_label("No, I have no conflict of interest").check()
    bea.get_by_role("button", name="Confirm declaration").click()
    bea.wait_for_url("**/score/")
    see(bea)
    total = bea.locator("[data-weighted-total]")
    assert "0.0%" in total.inner_text()
    score_by_keyboard(bea, need.pk, 5, "Strong evidence from the parish survey.")
    assert "Weighted total of the scores chosen: 40.0%" in total.inner_text()
    score_by_keyboard(bea, deliverability.pk, 4, "Volunteers and venue already in place.")
    # 5/5 x 40 + 4/5 x 60 = 40 + 48 = 88.
    assert "Weighted total of the scores chosen: 88.0%" in total.inner_text()
    tab_to(bea, lambda e: e["name"] == "submit_scores")
    with bea.expect_navigation():
        bea.keyboard.press("Enter")
    see(bea)
    assert "Your weighted score: 88.0%" in bea.locator("main").inner_text()

    # Cal scores low; once submitted, Cal sees Bea's scores beside theirs.
    cal = new_page()
    sign_in(cal, "cal@example.org", see)
    cal.goto(f"/assess/{reserve.pk}/declare/")
    see(cal)
    cal.get_by_label("No, I have no conflict of interest").check()
    cal.get_by_role("button", name="Confirm declaration").click()
    cal.wait_for_url("**/score/")
    assert "Bea Assessor" not in cal.locator("main").inner_text()
    cal.locator(f"#id_score_{need.pk}_3").check()  # a score of 2
    cal.get_by_label("Why did you give this score for Local need?").fill("Little evidence.")
    cal.locator(f"#id_score_{deliverability.pk}_2").check()  # 1
    cal.get_by_role("button", name="Save as draft").click()
    see(cal)
    assert "saved as a draft" in banner(cal)
    cal.get_by_role("button", name="Submit scores").click()
    see(cal)
    assert "Explain your score for Deliverability" in cal.locator(".govuk-error-summary").inner_text()
    cal.get_by_label("Why did you give this score for Deliverability?").fill("No venue yet.")
    cal.get_by_role("button", name="Submit scores").click()
    see(cal)
    # 2/5 x 40 + 1/5 x 60 = 16 + 12 = 28.
    main = cal.locator("main").inner_text()
    assert "Your weighted score: 28.0%" in main
    assert "Bea Assessor" in main and "Volunteers and venue already in place." in main
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCORED

    # The officer sees the disagreement flagged and moderates it.
    officer.goto(f"/staff/rounds/{application.round_id}/moderation/")
    see(officer)
    row = officer.locator("tbody tr", has_text=application.reference)
    assert "Assessors disagree" in row.inner_text()
    screenshot(officer, "officer-moderation")
    row.get_by_role("link", name=application.reference).click()
    see(officer)
    officer.get_by_label("Moderated score (%)").fill("101")
    officer.get_by_label("Why you are moderating the score").fill("Panel discussed the venue.")
    officer.get_by_role("button", name="Save moderated score").click()
    see(officer)
    assert "100 or less" in officer.locator(".govuk-error-summary").inner_text()
    officer.get_by_label("Moderated score (%)").fill("65")
    officer.get_by_role("button", name="Save moderated score").click()
    see(officer)
    assert "moderated score" in banner(officer)
    application = Application.objects.get(pk=application.pk)
    assert application.moderated_score == Decimal("65.0")
    assert sorted(
        application.assignments.filter(status=AssignmentStatus.SUBMITTED).values_list(
            "weighted_score", flat=True
        )
    ) == [Decimal("28.0"), Decimal("88.0")]
