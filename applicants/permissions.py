"""
Object-level rules about organisations, used by services, selectors and views.

Members act for their organisation by role: owners manage members, owners and
editors change details, viewers only read. Grant officers may also change an
organisation's profile, access needs and documents and invite its first
members, because they enter organisations for groups that cannot apply online
(assisted digital); bank details are changed only by the group itself.
"""

from accounts.models import User
from accounts.roles import Role, has_role

from .choices import MembershipRole
from .models import Membership, Organisation

EDITING_ROLES = frozenset({MembershipRole.OWNER, MembershipRole.EDITOR})

# Staff who may read an organisation's documents without being a member.
DOCUMENT_READER_ROLES = (Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR)


def membership_role(user: User, organisation: Organisation) -> str | None:
    """The user's role in the organisation, or None if they are not a member."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    """Profile, access needs and documents."""
    return membership_role(user, organisation) in EDITING_ROLES or has_role(
        user, Role.GRANT_OFFICER
    )


def can_change_bank_details(user: User, organisation: Organisation) -> bool:
    return membership_role(user, organisation) in EDITING_ROLES


def can_manage_members(user: User, organisation: Organisation) -> bool:
    return membership_role(user, organisation) == MembershipRole.OWNER


def can_invite_members(user: User, organisation: Organisation) -> bool:
    if can_manage_members(user, organisation):
        return True
    # An officer who entered a group's organisation invites its first owner;
    # once it has members, they manage their own membership.
    return has_role(user, Role.GRANT_OFFICER) and not organisation.memberships.exists()
