"""
Two approvers acting at the same instant can never approve more than the
round's budget: every approval locks the round's row before it sums what is
already approved. Skipped on SQLite, which has no row locks; in CI
(CI=true) PostgreSQL is required.
"""

from decimal import Decimal

import pytest

from accounts.roles import Role
from grants import selectors, services
from grants.models import Award
from tests.grants.decision_helpers import recommended
from tests.payments.test_payment_run_concurrency import at_the_same_instant, require_postgresql
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvals_at_once_never_overspend_the_budget(make_user):
    require_postgresql()
    round = RoundFactory(budget=Decimal("10000.00"))
    first, second = recommended(round, 90, "6000.00"), recommended(round, 80, "6000.00")
    approvers = [make_user(Role.APPROVER), make_user(Role.APPROVER)]

    outcomes = at_the_same_instant(
        *[
            lambda application=application, approver=approver: services.approve_application(
                application=application, actor=approver, amount=Decimal("6000.00")
            )
            for application, approver in zip([first, second], approvers, strict=True)
        ]
    )

    assert outcomes == ["ValidationError", "done"]
    assert Award.objects.filter(application__round=round).count() == 1
    assert selectors.budget_remaining(round) == Decimal("4000.00")


def test_a_bulk_approval_and_a_single_one_at_once_stay_within_the_budget(make_user):
    require_postgresql()
    round = RoundFactory(budget=Decimal("10000.00"))
    batch = [recommended(round, 90 - i, "3000.00") for i in range(3)]
    single = recommended(round, 50, "4000.00")
    approvers = [make_user(Role.APPROVER), make_user(Role.APPROVER)]

    at_the_same_instant(
        lambda: services.approve_applications(
            round=round, application_ids=[a.pk for a in batch], actor=approvers[0]
        ),
        lambda: services.approve_application(
            application=single, actor=approvers[1], amount=Decimal("4000.00")
        ),
    )

    # Bulk first: its three fit (£9,000) and the single one is refused.
    # Single first (£4,000): two of the batch fit and the third is refused.
    # Either way three awards, and never more than the budget.
    approved = Award.objects.filter(application__round=round)
    assert approved.count() == 3
    assert sum(award.amount for award in approved) in (Decimal("9000.00"), Decimal("10000.00"))
    assert selectors.budget_remaining(round) >= Decimal("0.00")
