from decimal import Decimal

import pytest

from accounts.roles import Role
from grants.models import AwardStatus
from payments.models import PaymentStatus
from tests.grants.factories import AwardFactory
from tests.payments.factories import InstalmentFactory, PaymentFactory


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, email="finance.one@example.org", full_name="Finance One")


@pytest.fixture
def second_finance_user(make_user):
    return make_user(Role.FINANCE, email="finance.two@example.org", full_name="Finance Two")


@pytest.fixture
def make_award(db):
    """
    `make_award(amount, paid=..., round=...)`: a committed award with one
    instalment whose payment is paid (or still scheduled when `paid` is 0).
    `paid` may be part of the amount, to leave some outstanding.
    """

    def make(amount="1000.00", *, paid=None, status=AwardStatus.ACTIVE, **award_fields):
        amount = Decimal(amount)
        paid = amount if paid is None else Decimal(paid)
        award = AwardFactory(
            amount=amount, status=status, application__amount_requested=amount, **award_fields
        )
        if paid:
            instalment = InstalmentFactory(award=award, amount=paid)
            PaymentFactory(instalment=instalment, status=PaymentStatus.PAID)
        if amount - paid:
            instalment = InstalmentFactory(award=award, number=2, amount=amount - paid)
            PaymentFactory(instalment=instalment)
        return award

    return make
