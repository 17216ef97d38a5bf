from django.urls import reverse

from accounts.roles import Role
from payments.models import PaymentStatus, Repayment
from tests.payments.factories import PaymentFactory


def test_administrators_can_read_money_in_the_admin_but_not_change_it(client_as, make_user):
    payment = PaymentFactory(status=PaymentStatus.PAID)
    admin = make_user(Role.ADMINISTRATOR, is_superuser=True)
    client = client_as(admin)

    repayment = Repayment.objects.create(award=payment.instalment.award, amount=1,
                                         reason="Test", requested_by=admin)
    for name in ("instalment", "paymentrun", "payment", "repayment"):
        assert client.get(reverse(f"admin:payments_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:payments_{name}_add")).status_code == 403
    page = client.get(reverse("admin:payments_paymentrun_change", args=[payment.run.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(
        reverse("admin:payments_payment_delete", args=[payment.pk]), {"post": "yes"}
    ).status_code == 403
    page = client.get(reverse("admin:payments_repayment_change", args=[repayment.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
