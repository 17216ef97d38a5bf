"""Sessions end after a working day; weak passwords are refused with a clear message."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role


def test_a_session_ends_eight_hours_after_sign_in(client_as, make_user):
    client = client_as(make_user(Role.FINANCE))
    assert client.get(reverse("payments:summary")).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=8, minutes=1)):
        response = client.get(reverse("payments:summary"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_session_cookie_is_not_kept_after_the_browser_closes(client, make_user):
    user = make_user(Role.APPLICANT, email="sam@example.org")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "a-test-password-2026"}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and not cookie["expires"] and not cookie["max-age"]


@pytest.mark.parametrize(
    "password,message",
    [
        ("short1", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("8452097310", "This password is entirely numeric."),
        ("sam.volunteer", "The password is too similar to the email address."),
    ],
)
def test_weak_passwords_are_refused_at_sign_up(client, db, password, message):
    response = client.post(
        reverse("account_signup"),
        {"email": "sam.volunteer@example.org", "password1": password, "password2": password},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert not User.objects.filter(email="sam.volunteer@example.org").exists()
