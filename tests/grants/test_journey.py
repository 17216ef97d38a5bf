"""
The whole thin journey through Django's test client, as each person would
do it: a group signs up and applies, an officer screens and assigns, an
assessor scores, the officer recommends, an approver approves, the group
accepts, and finance pays through a run built and approved by two people.
"""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from grants.models import Application, ApplicationStatus, Assignment, AwardStatus
from notifications.models import Notification, NotificationStatus
from payments.models import Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from rounds.models import Outcome
from tests.grants.factories import PDF_BYTES
from tests.rounds.factories import CriterionFactory, ProgrammeFactory, RoundFactory

PASSWORD = "a-long-enough-password-42"


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Run one request and then what it queued on commit (the emails), as a server would."""

    def run(method, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return method(*args, **kwargs)

    return run


@pytest.fixture
def shire_round(db):
    programme = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    round = RoundFactory(
        programme=programme,
        name="2026/27 Round 1",
        budget=Decimal("20000.00"),
        required_documents=["governing_document", "accounts", "safeguarding_policy"],
    )
    CriterionFactory(round=round, title="Need", weight=40, max_score=5, order=1)
    CriterionFactory(round=round, title="Deliverability", weight=60, max_score=5, order=2)
    return round


def sign_up_and_verify(step, email: str) -> Client:
    client = Client()
    response = step(
        client.post,
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    confirmation = mail.outbox[-1]
    assert confirmation.to == [email]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", confirmation.body).group(1)
    assert step(client.post, link).status_code == 302
    response = step(client.post, reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_the_whole_journey_from_sign_up_to_a_paid_grant(shire_round, make_user, client_as, step):
    officer = make_user(Role.GRANT_OFFICER, email="officer@example.org")
    assessor = make_user(Role.ASSESSOR, email="assessor@example.org")
    approver = make_user(Role.APPROVER, email="approver@example.org")
    builder = make_user(Role.FINANCE, email="finance1@example.org")
    checker = make_user(Role.FINANCE, email="finance2@example.org")

    # An applicant signs up, verifies their email and sets up their group.
    applicant = sign_up_and_verify(step, "volunteer@example.org")
    response = applicant.post(
        reverse("applicants:create"),
        {
            "name": "Glenfield Lunch Club",
            "legal_structure": "unincorporated",
            "address_line_1": "1 Station Road",
            "town": "Glenfield",
            "postcode": "le3 8ra",
            "district": "E07000129",
            "annual_income": "£12,500",
            "volunteers_count": "8",
        },
    )
    assert response.status_code == 302
    organisation = applicant.get(reverse("grants:dashboard")).context["organisation"]
    assert organisation.postcode == "LE3 8RA"
    assert organisation.annual_income == Decimal("12500")

    # Checks it can apply, starts an application, saves half of it and
    # comes back later.
    start = timezone.localdate().replace(year=timezone.localdate().year + 1)
    response = applicant.post(
        reverse("grants:eligibility", args=[shire_round.pk]),
        {
            "organisation": organisation.pk,
            "amount": "£4,000",
            "project_start_0": "1",
            "project_start_1": "4",
            "project_start_2": str(start.year),
            "project_end_0": "31",
            "project_end_1": "3",
            "project_end_2": str(start.year + 1),
            "based_in": "leicestershire",
            "serves_leicestershire": "yes",
        },
    )
    assert "You can apply" in response.content.decode()
    response = applicant.post(
        reverse("grants:start"), {"round": shire_round.pk, **response.context["start_data"]}
    )
    application = Application.objects.get(organisation=organisation)
    assert response.url == reverse("grants:task_list", args=[application.pk])
    assert application.amount_requested == Decimal("4000")
    response = applicant.post(
        reverse("grants:section_project", args=[application.pk]),
        {"title": "Friday lunches", "save_and_return": ""},
    )
    assert response.url == reverse("grants:dashboard")
    page = applicant.get(reverse("grants:section_project", args=[application.pk]))
    assert 'value="Friday lunches"' in page.content.decode()

    # Finishes each section of the task list, then submits before the deadline.
    def save_section(name, data):
        response = applicant.post(
            reverse(f"grants:section_{name}", args=[application.pk]), {**data, "continue": ""}
        )
        assert response.status_code == 302, response.content.decode()
        assert response.url == reverse("grants:task_list", args=[application.pk])

    save_section(
        "project",
        {
            "title": "Friday lunches",
            "summary": "A hot lunch and company every Friday.",
            "project_start_0": "1",
            "project_start_1": "4",
            "project_start_2": str(start.year),
            "project_end_0": "31",
            "project_end_1": "3",
            "project_end_2": str(start.year + 1),
        },
    )
    save_section(
        "beneficiaries",
        {
            "beneficiaries": "Older people living alone",
            "beneficiaries_count": "30",
            "districts_served": ["E07000129"],
        },
    )
    outcome = Outcome.objects.get(code="5.5")
    save_section("outcomes", {"theme_5": [outcome.pk]})
    save_section(
        "budget",
        {
            "amount_requested": "4000",
            "item_0": "Food",
            "cost_0": "3000",
            "item_1": "Transport",
            "cost_1": "£1,000",
        },
    )
    for kind in ("governing_document", "accounts", "safeguarding_policy"):
        response = applicant.post(
            reverse("grants:section_documents", args=[application.pk]),
            {"kind": kind, "upload": "", "file": SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES)},
        )
        assert response.status_code == 302
    save_section("documents", {})
    tasks = applicant.get(reverse("grants:task_list", args=[application.pk])).content.decode()
    assert tasks.count("Completed") == 5
    assert reverse("grants:submit", args=[application.pk]) in tasks
    response = step(
        applicant.post,
        reverse("grants:submit", args=[application.pk]),
        {"declaration_name": "Sam Volunteer", "confirm": "on"},
    )
    assert response.url == reverse("grants:submitted", args=[application.pk])
    application.refresh_from_db()
    year = timezone.localdate().year
    assert application.reference == f"SCG-{year}-00001"
    assert application.status == ApplicationStatus.SUBMITTED
    receipt = applicant.get(response.url).content.decode()
    assert application.reference in receipt
    [received] = emails_to("volunteer@example.org")[-1:]
    assert application.reference in received.subject
    assert "Glenfield Lunch Club" in received.body

    # The officer sees it, screens it and assigns the assessor.
    staff = client_as(officer)
    assert (
        application.reference
        in staff.get(reverse("grants:round_applications", args=[shire_round.pk])).content.decode()
    )
    step(staff.post, reverse("grants:screen", args=[application.pk]))
    step(staff.post, reverse("grants:assign", args=[application.pk]), {"assessor": assessor.pk})
    assignment = Assignment.objects.get(application=application, assessor=assessor)
    assert emails_to("assessor@example.org")[-1].subject == (
        f"Please score application {application.reference}"
    )

    # The assessor declares no conflict, then scores against the weighted criteria.
    scorer = client_as(assessor)
    assert scorer.get(reverse("grants:score", args=[assignment.pk])).status_code == 404
    scorer.post(reverse("grants:declare", args=[assignment.pk]), {"has_conflict": "no"})
    need, deliverability = shire_round.criteria.order_by("order")
    step(
        scorer.post,
        reverse("grants:score", args=[assignment.pk]),
        {
            f"score_{need.pk}": "4",
            f"justification_{need.pk}": "Clear local need.",
            f"score_{deliverability.pk}": "3",
            f"justification_{deliverability.pk}": "Sound plan.",
            "submit_scores": "",
        },
    )
    assignment.refresh_from_db()
    # 4/5 x 40 + 3/5 x 60 = 32 + 36 = 68 of 100.
    assert assignment.weighted_score == Decimal("68.0")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCORED

    # The officer recommends funding in full; the approver approves.
    step(
        staff.post,
        reverse("grants:recommend", args=[application.pk]),
        {"recommendation": "fund_in_full"},
    )
    decider = client_as(approver)
    assert application.reference in decider.get(reverse("grants:approver_queue")).content.decode()
    response = step(
        decider.post,
        reverse("grants:decide", args=[application.pk]),
        {"decision": "approve", "amount": "4000.00"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    award = application.award
    assert application.status == ApplicationStatus.APPROVED
    assert award.amount == Decimal("4000.00") and award.status == AwardStatus.OFFERED
    assert award.instalments.count() == 1
    assert any("grant offer" in m.subject for m in emails_to("volunteer@example.org"))

    # The group accepts the offer.
    step(
        applicant.post,
        reverse("grants:offer", args=[application.pk]),
        {"signatory_name": "Sam Volunteer", "confirm": "on"},
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.ACCEPTED and award.signatory_name == "Sam Volunteer"

    # The group gives its bank details; finance checks them before paying.
    bank_details = reverse("applicants:bank_details", args=[organisation.pk])
    response = applicant.post(
        bank_details,
        {"account_name": "Sam Volunteer", "sort_code": "30-94-30", "account_number": "00733445"},
    )
    # Bank details are sensitive: the volunteer confirms their password and
    # the details they typed are then saved.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    step(applicant.post, response["Location"], {"password": PASSWORD})
    first = client_as(builder)
    organisation.refresh_from_db()
    step(
        first.post,
        reverse("payments:bank_check", args=[organisation.pk]),
        {"changed_at": organisation.bank_details_changed_at.isoformat(), "confirm": "on"},
    )
    organisation.refresh_from_db()
    assert not organisation.bank_details_awaiting_check

    # Finance builds a run; the builder cannot approve it, a colleague can.
    step(first.post, reverse("payments:run_create"))
    run = PaymentRun.objects.get()
    assert run.payments.get().amount == Decimal("4000.00")
    response = first.post(reverse("payments:run_approve", args=[run.pk]), follow=True)
    assert "another member of finance must approve it" in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT
    step(client_as(checker).post, reverse("payments:run_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED and run.approved_by == checker
    assert Payment.objects.get().status == PaymentStatus.APPROVED

    # The ledger shows the award.
    response = first.get(reverse("payments:ledger"))
    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )["Award ledger"]
    rows = list(sheet.iter_rows(values_only=True))
    row = next(r for r in rows if r[0] == application.reference)
    assert "Glenfield Lunch Club" in row
    assert Decimal(str(row[9])) == Decimal("4000.00")

    # Every transition left an audit row and every message was sent once.
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "application_submitted",
        "screening_passed",
        "assessor_assigned",
        "interest_declared",
        "scores_submitted",
        "scoring_completed",
        "recommended",
        "application_started",
        "attachment_added",
        "approved",
        "award_offered",
        "offer_accepted",
        "payment_run_created",
        "payment_run_approved",
    } <= verbs
    assert not Notification.objects.exclude(status=NotificationStatus.SENT).exists()
    keys = list(Notification.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
