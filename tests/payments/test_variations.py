"""Variations: asked for by an officer, decided by another approver, money kept consistent."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from grants.models import AwardStatus
from grants.selectors import approved_total
from payments import selectors, services
from payments.models import AwardVariation, PaymentStatus, VariationStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import AwardFactory
from tests.payments.factories import InstalmentFactory, PaymentFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER, full_name="Olive Officer")


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER, full_name="Arthur Approver")


@pytest.fixture
def award(db):
    """£9,000 active: £3,000 paid, £6,000 in two unpaid instalments of £3,000."""
    round = RoundFactory(budget=Decimal("10000.00"), max_award=Decimal("10000.00"))
    award = AwardFactory(amount=Decimal("9000.00"), status=AwardStatus.ACTIVE,
                         application__round=round,
                         application__amount_requested=Decimal("9000.00"))
    for number, status in ((1, PaymentStatus.PAID), (2, PaymentStatus.SCHEDULED),
                           (3, PaymentStatus.SCHEDULED)):
        instalment = InstalmentFactory(award=award, number=number, amount=Decimal("3000.00"))
        PaymentFactory(instalment=instalment, status=status)
    MembershipFactory(organisation=award.application.organisation, role=MembershipRole.OWNER,
                      user__email="treasurer@example.org")
    return award


def live(award):
    return [(i.number, i.amount) for i in selectors.live_instalments(award).order_by("number")]


def vary(award, officer, approver, **changes):
    variation = services.request_variation(award=award, actor=officer,
                                           reason="Project changed", **changes)
    return services.approve_variation(variation=variation, actor=approver)


def test_a_reduction_comes_off_the_last_unpaid_instalments(award, officer, approver):
    vary(award, officer, approver, new_amount=Decimal("4500.00"))
    award.refresh_from_db()
    assert award.amount == Decimal("4500.00")
    assert live(award) == [(1, Decimal("3000.00")), (2, Decimal("1500.00"))]
    [cancelled] = award.instalments.filter(cancelled_at__isnull=False)
    assert cancelled.number == 3
    assert cancelled.payments.get().status == PaymentStatus.CANCELLED
    assert award.instalments.get(number=2).payments.get().amount == Decimal("1500.00")


def test_the_amount_never_goes_below_what_is_paid(award, officer, approver):
    with pytest.raises(ValidationError, match="already paid or in a payment run"):
        services.request_variation(award=award, actor=officer, reason="Less",
                                   new_amount=Decimal("2999.99"))
    # Money in a run counts as on its way, too.
    run = services.create_payment_run(actor=_finance())
    assert run.payments.count() == 2
    with pytest.raises(ValidationError, match=r"£9,000.00 already paid or in a payment run"):
        services.request_variation(award=award, actor=officer, reason="Less",
                                   new_amount=Decimal("8000.00"))


def _finance():
    from tests.accounts.factories import UserFactory
    return UserFactory(roles=[Role.FINANCE])


def test_an_increase_adds_an_instalment_within_the_round_budget(
    award, officer, approver, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError, match="would exceed the round's budget"):
        services.request_variation(award=award, actor=officer, reason="More",
                                   new_amount=Decimal("10000.01"))
    with django_capture_on_commit_callbacks(execute=True):
        variation = vary(award, officer, approver, new_amount=Decimal("10000.00"))
    award.refresh_from_db()
    assert award.amount == Decimal("10000.00")
    assert live(award)[-1] == (4, Decimal("1000.00"))
    assert award.instalments.get(number=4).payments.get().status == PaymentStatus.SCHEDULED
    assert approved_total(award.application.round) == Decimal("10000.00")
    assert variation.previous["amount"] == "9000.00"
    event = AuditEvent.objects.get(verb="variation_approved")
    assert event.actor == approver and event.data["previous"]["amount"] == "9000.00"
    [email] = [m for m in mail.outbox if m.to == ["treasurer@example.org"]]
    assert "has been changed" in email.subject and "£10,000.00" in email.body


def test_the_budget_is_checked_again_when_the_variation_is_approved(award, officer, approver):
    variation = services.request_variation(award=award, actor=officer, reason="More",
                                           new_amount=Decimal("10000.00"))
    AwardFactory(amount=Decimal("500.00"), application__round=award.application.round,
                 application__amount_requested=Decimal("500.00"))
    with pytest.raises(ValidationError, match="would exceed the round's budget"):
        services.approve_variation(variation=variation, actor=approver)
    award.refresh_from_db()
    assert award.amount == Decimal("9000.00")


def test_dates_and_conditions_change_with_the_award(award, officer, approver):
    vary(award, officer, approver, new_project_end=date(2028, 3, 31),
         new_conditions="Report every quarter.")
    award.refresh_from_db()
    assert award.conditions == "Report every quarter."
    assert award.application.project_end == date(2028, 3, 31)
    assert award.amount == Decimal("9000.00")


def test_the_requester_cannot_approve_their_own_variation(award, make_user):
    both = make_user(Role.GRANT_OFFICER, Role.APPROVER)
    variation = services.request_variation(award=award, actor=both, reason="Change",
                                           new_amount=Decimal("5000.00"))
    with pytest.raises(PermissionDenied, match="another approver must decide"):
        services.approve_variation(variation=variation, actor=both)
    with pytest.raises(PermissionDenied):
        services.reject_variation(variation=variation, actor=both, note="No")
    variation.refresh_from_db()
    assert variation.status == VariationStatus.REQUESTED
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardVariation.objects.filter(pk=variation.pk).update(decided_by=both)


def test_only_officers_and_finance_ask_and_only_approvers_decide(award, officer, make_user):
    with pytest.raises(PermissionDenied):
        services.request_variation(award=award, actor=make_user(Role.APPROVER), reason="x",
                                   new_amount=Decimal("5000.00"))
    variation = services.request_variation(award=award, actor=officer, reason="x",
                                           new_amount=Decimal("5000.00"))
    with pytest.raises(PermissionDenied):
        services.approve_variation(variation=variation, actor=make_user(Role.FINANCE))


def test_a_rejected_variation_changes_nothing(award, officer, approver):
    variation = services.request_variation(award=award, actor=officer, reason="x",
                                           new_amount=Decimal("5000.00"))
    with pytest.raises(ValidationError, match="Enter why"):
        services.reject_variation(variation=variation, actor=approver, note=" ")
    services.reject_variation(variation=variation, actor=approver, note="Not justified")
    award.refresh_from_db()
    assert award.amount == Decimal("9000.00")
    assert live(award) == [(1, Decimal("3000.00")), (2, Decimal("3000.00")),
                           (3, Decimal("3000.00"))]


def test_the_ledger_and_dashboard_follow_the_varied_amount(award, officer, approver):
    vary(award, officer, approver, new_amount=Decimal("6000.00"))
    totals = selectors.award_grand_totals()
    [row] = list(selectors.award_ledger_rows())
    assert totals["awarded"] == row["amount"] == Decimal("6000.00")
    assert totals["outstanding"] == row["outstanding"] == Decimal("3000.00")
    assert sum(amount for _, amount in live(award)) == Decimal("6000.00")


def test_an_officer_asks_and_an_approver_decides_through_the_pages(
    award, officer, approver, client_as
):
    response = client_as(officer).post(
        reverse("payments:variation_request", args=[award.pk]),
        {"new_amount": "£7,500", "reason": "Venue costs fell"},
    )
    variation = AwardVariation.objects.get()
    assert response.url == reverse("payments:variation_detail", args=[variation.pk])
    own = client_as(officer).get(response.url).content.decode()
    assert "Confirm decision" not in own
    page = client_as(approver).get(response.url).content.decode()
    assert "Venue costs fell" in page and "£7,500.00" in page and "Confirm decision" in page
    client_as(approver).post(response.url, {"decision": "approve"})
    award.refresh_from_db()
    assert award.amount == Decimal("7500.00")
    listing = client_as(officer).get(reverse("payments:variation_list")).content.decode()
    assert variation.reference in listing and "Approved" in listing


def test_bad_input_is_explained_and_kept(award, officer, client_as):
    response = client_as(officer).post(
        reverse("payments:variation_request", args=[award.pk]),
        {"new_amount": "lots", "reason": "<script>x</script>"},
    )
    html = response.content.decode()
    assert "Enter the new amount in pounds and pence" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    response = client_as(officer).post(
        reverse("payments:variation_request", args=[award.pk]), {"reason": "Nothing"}
    )
    assert "Enter at least one change" in response.content.decode()
    assert not AwardVariation.objects.exists()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR])
def test_other_roles_cannot_use_variation_pages(award, officer, client_as, make_user, role):
    variation = services.request_variation(award=award, actor=officer, reason="x",
                                           new_amount=Decimal("5000.00"))
    client = client_as(make_user(role))
    for url in (reverse("payments:variation_list"),
                reverse("payments:variation_detail", args=[variation.pk]),
                reverse("payments:variation_request", args=[award.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("payments:variation_detail", args=[variation.pk]),
                       {"decision": "approve"}).status_code == 403


def test_the_variation_list_uses_the_same_queries_for_more_rows(
    officer, client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def variations(n):
        for _ in range(n):
            award = AwardFactory(accepted=True)
            services.request_variation(award=award, actor=officer, reason="x",
                                       new_conditions="New")

    client = client_as(officer)
    variations(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:variation_list"))
    variations(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("payments:variation_list"))


def test_an_officer_finds_a_grant_by_reference_to_vary_or_close_it(award, officer, client_as):
    client = client_as(officer)
    reference = award.application.reference
    response = client.get(reverse("payments:variation_list"), {"reference": reference.lower()})
    assert response.url == reverse("payments:offer_letter", args=[award.pk])
    letter = client.get(response.url).content.decode()
    assert reverse("payments:variation_request", args=[award.pk]) in letter
    assert reverse("payments:award_close", args=[award.pk]) in letter
    missing = client.get(reverse("payments:variation_list"), {"reference": "<b>NOPE</b>"})
    assert "No grant has the reference &lt;b&gt;NOPE&lt;/b&gt;" in missing.content.decode()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    paid_pence=st.integers(min_value=0, max_value=300_000),
    unpaid_pence=st.lists(st.integers(min_value=1, max_value=300_000), min_size=1, max_size=3),
    new_pence=st.lists(st.integers(min_value=1, max_value=1_500_000), min_size=1, max_size=3),
)
def test_variations_keep_instalments_equal_to_the_award_and_above_what_is_paid(
    officer, approver, paid_pence, unpaid_pence, new_pence
):
    with transaction.atomic():
        round = RoundFactory(budget=Decimal("100000.00"), max_award=Decimal("100000.00"))
        amounts = ([Decimal(paid_pence) / 100] if paid_pence else []) + [
            Decimal(p) / 100 for p in unpaid_pence]
        award = AwardFactory(amount=sum(amounts), status=AwardStatus.ACTIVE,
                             application__round=round,
                             application__amount_requested=sum(amounts))
        for number, amount in enumerate(amounts, start=1):
            instalment = InstalmentFactory(award=award, number=number, amount=amount)
            PaymentFactory(instalment=instalment, status=PaymentStatus.PAID
                           if paid_pence and number == 1 else PaymentStatus.SCHEDULED)
        paid = Decimal(paid_pence) / 100
        for pence in new_pence:
            new_amount = Decimal(pence) / 100
            try:
                vary(award, officer, approver, new_amount=new_amount)
            except ValidationError:
                award.refresh_from_db()
                assert new_amount < paid or new_amount == award.amount or (
                    new_amount - award.amount > round.budget - approved_total(round))
                continue
            award.refresh_from_db()
            assert award.amount == new_amount
            assert sum(amount for _, amount in live(award)) == award.amount
            assert award.amount >= selectors.paid_on_award(award.pk) == paid
            assert selectors.award_grand_totals()["awarded"] == approved_total(round)
        transaction.set_rollback(True)
