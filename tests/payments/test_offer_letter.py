"""The offer letter: on the page, printable, and as a PDF whose text is checked."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import Role
from applicants.choices import MembershipRole
from grants.models import AwardStatus
from payments import services
from payments.models import PaymentRule
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import AwardFactory, MonitoringReturnFactory


@pytest.fixture
def offer(db, make_user):
    """An offer of £15,000 in a round paid 40% up front above £10,000, with two returns."""
    award = AwardFactory(
        amount=Decimal("15000.00"), application__amount_requested=Decimal("15000.00"),
        application__title="Café for carers", conditions="Spend it on the café.\nReport twice.",
    )
    PaymentRule.objects.create(
        round=award.application.round, full_payment_up_to=Decimal("10000.00"),
        first_instalment_percent=40,
    )
    MonitoringReturnFactory(award=award, period="Interim", due=date(2027, 1, 15))
    MonitoringReturnFactory(award=award, period="End of grant", due=date(2027, 7, 15))
    services.create_instalment_schedule(award=award, actor=make_user(Role.APPROVER))
    member = MembershipFactory(organisation=award.application.organisation,
                               role=MembershipRole.OWNER)
    return award, member.user


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_offer_page_shows_amount_conditions_schedule_and_monitoring(offer, client_as):
    award, applicant = offer
    html = client_as(applicant).get(reverse("grants:offer", args=[award.application_id])).content.decode()

    assert "£15,000.00" in html
    assert "Spend it on the café.<br>Report twice." in html
    assert "£6,000.00" in html and "When you accept this offer" in html
    assert "£9,000.00" in html
    assert "After your interim monitoring return is accepted" in html
    assert "Interim" in html and "15 January 2027" in html
    assert "End of grant" in html and "15 July 2027" in html
    assert "Accept the grant" in html and "decline the offer" in html


def test_the_pdf_holds_the_same_terms(offer, client_as):
    award, applicant = offer
    response = client_as(applicant).get(reverse("grants:offer_pdf", args=[award.application_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"offer-letter-{award.application.reference}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert f"Grant offer {award.application.reference}" in text
    assert "£15,000.00" in text
    assert "Café for carers" in text
    assert "Spend it on the café." in text
    assert "Instalment 1: £6,000.00. When you accept this offer." in text
    assert "Instalment 2: £9,000.00. After your interim monitoring return is accepted." in text
    assert "Interim return due by 15 January 2027." in text
    assert "End of grant return due by 15 July 2027." in text


def test_the_pdf_says_who_accepted_once_accepted(offer, client_as):
    award, applicant = offer
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 5, 4, 10, 0)), tick=False):
        client_as(applicant).post(
            reverse("grants:offer", args=[award.application_id]),
            {"signatory_name": "Robin Treasurer", "confirm": "on"},
        )
    response = client_as(applicant).get(reverse("grants:offer_pdf", args=[award.application_id]))
    assert "Accepted on 4 May 2026 by Robin Treasurer" in pdf_text(response.content)


def test_a_name_outside_latin_1_does_not_break_the_pdf(offer, client_as):
    award, applicant = offer
    application = award.application
    application.title = "Łódź twinning 🎉 “party”"
    application.save()
    response = client_as(applicant).get(reverse("grants:offer_pdf", args=[application.pk]))
    assert response.status_code == 200
    assert '"party"' in pdf_text(response.content)


def test_the_printable_letter_uses_the_print_stylesheet(offer, client_as):
    award, applicant = offer
    html = client_as(applicant).get(
        reverse("grants:offer_print", args=[award.application_id])
    ).content.decode()
    assert "css/offer-letter-print.css" in html and 'media="print"' in html
    assert "£15,000.00" in html and "Payment schedule" in html
    assert "Accept the grant" not in html


def test_another_organisations_member_gets_404_for_the_letter_and_pdf(offer, client_as):
    award, _ = offer
    outsider = MembershipFactory(role=MembershipRole.OWNER).user
    for name in ("grants:offer", "grants:offer_print", "grants:offer_pdf", "grants:offer_decline"):
        response = client_as(outsider).get(reverse(name, args=[award.application_id]))
        assert response.status_code == 404, name


def test_a_viewer_reads_the_offer_but_cannot_accept_it(offer, client_as):
    award, _ = offer
    viewer = MembershipFactory(organisation=award.application.organisation,
                               role=MembershipRole.VIEWER).user
    html = client_as(viewer).get(reverse("grants:offer", args=[award.application_id])).content.decode()
    assert "£15,000.00" in html
    assert "Only the organisation's owners and editors can accept" in html
    response = client_as(viewer).post(
        reverse("grants:offer", args=[award.application_id]),
        {"signatory_name": "Viewer", "confirm": "on"},
    )
    assert response.status_code == 403
    award.refresh_from_db()
    assert award.status == AwardStatus.OFFERED


def test_accepting_records_the_signatory_and_time(offer, client_as):
    award, applicant = offer
    client = client_as(applicant)
    url = reverse("grants:offer", args=[award.application_id])
    missing = client.post(url, {"signatory_name": "Robin Treasurer"})
    assert "Confirm that you accept the terms and conditions" in missing.content.decode()
    assert 'value="Robin Treasurer"' in missing.content.decode()

    client.post(url, {"signatory_name": "Robin Treasurer", "confirm": "on"})

    award.refresh_from_db()
    assert award.status == AwardStatus.ACCEPTED
    assert award.signatory_name == "Robin Treasurer" and award.accepted_by == applicant
    assert timezone.now() - award.accepted_at < timedelta(minutes=1)


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.FINANCE, Role.ADMINISTRATOR])
def test_officers_and_finance_read_the_letter_and_pdf(offer, client_as, make_user, role):
    award, _ = offer
    client = client_as(make_user(role))
    html = client.get(reverse("payments:offer_letter", args=[award.pk])).content.decode()
    assert "£15,000.00" in html and "After your interim monitoring return is accepted" in html
    pdf = client.get(reverse("payments:offer_letter_pdf", args=[award.pk]))
    assert "£15,000.00" in pdf_text(pdf.content)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER])
def test_other_roles_cannot_use_the_staff_letter(offer, client_as, make_user, role):
    award, _ = offer
    client = client_as(make_user(role))
    assert client.get(reverse("payments:offer_letter", args=[award.pk])).status_code == 403
    assert client.get(reverse("payments:offer_letter_pdf", args=[award.pk])).status_code == 403
