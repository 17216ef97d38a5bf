from django.shortcuts import redirect
from django.views.generic import TemplateView

from .permissions import PublicMixin
from .roles import Role, has_role


class HomeView(PublicMixin, TemplateView):
    """The start page for visitors; signed-in people go to their own home."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            for role, url_name in [
                (Role.GRANT_OFFICER, "grants:officer_home"),
                (Role.ADMINISTRATOR, "grants:officer_home"),
                (Role.APPROVER, "grants:approver_queue"),
                (Role.ASSESSOR, "grants:assessor_queue"),
                (Role.FINANCE, "payments:summary"),
                (Role.APPLICANT, "grants:dashboard"),
            ]:
                if has_role(user, role):
                    return redirect(url_name)
        return super().get(request, *args, **kwargs)
