from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .roles import is_staff_member

SESSION_KEY = "staff_mfa_confirmed"


class StaffMultiFactorMiddleware:
    """
    Staff (every role but applicant) must have two-step verification set up:
    until they do, every page sends them to set it up. Account pages (sign
    out, the set-up itself) and static files stay reachable.
    """

    exempt_prefixes = ("/accounts/", "/static/", "/healthz/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            messages.info(
                request,
                "Staff accounts must use two-step verification. Set it up with an "
                "authenticator app to continue.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up(self, request) -> bool:
        user = request.user
        if not settings.STAFF_MFA_REQUIRED or not user.is_authenticated:
            return False
        if request.path.startswith(self.exempt_prefixes) or request.session.get(SESSION_KEY):
            return False
        if not is_staff_member(user):
            return False
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            # Remembered for the session, so staff pages cost no extra query.
            request.session[SESSION_KEY] = True
            return False
        return True
