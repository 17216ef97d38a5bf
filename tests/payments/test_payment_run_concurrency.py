"""
Row locks on PostgreSQL keep two people building or approving runs at the
same instant from paying anything twice. Skipped on SQLite, which has no
row locks; in CI (CI=true) PostgreSQL is required.
"""

import os
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from accounts.roles import Role
from payments import services
from payments.models import Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from tests.payments.factories import PaymentFactory


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("needs PostgreSQL (CI must run this test)")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def at_the_same_instant(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        close_old_connections()
        try:
            barrier.wait()
            call()
            outcomes.append("done")
        except Exception as error:  # noqa: BLE001 - the refusal is the point
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_runs_built_at_once_never_share_a_payment(make_user):
    require_postgresql()
    for _ in range(5):
        PaymentFactory(amount=Decimal("10.00"), instalment__amount=Decimal("10.00"))
    builders = [make_user(Role.FINANCE), make_user(Role.FINANCE)]

    outcomes = at_the_same_instant(
        *[lambda user=user: services.create_payment_run(actor=user) for user in builders]
    )

    assert outcomes == ["ValidationError", "done"]
    [run] = PaymentRun.objects.all()
    assert run.payments.count() == 5
    assert not Payment.objects.filter(status=PaymentStatus.SCHEDULED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_approved_twice_at_once_is_approved_once(make_user):
    require_postgresql()
    PaymentFactory()
    builder = make_user(Role.FINANCE)
    run = services.create_payment_run(actor=builder)
    checkers = [make_user(Role.FINANCE), make_user(Role.FINANCE)]

    outcomes = at_the_same_instant(
        *[lambda user=user: services.approve_payment_run(run=run, actor=user)
          for user in checkers]
    )

    assert outcomes == ["ValidationError", "done"]
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED
    assert run.approved_by in checkers


@pytest.mark.django_db(transaction=True)
def test_a_failed_payment_paid_again_twice_at_once_is_queued_once(make_user):
    require_postgresql()
    failed = PaymentFactory(status=PaymentStatus.FAILED)
    people = [make_user(Role.FINANCE), make_user(Role.FINANCE)]

    outcomes = at_the_same_instant(
        *[lambda user=user: services.requeue_failed_payment(payment=failed, actor=user)
          for user in people]
    )

    assert outcomes == ["ValidationError", "done"]
    live = Payment.objects.filter(instalment=failed.instalment).exclude(
        status=PaymentStatus.FAILED
    )
    assert live.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_repayment_requests_at_once_never_ask_back_more_than_was_paid(make_user):
    require_postgresql()
    paid = PaymentFactory(status=PaymentStatus.PAID, amount=Decimal("100.00"),
                          instalment__amount=Decimal("100.00"))
    award = paid.instalment.award
    people = [make_user(Role.FINANCE), make_user(Role.FINANCE)]

    outcomes = at_the_same_instant(
        *[lambda user=user: services.request_repayment(
            award=award, actor=user, amount=Decimal("60.00"), reason="Underspend"
        ) for user in people]
    )

    assert outcomes == ["ValidationError", "done"]
    assert sum(r.amount for r in award.repayments.all()) == Decimal("60.00")
