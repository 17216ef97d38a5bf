"""
From offer to payment in Chromium: the group reads its offer letter and
accepts it; finance checks the group's new bank details, builds a run, a
colleague approves it, exports it and records the payment. Every page is
checked with axe.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from applicants.models import Organisation
from applicants.services import update_bank_details
from grants.models import ApplicationStatus, AwardStatus
from payments import services
from payments.demo import APPLICANT_ORGANISATION
from payments.models import PaymentRun, PaymentRunStatus, PaymentStatus
from tests.e2e.test_grant_journey_in_browser import confirm_it_is_you, fill_date, sign_in
from tests.grants.factories import AwardFactory, MonitoringReturnFactory

pytestmark = pytest.mark.django_db(transaction=True)


def pounds(value) -> str:
    """A ledger cell as the finance pages show money: £1,234.50."""
    return f"£{Decimal(str(value)):,.2f}"


@pytest.fixture
def offer(transactional_db):
    """The demo group's offer of £2,400, made after it gave new bank details."""
    call_command("load_demo_data", verbosity=0)
    organisation = Organisation.objects.get(name=APPLICANT_ORGANISATION)
    applicant = User.objects.get(email="applicant@example.org")
    update_bank_details(organisation=organisation, actor=applicant,
                        account_name=APPLICANT_ORGANISATION, sort_code="309430",
                        account_number="00733445")
    award = AwardFactory(
        amount=Decimal("2400.00"),
        application__organisation=organisation,
        application__status=ApplicationStatus.APPROVED,
        application__amount_requested=Decimal("2400.00"),
        application__title="Lunch club minibus hire",
        conditions="Spend the grant on minibus hire for the lunch club.",
    )
    MonitoringReturnFactory(award=award, period="End of grant",
                            due=timezone.localdate() + timedelta(days=300))
    services.create_instalment_schedule(
        award=award, actor=User.objects.get(email="approver@example.org")
    )
    return award


