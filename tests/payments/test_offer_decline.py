"""Declining an offer releases its money to the round; late offers are flagged."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from grants import services as grant_services
from grants.models import AwardStatus
from grants.selectors import approved_total, budget_remaining
from payments import services
from payments.models import PaymentStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import AwardFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def offer(db, make_user):
    award = AwardFactory(amount=Decimal("4000.00"),
                         application__amount_requested=Decimal("4000.00"))
    services.create_instalment_schedule(award=award, actor=make_user(Role.APPROVER))
    owner = MembershipFactory(organisation=award.application.organisation,
                              role=MembershipRole.OWNER).user
    return award, owner


def test_declining_releases_the_amount_to_the_round_budget(
    offer, client_as, django_capture_on_commit_callbacks
):
    award, owner = offer
    round = award.application.round
    AwardFactory(amount=Decimal("1000.00"), application__round=round,
                 application__amount_requested=Decimal("1000.00"))
    assert approved_total(round) == Decimal("5000.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(owner).post(
            reverse("grants:offer_decline", args=[award.application_id]),
            {"reason": "We found the money elsewhere.", "confirm": "on"},
        )

    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == AwardStatus.DECLINED
    assert award.decline_reason == "We found the money elsewhere."
    assert award.declined_at is not None
    assert approved_total(round) == Decimal("1000.00")
    assert set(award.instalments.values_list("cancelled_at", flat=True)) != {None}
    assert list(
        award.instalments.values_list("payments__status", flat=True)
    ) == [PaymentStatus.CANCELLED]
    event = AuditEvent.objects.get(verb="offer_declined")
    assert event.actor == owner and event.data["reason"] == "We found the money elsewhere."
    [email] = [m for m in mail.outbox if m.to == [owner.email]]
    assert "declined grant" in email.subject
    assert "We found the money elsewhere." in email.body


def test_the_freed_budget_can_be_awarded_again(offer, make_user):
    award, owner = offer
    round = award.application.round
    round_budget = RoundFactory._meta.model.objects.filter(pk=round.pk)
    round_budget.update(budget=Decimal("4000.00"))
    grant_services.decline_offer(award=award, actor=owner, reason="No longer needed")
    round.refresh_from_db()
    assert budget_remaining(round) == Decimal("4000.00")


def test_a_decline_needs_a_reason_and_confirmation_and_keeps_what_was_typed(offer, client_as):
    award, owner = offer
    url = reverse("grants:offer_decline", args=[award.application_id])
    response = client_as(owner).post(url, {"reason": "Too small <b>really</b>"})
    html = response.content.decode()
    assert "Confirm that your organisation is declining the grant" in html
    assert "Too small &lt;b&gt;really&lt;/b&gt;" in html
    response = client_as(owner).post(url, {"reason": "   ", "confirm": "on"})
    assert "Enter why your organisation is declining the grant" in response.content.decode()
    award.refresh_from_db()
    assert award.status == AwardStatus.OFFERED


def test_an_accepted_offer_cannot_be_declined(offer):
    award, owner = offer
    grant_services.accept_offer(award=award, actor=owner, signatory_name="Sam Chair")
    with pytest.raises(ValidationError, match="already been accepted"):
        grant_services.decline_offer(award=award, actor=owner, reason="Changed our mind")


def test_a_viewer_or_another_organisation_cannot_decline(offer, client_as):
    award, _ = offer
    viewer = MembershipFactory(organisation=award.application.organisation,
                               role=MembershipRole.VIEWER).user
    with pytest.raises(PermissionDenied):
        grant_services.decline_offer(award=award, actor=viewer, reason="No")
    outsider = MembershipFactory(role=MembershipRole.OWNER).user
    response = client_as(outsider).post(
        reverse("grants:offer_decline", args=[award.application_id]),
        {"reason": "No", "confirm": "on"},
    )
    assert response.status_code == 404
    award.refresh_from_db()
    assert award.status == AwardStatus.OFFERED


@override_settings(OFFER_ACCEPTANCE_DAYS=28)
@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.FINANCE])
def test_offers_waiting_too_long_are_flagged_with_days_waiting(client_as, make_user, role):
    now = timezone.now()
    late = AwardFactory(offered_at=now - timedelta(days=30))
    recent = AwardFactory(offered_at=now - timedelta(days=3))
    AwardFactory(accepted=True, offered_at=now - timedelta(days=40))

    html = client_as(make_user(role)).get(reverse("payments:offer_list")).content.decode()

    rows = html.split('id="offers"')[1].split("</table>")[0].split('<tr class="govuk-table__row">')[2:]
    assert len(rows) == 2
    assert late.application.reference in rows[0] and ">30<" in rows[0] and "Late" in rows[0]
    assert recent.application.reference in rows[1] and ">3<" in rows[1]
    assert "Late" not in rows[1]
    assert "1 offer has waited more than 28 days" in html


def test_the_finance_summary_shows_how_many_offers_are_late(client_as, make_user):
    AwardFactory(offered_at=timezone.now() - timedelta(days=60))
    html = client_as(make_user(Role.FINANCE)).get(reverse("payments:summary")).content.decode()
    assert "Offers awaiting acceptance" in html and "1 late" in html


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER])
def test_other_roles_cannot_see_waiting_offers(client_as, make_user, role):
    assert client_as(make_user(role)).get(reverse("payments:offer_list")).status_code == 403


def test_the_waiting_offers_list_uses_the_same_queries_for_more_rows(
    client_as, make_user, django_assert_max_num_queries
):
    client = client_as(make_user(Role.FINANCE))
    AwardFactory.create_batch(2)
    client.get(reverse("payments:offer_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:offer_list"))
    AwardFactory.create_batch(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("payments:offer_list"))
