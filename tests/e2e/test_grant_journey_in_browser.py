"""The thin journey, end to end in Chromium, one person (browser tab) per role."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from grants.models import Application, ApplicationStatus, AwardStatus
from payments.models import PaymentRun, PaymentRunStatus
from tests.grants.factories import PDF_BYTES

PASSWORD = "demo-password-2026"


# Each test loads the demo into a real transaction the live server can see;
# the flush afterwards puts back the reference data (roles, outcomes) through
# post_migrate, for whichever test this worker runs next.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo_data", verbosity=0)


def sign_in(page, email, see):
    page.goto("/accounts/login/")
    see(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(applications|staff|assess|decisions|finance)/.*"))
    see(page)


def confirm_it_is_you(page, see):
    """Approving a payment run asks for the password again; the approval then goes ahead."""
    assert page.locator("h1").inner_text() == "Confirm it is you"
    see(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def fill_date(page, name, day, month, year):
    page.locator(f"#id_{name}_0").fill(day)
    page.locator(f"#id_{name}_1").fill(month)
    page.locator(f"#id_{name}_2").fill(year)


def test_a_group_applies_and_is_paid_with_each_role_in_the_browser(
    demo, new_page, accessibility, screenshot
):
    see = accessibility.check
    # The applicant checks the group can apply, starts an application,
    # saves half of it and comes back.
    applicant = new_page()
    applicant.goto("/accounts/login/")
    screenshot(applicant, "sign-in")
    sign_in(applicant, "applicant@example.org", see)
    screenshot(applicant, "applicant-dashboard")
    applicant.get_by_role("link", name="Funding rounds").click()
    see(applicant)
    applicant.get_by_role("link", name=re.compile("SHIRE Environment Grant")).click()
    see(applicant)
    applicant.get_by_role("button", name="Check if you can apply").click()
    see(applicant)
    applicant.get_by_label("How much will you ask for?").fill("£1,250.00")
    fill_date(applicant, "project_start", "1", "2", "2027")
    fill_date(applicant, "project_end", "31", "1", "2028")
    applicant.get_by_label("In Leicestershire (one of its seven districts)").check()
    applicant.get_by_label("Yes", exact=True).check()
    applicant.get_by_role("button", name="Check eligibility").click()
    see(applicant)
    assert applicant.locator("h1").inner_text() == "You can apply"
    applicant.get_by_role("button", name="Start your application").click()
    see(applicant)
    applicant.get_by_role("link", name="About your project").click()
    see(applicant)
    applicant.get_by_label("Project title").fill("Village litter pick kit")
    applicant.get_by_role("button", name="Save and come back later").click()
    see(applicant)
    assert "has been saved" in applicant.locator(".govuk-notification-banner").inner_text()
    applicant.get_by_role("link", name="Village litter pick kit").click()
    see(applicant)
    applicant.get_by_role("link", name="About your project").click()
    assert applicant.get_by_label("Project title").input_value() == "Village litter pick kit"

    # Finishes each section, then checks the answers and submits.
    applicant.get_by_label("Describe your project").fill("Litter pickers and bags for monthly picks.")
    applicant.get_by_role("button", name="Save and continue").click()
    see(applicant)
    applicant.get_by_role("link", name="Who will benefit and where").click()
    see(applicant)
    applicant.get_by_label("Who will benefit?").fill("Residents of Braunstone Town")
    applicant.get_by_label("Blaby").check()
    applicant.get_by_role("button", name="Save and continue").click()
    applicant.get_by_role("link", name="Outcomes").click()
    see(applicant)
    applicant.get_by_label("4.3 Resources used sustainably").check()
    applicant.get_by_role("button", name="Save and continue").click()
    applicant.get_by_role("link", name="Budget").click()
    see(applicant)
    applicant.get_by_label("Item 1", exact=True).fill("Litter pickers")
    applicant.get_by_label("Cost of item 1").fill("£1,000")
    applicant.get_by_label("Item 2", exact=True).fill("Rubbish bags")
    applicant.get_by_label("Cost of item 2").fill("250")
    applicant.get_by_role("button", name="Save and continue").click()
    applicant.get_by_role("link", name="Supporting documents").click()
    see(applicant)
    applicant.get_by_label("Quote or estimate").check()
    applicant.get_by_label("Upload a file").set_input_files(
        files=[{"name": "quote.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    applicant.get_by_role("button", name="Upload document").click()
    see(applicant)
    applicant.get_by_role("button", name="Save and continue").click()
    see(applicant)
    screenshot(applicant, "applicant-task-list")
    applicant.get_by_role("link", name="Check your answers and submit").click()
    see(applicant)
    screenshot(applicant, "applicant-check-answers")
    applicant.get_by_label("Your full name").fill("Pat Organiser")
    applicant.get_by_label(re.compile("I confirm that the information")).check()
    applicant.get_by_role("button", name="Submit application").click()
    see(applicant)
    reference = applicant.locator(".govuk-panel__body strong").inner_text()
    screenshot(applicant, "applicant-submitted")
    assert re.fullmatch(r"SEG-\d{4}-\d{5}", reference)
    application = Application.objects.get(reference=reference)

    # The officer screens the application and assigns the assessor.
    officer = new_page()
    sign_in(officer, "officer@example.org", see)
    officer.goto(f"/staff/applications/{application.pk}/")
    see(officer)
    screenshot(officer, "officer-screening")
    officer.get_by_role("button", name="Mark as eligible").click()
    see(officer)
    assessor_option = officer.locator("#id_assessor option", has_text="assessor@example.org")
    officer.get_by_label("Assessor").select_option(label=assessor_option.inner_text().strip())
    officer.get_by_role("button", name="Assign assessor").click()
    see(officer)
    assert "has been asked to score" in officer.locator(".govuk-notification-banner").inner_text()

    # The assessor declares no conflict and scores every criterion.
    assessor = new_page()
    sign_in(assessor, "assessor@example.org", see)
    screenshot(assessor, "assessor-queue")
    assessor.get_by_role("link", name=reference).click()
    see(assessor)
    assessor.get_by_label("No, I have no conflict of interest").check()
    assessor.get_by_role("button", name="Confirm declaration").click()
    see(assessor)
    assessor.wait_for_url("**/score/")
    for radio in assessor.locator("input[type=radio][value='4']").all():
        radio.check()
    for box in assessor.locator("form textarea").all():
        box.fill("Well evidenced.")
    screenshot(assessor, "assessor-scoring")
    assessor.get_by_role("button", name="Submit scores").click()
    see(assessor)
    assert "submitted" in assessor.locator(".govuk-notification-banner").inner_text()

    # The officer recommends; the approver approves within the budget.
    officer.goto(f"/staff/applications/{application.pk}/")
    see(officer)
    officer.get_by_label("Fund in full").check()
    officer.get_by_role("button", name="Make recommendation").click()
    see(officer)
    approver = new_page()
    sign_in(approver, "approver@example.org", see)
    approver.get_by_role("link", name=reference).click()
    see(approver)
    approver.get_by_label("Approve").check()
    approver.get_by_role("button", name="Confirm decision").click()
    see(approver)
    assert "approved" in approver.locator(".govuk-notification-banner").inner_text()

    # The group accepts the offer.
    applicant.goto(f"/applications/{application.pk}/offer/")
    see(applicant)
    applicant.get_by_label(re.compile("Full name of the person accepting")).fill("Pat Organiser")
    applicant.get_by_label(re.compile("I accept the grant")).check()
    applicant.get_by_role("button", name="Accept the grant").click()
    see(applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.award.status == AwardStatus.ACCEPTED

    # Finance builds a run; a colleague approves it; the ledger downloads.
    finance = new_page()
    sign_in(finance, "finance@example.org", see)
    finance.get_by_role("button", name="Build a payment run").click()
    see(finance)
    run = PaymentRun.objects.order_by("-pk").first()
    assert run.payments.filter(instalment__award=application.award).exists()
    finance.get_by_role("button", name="Approve payment run").click()
    confirm_it_is_you(finance, see)
    see(finance)
    assert "another member of finance" in finance.locator("main").inner_text()
    checker = new_page()
    sign_in(checker, "finance2@example.org", see)
    checker.goto(f"/finance/runs/{run.pk}/")
    see(checker)
    checker.get_by_role("button", name="Approve payment run").click()
    confirm_it_is_you(checker, see)
    see(checker)
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED

    checker.goto("/finance/")
    see(checker)
    with checker.expect_download() as download:
        checker.get_by_role("link", name="Download award ledger (.xlsx)").click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes()))["Award ledger"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == reference)
    assert Decimal(str(row[9])) == Decimal("1250.00")
