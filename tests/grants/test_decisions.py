"""Approving within the round's budget, and who may decide."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from grants import services
from grants.models import ApplicationStatus, Award, AwardStatus
from payments.models import Payment, PaymentStatus
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AwardFactory,
    DecisionFactory,
)
from tests.rounds.factories import RoundFactory


def recommended(round, amount="5000.00"):
    application = ApplicationFactory(
        round=round, status=ApplicationStatus.RECOMMENDED, amount_requested=Decimal(amount)
    )
    DecisionFactory(application=application)
    return application


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER)


def test_approval_creates_an_offer_with_one_instalment(approver):
    application = recommended(RoundFactory())
    award = services.approve_application(
        application=application, actor=approver, amount=Decimal("5000.00")
    )
    assert award.status == AwardStatus.OFFERED
    [instalment] = award.instalments.all()
    assert instalment.amount == Decimal("5000.00")
    assert Payment.objects.get(instalment=instalment).status == PaymentStatus.SCHEDULED


def test_approval_never_exceeds_the_remaining_budget(approver):
    round = RoundFactory(budget=Decimal("12000.00"))
    AwardFactory(application__round=round, amount=Decimal("8000.00"))
    application = recommended(round)
    with pytest.raises(ValidationError) as refused:
        services.approve_application(
            application=application, actor=approver, amount=Decimal("5000.00")
        )
    assert refused.value.messages == [
        "Awarding £5,000.00 would exceed the round's budget: only £4,000.00 of £12,000.00 remains."
    ]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECOMMENDED
    services.approve_application(application=application, actor=approver, amount=Decimal("4000.00"))
    assert Award.objects.filter(application__round=round).count() == 2


def test_a_declined_offer_no_longer_counts_against_the_budget(approver):
    round = RoundFactory(budget=Decimal("6000.00"))
    AwardFactory(application__round=round, amount=Decimal("6000.00"), status=AwardStatus.DECLINED)
    award = services.approve_application(
        application=recommended(round), actor=approver, amount=Decimal("5000.00")
    )
    assert award.amount == Decimal("5000.00")


def test_approval_is_capped_by_the_amount_requested_and_the_round_maximum(approver):
    round = RoundFactory(max_award=Decimal("4000.00"))
    application = recommended(round, amount="3000.00")
    with pytest.raises(ValidationError, match="more than the £3,000.00 requested"):
        services.approve_application(
            application=application, actor=approver, amount=Decimal("3500.00")
        )


def test_an_assessor_cannot_approve(make_user):
    application = recommended(RoundFactory())
    with pytest.raises(PermissionDenied):
        services.approve_application(
            application=application, actor=make_user(Role.ASSESSOR), amount=Decimal("100.00")
        )


def test_an_approver_cannot_decide_what_they_assessed(make_user):
    person = make_user(Role.APPROVER, Role.ASSESSOR)
    application = recommended(RoundFactory())
    AssignmentFactory(application=application, assessor=person)
    with pytest.raises(PermissionDenied, match="cannot decide it"):
        services.approve_application(
            application=application, actor=person, amount=Decimal("100.00")
        )


def test_the_budget_cap_page_shows_the_refusal_plainly(approver, client_as):
    round = RoundFactory(budget=Decimal("1000.00"))
    application = recommended(round, amount="5000.00")
    response = client_as(approver).post(
        f"/decisions/{application.pk}/", {"decision": "approve", "amount": "£5,000"}
    )
    assert response.status_code == 200
    assert "would exceed the round&#x27;s budget" in response.content.decode()
