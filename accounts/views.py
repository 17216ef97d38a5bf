import json

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from config.views import add_service_errors

from . import selectors, services
from .filters import AuditEventFilter, PeopleFilter
from .forms import RolesForm, StaffMemberForm, SubjectAccessForm
from .models import User
from .permissions import AdministratorRequiredMixin, PublicMixin, recent_authentication_required
from .roles import Role, has_role, roles_of


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


# --- People and roles ------------------------------------------------------------


def _describe(event) -> str:
    """"role_granted" with {"role": "assessor"} reads "Role granted: assessor"."""
    text = event.verb.replace("_", " ").capitalize()
    role = event.data.get("role") if isinstance(event.data, dict) else None
    if role in Role.values:
        text += f": {Role(role).label.lower()}"
    return text


def _and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class PeopleView(AdministratorRequiredMixin, TemplateView):
    """Everyone with an account: found by name or email, filtered by role and status."""

    template_name = "accounts/people.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        filterset = PeopleFilter(self.request.GET or None, queryset=selectors.people())
        if filterset.is_bound and not filterset.is_valid():
            people = selectors.people().none()
        else:
            people = filterset.qs
        page = Paginator(people, self.paginate_by).get_page(self.request.GET.get("page"))
        rows = [(person, roles_of(person)) for person in page.object_list]
        return super().get_context_data(
            form=filterset.form, page=page, rows=rows, filtered=filterset.is_bound, **kwargs
        )


class PersonMixin(AdministratorRequiredMixin):
    @cached_property
    def person(self) -> User:
        return selectors.get_person(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)


@recent_authentication_required("post")
class PersonView(PersonMixin, FormView):
    """One person's account: their roles (changed here), status and latest changes."""

    template_name = "accounts/person.html"
    form_class = RolesForm

    def get_initial(self):
        return {"roles": [role.value for role in roles_of(self.person)]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            roles=roles_of(self.person),
            events=[(event, _describe(event)) for event in selectors.audit_events_about(self.person)],
            user_type=ContentType.objects.get_for_model(User),
            **kwargs,
        )

    def form_valid(self, form):
        person = self.person
        try:
            changes = services.set_roles(
                user=person, roles=form.cleaned_data["roles"], actor=self.request.user
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("roles", message)
            return self.form_invalid(form)
        if changes:
            parts = [
                f"{verb} {_and_list([role.label.lower() for role in roles])}"
                for verb, roles in [("added", changes.granted), ("removed", changes.revoked)]
                if roles
            ]
            messages.success(self.request, f"Roles saved for {person.display_name}: {'; '.join(parts)}.")
        else:
            messages.info(self.request, f"Nothing changed: {person.display_name} has the same roles.")
        return redirect("accounts:person", pk=person.pk)


@recent_authentication_required("post")
class AddStaffMemberView(AdministratorRequiredMixin, FormView):
    template_name = "accounts/person_add.html"
    form_class = StaffMemberForm

    def form_valid(self, form):
        try:
            person = services.add_staff_member(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{person.display_name} has been added. We have emailed {person.email} a link to set "
            "their password.",
        )
        return redirect("accounts:person", pk=person.pk)


@recent_authentication_required("post")
class PersonStatusView(PersonMixin, TemplateView):
    """Confirm, then deactivate (or reactivate) a person's account."""

    template_name = "accounts/person_status.html"
    deactivate = True

    def get_context_data(self, **kwargs):
        problem = (
            services.deactivation_problem(user=self.person, actor=self.request.user)
            if self.deactivate else None
        )
        return super().get_context_data(deactivate=self.deactivate, problem=problem, **kwargs)

    def post(self, request, *args, **kwargs):
        person = self.person
        service = services.deactivate_user if self.deactivate else services.reactivate_user
        try:
            service(user=person, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:person", pk=person.pk)
        if self.deactivate:
            done = "deactivated. They cannot sign in"
        else:
            done = "reactivated. They can sign in again"
        messages.success(request, f"{person.display_name}’s account has been {done}.")
        return redirect("accounts:person", pk=person.pk)
