from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from accounts.permissions import ApplicantRequiredMixin, OfficerRequiredMixin, SignedInMixin
from applicants.selectors import memberships_for_user

from .forms import PreferencesForm
from .selectors import failed_messages, messages_for_user
from .services import set_notification_preference, set_round_opening_alerts


class MessageListView(SignedInMixin, TemplateView):
    """The messages the service has sent to the signed-in person."""

    template_name = "notifications/message_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(messages_for_user(self.request.user), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class FailedMessageListView(OfficerRequiredMixin, TemplateView):
    """
    Emails that could not be sent (an address refused, or retries used up),
    so that an officer can contact the person another way.
    """

    template_name = "notifications/failed_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(failed_messages(), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class PreferencesView(ApplicantRequiredMixin, FormView):
    """
    A member's email preferences for each of their organisations. Owners
    keep receiving essential messages (decisions, offers, payments,
    requests for changes) whatever they choose here; the page says so.
    """

    template_name = "notifications/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "memberships": memberships_for_user(self.request.user)}

    @transaction.atomic
    def form_valid(self, form):
        for membership, receives, rounds in form.rows:
            set_notification_preference(
                membership=membership,
                actor=self.request.user,
                receives=form.cleaned_data[receives.name],
            )
            if rounds is not None:
                set_round_opening_alerts(
                    organisation=membership.organisation,
                    actor=self.request.user,
                    wanted=form.cleaned_data[rounds.name],
                )
        messages.success(self.request, "Your email preferences have been saved.")
        return redirect("notifications:preferences")
