"""
Who may use a view. Every view in the project declares its rule with one of
these mixins (or the `role_required` decorator); nothing is open by default.
"""

from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from .roles import Role, has_role


class RoleRequiredMixin(LoginRequiredMixin, AccessMixin):
    """Signed-in users holding at least one of `allowed_roles`; others get 403."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed_roles:
            raise PermissionDenied("This page has no access rule.")
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your account does not have access to this page.")
        return super().dispatch(request, *args, **kwargs)


class ApplicantRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.APPLICANT,)


class OfficerRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.GRANT_OFFICER, Role.ADMINISTRATOR)


class AssessorRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.ASSESSOR,)


class ApproverRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.APPROVER,)


class FinanceRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.FINANCE, Role.ADMINISTRATOR)


class SignedInMixin(LoginRequiredMixin):
    """Any signed-in person; the view must still scope what it shows."""


class PublicMixin:
    """Open to everyone, signed in or not: stated explicitly, never assumed."""

    public = True


def public(view):
    """Mark a function view as open to everyone (the counterpart of PublicMixin)."""
    view.public = True
    return view
