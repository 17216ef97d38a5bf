"""Full bank details: finance alone sees them, after confirming who they are, and every look is audited."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.services import reveal_bank_details
from tests.applicants.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def organisation(db):
    return OrganisationFactory(
        name="Melton Men's Shed", bank_sort_code="401234", bank_account_number="31926819"
    )


def url(organisation):
    return reverse("applicants:bank_details_full", args=[organisation.pk])


def test_finance_sees_the_full_details_and_the_look_is_recorded(client_as, make_user, organisation):
    finance = make_user(Role.FINANCE)
    response = client_as(finance).get(url(organisation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "40-12-34" in html and "31926819" in html
    assert "recorded in the audit log" in html
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(verb="bank_details_viewed")
    assert event.actor == finance and event.object_id == str(organisation.pk)
    assert "31926819" not in str(event.data) and event.data["account_number"] == "*****819"

    client_as(finance).get(url(organisation))
    assert AuditEvent.objects.filter(verb="bank_details_viewed").count() == 2


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.ASSESSOR, Role.GRANT_OFFICER, Role.APPROVER, Role.ADMINISTRATOR]
)
def test_everyone_else_is_refused_and_nothing_is_recorded(client_as, make_user, organisation, role):
    response = client_as(make_user(role)).get(url(organisation))
    assert response.status_code == 403
    assert "31926819" not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="bank_details_viewed").exists()


def test_a_member_of_the_organisation_is_refused_too(client_as, organisation):
    member = MembershipFactory(organisation=organisation).user
    assert client_as(member).get(url(organisation)).status_code == 403


def test_a_stale_finance_session_must_confirm_first(client_as, make_user, organisation):
    response = client_as(make_user(Role.FINANCE), confirmed=False).get(url(organisation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(verb="bank_details_viewed").exists()


def test_the_service_refuses_anyone_but_finance(make_user, organisation):
    with pytest.raises(PermissionDenied):
        reveal_bank_details(organisation=organisation, actor=make_user(Role.ADMINISTRATOR))
    assert not AuditEvent.objects.exists()


def test_an_organisation_that_does_not_exist_is_not_found(client_as, make_user, db):
    response = client_as(make_user(Role.FINANCE)).get(reverse("applicants:bank_details_full", args=[999999]))
    assert response.status_code == 404


def test_finances_bank_check_page_records_every_look_and_refuses_administrators(
    client_as, make_user, organisation
):
    url = reverse("payments:bank_check", args=[organisation.pk])
    finance = make_user(Role.FINANCE)
    response = client_as(finance).get(url)
    assert response.status_code == 200 and "31926819" in response.content.decode()
    assert AuditEvent.objects.get(verb="bank_details_viewed").actor == finance

    refused = client_as(make_user(Role.ADMINISTRATOR)).get(url)
    assert refused.status_code == 403 and "31926819" not in refused.content.decode()
    assert AuditEvent.objects.filter(verb="bank_details_viewed").count() == 1
