"""Factories for instalments, payments and payment runs."""

import factory

from accounts.roles import Role
from payments.models import Instalment, Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from tests.accounts.factories import UserFactory
from tests.grants.factories import AwardFactory


class InstalmentFactory(factory.django.DjangoModelFactory):
    """The single instalment of an accepted award, due on the award date."""

    award = factory.SubFactory(AwardFactory, accepted=True)
    number = 1
    due_date = factory.SelfAttribute("award.award_date")
    amount = factory.SelfAttribute("award.amount")

    class Meta:
        model = Instalment


class PaymentRunFactory(factory.django.DjangoModelFactory):
    """A draft run; a status beyond draft also gets a second finance user as approver."""

    created_by = factory.SubFactory(UserFactory, roles=[Role.FINANCE])
    status = PaymentRunStatus.DRAFT
    approved_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status != PaymentRunStatus.DRAFT),
        yes_declaration=factory.SubFactory(UserFactory, roles=[Role.FINANCE]),
        no_declaration=None,
    )

    class Meta:
        model = PaymentRun


# A payment's run must match its status: scheduled payments have none.
_RUN_STATUS_FOR_PAYMENT = {
    PaymentStatus.IN_RUN: PaymentRunStatus.DRAFT,
    PaymentStatus.APPROVED: PaymentRunStatus.APPROVED,
    PaymentStatus.EXPORTED: PaymentRunStatus.EXPORTED,
    PaymentStatus.PAID: PaymentRunStatus.PAID,
    PaymentStatus.FAILED: PaymentRunStatus.PAID,
}


class PaymentFactory(factory.django.DjangoModelFactory):
    """
    A scheduled (payable) payment of a whole instalment. With another
    status (`PaymentFactory(status=PaymentStatus.PAID)`) it is put in a run
    of the matching status.
    """

    instalment = factory.SubFactory(InstalmentFactory)
    amount = factory.SelfAttribute("instalment.amount")
    status = PaymentStatus.SCHEDULED
    run = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status != PaymentStatus.SCHEDULED),
        yes_declaration=factory.SubFactory(
            PaymentRunFactory,
            status=factory.LazyAttribute(
                lambda run: _RUN_STATUS_FOR_PAYMENT[run.factory_parent.status]
            ),
        ),
        no_declaration=None,
    )
    paid_on = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status == PaymentStatus.PAID),
        yes_declaration=factory.SelfAttribute("instalment.award.award_date"),
        no_declaration=None,
    )

    class Meta:
        model = Payment
