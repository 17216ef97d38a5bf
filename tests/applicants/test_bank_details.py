"""Bank details: validated, stored encrypted, shown masked, audited masked, re-checked after a change."""

import json
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from applicants.models import Organisation
from applicants.services import update_bank_details
from applicants.validators import normalise_account_number, normalise_sort_code
from notifications.models import Notification
from tests.applicants.factories import OrganisationFactory

NEW = {"account_name": "Braunstone Lunch Club", "sort_code": "209876", "account_number": "55512987"}


@pytest.fixture
def verified(owner):
    organisation = owner.organisation
    organisation.bank_sort_code = "401234"
    organisation.bank_account_number = "31926819"
    organisation.bank_details_verified_at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    organisation.save()
    return owner


def post(client, organisation, **data):
    return client.post(reverse("applicants:bank_details", args=[organisation.pk]), {**NEW, **data})


@pytest.mark.parametrize("typed", ["12-34-56", "12 34 56", "123456", " 12-34 56 ", "12–34–56"])
def test_sort_codes_are_read_as_people_write_them(typed):
    assert normalise_sort_code(typed) == "123456"


@pytest.mark.parametrize("typed", ["1234 5678", "12345678", " 1234  5678 "])
def test_account_numbers_may_have_spaces(typed):
    assert normalise_account_number(typed) == "12345678"


@pytest.mark.parametrize(
    "field,typed,message",
    [
        ("sort_code", "", "Enter a sort code"),
        ("sort_code", "12345", "Enter a valid sort code of 6 digits, like 30-94-30"),
        ("sort_code", "1234567", "Enter a valid sort code of 6 digits, like 30-94-30"),
        ("sort_code", "12/34/56", "Enter a valid sort code of 6 digits, like 30-94-30"),
        ("sort_code", "١٢٣٤٥٦", "Enter a valid sort code of 6 digits, like 30-94-30"),
        ("account_number", "", "Enter an account number"),
        ("account_number", "1234567", "The account number must be 8 digits long, like 00733445"),
        ("account_number", "123456789", "The account number must be 8 digits long, like 00733445"),
        ("account_number", "1234-5678", "Enter the account number using numbers only, like 00733445"),
        ("account_number", "abcdefgh", "Enter the account number using numbers only, like 00733445"),
        ("account_name", "", "Enter the name on the account"),
        ("account_name", "x" * 101, "The name on the account must be 100 characters or fewer"),
    ],
)
def test_bad_bank_details_get_a_clear_message_and_change_nothing(client_as, verified, field, typed, message):
    organisation = verified.organisation
    response = post(client_as(verified.user), organisation, **{field: typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'href="#id_{field}"' in html
    assert "<title>Error: Bank details" in html
    organisation.refresh_from_db()
    assert organisation.bank_account_number == "31926819"
    assert organisation.bank_details_verified_at is not None
    assert not AuditEvent.objects.filter(verb="bank_details_changed").exists()


def test_a_change_is_stored_encrypted_audited_masked_and_needs_checking_again(
    client_as, verified, add_member, django_capture_on_commit_callbacks
):
    organisation = verified.organisation
    viewer = add_member(organisation, MembershipRole.VIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client_as(verified.user), organisation, sort_code="20-98-76", account_number="5551 2987"
        )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.bank_sort_code == "209876"
    assert organisation.bank_account_number == "55512987"
    assert organisation.bank_details_verified_at is None
    assert organisation.bank_details_changed_at is not None
    assert organisation.bank_details_awaiting_check

    # Encrypted at rest: the digits are not in the table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bank_sort_code, bank_account_number FROM applicants_organisation WHERE id = %s",
            [organisation.pk],
        )
        stored = " ".join(cursor.fetchone())
    assert "209876" not in stored and "55512987" not in stored

    event = AuditEvent.objects.get(verb="bank_details_changed")
    assert event.actor == verified.user
    assert (event.from_state, event.to_state) == ("verified", "awaiting_check")
    assert event.data["account_number"] == {"from": "*****819", "to": "*****987"}
    assert event.data["sort_code"] == {"from": "**-**-**", "to": "**-**-**"}
    assert event.data["verification_cleared"] is True
    serialised = json.dumps(event.data)
    for digits in ["31926819", "55512987", "401234", "209876", "2098", "5551"]:
        assert digits not in serialised

    # Every member is told, the viewer included, and no email has the full number.
    notifications = Notification.objects.filter(kind="bank_details_changed")
    assert {n.to_email for n in notifications} == {verified.user.email, viewer.user.email}
    for notification in notifications:
        assert "55512987" not in notification.body_text and "209876" not in notification.body_text
        assert "ending: 987" in notification.body_text
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [verified.user.email, viewer.user.email]
    )
    assert "bank details" in mail.outbox[0].subject


def test_finance_can_list_the_organisations_whose_changed_details_await_a_check(verified):
    from applicants.selectors import organisations_awaiting_bank_check

    untouched = OrganisationFactory()
    assert list(organisations_awaiting_bank_check()) == []
    update_bank_details(organisation=verified.organisation, actor=verified.user, **NEW)
    assert list(organisations_awaiting_bank_check()) == [verified.organisation]
    assert untouched not in organisations_awaiting_bank_check()


