"""Clawback: asking for money back, recording what arrives, and net figures."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from grants.models import Award, AwardStatus
from payments import selectors, services
from payments.models import Repayment, RepaymentReceipt
from tests.applicants.factories import MembershipFactory


@pytest.fixture
def paid_award(make_award):
    member = MembershipFactory(user__email="treasurer@example.org")
    return make_award(
        "1000.00", paid="800.00", application__organisation=member.organisation,
        application__reference="SCG-2026-00031", application__title="Youth club",
    )


def test_asking_for_money_back_records_it_audits_it_and_emails_the_organisation(
    finance_user, paid_award, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        repayment = services.request_repayment(
            award=paid_award, actor=finance_user, amount=Decimal("250.50"),
            reason="The project ended early.",
        )

    assert (repayment.amount, repayment.reason, repayment.requested_by) == (
        Decimal("250.50"), "The project ended early.", finance_user
    )
    event = AuditEvent.objects.get(verb="repayment_requested")
    assert event.object_id == str(paid_award.pk)
    assert event.data["amount"] == "250.50"
    [email] = [m for m in mail.outbox if m.to == ["treasurer@example.org"]]
    assert email.subject.endswith("Repayment requested for grant SCG-2026-00031")
    assert "£250.50" in email.body
    assert "The project ended early." in email.body
    assert repayment.reference in email.body


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (["800.01"], "You can ask for at most £800.00: £800.00 has been paid."),
        (["500.00", "300.01"],
         "You can ask for at most £300.00: £800.00 has been paid and £500.00 has already"),
    ],
)
def test_no_more_can_be_asked_back_than_was_paid(finance_user, paid_award, amounts, message):
    *allowed, refused = amounts
    for amount in allowed:
        services.request_repayment(award=paid_award, actor=finance_user,
                                   amount=Decimal(amount), reason="Misuse")
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.request_repayment(award=paid_award, actor=finance_user,
                                   amount=Decimal(refused), reason="Misuse")
    assert Repayment.objects.count() == len(allowed)


def test_nothing_can_be_asked_back_from_an_unpaid_award(finance_user, make_award):
    award = make_award("100.00", paid="0")
    with pytest.raises(ValidationError, match="Nothing has been paid"):
        services.request_repayment(award=award, actor=finance_user, amount=Decimal("1.00"),
                                   reason="x")


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (Decimal("0"), "x", "more than £0"),
        (Decimal("-5"), "x", "more than £0"),
        (Decimal("1.005"), "x", "nearest penny"),
        (Decimal("NaN"), "x", "pounds and pence"),
        (10.5, "x", "pounds and pence"),
        (Decimal("10"), "  ", "Enter why"),
    ],
)
def test_bad_repayment_requests_are_refused(finance_user, paid_award, amount, reason, message):
    with pytest.raises(ValidationError, match=message):
        services.request_repayment(award=paid_award, actor=finance_user, amount=amount,
                                   reason=reason)


def test_only_finance_can_ask_for_money_back(make_user, paid_award):
    for role in (Role.ADMINISTRATOR, Role.GRANT_OFFICER, Role.APPROVER):
        with pytest.raises(PermissionDenied):
            services.request_repayment(award=paid_award, actor=make_user(role),
                                       amount=Decimal("1.00"), reason="x")


def test_money_received_is_recorded_up_to_what_is_still_due(finance_user, paid_award):
    repayment = services.request_repayment(award=paid_award, actor=finance_user,
                                           amount=Decimal("300.00"), reason="Underspend")
    today = timezone.localdate()

    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("100.00"), received_on=today,
                                       reference="REC-1")
    with pytest.raises(ValidationError, match="Only £200.00 of REP-"):
        services.record_repayment_received(repayment=repayment, actor=finance_user,
                                           amount=Decimal("200.01"), received_on=today,
                                           reference="REC-2")
    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("200.00"), received_on=today,
                                       reference="REC-2")
    with pytest.raises(ValidationError, match="repaid in full already"):
        services.record_repayment_received(repayment=repayment, actor=finance_user,
                                           amount=Decimal("0.01"), received_on=today,
                                           reference="REC-3")

    assert RepaymentReceipt.objects.count() == 2
    assert AuditEvent.objects.filter(verb="repayment_received").count() == 2
    award = selectors.finance_award(pk=paid_award.pk)
    assert (award.paid, award.repaid, award.net_awarded, award.outstanding) == (
        Decimal("800.00"), Decimal("300.00"), Decimal("700.00"), Decimal("200.00")
    )


@pytest.mark.parametrize(
    ("days", "reference", "message"),
    [(1, "REC", "today or in the past"), (-30, "REC", "on or after"),
     (0, " ", "Enter the receipt reference"), (0, "X" * 51, "50 characters")],
)
def test_bad_receipts_are_refused(finance_user, paid_award, days, reference, message):
    repayment = services.request_repayment(award=paid_award, actor=finance_user,
                                           amount=Decimal("10.00"), reason="x")
    with pytest.raises(ValidationError, match=message):
        services.record_repayment_received(
            repayment=repayment, actor=finance_user, amount=Decimal("1.00"),
            received_on=timezone.localdate() + timedelta(days=days), reference=reference,
        )


def test_repaid_money_shows_net_in_the_ledger_and_the_totals(
    client_as, finance_user, paid_award
):
    repayment = services.request_repayment(award=paid_award, actor=finance_user,
                                           amount=Decimal("150.25"), reason="x")
    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("150.25"),
                                       received_on=timezone.localdate(), reference="R1")
    client = client_as(finance_user)

    response = client.get(reverse("payments:ledger"))
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[
        "Award ledger"].iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert Decimal(str(row["Repaid"])) == Decimal("150.25")
    assert Decimal(str(row["Net awarded"])) == Decimal("849.75")
    assert Decimal(str(row["Outstanding"])) == Decimal("200.00")
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert Decimal(str(total["Repaid"])) == Decimal("150.25")

    html = " ".join(client.get(reverse("payments:summary")).content.decode().split())
    assert "Net awarded</dt><dd class=\"govuk-summary-list__value\">£849.75" in html
    assert "Repaid</dt><dd class=\"govuk-summary-list__value\">£150.25" in html


# --- Pages -------------------------------------------------------------------------


def test_finance_asks_for_money_back_and_records_it_through_the_pages(
    client_as, finance_user, paid_award
):
    client = client_as(finance_user)
    award_url = reverse("payments:award_detail", args=[paid_award.pk])
    html = client.get(award_url).content.decode()
    assert "Ask for money back" in html
    assert "No money has been asked back from this grant." in html

    url = reverse("payments:repayment_request", args=[paid_award.pk])
    response = client.post(url, {"amount": "12,5o0", "reason": ""})
    html = response.content.decode()
    assert "<title>Error: Ask for money back" in html
    assert 'href="#id_amount"' in html and 'href="#id_reason"' in html
    assert "12,5o0" in html  # what was typed is kept

    response = client.post(url, {"amount": "£900", "reason": "Misuse"})
    assert "You can ask for at most £800.00" in response.content.decode()

    response = client.post(url, {"amount": "£250.00", "reason": "Misuse"}, follow=True)
    assert response.redirect_chain[-1][0] == award_url
    repayment = Repayment.objects.get()
    html = " ".join(response.content.decode().split())
    assert f"{repayment.reference}: £250.00 has been asked back" in html
    assert 'id="asked-back">£250.00' in html

    url = reverse("payments:repayment_received", args=[repayment.pk])
    today = timezone.localdate()
    response = client.post(url, {"amount": "300", "received_on_0": today.day,
                                 "received_on_1": today.month, "received_on_2": today.year,
                                 "reference": "BANK-9"})
    assert "Only £250.00 of" in response.content.decode()
    response = client.post(url, {"amount": "250", "received_on_0": "31",
                                 "received_on_1": "2", "received_on_2": "2026",
                                 "reference": "BANK-9"})
    assert "The date received must be a real date" in response.content.decode()
    response = client.post(url, {"amount": "250", "received_on_0": today.day,
                                 "received_on_1": today.month, "received_on_2": today.year,
                                 "reference": "BANK-9"}, follow=True)
    html = " ".join(response.content.decode().split())
    assert "£250.00 received for" in html
    assert 'id="repaid">£250.00' in html
    assert "<strong>£750.00</strong>" in html  # net awarded
    assert "BANK-9" in html


def test_award_pages_query_counts_do_not_grow(
    client_as, finance_user, make_award, django_assert_max_num_queries
):
    client = client_as(finance_user)
    award = make_award("1000.00")
    repayment = services.request_repayment(award=award, actor=finance_user,
                                           amount=Decimal("10.00"), reason="x")
    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("1.00"), received_on=timezone.localdate(),
                                       reference="R")
    client.get(reverse("payments:award_detail", args=[award.pk]))
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("payments:award_detail", args=[award.pk]))
    with django_assert_max_num_queries(25) as small_list:
        client.get(reverse("payments:award_list"))
    for _ in range(6):
        repayment = services.request_repayment(award=award, actor=finance_user,
                                               amount=Decimal("10.00"), reason="x")
        for _ in range(3):
            services.record_repayment_received(
                repayment=repayment, actor=finance_user, amount=Decimal("1.00"),
                received_on=timezone.localdate(), reference="R",
            )
    for _ in range(10):
        make_award("5.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("payments:award_detail", args=[award.pk]))
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        response = client.get(reverse("payments:award_list"))
    assert response.content.decode().count('href="/finance/awards/') == 11


def test_award_search_finds_by_reference_or_name(client_as, finance_user, paid_award,
                                                 make_award):
    make_award("5.00", application__reference="CF-2020-00001")
    client = client_as(finance_user)

    html = client.get(reverse("payments:award_list"), {"q": "scg-2026-00031"}).content.decode()
    assert "SCG-2026-00031" in html and "CF-2020-00001" not in html
    html = client.get(reverse("payments:award_list"),
                      {"q": paid_award.application.organisation.name}).content.decode()
    assert "SCG-2026-00031" in html
    html = client.get(reverse("payments:award_list"), {"q": "<script>"}).content.decode()
    assert "No award matches “&lt;script&gt;”." in html


def test_every_page_of_the_award_list_shows_each_awards_own_money(client_as, finance_user,
                                                                   make_award):
    first_day = timezone.localdate() - timedelta(days=100)
    expected = {}
    for index in range(53):
        # Two awards a day, so the order also depends on the tie-break by pk.
        award = make_award("1000.00", paid=f"{index + 1}.00",
                           award_date=first_day + timedelta(days=index // 2))
        expected[award.pk] = (award.application.reference, Decimal(f"{index + 1}.00"))
    declined = make_award("50.00", status=AwardStatus.DECLINED)
    client = client_as(finance_user)

    shown = []
    for page in (1, 2):
        response = client.get(reverse("payments:award_list"), {"page": page})
        shown += [(row["pk"], (row["reference"], row["paid"])) for row in response.context["awards"]]

    assert [pk for pk, _ in shown] == sorted(
        expected, key=lambda pk: (Award.objects.get(pk=pk).award_date, pk), reverse=True
    )
    assert dict(shown) == expected
    assert declined.pk not in dict(shown)
    assert response.context["awards"][-1]["status_label"] == "Active"
