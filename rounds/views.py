from django.shortcuts import get_object_or_404
from django.views.generic import ListView, TemplateView

from accounts.permissions import PublicMixin
from accounts.roles import Role, has_role
from applicants.selectors import organisations_for_user

from .models import Round, RoundStatus
from .selectors import open_rounds


class RoundListView(PublicMixin, ListView):
    """Rounds open now; public information, so anyone may look."""

    template_name = "rounds/round_list.html"
    context_object_name = "rounds"

    def get_queryset(self):
        return open_rounds()


class RoundDetailView(PublicMixin, TemplateView):
    template_name = "rounds/round_detail.html"

    def get_context_data(self, **kwargs):
        round = get_object_or_404(
            Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT),
            pk=kwargs["pk"],
        )
        return super().get_context_data(
            round=round,
            criteria=round.criteria.all(),
            organisations=(
                organisations_for_user(self.request.user)
                if self.request.user.is_authenticated
                else []
            ),
            enters_for_groups=has_role(self.request.user, Role.GRANT_OFFICER),
            **kwargs,
        )
