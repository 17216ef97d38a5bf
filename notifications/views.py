from django.core.paginator import Paginator
from django.views.generic import TemplateView

from accounts.permissions import OfficerRequiredMixin, SignedInMixin

from .selectors import failed_messages, messages_for_user


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