def test_members_are_shown_that_the_council_must_check_the_new_details(client_as, verified, add_member):
    organisation = verified.organisation
    viewer = add_member(organisation, MembershipRole.VIEWER)
    hub = reverse("applicants:detail", args=[organisation.pk])
    assert "Waiting for the council to check" not in client_as(viewer.user).get(hub).content.decode()
    update_bank_details(organisation=organisation, actor=verified.user, **NEW)
    html = client_as(viewer.user).get(hub).content.decode()
    assert "Waiting for the council to check these details" in html


def test_details_never_checked_stay_unchecked_and_are_not_called_re_verified(owner):
    organisation = owner.organisation
    organisation.bank_details_verified_at = None
    organisation.save()
    update_bank_details(organisation=organisation, actor=owner.user, **NEW)
    event = AuditEvent.objects.get(verb="bank_details_changed")
    assert event.from_state == ""
    assert event.data["verification_cleared"] is False
    assert Organisation.objects.get(pk=organisation.pk).bank_details_awaiting_check


def test_saving_the_same_details_changes_nothing_and_emails_nobody(verified):
    organisation = verified.organisation
    update_bank_details(
        organisation=organisation,
        actor=verified.user,
        account_name=organisation.bank_account_name,
        sort_code="401234",
        account_number="31926819",
    )
    organisation.refresh_from_db()
    assert organisation.bank_details_verified_at is not None
    assert not AuditEvent.objects.filter(verb="bank_details_changed").exists()
    assert not Notification.objects.filter(kind="bank_details_changed").exists()


def test_only_owners_and_editors_may_change_bank_details(verified, add_member, make_user):
    organisation = verified.organisation
    editor = add_member(organisation, MembershipRole.EDITOR).user
    update_bank_details(organisation=organisation, actor=editor, **NEW)
    refused = [
        add_member(organisation, MembershipRole.VIEWER).user,
        make_user(Role.APPLICANT),
        make_user(Role.GRANT_OFFICER),
        make_user(Role.FINANCE),
    ]
    for actor in refused:
        with pytest.raises(PermissionDenied):
            update_bank_details(
                organisation=organisation,
                actor=actor,
                account_name="Fraudster",
                sort_code="111111",
                account_number="22222222",
            )
    assert Organisation.objects.get(pk=organisation.pk).bank_account_number == NEW["account_number"]


@pytest.mark.parametrize(
    "field,value", [("sort_code", "12-34-56"), ("account_number", "1234567"), ("account_name", "  ")]
)
def test_the_service_refuses_unnormalised_values(owner, field, value):
    with pytest.raises(ValidationError):
        update_bank_details(organisation=owner.organisation, actor=owner.user, **{**NEW, field: value})


def test_full_numbers_never_appear_on_any_applicant_page(client_as, verified, add_member):
    organisation = verified.organisation
    other = OrganisationFactory(bank_sort_code="665544", bank_account_number="77788899")
    add_member(other, MembershipRole.OWNER, email=verified.user.email)
    client = client_as(verified.user)
    pages = [
        reverse("applicants:list"),
        reverse("applicants:detail", args=[organisation.pk]),
        reverse("applicants:bank_details", args=[organisation.pk]),
        reverse("applicants:members", args=[organisation.pk]),
        reverse("applicants:documents", args=[organisation.pk]),
        reverse("applicants:edit", args=[organisation.pk]),
        reverse("applicants:access_needs", args=[organisation.pk]),
        reverse("applicants:detail", args=[other.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for secret in ["31926819", "3192681", "401234", "40-12-34", "77788899", "665544"]:
            assert secret not in html, (url, secret)
    hub = client.get(reverse("applicants:detail", args=[organisation.pk])).content.decode()
    assert "*****819" in hub and "**-**-**" in hub
    form = client.get(reverse("applicants:bank_details", args=[organisation.pk])).content.decode()
    assert 'name="account_number"' in form and 'name="sort_code"' in form
    assert "*****819" in form


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "account_name": st.text(max_size=150),
            "sort_code": st.text(max_size=20),
            "account_number": st.text(max_size=20),
        },
    )
)
def test_random_bank_details_never_cause_a_server_error_or_lose_the_stored_details(client_as, verified, data):
    organisation = verified.organisation
    before = Organisation.objects.get(pk=organisation.pk)
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    response = client_as(verified.user).post(
        reverse("applicants:bank_details", args=[organisation.pk]), clean
    )
    assert response.status_code in (200, 302)
    after = Organisation.objects.get(pk=organisation.pk)
    if response.status_code == 200:
        assert after.bank_account_number == before.bank_account_number
        assert after.bank_sort_code == before.bank_sort_code
        assert after.bank_account_name == before.bank_account_name
    else:
        assert len(after.bank_account_number) == 8 and after.bank_account_number.isdigit()
