"""Repeated wrong passwords pause signing in for that address from that place."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import TEST_PASSWORD, UserFactory


def sign_in(client, email, password, ip="203.0.113.5"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_five_failures_lock_the_address_and_say_so_plainly(client):
    UserFactory(email="volunteer@example.org")
    for _ in range(5):
        sign_in(client, "volunteer@example.org", "wrong-password")
    response = sign_in(client, "volunteer@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert "You have tried to sign in too many times" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(client):
    UserFactory(email="volunteer@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            sign_in(client, "volunteer@example.org", "wrong-password")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert sign_in(client, "volunteer@example.org", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_lock_for_one_address_does_not_stop_other_people(client):
    UserFactory(email="volunteer@example.org")
    UserFactory(email="treasurer@example.org")
    for _ in range(5):
        sign_in(client, "volunteer@example.org", "wrong-password")
    assert sign_in(client, "treasurer@example.org", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_four_failures_then_success_starts_the_count_again(client):
    UserFactory(email="volunteer@example.org")
    for _ in range(4):
        sign_in(client, "volunteer@example.org", "wrong-password")
    assert sign_in(client, "volunteer@example.org", TEST_PASSWORD).status_code == 302
    client.post(reverse("account_logout"))
    for _ in range(4):
        sign_in(client, "volunteer@example.org", "wrong-password")
    assert sign_in(client, "volunteer@example.org", TEST_PASSWORD).status_code == 302
