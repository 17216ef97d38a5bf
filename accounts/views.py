import json

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from . import selectors, services
from .filters import AuditEventFilter
from .forms import SubjectAccessForm
from .permissions import AdministratorRequiredMixin, PublicMixin
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


class AuditLogView(AdministratorRequiredMixin, TemplateView):
    """
    The audit log, newest first, filtered by who, what, which kind of
    record and when. Read-only: rows are only ever added, by services.
    """

    template_name = "accounts/audit_log.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        filterset = AuditEventFilter(self.request.GET or None, queryset=selectors.audit_events())
        # An invalid filter shows its error and no rows, rather than
        # everything, so nobody mistakes the full log for their answer.
        if filterset.is_bound and not filterset.is_valid():
            events = selectors.audit_events().none()
        else:
            events = filterset.qs
        page = Paginator(events, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=filterset.form, page=page, events=page.object_list, page_query=query.urlencode(), **kwargs
        )


class SubjectAccessView(AdministratorRequiredMixin, FormView):
    """Download everything held about a person, as JSON, for a subject access request."""

    template_name = "accounts/subject_access.html"
    form_class = SubjectAccessForm

    def form_valid(self, form):
        subject = form.subject
        data = services.export_subject_data(subject=subject, actor=self.request.user)
        body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        filename = f"subject-access-{subject.pk}-{timezone.localdate():%Y-%m-%d}.json"
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