def test_an_offer_is_accepted_checked_paid_and_recorded_in_the_browser(
    offer, new_page, accessibility, screenshot
):
    see = accessibility.check
    award = offer
    application = award.application

    # The group reads its offer letter and accepts it by a named signatory.
    applicant = new_page()
    sign_in(applicant, "applicant@example.org", see)
    applicant.goto(f"/applications/{application.pk}/offer/")
    see(applicant)
    letter = applicant.locator("main").inner_text()
    assert "£2,400.00" in letter
    assert "Spend the grant on minibus hire for the lunch club." in letter
    assert "When you accept this offer" in letter
    assert "End of grant" in letter
    screenshot(applicant, "applicant-offer")
    applicant.get_by_role("link", name="Printable offer letter").click()
    see(applicant)
    assert applicant.locator("h1").inner_text() == f"Grant offer {application.reference}"
    applicant.go_back()
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name="Download the offer letter (PDF)").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    applicant.get_by_label(re.compile("Full name of the person accepting")).fill("Pat Organiser")
    applicant.get_by_label(re.compile("I accept the grant")).check()
    applicant.get_by_role("button", name="Accept the grant").click()
    see(applicant)
    award.refresh_from_db()
    assert award.status == AwardStatus.ACCEPTED and award.signatory_name == "Pat Organiser"

    # Finance sees why the payment waits, and checks the new bank details.
    finance = new_page()
    sign_in(finance, "finance@example.org", see)
    finance.goto("/finance/runs/build/")
    see(finance)
    blocked = finance.locator("#blocked").inner_text()
    assert application.reference in blocked and "bank details have not been checked" in blocked
    finance.get_by_role("link", name=f"check them for {APPLICANT_ORGANISATION}").click()
    see(finance)
    assert "00733445" in finance.locator("#bank-details").inner_text()
    finance.get_by_role("button", name="Mark bank details as checked").click()
    see(finance)
    assert "Confirm that you have checked" in finance.locator(".govuk-error-summary").inner_text()
    finance.get_by_label(re.compile("I have checked these bank details")).check()
    finance.get_by_role("button", name="Mark bank details as checked").click()
    see(finance)
    assert "bank details are checked" in finance.locator(".govuk-notification-banner").inner_text()

    # Finance builds the run; a colleague approves it, exports it and records the payment.
    finance.goto("/finance/runs/build/")
    assert application.reference in finance.locator("#payable").inner_text()
    screenshot(finance, "finance-build-run")
    finance.get_by_role("button", name="Build a payment run").click()
    see(finance)
    run = PaymentRun.objects.order_by("-pk").first()
    payment = run.payments.get(instalment__award=award)
    checker = new_page()
    sign_in(checker, "finance2@example.org", see)
    checker.goto(f"/finance/runs/{run.pk}/")
    see(checker)
    checker.get_by_role("button", name="Approve payment run").click()
    confirm_it_is_you(checker, see)
    see(checker)
    with checker.expect_download() as download:
        checker.get_by_role("button", name="Download payment file (CSV)").click()
    payment_file = download.value.path().read_text(encoding="utf-8-sig")
    assert application.reference in payment_file and "2400.00" in payment_file
    checker.goto(f"/finance/runs/{run.pk}/")
    see(checker)
    screenshot(checker, "finance-payment-run")
    today = timezone.localdate()
    fill_date(checker, "paid_on", str(today.day), str(today.month), str(today.year))
    checker.get_by_label("Payment reference").fill("BACS-2026-0042")
    checker.get_by_role("button", name=re.compile("paid", re.IGNORECASE)).click()
    see(checker)
    run.refresh_from_db()
    payment.refresh_from_db()
    award.refresh_from_db()
    assert run.status == PaymentRunStatus.PAID
    assert payment.status == PaymentStatus.PAID and payment.reference == "BACS-2026-0042"
    assert award.status == AwardStatus.ACTIVE

    # The award ledger and the 360Giving file, downloaded from the finance
    # page, say what the finance pages show.
    checker.goto(f"/finance/awards/{award.pk}/")
    see(checker)
    shown_for_award = {
        "Amount awarded": checker.locator("#awarded").inner_text(),
        "Paid to date": checker.locator("#paid").inner_text(),
    }
    assert shown_for_award == {"Amount awarded": "£2,400.00", "Paid to date": "£2,400.00"}
    checker.goto("/finance/")
    see(checker)
    screenshot(checker, "finance-summary")
    grand_totals = checker.locator("#grand-totals")
    shown = dict(zip(grand_totals.locator("dt").all_inner_texts(),
                     grand_totals.locator("dd").all_inner_texts()))
    with checker.expect_download() as download:
        checker.get_by_role("link", name="Download award ledger (.xlsx)").click()
    ledger = load_workbook(BytesIO(download.value.path().read_bytes()))["Award ledger"]
    rows = list(ledger.iter_rows(values_only=True))
    headings = rows[0]
    ours = dict(zip(headings, next(row for row in rows if row[0] == application.reference)))
    total = dict(zip(headings, next(row for row in rows if str(row[0]).startswith("Total ("))))
    for heading, text in shown_for_award.items():
        assert pounds(ours[heading]) == text
    assert pounds(total["Amount awarded"]) == shown["Offered"]
    assert pounds(total["Paid to date"]) == shown["Paid"]
    assert pounds(total["Outstanding"]) == shown["Outstanding"]

    with checker.expect_download() as download:
        checker.get_by_role("link", name="Download 360Giving data (JSON)").click()
    grants = json.loads(download.value.path().read_text(encoding="utf-8"))["grants"]
    grant = next(g for g in grants if g["id"].endswith(f"-{application.reference}"))
    assert grant["amountAwarded"] == 2400
    assert grant["recipientOrganization"][0]["name"] == APPLICANT_ORGANISATION
    assert len(grants) == int(shown["Awards"])


def test_the_other_offer_and_finance_pages_pass_axe(offer, new_page, accessibility):
    see = accessibility.check
    award = offer
    application = award.application
    applicant = new_page()
    sign_in(applicant, "applicant@example.org", see)
    applicant.goto(f"/applications/{application.pk}/offer/decline/")
    see(applicant)
    applicant.get_by_role("button", name="Decline the grant").click()
    see(applicant)
    assert "Enter why your organisation is declining" in applicant.locator(
        ".govuk-error-summary").inner_text()

    officer = new_page()
    sign_in(officer, "officer@example.org", see)
    for path in ("/finance/offers/", f"/finance/awards/{award.pk}/offer-letter/",
                 "/finance/payment-rules/", "/finance/variations/",
                 f"/finance/awards/{award.pk}/close/"):
        officer.goto(path)
        see(officer)
    officer.goto(f"/finance/awards/{award.pk}/variations/new/")
    see(officer)
    officer.get_by_label("New amount (optional)").fill("£2,000")
    officer.get_by_label("Why does the award need to change?").fill("Cheaper minibus found")
    officer.get_by_role("button", name="Ask for approval").click()
    see(officer)

    approver = new_page()
    sign_in(approver, "approver@example.org", see)
    approver.goto(officer.url)
    see(approver)
    approver.get_by_label("Approve the variation").check()
    approver.get_by_role("button", name="Confirm decision").click()
    see(approver)
    award.refresh_from_db()
    assert award.amount == Decimal("2000.00")

    finance = new_page()
    sign_in(finance, "finance@example.org", see)
    for path in ("/finance/bank-checks/", f"/finance/awards/{award.pk}/", "/finance/"):
        finance.goto(path)
        see(finance)
