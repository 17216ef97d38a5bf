"""Accounts: clear messages for every failure, and no way to learn who has an account."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role, has_role
from tests.accounts.factories import TEST_PASSWORD, UserFactory

PASSWORD = "a-long-enough-password-42"


def page_of(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_signing_up_makes_an_applicant_who_must_confirm_their_email(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Person@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert has_role(user, Role.APPLICANT)
    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    # Before confirming, signing in is not possible.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "/accounts/confirm-email/" in response.url
    client.post(link)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.url == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,message",
    [
        ({"email": "", "password1": PASSWORD, "password2": PASSWORD}, "Enter your email address"),
        (
            {"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD},
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "a@example.org", "password1": "", "password2": ""}, "Enter a password"),
        ({"email": "a@example.org", "password1": "short", "password2": "short"}, "at least 10"),
        (
            {"email": "a@example.org", "password1": PASSWORD, "password2": PASSWORD + "x"},
            "You must type the same password each time",
        ),
    ],
)
def test_sign_up_problems_are_explained_and_the_email_is_kept(client, data, message):
    response = client.post(reverse("account_signup"), data)
    page = page_of(response)
    assert response.status_code == 200
    assert message in page
    assert "There is a problem" in page
    if data["email"]:
        assert f'value="{data["email"]}"' in page


@pytest.mark.django_db
def test_signing_up_with_a_taken_email_does_not_reveal_the_account(client):
    existing = UserFactory(email="taken@example.org")
    response = client.post(
        reverse("account_signup"),
        {"email": "taken@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    # The same next page as a fresh sign-up; the owner is told by email instead.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email="taken@example.org").count() == 1
    assert mail.outbox[-1].to == [existing.email]


@pytest.mark.django_db
def test_password_reset_looks_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


@pytest.mark.django_db
def test_a_wrong_password_gets_a_plain_message(client):
    UserFactory(email="person@example.org")
    response = client.post(
        reverse("account_login"), {"login": "person@example.org", "password": "wrong-password"}
    )
    assert "The email address or password is not right" in page_of(response)
    response = client.post(
        reverse("account_login"), {"login": "person@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_an_empty_sign_in_says_what_to_enter(client):
    page = page_of(client.post(reverse("account_login"), {"login": "", "password": ""}))
    assert "Enter your email address" in page
    assert "Enter your password" in page
