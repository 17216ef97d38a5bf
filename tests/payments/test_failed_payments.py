"""Payments that fail after export are marked failed with a reason and paid again."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from payments import selectors, services
from payments.models import Payment, PaymentStatus


@pytest.fixture
def exported(finance_user, second_finance_user, make_award):
    """Two awards whose payments are in one exported run."""
    first = make_award("700.00", paid="0")
    second = make_award("300.25", paid="0")
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)
    services.export_payment_run(run=run, actor=second_finance_user)
    payment = Payment.objects.get(instalment__award=first)
    return {"run": run, "payment": payment, "award": first, "other": second}


def test_an_exported_payment_can_be_marked_failed_with_a_reason(finance_user, exported):
    payment = services.mark_payment_failed(
        payment=exported["payment"], actor=finance_user, reason="  Account closed  "
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert (payment.failure_reason, payment.failed_by) == ("Account closed", finance_user)
    event = AuditEvent.objects.get(verb="payment_failed")
    assert (event.actor, event.from_state, event.to_state) == (finance_user, "exported", "failed")
    assert event.data["reason"] == "Account closed"


def test_a_paid_payment_can_fail_and_stops_counting_as_paid(
    finance_user, exported, client_as
):
    run = exported["run"]
    services.mark_payment_run_paid(run=run, actor=finance_user, paid_on=timezone.localdate(),
                                   reference="BACS-1")
    assert selectors.award_grand_totals()["paid"] == Decimal("1000.25")

    services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                 reason="Returned by the bank")

    totals = selectors.award_grand_totals()
    assert (totals["paid"], totals["outstanding"]) == (Decimal("300.25"), Decimal("700.00"))
    # The run's total is still the sum of all its payments, failed or not.
    run = selectors.payment_run_with_totals(pk=run.pk)
    assert run.total == sum(p.amount for p in run.payments.all()) == Decimal("1000.25")
    assert (run.failed_count, run.failed_total) == (1, Decimal("700.00"))


@pytest.mark.parametrize(
    ("reason", "message"), [("", "Enter why the payment failed."), ("   ", "Enter why")]
)
def test_a_reason_is_required(finance_user, exported, reason, message):
    with pytest.raises(ValidationError, match=message):
        services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                     reason=reason)


def test_only_a_payment_sent_to_the_finance_system_can_fail(finance_user, make_award):
    award = make_award("10.00", paid="0")
    payment = Payment.objects.get(instalment__award=award)
    with pytest.raises(ValidationError, match="sent to the finance system"):
        services.mark_payment_failed(payment=payment, actor=finance_user, reason="x")


def test_people_outside_finance_cannot_fail_or_requeue(make_user, exported):
    officer = make_user(Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        services.mark_payment_failed(payment=exported["payment"], actor=officer, reason="x")
    with pytest.raises(PermissionDenied):
        services.requeue_failed_payment(payment=exported["payment"], actor=officer)


def test_a_failed_payment_is_requeued_once_as_a_new_scheduled_payment(
    finance_user, second_finance_user, exported
):
    failed = services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                          reason="Account closed")

    again = services.requeue_failed_payment(payment=failed, actor=finance_user)

    assert again.pk != failed.pk
    assert (again.instalment, again.amount, again.status, again.run) == (
        failed.instalment, failed.amount, PaymentStatus.SCHEDULED, None
    )
    assert again.replaces == failed
    assert AuditEvent.objects.filter(verb="payment_requeued").count() == 1
    with pytest.raises(ValidationError, match="already been queued"):
        services.requeue_failed_payment(payment=failed, actor=finance_user)
    # The next run takes it, and it is paid once.
    run = services.create_payment_run(actor=finance_user)
    assert list(run.payments.all()) == [again]
    assert failed.instalment.payments.exclude(status=PaymentStatus.FAILED).count() == 1


def test_only_a_failed_payment_can_be_requeued(finance_user, exported):
    with pytest.raises(ValidationError, match="Only a failed payment"):
        services.requeue_failed_payment(payment=exported["payment"], actor=finance_user)


def test_the_database_keeps_one_live_payment_per_instalment(finance_user, exported):
    failed = services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                          reason="Account closed")
    services.requeue_failed_payment(payment=failed, actor=finance_user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(instalment=failed.instalment, amount=failed.amount)


def test_a_payment_cannot_fail_below_what_has_been_asked_back(finance_user, exported):
    services.mark_payment_run_paid(run=exported["run"], actor=finance_user,
                                   paid_on=timezone.localdate(), reference="BACS-1")
    services.request_repayment(award=exported["award"], actor=finance_user,
                               amount=Decimal("100.00"), reason="Underspend")

    with pytest.raises(ValidationError, match="more than the £0.00 that would remain paid"):
        services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                     reason="Returned")


# --- Pages -------------------------------------------------------------------------


def test_mark_failed_and_pay_again_through_the_pages(client_as, finance_user, exported):
    client = client_as(finance_user)
    payment = exported["payment"]
    award_url = reverse("payments:award_detail", args=[exported["award"].pk])
    assert reverse("payments:payment_fail", args=[payment.pk]) in client.get(award_url).content.decode()

    response = client.post(reverse("payments:payment_fail", args=[payment.pk]), {"reason": ""})
    html = response.content.decode()
    assert "<title>Error: Mark a payment as failed" in html
    assert 'href="#id_reason"' in html
    assert "Enter why the payment failed" in html

    response = client.post(reverse("payments:payment_fail", args=[payment.pk]),
                           {"reason": "Account closed"}, follow=True)
    assert response.redirect_chain[-1][0] == award_url
    html = response.content.decode()
    assert "has been marked as failed" in html
    assert "Account closed" in html
    assert "Pay again" in html

    response = client.post(reverse("payments:payment_requeue", args=[payment.pk]), follow=True)
    assert "is queued for the next payment run" in response.content.decode()
    assert Payment.objects.filter(replaces=payment, status=PaymentStatus.SCHEDULED).exists()

    response = client.post(reverse("payments:payment_requeue", args=[payment.pk]), follow=True)
    assert "already been queued to be paid again" in response.content.decode()


def test_the_run_page_shows_failed_payments_and_their_total(client_as, finance_user, exported):
    services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                 reason="Account closed")
    html = " ".join(client_as(finance_user).get(
        reverse("payments:run_detail", args=[exported["run"].pk])
    ).content.decode().split())

    assert 'id="run-total">£1,000.25' in html
    assert "1 payment, £700.00" in html
    assert "Account closed" in html


def test_the_run_page_offers_to_mark_each_sent_payment_failed(
    client_as, finance_user, exported, make_user
):
    url = reverse("payments:run_detail", args=[exported["run"].pk])
    fail_links = [
        reverse("payments:payment_fail", args=[payment.pk])
        for payment in exported["run"].payments.all()
    ]

    html = client_as(finance_user).get(url).content.decode()
    assert all(link in html for link in fail_links)
    assert reverse("payments:award_detail", args=[exported["award"].pk]) in html
    instalment = exported["payment"].instalment
    assert ('Mark as failed<span class="govuk-visually-hidden"> '
            f"({exported['award'].application.reference}, instalment {instalment.number})") in html

    services.mark_payment_failed(payment=exported["payment"], actor=finance_user,
                                 reason="Account closed")
    html = client_as(finance_user).get(url).content.decode()
    assert reverse("payments:payment_fail", args=[exported["payment"].pk]) not in html
    assert "Account closed" in html

    # An administrator may look at the run but not act on it.
    html = client_as(make_user(Role.ADMINISTRATOR)).get(url).content.decode()
    assert "Mark as failed" not in html
