from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from payments import services
from payments.models import PaymentRunStatus, PaymentStatus, Repayment
from tests.payments.factories import PaymentFactory, PaymentRunFactory


@pytest.fixture
def finance_urls(db):
    run = PaymentRunFactory()
    payment = PaymentFactory(status=PaymentStatus.PAID)
    award = payment.instalment.award
    repayment = Repayment.objects.create(
        award=award, amount=Decimal("1.00"), reason="Test", requested_by=run.created_by
    )
    return [
        ("get", reverse("payments:summary")),
        ("get", reverse("payments:ledger")),
        ("get", reverse("payments:threesixtygiving_json")),
        ("get", reverse("payments:threesixtygiving_xlsx")),
        ("get", reverse("payments:award_import")),
        ("post", reverse("payments:award_import")),
        ("get", reverse("payments:run_list")),
        ("post", reverse("payments:run_create")),
        ("get", reverse("payments:run_detail", args=[run.pk])),
        ("post", reverse("payments:run_approve", args=[run.pk])),
        ("post", reverse("payments:run_export", args=[run.pk])),
        ("post", reverse("payments:run_paid", args=[run.pk])),
        ("get", reverse("payments:run_payment_file", args=[payment.run_id])),
        ("post", reverse("payments:run_payment_file", args=[run.pk])),
        ("get", reverse("payments:run_ledger", args=[run.pk])),
        ("get", reverse("payments:award_list")),
        ("get", reverse("payments:award_detail", args=[award.pk])),
        ("get", reverse("payments:repayment_request", args=[award.pk])),
        ("post", reverse("payments:repayment_request", args=[award.pk])),
        ("get", reverse("payments:repayment_received", args=[repayment.pk])),
        ("post", reverse("payments:repayment_received", args=[repayment.pk])),
        ("get", reverse("payments:payment_fail", args=[payment.pk])),
        ("post", reverse("payments:payment_fail", args=[payment.pk])),
        ("post", reverse("payments:payment_requeue", args=[payment.pk])),
        ("get", reverse("payments:run_build")),
        ("get", reverse("payments:bank_check_list")),
        ("get", reverse("payments:bank_check", args=[award.application.organisation_id])),
        ("post", reverse("payments:bank_check", args=[award.application.organisation_id])),
    ]


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.GRANT_OFFICER, Role.ASSESSOR, Role.APPROVER]
)
def test_people_outside_finance_are_refused_every_finance_page(
    client_as, make_user, finance_urls, role
):
    client = client_as(make_user(role))
    for method, url in finance_urls:
        assert getattr(client, method)(url).status_code == 403, url


def test_signed_out_visitors_are_sent_to_sign_in(client, finance_urls):
    for method, url in finance_urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_finance_and_administrators_can_read_the_finance_pages(client_as, make_user, finance_urls):
    # Full bank details are for finance alone: an organisation's bank check
    # page shows them, so administrators are refused it (not the list).
    bank_checks = reverse("payments:bank_check_list")
    for role in (Role.FINANCE, Role.ADMINISTRATOR):
        client = client_as(make_user(role))
        for method, url in finance_urls:
            if method == "get":
                shows_details = url.startswith(bank_checks) and url != bank_checks
                expected = 403 if role == Role.ADMINISTRATOR and shows_details else 200
                assert client.get(url).status_code == expected, (role, url)


def test_an_administrator_cannot_build_or_approve_a_run(client_as, make_user):
    PaymentFactory()
    finance = make_user(Role.FINANCE)
    admin_client = client_as(make_user(Role.ADMINISTRATOR))

    response = admin_client.post(reverse("payments:run_create"), follow=True)
    assert "Only finance staff manage payments." in response.content.decode()

    run = services.create_payment_run(actor=finance)
    response = admin_client.post(reverse("payments:run_approve", args=[run.pk]))
    assert response.status_code == 200
    assert "Only finance staff manage payments." in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT


def test_a_missing_run_is_not_found(client_as, make_user):
    client = client_as(make_user(Role.FINANCE))
    assert client.get(reverse("payments:run_detail", args=[999999])).status_code == 404
    assert client.post(reverse("payments:run_approve", args=[999999])).status_code == 404
    for name in ("run_payment_file", "run_ledger", "award_detail", "repayment_request",
                 "repayment_received", "payment_fail", "bank_check", "offer_letter",
                 "offer_letter_pdf", "variation_request", "variation_detail", "award_close"):
        assert client.get(reverse(f"payments:{name}", args=[999999])).status_code == 404, name
    assert client.post(reverse("payments:payment_requeue", args=[999999])).status_code == 404


def test_an_administrator_can_read_but_not_move_money(client_as, make_user, finance_urls):
    admin = client_as(make_user(Role.ADMINISTRATOR))
    payment = PaymentFactory(status=PaymentStatus.PAID)
    award = payment.instalment.award

    response = admin.post(reverse("payments:payment_fail", args=[payment.pk]), {"reason": "x"})
    assert "Only finance staff manage payments." in response.content.decode()
    response = admin.post(reverse("payments:repayment_request", args=[award.pk]),
                          {"amount": "1", "reason": "x"})
    assert "Only finance staff manage payments." in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert not award.repayments.exists()
