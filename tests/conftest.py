"""Fixtures every app's tests may use. App-specific ones live beside their tests."""

import pytest
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django.core.cache import cache
from django.test import Client, RequestFactory

from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """
    Each test starts with an empty cache: its database starts again, so a
    figure cached by an earlier test under the same version would be wrong.
    """
    cache.clear()


@pytest.fixture
def make_user(db):
    """`make_user(Role.FINANCE)` makes a user holding those roles."""

    def make(*roles, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


def confirm_identity(client: Client, user) -> None:
    """
    Record in the client's session that `user` has just confirmed their
    password, through allauth's own reauthentication flow, as the "Confirm
    it is you" page does. Sensitive actions (bank details, approving a
    payment run) then go ahead for the next few minutes.
    """
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    reauthenticate_by_password(request)
    request.session.save()


@pytest.fixture
def client_as(db):
    """
    `client_as(user)` is a test client signed in as that user, who has
    just confirmed who they are. `client_as(user, confirmed=False)` leaves
    the session stale, to test that sensitive actions ask again.
    """

    def make(user, *, confirmed=True):
        client = Client()
        client.force_login(user)
        if confirmed:
            confirm_identity(client, user)
        return client

    return make
