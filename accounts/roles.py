"""
The six roles of the service, held as Django groups.

A role is a group so that administrators manage people in the admin with the
tools they already know; code asks `has_role(user, Role.FINANCE)` rather than
looking at group names.
"""

from django.db import models


class Role(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    ASSESSOR = "assessor", "Assessor"
    GRANT_OFFICER = "grant_officer", "Grant officer"
    APPROVER = "approver", "Approver"
    FINANCE = "finance", "Finance"
    ADMINISTRATOR = "administrator", "Administrator"


STAFF_ROLES = frozenset(
    {Role.ASSESSOR, Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR}
)


def role_names(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(role_names(user) & {str(r) for r in roles})


def is_staff_member(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def roles_of(user) -> list[Role]:
    """
    The user's roles in the order of `Role`, read from `user.groups.all()`
    so that a list of people with prefetched groups needs no query per row.
    """
    names = {group.name for group in user.groups.all()}
    return [role for role in Role if role.value in names]
