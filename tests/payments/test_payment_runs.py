from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from grants.models import AwardStatus
from payments import services
from payments.models import Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from tests.applicants.factories import MembershipFactory, OrganisationFactory
from tests.payments.factories import PaymentFactory, PaymentRunFactory


def payable(amount: str, **fields) -> Payment:
    amount = Decimal(amount)
    return PaymentFactory(amount=amount, instalment__amount=amount, **fields)


def test_a_run_holds_every_payable_payment_and_its_total_is_their_sum(finance_user):
    payments = [payable("1200.00"), payable("350.25"), payable("49.99")]
    not_due = payable("999.00", instalment__due_date=timezone.localdate() + timedelta(days=3))
    offered = payable("888.00", instalment__award__status=AwardStatus.OFFERED)

    run = services.create_payment_run(actor=finance_user)

    assert set(run.payments.values_list("pk", flat=True)) == {p.pk for p in payments}
    assert set(run.payments.values_list("status", flat=True)) == {PaymentStatus.IN_RUN}
    not_due.refresh_from_db()
    offered.refresh_from_db()
    assert not_due.run is None and offered.run is None
    from payments.selectors import payment_run_with_totals

    run = payment_run_with_totals(pk=run.pk)
    assert (run.payment_count, run.total) == (3, Decimal("1600.24"))


def test_building_a_second_run_does_not_take_payments_already_in_a_run(finance_user):
    first_payment = payable("100.00")
    first = services.create_payment_run(actor=finance_user)
    second_payment = payable("200.00")

    second = services.create_payment_run(actor=finance_user)

    assert list(first.payments.all()) == [first_payment]
    assert list(second.payments.all()) == [second_payment]
    with pytest.raises(ValidationError, match="no payments due"):
        services.create_payment_run(actor=finance_user)


