"""Closing a grant: complete once monitoring and payments are done, or early with a reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants.models import AwardStatus, MonitoringStatus
from grants.selectors import approved_total
from payments import selectors, services
from payments.models import PaymentStatus
from tests.grants.factories import AwardFactory, MonitoringReturnFactory
from tests.payments.factories import InstalmentFactory, PaymentFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def award(db):
    """£6,000 active: £2,000 paid, £4,000 scheduled; one return submitted."""
    award = AwardFactory(amount=Decimal("6000.00"), status=AwardStatus.ACTIVE,
                         application__amount_requested=Decimal("6000.00"))
    paid = InstalmentFactory(award=award, number=1, amount=Decimal("2000.00"))
    PaymentFactory(instalment=paid, status=PaymentStatus.PAID)
    rest = InstalmentFactory(award=award, number=2, amount=Decimal("4000.00"))
    PaymentFactory(instalment=rest)
    monitoring_return = MonitoringReturnFactory(award=award)
    type(monitoring_return).objects.filter(pk=monitoring_return.pk).update(
        status=MonitoringStatus.SUBMITTED
    )
    return award


def finish(award):
    award.monitoring_returns.update(status=MonitoringStatus.ACCEPTED)
    award.instalments.get(number=2).payments.all().delete()
    PaymentFactory(instalment=award.instalments.get(number=2), status=PaymentStatus.PAID)


def test_a_grant_cannot_complete_until_returns_are_accepted_and_instalments_paid(award, officer):
    with pytest.raises(ValidationError) as refused:
        services.complete_award(award=award, actor=officer)
    assert refused.value.messages == [
        "Not every monitoring return has been accepted.",
        "Not every instalment has been paid.",
    ]
    finish(award)
    services.complete_award(award=award, actor=officer)
    award.refresh_from_db()
    assert award.status == AwardStatus.COMPLETED and award.closed_by == officer
    assert AuditEvent.objects.get(verb="award_completed").to_state == AwardStatus.COMPLETED


def test_closing_early_cancels_unpaid_instalments_and_frees_the_budget(award, officer):
    round = award.application.round
    assert approved_total(round) == Decimal("6000.00")
    with pytest.raises(ValidationError, match="Enter why"):
        services.close_award_early(award=award, actor=officer, reason="  ")

    services.close_award_early(award=award, actor=officer, reason="The group has folded.")

    award.refresh_from_db()
    assert award.status == AwardStatus.CLOSED_EARLY
    assert award.closure_reason == "The group has folded."
    assert award.amount == Decimal("2000.00")
    assert approved_total(round) == Decimal("2000.00")
    cancelled = award.instalments.get(number=2)
    assert cancelled.cancelled_at is not None
    assert cancelled.payments.get().status == PaymentStatus.CANCELLED
    assert cancelled.payments.get() not in selectors.payable_payments()
    event = AuditEvent.objects.get(verb="award_closed_early")
    assert event.data["reason"] == "The group has folded."
    assert event.data["amount"] == {"from": "6000.00", "to": "2000.00"}
    totals = selectors.award_grand_totals()
    assert (totals["awarded"], totals["paid"], totals["outstanding"]) == (
        Decimal("2000.00"), Decimal("2000.00"), Decimal("0.00"))


def test_money_already_in_a_run_is_kept_when_closing_early(award, officer, make_user):
    services.create_payment_run(actor=make_user(Role.FINANCE))
    services.close_award_early(award=award, actor=officer, reason="Ended")
    award.refresh_from_db()
    assert award.amount == Decimal("6000.00")
    assert award.instalments.get(number=2).payments.get().status == PaymentStatus.IN_RUN


@pytest.mark.parametrize("role", [Role.APPROVER, Role.APPLICANT, Role.ADMINISTRATOR])
def test_other_roles_cannot_close_a_grant(award, make_user, role):
    with pytest.raises(PermissionDenied):
        services.close_award_early(award=award, actor=make_user(role), reason="No")
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE


def test_the_close_page_explains_what_stops_completion_and_closes_early(
    award, officer, client_as
):
    client = client_as(officer)
    url = reverse("payments:award_close", args=[award.pk])
    page = client.get(url).content.decode()
    assert "Not every monitoring return has been accepted." in page
    response = client.post(url, {"how": "complete"})
    assert "Not every instalment has been paid." in response.content.decode()
    response = client.post(url, {"how": "early"})
    assert "Enter why the grant is closing early" in response.content.decode()
    response = client.post(url, {"how": "early", "reason": "Project stopped"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == AwardStatus.CLOSED_EARLY
    assert "Project stopped" in client.get(url).content.decode()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER])
def test_other_roles_are_refused_the_close_page(award, client_as, make_user, role):
    client = client_as(make_user(role))
    url = reverse("payments:award_close", args=[award.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"how": "early", "reason": "x"}).status_code == 403
