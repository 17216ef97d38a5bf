"""Object-level rules about applications, used by services and selectors."""

from accounts.models import User
from accounts.roles import Role, has_role
from applicants.choices import MembershipRole
from applicants.models import Membership, Organisation

EDITING_ROLES = (MembershipRole.OWNER, MembershipRole.EDITOR)

# Staff who may read any submitted application and its attachments. An
# assessor may read only what they are assigned to and not conflicted on.
APPLICATION_READER_ROLES = (Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR)


def can_edit_for_organisation(user: User, organisation: Organisation) -> bool:
    """Owners and editors act for their organisation; officers may act for any (assisted digital)."""
    if has_role(user, Role.GRANT_OFFICER):
        return True
    return Membership.objects.filter(
        user=user, organisation=organisation, role__in=EDITING_ROLES
    ).exists()


def can_edit_application(user: User, application) -> bool:
    """
    The organisation's owners and editors, and the grant officer who entered
    the application for the group (assisted digital). Other officers do not
    change a group's answers.
    """
    if application.entered_by_officer_id == user.pk and has_role(user, Role.GRANT_OFFICER):
        return True
    return Membership.objects.filter(
        user=user, organisation_id=application.organisation_id, role__in=EDITING_ROLES
    ).exists()


def is_member(user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=organisation).exists()
