"""
Changing bank details and approving a payment run need a recent "Confirm it
is you": a stale session is sent to confirm, nothing changes until it does,
and what was typed is carried through (allauth keeps and replays the POST).
"""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.roles import Role
from applicants.choices import MembershipRole
from payments import services as payment_services
from payments.models import PaymentRunStatus
from tests.accounts.factories import TEST_PASSWORD
from tests.applicants.factories import MembershipFactory
from tests.payments.factories import PaymentFactory

NEW = {"account_name": "Glenfield Carers", "sort_code": "20-98-76", "account_number": "55512987"}

@pytest.fixture
def owner(db):
    membership = MembershipFactory(role=MembershipRole.OWNER)
    organisation = membership.organisation
    organisation.bank_sort_code = "401234"
    organisation.bank_account_number = "31926819"
    organisation.save()
    return membership

def confirm(client, next_url):
    return client.post(
        f"{reverse('account_reauthenticate')}?next={next_url}", {"password": TEST_PASSWORD}
    )

def test_a_stale_session_must_confirm_before_seeing_the_bank_details_form(client_as, owner):
    url = reverse("applicants:bank_details", args=[owner.organisation.pk])
    response = client_as(owner.user, confirmed=False).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_reauthenticate')}?{urlencode({'next': url})}"

def test_a_stale_bank_details_change_waits_for_confirmation_then_goes_through(client_as, owner):
    organisation = owner.organisation
    url = reverse("applicants:bank_details", args=[organisation.pk])
    client = client_as(owner.user, confirmed=False)

    response = client.post(url, NEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    organisation.refresh_from_db()
    assert organisation.bank_account_number == "31926819"

    page = client.get(response["Location"])
    assert "Confirm it is you" in page.content.decode()
    wrong = client.post(response["Location"], {"password": "not-my-password"})
    assert "The password is not right" in wrong.content.decode()
    organisation.refresh_from_db()
    assert organisation.bank_account_number == "31926819"

    # The details typed before confirming are saved once the person confirms.
    confirmed = confirm(client, url)
    assert confirmed.status_code == 302
    organisation.refresh_from_db()
    assert organisation.bank_account_number == "55512987"
    assert organisation.bank_sort_code == "209876"

def test_confirmation_lasts_five_minutes(client_as, owner):
    url = reverse("applicants:bank_details", args=[owner.organisation.pk])
    client = client_as(owner.user)
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)):
        assert client.get(url).status_code == 302

def test_someone_else_is_refused_before_being_asked_to_confirm(client_as, owner):
    outsider = MembershipFactory().user
    url = reverse("applicants:bank_details", args=[owner.organisation.pk])
    assert client_as(outsider, confirmed=False).get(url).status_code == 404

@pytest.fixture
def draft_run(make_user):
    PaymentFactory()
    return payment_services.create_payment_run(actor=make_user(Role.FINANCE))

def test_a_stale_session_cannot_approve_a_payment_run_until_it_confirms(
    client_as, make_user, draft_run
):
    approver = make_user(Role.FINANCE)
    client = client_as(approver, confirmed=False)
    url = reverse("payments:run_approve", args=[draft_run.pk])

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    draft_run.refresh_from_db()
    assert draft_run.status == PaymentRunStatus.DRAFT

    confirm(client, url)
    draft_run.refresh_from_db()
    assert draft_run.status == PaymentRunStatus.APPROVED
    assert draft_run.approved_by == approver

def test_the_run_page_itself_needs_no_confirmation(client_as, make_user, draft_run):
    client = client_as(make_user(Role.FINANCE), confirmed=False)
    assert client.get(reverse("payments:run_detail", args=[draft_run.pk])).status_code == 200
