"""
Who may use a view. Every view in the project declares its rule with one of
these mixins (or the `role_required` decorator); nothing is open by default.
"""

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator

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


class FinanceOnlyMixin(RoleRequiredMixin):
    """Finance alone: administrators may read finance pages, but not full bank details."""

    allowed_roles = (Role.FINANCE,)


class AdministratorRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.ADMINISTRATOR,)


class SignedInMixin(LoginRequiredMixin):
    """Any signed-in person; the view must still scope what it shows."""


class PublicMixin:
    """Open to everyone, signed in or not: stated explicitly, never assumed."""

    public = True


def public(view):
    """Mark a function view as open to everyone (the counterpart of PublicMixin)."""
    view.public = True
    return view


def recent_authentication_required(*method_names: str):
    """
    Class decorator for views whose `method_names` handlers (for example
    "get", "post") do something sensitive: the person must have confirmed
    who they are within ACCOUNT_REAUTHENTICATION_TIMEOUT, through
    django-allauth's reauthentication (password, or the authenticator app
    for people who have one). A stale session is sent to confirm; a POST
    is kept by allauth and replayed afterwards, so nothing typed is lost.

    The check wraps the handlers, not `dispatch`, so the view's access
    rule answers first: someone who may not use the page gets the same
    403 or 404 whether or not they signed in recently.
    """

    def decorate(view_class):
        for name in method_names:
            view_class = method_decorator(reauthentication_required, name=name)(view_class)
        return view_class

    return decorate
