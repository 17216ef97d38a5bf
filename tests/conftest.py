"""Fixtures every app's tests may use. App-specific ones live beside their tests."""

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory


@pytest.fixture
def make_user(db):
    """`make_user(Role.FINANCE)` makes a user holding those roles."""

    def make(*roles, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def client_as(db):
    """`client_as(user)` is a test client signed in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make

