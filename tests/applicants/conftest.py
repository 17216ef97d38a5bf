"""Fixtures for organisation tests: an organisation with an owner, and people to add to it."""

import pytest

from accounts.roles import Role
from applicants.choices import MembershipRole
from tests.accounts.factories import UserFactory
from tests.applicants.factories import MembershipFactory


@pytest.fixture
def owner(db):
    """The owner's membership of an organisation with verified bank details."""
    return MembershipFactory(role=MembershipRole.OWNER)


@pytest.fixture
def organisation(owner):
    return owner.organisation


@pytest.fixture
def add_member(db):
    """`add_member(organisation, "editor")` adds an applicant with that role; returns the membership."""

    def add(organisation, role=MembershipRole.EDITOR, **user_fields):
        user = UserFactory(roles=[Role.APPLICANT], **user_fields)
        return MembershipFactory(user=user, organisation=organisation, role=role)

    return add


@pytest.fixture
def other_owner(db):
    """The owner of a second, unrelated organisation."""
    return MembershipFactory(role=MembershipRole.OWNER)
