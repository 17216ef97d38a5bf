"""Finance checks bank details before anything is paid to them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from applicants.services import update_bank_details, verify_bank_details
from payments import selectors, services
from payments.models import PaymentStatus
from tests.applicants.factories import MembershipFactory
from tests.payments.factories import PaymentFactory


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, full_name="Frances Finance")


@pytest.fixture
def changed(db):
    """An organisation whose owner has just given new bank details, with a payment due."""
    owner = MembershipFactory(role=MembershipRole.OWNER)
    organisation = owner.organisation
    update_bank_details(organisation=organisation, actor=owner.user, account_name="Village Hall",
                        sort_code="309430", account_number="00733445")
    organisation.refresh_from_db()
    payment = PaymentFactory(instalment__award__application__organisation=organisation)
    return organisation, payment


def test_a_payment_to_unchecked_details_is_not_payable_and_says_why(changed, finance):
    organisation, payment = changed
    assert payment not in selectors.payable_payments()
    [blocked] = selectors.blocked_payments()
    assert blocked == payment and "bank details have not been checked" in blocked.blocked_reason


def test_a_crafted_run_of_an_unchecked_payment_is_refused(changed, finance):
    _, payment = changed
    with pytest.raises(ValidationError) as refused:
        services.create_payment_run(actor=finance, payment_ids=[payment.pk, 999999])
    assert refused.value.messages == [
        f"{payment.instalment.award.reference} instalment 1: The organisation's bank details "
        "have not been checked since they were given.",
        "There is no payment 999999.",
    ]
    with pytest.raises(ValidationError, match="no payments due"):
        services.create_payment_run(actor=finance)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED


def test_verifying_records_who_and_when_and_makes_the_payment_payable(changed, finance):
    organisation, payment = changed
    verify_bank_details(organisation=organisation, actor=finance,
                        checked_change_at=organisation.bank_details_changed_at)
    organisation.refresh_from_db()
    assert timezone.now() - organisation.bank_details_verified_at < timedelta(minutes=1)
    event = AuditEvent.objects.get(verb="bank_details_verified")
    assert event.actor == finance and event.to_state == "verified"
    assert "00733445" not in str(event.data) and event.data["account_number"] == "*****445"
    assert payment in selectors.payable_payments()


def test_a_change_after_verification_blocks_payments_again(changed, finance):
    organisation, payment = changed
    verify_bank_details(organisation=organisation, actor=finance,
                        checked_change_at=organisation.bank_details_changed_at)
    owner = organisation.memberships.get().user
    update_bank_details(organisation=organisation, actor=owner, account_name="Village Hall",
                        sort_code="309430", account_number="99999999")
    assert payment not in selectors.payable_payments()
    # Details changed behind the verifier's back (a stale timestamp) also count as unchecked.
    type(organisation).objects.filter(pk=organisation.pk).update(
        bank_details_verified_at=timezone.now() - timedelta(days=1)
    )
    assert payment not in selectors.payable_payments()


def test_a_check_of_details_that_changed_meanwhile_is_refused(changed, finance):
    organisation, _ = changed
    seen = organisation.bank_details_changed_at - timedelta(minutes=5)
    with pytest.raises(ValidationError, match="changed while you were checking"):
        verify_bank_details(organisation=organisation, actor=finance, checked_change_at=seen)


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.APPROVER, Role.APPLICANT,
                                  Role.ADMINISTRATOR])
def test_only_finance_can_verify(changed, make_user, role):
    organisation, _ = changed
    with pytest.raises(PermissionDenied):
        verify_bank_details(organisation=organisation, actor=make_user(role),
                            checked_change_at=organisation.bank_details_changed_at)
    organisation.refresh_from_db()
    assert organisation.bank_details_verified_at is None


def test_finance_cannot_verify_their_own_organisations_details(changed, finance):
    organisation, _ = changed
    MembershipFactory(organisation=organisation, user=finance, role=MembershipRole.VIEWER)
    with pytest.raises(PermissionDenied, match="another member of finance"):
        verify_bank_details(organisation=organisation, actor=finance,
                            checked_change_at=organisation.bank_details_changed_at)


def test_finance_sees_the_full_details_and_verifies_by_confirming(changed, finance, client_as):
    organisation, _ = changed
    client = client_as(finance)
    listing = client.get(reverse("payments:bank_check_list")).content.decode()
    assert organisation.name in listing
    url = reverse("payments:bank_check", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert "30-94-30" in page and "00733445" in page

    changed_at = organisation.bank_details_changed_at.isoformat()
    unconfirmed = client.post(url, {"changed_at": changed_at}).content.decode()
    assert "Confirm that you have checked the bank details" in unconfirmed
    organisation.refresh_from_db()
    assert organisation.bank_details_awaiting_check

    response = client.post(url, {"changed_at": changed_at, "confirm": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert not organisation.bank_details_awaiting_check
    listing = client.get(reverse("payments:bank_check_list")).content.decode()
    assert "bank details are checked" in listing
    assert organisation.name not in listing.split('id="bank-checks"')[1]
    assert "by Frances Finance" in client.get(url).content.decode()


def test_the_run_building_page_lists_blocked_payments_with_the_reason(changed, finance, client_as):
    organisation, payment = changed
    ready = PaymentFactory()
    html = client_as(finance).get(reverse("payments:run_build")).content.decode()
    payable = html.split('id="payable"')[1].split("</table>")[0]
    blocked = html.split('id="blocked"')[1].split("</table>")[0]
    assert ready.instalment.award.application.reference in payable
    assert payment.instalment.award.application.reference not in payable
    assert payment.instalment.award.application.reference in blocked
    assert "bank details have not been checked" in blocked
    assert reverse("payments:bank_check", args=[organisation.pk]) in blocked


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.APPROVER, Role.APPLICANT,
                                  Role.ASSESSOR])
def test_other_roles_never_see_full_bank_details(changed, client_as, make_user, role):
    organisation, _ = changed
    client = client_as(make_user(role))
    assert client.get(reverse("payments:bank_check_list")).status_code == 403
    response = client.get(reverse("payments:bank_check", args=[organisation.pk]))
    assert response.status_code == 403 and b"00733445" not in response.content
    response = client.post(reverse("payments:bank_check", args=[organisation.pk]),
                           {"confirm": "on"})
    assert response.status_code == 403


def test_an_administrator_can_neither_see_full_details_nor_verify(changed, client_as, make_user):
    organisation, _ = changed
    client = client_as(make_user(Role.ADMINISTRATOR))
    url = reverse("payments:bank_check", args=[organisation.pk])
    response = client.get(url)
    assert response.status_code == 403 and "00733445" not in response.content.decode()
    response = client.post(url, {"changed_at": organisation.bank_details_changed_at.isoformat(),
                                 "confirm": "on"})
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.bank_details_awaiting_check


def test_the_bank_check_list_uses_the_same_queries_for_more_rows(
    finance, client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(finance)

    def organisations(n):
        for _ in range(n):
            owner = MembershipFactory(role=MembershipRole.OWNER)
            update_bank_details(organisation=owner.organisation, actor=owner.user,
                                account_name="Hall", sort_code="309430",
                                account_number="00733445")

    organisations(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:bank_check_list"))
    organisations(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("payments:bank_check_list")).content.decode()
    assert html.count("Check<span") == 7


def test_the_run_building_page_uses_the_same_queries_for_more_rows(
    finance, client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def payments(n):
        for _ in range(n):
            PaymentFactory()
            owner = MembershipFactory(role=MembershipRole.OWNER)
            update_bank_details(organisation=owner.organisation, actor=owner.user,
                                account_name="Hall", sort_code="309430",
                                account_number="00733445")
            PaymentFactory(instalment__award__application__organisation=owner.organisation)

    client = client_as(finance)
    payments(1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:run_build"))
    payments(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("payments:run_build")).content.decode()
    assert "Payments due that cannot be paid yet (5)" in html


def test_a_payment_to_an_organisation_without_bank_details_says_so(db):
    payment = PaymentFactory(
        instalment__award__application__organisation__bank_account_number="",
        instalment__award__application__organisation__bank_sort_code="",
        instalment__award__application__organisation__bank_details_verified_at=None,
    )
    [blocked] = selectors.blocked_payments()
    assert blocked == payment
    assert blocked.blocked_reason == "The organisation has not given its bank details"
