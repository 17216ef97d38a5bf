"""Instalments follow the round's payment rule; a monitoring condition holds payment back."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.roles import Role
from grants.models import MonitoringStatus
from payments import selectors, services
from payments.models import InstalmentCondition, PaymentRule, PaymentStatus
from tests.grants.factories import AwardFactory, MonitoringReturnFactory
from tests.rounds.factories import RoundFactory


def schedule(amount: str, *, round=None, with_return=False, actor):
    amount = Decimal(amount)
    fields = {"application__round": round} if round else {}
    award = AwardFactory(accepted=True, amount=amount,
                         application__amount_requested=amount, **fields)
    returned = MonitoringReturnFactory(award=award, period="Interim") if with_return else None
    instalments = services.create_instalment_schedule(award=award, actor=actor)
    return award, instalments, returned


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER)


@pytest.fixture
def ruled_round(db):
    round = RoundFactory(max_award=Decimal("50000.00"))
    PaymentRule.objects.create(round=round, full_payment_up_to=Decimal("5000.00"),
                               first_instalment_percent=25)
    return round


def test_an_award_up_to_the_threshold_is_paid_whole_on_acceptance(ruled_round, approver):
    _, [only], _ = schedule("5000.00", round=ruled_round, actor=approver)
    assert (only.amount, only.condition) == (Decimal("5000.00"), InstalmentCondition.ON_ACCEPTANCE)
    assert only.payments.get().status == PaymentStatus.SCHEDULED


def test_above_the_threshold_the_rest_waits_for_a_monitoring_return(ruled_round, approver):
    award, [first, rest], interim = schedule(
        "10000.01", round=ruled_round, with_return=True, actor=approver
    )
    assert (first.amount, first.condition) == (Decimal("2500.00"),
                                               InstalmentCondition.ON_ACCEPTANCE)
    assert (rest.amount, rest.condition) == (Decimal("7500.01"),
                                             InstalmentCondition.AFTER_MONITORING)
    assert rest.after_return == interim and rest.due_date == interim.due
    assert first.amount + rest.amount == award.amount


def test_a_round_without_a_rule_uses_the_default(approver, db):
    _, small, _ = schedule("10000.00", actor=approver)
    _, [first, rest], _ = schedule("12000.00", actor=approver)
    assert len(small) == 1
    assert (first.amount, rest.amount) == (Decimal("6000.00"), Decimal("6000.00"))
    assert rest.after_return is None and rest.condition == InstalmentCondition.AFTER_MONITORING


def test_the_rule_percentage_must_be_between_1_and_99(ruled_round):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRule.objects.create(round=RoundFactory(), full_payment_up_to=Decimal("1"),
                                   first_instalment_percent=100)


def accept(monitoring_return):
    MonitoringReturn = type(monitoring_return)
    MonitoringReturn.objects.filter(pk=monitoring_return.pk).update(
        status=MonitoringStatus.ACCEPTED
    )


def test_the_conditional_instalment_is_payable_only_after_its_return_is_accepted(
    ruled_round, approver, make_user
):
    finance = make_user(Role.FINANCE)
    _, [first, rest], interim = schedule(
        "8000.00", round=ruled_round, with_return=True, actor=approver
    )
    first_payment, rest_payment = first.payments.get(), rest.payments.get()
    # Due now, so only the condition stands in the way.
    type(rest).objects.filter(pk=rest.pk).update(due_date=first.due_date)

    assert list(selectors.payable_payments()) == [first_payment]
    [blocked] = selectors.blocked_payments()
    assert blocked == rest_payment
    assert blocked.blocked_reason == "Waits for a monitoring return to be accepted"
    with pytest.raises(ValidationError, match="Waits for a monitoring return to be accepted"):
        services.create_payment_run(actor=finance, payment_ids=[rest_payment.pk])
    rest_payment.refresh_from_db()
    assert rest_payment.status == PaymentStatus.SCHEDULED and rest_payment.run is None

    # A submitted return is not enough; an accepted one is.
    MonitoringReturnFactory._meta.model.objects.filter(pk=interim.pk).update(
        status=MonitoringStatus.SUBMITTED
    )
    assert rest_payment not in selectors.payable_payments()
    accept(interim)
    assert set(selectors.payable_payments()) == {first_payment, rest_payment}
    run = services.create_payment_run(actor=finance, payment_ids=[rest_payment.pk])
    assert list(run.payments.all()) == [rest_payment]


def test_without_a_linked_return_any_accepted_return_of_the_award_meets_the_condition(
    approver, make_user
):
    award, [first, rest], _ = schedule("20000.00", actor=approver)
    type(rest).objects.filter(pk=rest.pk).update(due_date=first.due_date)
    rest_payment = rest.payments.get()
    other = MonitoringReturnFactory(award=AwardFactory(accepted=True))
    accept(other)
    assert rest_payment not in selectors.payable_payments()
    # Not payable, so finance is told why rather than the payment vanishing from both lists.
    [blocked] = selectors.blocked_payments()
    assert blocked == rest_payment
    assert blocked.blocked_reason == "Waits for a monitoring return to be accepted"
    accept(MonitoringReturnFactory(award=award))
    assert rest_payment in selectors.payable_payments()
    assert list(selectors.blocked_payments()) == []


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.FINANCE, Role.ADMINISTRATOR])
def test_officers_and_finance_see_each_rounds_rule(ruled_round, client_as, make_user, role):
    other = RoundFactory(name="Spring round")
    html = client_as(make_user(role)).get(reverse("payments:payment_rules")).content.decode()
    rows = html.split('id="payment-rules"')[1].split("</table>")[0]
    assert ruled_round.name in rows and "£5,000.00" in rows and "25%" in rows
    assert other.name in rows and "£10,000.00" in rows and "50%" in rows and "Default" in rows


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER])
def test_other_roles_cannot_see_payment_rules(client_as, make_user, role):
    assert client_as(make_user(role)).get(reverse("payments:payment_rules")).status_code == 403


def test_the_admin_edits_a_rounds_rule(ruled_round, client_as, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    rule = ruled_round.payment_rule
    response = client_as(admin).post(
        reverse("admin:payments_paymentrule_change", args=[rule.pk]),
        {"round": ruled_round.pk, "full_payment_up_to": "7500.00",
         "first_instalment_percent": "30"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.full_payment_up_to, rule.first_instalment_percent) == (Decimal("7500.00"), 30)


def test_the_payment_rules_page_uses_the_same_queries_for_more_rows(
    client_as, make_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rounds(n):
        for _ in range(n):
            PaymentRule.objects.create(round=RoundFactory(), full_payment_up_to=Decimal("1.00"),
                                       first_instalment_percent=10)
            RoundFactory()

    client = client_as(make_user(Role.FINANCE))
    rounds(1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:payment_rules"))
    rounds(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("payments:payment_rules"))
