"""Staff must use two-step verification; applicants are not asked to."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from accounts.roles import Role
from tests.accounts.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def require_mfa(settings):
    settings.STAFF_MFA_REQUIRED = True


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client_as):
    officer = UserFactory(roles=[Role.GRANT_OFFICER])
    response = client_as(officer).get(reverse("grants:officer_home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR])
def test_every_staff_role_must_set_it_up(role, client_as):
    response = client_as(UserFactory(roles=[role])).get("/finance/")
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_applicants_are_not_asked_for_two_step_verification(client_as):
    applicant = UserFactory(roles=[Role.APPLICANT])
    assert client_as(applicant).get(reverse("grants:dashboard")).status_code == 200


def test_a_new_officer_signs_in_sets_it_up_and_then_gets_in(client):
    officer = UserFactory(email="new.officer@example.org", roles=[Role.GRANT_OFFICER])
    client.post(reverse("account_login"), {"login": officer.email, "password": TEST_PASSWORD})
    assert client.get(reverse("grants:officer_home")).url == reverse("mfa_activate_totp")
    # Setting up asks for the password once more, as any security change does.
    assert client.get(reverse("mfa_activate_totp")).url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("grants:officer_home")).status_code == 200


def test_staff_sign_in_asks_for_the_code_after_the_password(client):
    officer = UserFactory(email="officer@example.org", roles=[Role.GRANT_OFFICER])
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    response = client.post(
        reverse("account_login"), {"login": officer.email, "password": TEST_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(officer.pk)
    assert client.get(reverse("grants:officer_home")).status_code == 200


def test_a_recovery_code_signs_in_once(client):
    officer = UserFactory(email="officer@example.org", roles=[Role.GRANT_OFFICER])
    TOTP.activate(officer, generate_totp_secret())
    code = RecoveryCodes.activate(officer).get_unused_codes()[0]
    client.post(reverse("account_login"), {"login": officer.email, "password": TEST_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.session["_auth_user_id"] == str(officer.pk)
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": officer.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert re.search(r"(?i)incorrect|not right", response.content.decode())
