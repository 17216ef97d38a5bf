"""
A funded group completes its monitoring return in Chromium, an officer asks
for a change, the group changes it and sends it again, the officer accepts
it. Every page is checked with axe.
"""

import re

import pytest

from accounts.roles import Role
from grants.models import MonitoringStatus
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.applicants.factories import MembershipFactory
from tests.grants.monitoring_helpers import funded_return

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, email, see):
    page.goto("/accounts/login/")
    see(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(applications|staff)/.*"))


def test_a_group_sends_a_return_that_an_officer_sends_back_then_accepts(
    new_page, accessibility, screenshot
):
    see = accessibility.check
    # Named, not numbered by the factories, so that the screenshots are the same each run.
    member = MembershipFactory(user__email="secretary@glenfield-lunch.example.org",
                               organisation__name="Glenfield Lunch Club")
    officer = UserFactory(roles=[Role.GRANT_OFFICER], email="officer@example.org")
    monitoring_return = funded_return(member.organisation)
    application = monitoring_return.award.application
    lines = list(application.budget_lines.order_by("order"))

    group = new_page()
    sign_in(group, member.user.email, see)
    group.goto(f"/applications/{application.pk}/")
    see(group)
    group.get_by_role("link", name="End of grant monitoring return").click()
    see(group)

    group.get_by_role("link", name="What you did").click()
    see(group)
    group.get_by_label("What activities did you deliver?").fill("Forty Friday lunches.")
    group.get_by_role("button", name="Save and continue").click()
    see(group)

    group.get_by_role("link", name="People reached and volunteers").click()
    see(group)
    group.get_by_label("Children and young people").fill("3")
    group.get_by_label("Older people").fill("120")
    group.get_by_label("Disabled people").fill("7")
    group.get_by_label("Other people").fill("0")
    group.get_by_label("How many volunteers helped?").fill("six")
    group.get_by_label("How many hours did volunteers give in total?").fill("360")
    group.get_by_role("button", name="Save and continue").click()
    see(group)
    errors = group.locator(".govuk-error-summary")
    assert "Enter the number of volunteers as a whole number" in errors.inner_text()
    assert group.get_by_label("Older people").input_value() == "120"
    group.get_by_label("How many volunteers helped?").fill("6")
    group.get_by_role("button", name="Save and continue").click()

    group.get_by_role("link", name="How you spent the grant").click()
    group.locator(f"#id_spent_{lines[0].pk}").fill("1,300")
    group.locator(f"#id_spent_{lines[1].pk}").fill("500")
    group.get_by_role("button", name="Save and continue").click()
    see(group)
    assert "Explain why you spent £1,300.00 on Hall hire" in errors.inner_text()
    group.locator(f"#id_explanation_{lines[0].pk}").fill("The hall put its prices up.")
    group.get_by_role("button", name="Save and continue").click()

    group.get_by_role("link", name="Outcomes achieved").click()
    see(group)
    group.locator("textarea").first.fill("Eight new volunteers joined.")
    group.get_by_role("button", name="Save and continue").click()

    group.get_by_role("link", name="Case study, challenges and the future").click()
    see(group)
    group.get_by_label("Case study").fill("A widower now helps wash up every week.")
    group.get_by_label("What challenges does your organisation face, now and in the next year?").fill(
        "Energy bills for the hall have doubled."
    )
    group.get_by_label("Yes").check()
    group.get_by_role("button", name="Save and continue").click()
    see(group)

    group.get_by_role("link", name="Supporting files").click()
    see(group)
    group.get_by_role("link", name="Continue").click()
    screenshot(group, "applicant-monitoring-return")

    group.get_by_role("link", name="Check your answers and send").click()
    see(group)
    group.get_by_role("button", name="Send return").click()
    see(group)
    assert "Sent, waiting for review" in group.locator("main").inner_text()

    desk = new_page()
    sign_in(desk, officer.email, see)
    desk.goto("/staff/monitoring/?view=submitted")
    see(desk)
    desk.get_by_role("link", name=application.reference).click()
    see(desk)
    screenshot(desk, "monitoring-review")
    desk.get_by_label("Ask the group to change it").check()
    desk.get_by_role("button", name="Confirm review").click()
    see(desk)
    assert "Say what the group needs to change" in desk.locator(".govuk-error-summary").inner_text()
    desk.get_by_label("Ask the group to change it").check()
    desk.get_by_label("Comments for the group").fill("Please say how many lunches were served.")
    desk.get_by_role("button", name="Confirm review").click()
    see(desk)

    group.reload()
    see(group)
    assert "Please say how many lunches were served." in group.locator("main").inner_text()
    group.get_by_role("link", name="What you did").click()
    group.get_by_label("What activities did you deliver?").fill("Forty Friday lunches: 1,600 meals.")
    group.get_by_role("button", name="Save and continue").click()
    group.get_by_role("link", name="Check your answers and send").click()
    group.get_by_role("button", name="Send return").click()
    see(group)

    desk.reload()
    desk.get_by_label("Accept the return").check()
    desk.get_by_role("button", name="Confirm review").click()
    see(desk)
    assert "Accepted" in desk.locator("main").inner_text()
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == MonitoringStatus.ACCEPTED
    assert monitoring_return.answers["activities"] == "Forty Friday lunches: 1,600 meals."

    desk.goto("/staff/monitoring/summary/")
    see(desk)
    assert "Energy bills for the hall have doubled." in desk.locator("main").inner_text()