def test_an_instalment_cannot_have_two_live_payments(finance_user):
    payment = payable("100.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(instalment=payment.instalment, amount=payment.amount)

    # Once the first has failed, a fresh payment may be made.
    failed = PaymentFactory(status=PaymentStatus.FAILED, instalment__amount=Decimal("5.00"))
    Payment.objects.create(instalment=failed.instalment, amount=failed.amount)


def test_the_person_who_built_a_run_cannot_approve_it(finance_user):
    payable("100.00")
    run = services.create_payment_run(actor=finance_user)

    with pytest.raises(PermissionDenied, match="another member of finance must approve"):
        services.approve_payment_run(run=run, actor=finance_user)

    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT
    assert run.approved_by is None


def test_the_database_refuses_a_run_approved_by_its_creator(finance_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRunFactory(created_by=finance_user, approved_by=finance_user,
                          status=PaymentRunStatus.APPROVED)


def test_a_run_goes_from_draft_to_paid_and_activates_its_awards(
    finance_user, second_finance_user, django_capture_on_commit_callbacks
):
    member = MembershipFactory(user__email="treasurer@example.org")
    payment = payable(
        "750.00", instalment__award__application__organisation=member.organisation,
        instalment__award__application__reference="SCG-2026-00007",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.create_payment_run(actor=finance_user)
        services.approve_payment_run(run=run, actor=second_finance_user)
        services.export_payment_run(run=run, actor=second_finance_user)
        services.mark_payment_run_paid(
            run=run, actor=finance_user, paid_on=timezone.localdate(), reference="BACS-0042"
        )

    run.refresh_from_db()
    payment.refresh_from_db()
    assert (run.status, run.approved_by, run.payment_reference) == (
        PaymentRunStatus.PAID, second_finance_user, "BACS-0042"
    )
    assert (payment.status, payment.paid_on, payment.reference) == (
        PaymentStatus.PAID, timezone.localdate(), "BACS-0042"
    )
    assert payment.instalment.award.status == AwardStatus.ACTIVE
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"payment_run_created", "payment_run_approved", "payment_run_exported",
            "payment_run_paid", "award_activated"} <= verbs
    by_recipient = {(m.to[0], m.subject) for m in mail.outbox}
    assert ("finance.two@example.org",
            f"Payment run {run.reference} is waiting for your approval") in by_recipient
    assert ("finance.one@example.org",
            f"Payment run {run.reference} has been approved") in by_recipient
    assert ("treasurer@example.org", "Grant payment made for SCG-2026-00007") in by_recipient
    [paid_mail] = [m for m in mail.outbox if m.to == ["treasurer@example.org"]]
    assert "£750.00" in paid_mail.body and "BACS-0042" in paid_mail.body


# --- Pages ------------------------------------------------------------------


def test_build_run_button_creates_a_run_and_shows_it(client_as, finance_user):
    payable("125.00")

    response = client_as(finance_user).post(reverse("payments:run_create"), follow=True)

    run = PaymentRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("payments:run_detail", args=[run.pk])
    html = " ".join(response.content.decode().split())
    assert f"Payment run {run.reference} has been built" in html
    assert 'id="run-total">£125.00' in html


def test_building_a_run_with_nothing_due_says_so(client_as, finance_user):
    response = client_as(finance_user).post(reverse("payments:run_create"), follow=True)

    assert response.status_code == 200
    assert "There are no payments due to put in a run." in response.content.decode()
    assert not PaymentRun.objects.exists()


def test_run_page_lists_payments_with_masked_bank_details_and_their_total(
    client_as, finance_user, second_finance_user
):
    organisation = OrganisationFactory(
        name="Wigston Young Carers Club", bank_account_number="12345678"
    )
    first = payable("1000.00", instalment__award__application__organisation=organisation)
    payable("234.56")
    run = services.create_payment_run(actor=finance_user)

    html = client_as(second_finance_user).get(
        reverse("payments:run_detail", args=[run.pk])
    ).content.decode()

    assert "Wigston Young Carers Club" in html
    assert first.instalment.award.application.reference in html
    assert "*****678" in html
    assert "12345678" not in html
    assert 'id="run-total">£1,234.56' in html
    assert "Approve payment run" in html


def test_run_page_names_each_payment_its_supplier_and_missing_bank_details(
    client_as, finance_user, second_finance_user
):
    unpaid = OrganisationFactory(name="Oadby Scouts", bank_sort_code="", bank_account_number="")
    payment = payable("2500.50", instalment__award__application__organisation=unpaid)
    run = services.create_payment_run(actor=finance_user)

    html = " ".join(client_as(second_finance_user).get(
        reverse("payments:run_detail", args=[run.pk])
    ).content.decode().split())

    award = payment.instalment.award
    assert (f'<a class="govuk-link" href="{reverse("payments:award_detail", args=[award.pk])}">'
            f"{award.application.reference}</a>") in html
    assert f"Oadby Scouts<br><span class=\"govuk-body-s\">ORG-{unpaid.pk:06d}</span>" in html
    assert "No bank details" in html
    assert "In a payment run" in html
    assert "£2,500.50</td>" in html
    # Nothing has gone to the finance system, so nothing can be marked failed.
    assert "Mark as failed" not in html


def test_creator_trying_to_approve_sees_why_and_the_run_stays_draft(client_as, finance_user):
    payable("100.00")
    run = services.create_payment_run(actor=finance_user)

    response = client_as(finance_user).post(reverse("payments:run_approve", args=[run.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "You built this payment run, so another member of finance must approve it." in html
    assert f"<h1 class=\"govuk-heading-l\">{run.reference}</h1>" in html
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT


def test_approve_export_and_mark_paid_through_the_pages(
    client_as, finance_user, second_finance_user
):
    payment = payable("640.00")
    run = services.create_payment_run(actor=finance_user)
    client = client_as(second_finance_user)

    response = client.post(reverse("payments:run_approve", args=[run.pk]), follow=True)
    assert "has been approved" in response.content.decode()
    assert "Mark as exported" in response.content.decode()
    response = client.post(reverse("payments:run_export", args=[run.pk]), follow=True)
    assert "Mark as paid" in response.content.decode()
    today = timezone.localdate()
    response = client.post(
        reverse("payments:run_paid", args=[run.pk]),
        {"paid_on_0": today.day, "paid_on_1": today.month, "paid_on_2": today.year,
         "reference": " BACS-77 "},
        follow=True,
    )

    assert "has been marked as paid" in response.content.decode()
    run.refresh_from_db()
    payment.refresh_from_db()
    assert (run.status, run.paid_on, run.payment_reference) == ("paid", today, "BACS-77")
    assert payment.status == PaymentStatus.PAID


@pytest.mark.parametrize(
    ("data", "message", "anchor"),
    [
        ({"paid_on_0": "", "paid_on_1": "", "paid_on_2": "", "reference": "X"},
         "Enter the date the money was paid", "id_paid_on"),
        ({"paid_on_0": "31", "paid_on_1": "2", "paid_on_2": "2026", "reference": "X"},
         "The payment date must be a real date", "id_paid_on"),
        ({"paid_on_0": "1", "paid_on_1": "1", "paid_on_2": "2999", "reference": "X"},
         "The payment date must be today or in the past", "id_paid_on"),
        ({"paid_on_0": "1", "paid_on_1": "1", "paid_on_2": "2001", "reference": "X"},
         "when the run was built", "id_paid_on"),
        ({"paid_on_0": "{day}", "paid_on_1": "{month}", "paid_on_2": "{year}",
          "reference": "   "},
         "Enter the payment reference from the finance system", "id_reference"),
    ],
)
def test_mark_paid_form_errors_are_summarised_and_link_to_fields(
    client_as, finance_user, second_finance_user, data, message, anchor
):
    payable("10.00")
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)
    services.export_payment_run(run=run, actor=second_finance_user)
    today = timezone.localdate()
    data = {k: v.format(day=today.day, month=today.month, year=today.year)
            for k, v in data.items()}

    response = client_as(finance_user).post(reverse("payments:run_paid", args=[run.pk]), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert f'href="#{anchor}' in html
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.EXPORTED


def test_actions_out_of_order_are_refused_with_a_message(client_as, finance_user,
                                                         second_finance_user):
    payable("10.00")
    run = services.create_payment_run(actor=finance_user)

    response = client_as(second_finance_user).post(reverse("payments:run_export", args=[run.pk]))

    assert response.status_code == 200
    assert "Only an approved payment run can be exported." in response.content.decode()


def test_run_list_shows_totals_and_people(client_as, finance_user, second_finance_user):
    payable("100.00")
    payable("23.45")
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)

    html = " ".join(client_as(finance_user).get(reverse("payments:run_list")).content
                    .decode().split())

    assert run.reference in html
    assert "£123.45" in html
    assert "Finance One" in html and "Finance Two" in html


def test_each_run_in_the_list_shows_its_own_payments_on_every_page(client_as, finance_user):
    amounts = {}
    for index in range(51):
        payable(f"{index + 1}.00")
        if index % 2 == 0:
            payable("0.50")
        amounts[services.create_payment_run(actor=finance_user).pk] = (
            (2, Decimal(index + 1) + Decimal("0.50")) if index % 2 == 0 else (1, Decimal(index + 1))
        )
    empty = PaymentRunFactory(created_by=finance_user)
    amounts[empty.pk] = (0, Decimal("0.00"))

    listed = {}
    for page in (1, 2):
        response = client_as(finance_user).get(reverse("payments:run_list"), {"page": page})
        listed |= {run.pk: (run.payment_count, run.total) for run in response.context["runs"]}

    assert listed == amounts


def test_run_pages_query_count_does_not_grow_with_rows(
    client_as, finance_user, second_finance_user, django_assert_max_num_queries
):
    client = client_as(second_finance_user)
    payable("1.00")
    run = services.create_payment_run(actor=finance_user)
    detail = reverse("payments:run_detail", args=[run.pk])
    runs = reverse("payments:run_list")
    client.get(detail)
    with django_assert_max_num_queries(20) as small_detail:
        client.get(detail)
    with django_assert_max_num_queries(20) as small_list:
        client.get(runs)

    for _ in range(12):
        payable("2.00")
    big = services.create_payment_run(actor=finance_user)
    for _ in range(6):
        payable("3.00")
        services.create_payment_run(actor=finance_user)

    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        response = client.get(reverse("payments:run_detail", args=[big.pk]))
    assert response.content.decode().count("*****") == 12
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        client.get(runs)
