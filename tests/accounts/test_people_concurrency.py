"""
Two administrators removing each other at the same instant leave one
administrator, never none: every change to roles and accounts waits on the
administrator group's row lock, then reads who is still an administrator.
Skipped on SQLite, which has no row locks; in CI PostgreSQL is required.
"""

import pytest

from accounts.models import User
from accounts.roles import Role
from accounts.services import deactivate_user, set_roles
from tests.payments.test_payment_run_concurrency import at_the_same_instant, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def active_administrators() -> int:
    return User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True).count()


def test_two_administrators_removing_each_others_role_at_once_leave_one(make_user):
    require_postgresql()
    ada, bea = make_user(Role.ADMINISTRATOR), make_user(Role.ADMINISTRATOR)

    outcomes = at_the_same_instant(
        lambda: set_roles(user=bea, roles=[], actor=ada),
        lambda: set_roles(user=ada, roles=[], actor=bea),
    )

    assert outcomes == ["PermissionDenied", "done"]
    assert active_administrators() == 1


def test_two_administrators_deactivating_each_other_at_once_leave_one(make_user):
    require_postgresql()
    ada, bea = make_user(Role.ADMINISTRATOR), make_user(Role.ADMINISTRATOR)

    outcomes = at_the_same_instant(
        lambda: deactivate_user(user=bea, actor=ada),
        lambda: deactivate_user(user=ada, actor=bea),
    )

    assert outcomes == ["PermissionDenied", "done"]
    assert active_administrators() == 1
