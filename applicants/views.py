"""
Pages for an organisation's members: its hub, profile, access needs, bank
details, documents and members, switching between organisations, and
accepting an invitation. Views parse input, call one service or selector,
and render; the rules live in services.py and permissions.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import (
    ApplicantRequiredMixin,
    FinanceOnlyMixin,
    PublicMixin,
    SignedInMixin,
    recent_authentication_required,
)
from accounts.roles import has_role
from config.views import add_service_errors

from . import selectors, services
from .choices import ContactMethod, MembershipRole
from .forms import (
    AccessNeedsForm,
    BankDetailsForm,
    DocumentUploadForm,
    InvitationForm,
    MemberRoleForm,
    OrganisationForm,
)
from .models import DocumentKind, Membership, Organisation, join_words
from .permissions import EDITING_ROLES
from .selectors import CURRENT_ORGANISATION_SESSION_KEY
from .uploads import download_response


def profile_rows(organisation: Organisation) -> list[dict]:
    """The organisation's profile as summary list rows (value "" means not given)."""
    address = "\n".join(
        line
        for line in (
            organisation.address_line_1,
            organisation.address_line_2,
            organisation.town,
            organisation.postcode,
        )
        if line
    )
    rows = [
        ("Organisation name", organisation.name),
        ("Type of organisation", organisation.get_legal_structure_display()),
        ("Charity number", organisation.charity_number),
        ("Company number", organisation.company_number),
        ("Address", address),
        ("District", organisation.get_district_display()),
        ("Parish", organisation.parish),
        ("Annual income", f"£{organisation.annual_income:,.2f}"),
        ("Communities served", organisation.communities_served),
        ("Volunteers", str(organisation.volunteers_count)),
    ]
    return [{"label": label, "value": value} for label, value in rows]


def access_rows(organisation: Organisation) -> list[dict]:
    methods = [
        ContactMethod(value).label.lower()
        for value in ContactMethod.values
        if value in (organisation.contact_methods or [])
    ]
    rows = [
        ("Formats needed", capfirst(organisation.alternative_formats_display)),
        # The number has its own row here (officers see it beside the method).
        ("Contact by", capfirst(join_words(methods, "or")) or "Email"),
        ("Telephone number", organisation.contact_telephone),
        ("Anything else", organisation.alternative_format_request),
    ]
    return [{"label": label, "value": value} for label, value in rows]


def _make_current(request, organisation: Organisation) -> None:
    request.session[CURRENT_ORGANISATION_SESSION_KEY] = organisation.pk


class OrganisationListView(ApplicantRequiredMixin, TemplateView):
    """The person's organisations, the current one marked, with a switch for the others."""

    template_name = "applicants/organisation_list.html"

    def get_context_data(self, **kwargs):
        current = selectors.current_organisation(self.request)
        return super().get_context_data(
            memberships=selectors.memberships_for_user(self.request.user),
            current_id=current.pk if current else None,
            **kwargs,
        )


class SwitchOrganisationView(ApplicantRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        organisation = selectors.get_organisation_for_member(user=request.user, pk=pk)
        _make_current(request, organisation)
        messages.success(request, f"You are now acting for {organisation.name}.")
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("grants:dashboard")


class OrganisationCreateView(ApplicantRequiredMixin, FormView):
    template_name = "applicants/organisation_form.html"
    form_class = OrganisationForm

    def form_valid(self, form):
        organisation = services.create_organisation(actor=self.request.user, data=form.cleaned_data)
        _make_current(self.request, organisation)
        messages.success(
            self.request,
            f"{organisation.name} has been set up. Add its bank details, documents and any "
            "access needs from the organisation's page.",
        )
        return redirect("grants:dashboard")


class OrganisationMemberMixin(ApplicantRequiredMixin):
    """
    Loads the signed-in person's membership of the organisation in the URL:
    a 404 for anyone who is not a member. `required_roles` narrows who may
    use the page (a member without one of them gets a 403).
    """

    required_roles: frozenset[str] | None = None

    refusal = "Only the organisation's owners and editors can change this."

    def dispatch(self, request, *args, **kwargs):
        # Someone failing the role rule gets the parent's answer (sign in, or
        # 403) before their membership is looked up.
        checks_membership = self.required_roles is not None and has_role(
            request.user, *self.allowed_roles
        )
        if checks_membership and self.membership.role not in self.required_roles:
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def membership(self) -> Membership:
        return selectors.get_membership(user=self.request.user, organisation_pk=self.kwargs["pk"])

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    def get_context_data(self, **kwargs):
        role = self.membership.role
        return super().get_context_data(
            organisation=self.organisation,
            membership=self.membership,
            can_edit=role in EDITING_ROLES,
            is_owner=role == MembershipRole.OWNER,
            **kwargs,
        )

    def hub_url(self) -> str:
        return reverse("applicants:detail", args=[self.organisation.pk])


class OrganisationDetailView(OrganisationMemberMixin, TemplateView):
    """The organisation's hub: profile, access needs, bank details, documents and members."""

    template_name = "applicants/organisation_detail.html"

    def get_context_data(self, **kwargs):
        memberships = list(selectors.memberships_for_user(self.request.user))
        current = selectors.current_organisation(self.request)
        return super().get_context_data(
            profile_rows=profile_rows(self.organisation),
            access_rows=access_rows(self.organisation),
            members=selectors.members_of(self.organisation),
            documents=selectors.group_documents(selectors.current_documents(self.organisation)),
            has_other_organisations=len(memberships) > 1,
            is_current=current is not None and current.pk == self.organisation.pk,
            **kwargs,
        )


class EditingFormView(OrganisationMemberMixin, FormView):
    required_roles = EDITING_ROLES

    def get_success_url(self):
        return self.hub_url()


class OrganisationEditView(EditingFormView):
    template_name = "applicants/organisation_edit.html"
    form_class = OrganisationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": "Save changes"}

    def get_initial(self):
        return model_to_dict(self.organisation, fields=Organisation.PROFILE_FIELDS)

    def form_valid(self, form):
        services.update_organisation_profile(
            organisation=self.organisation, actor=self.request.user, data=form.cleaned_data
        )
        messages.success(self.request, "Your organisation's details have been saved.")
        return super().form_valid(form)


class AccessNeedsView(EditingFormView):
    template_name = "applicants/access_needs_form.html"
    form_class = AccessNeedsForm

    def get_initial(self):
        return model_to_dict(self.organisation, fields=Organisation.ACCESS_NEEDS_FIELDS)

    def form_valid(self, form):
        services.update_access_needs(
            organisation=self.organisation, actor=self.request.user, data=form.cleaned_data
        )
        messages.success(self.request, "Your access needs and contact preferences have been saved.")
        return super().form_valid(form)


@recent_authentication_required("get", "post")
class BankDetailsView(EditingFormView):
    template_name = "applicants/bank_details_form.html"
    form_class = BankDetailsForm

    def get_initial(self):
        # The account name only: the numbers are never sent back to the
        # browser, so the form asks for them in full each time.
        return {"account_name": self.organisation.bank_account_name}

    def form_valid(self, form):
        before = self.organisation.bank_details_changed_at
        try:
            organisation = services.update_bank_details(
                organisation=self.organisation, actor=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if organisation.bank_details_changed_at == before:
            messages.success(self.request, "Your bank details have not changed.")
        else:
            messages.success(
                self.request,
                "Your bank details have been saved. We have emailed everyone in your "
                "organisation to tell them.",
            )
        return super().form_valid(form)


@recent_authentication_required("get")
class FullBankDetailsView(FinanceOnlyMixin, TemplateView):
    """
    Finance's view of an organisation's full bank details. Each GET is
    recorded in the audit log, and the page is never cached by the browser.
    """

    template_name = "applicants/bank_details_full.html"

    def get_context_data(self, **kwargs):
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"])
        details = services.reveal_bank_details(organisation=organisation, actor=self.request.user)
        sort_code = details["sort_code"]
        return super().get_context_data(
            organisation=organisation,
            details=details,
            sort_code=f"{sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]}" if sort_code else "",
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


# --- Documents ----------------------------------------------------------------


class DocumentsView(OrganisationMemberMixin, TemplateView):
    template_name = "applicants/documents.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            documents=selectors.group_documents(selectors.documents_of(self.organisation)),
            **kwargs,
        )


class DocumentUploadView(EditingFormView):
    template_name = "applicants/document_upload.html"
    form_class = DocumentUploadForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in DocumentKind.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kwargs["kind"]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind_label=DocumentKind(self.kwargs["kind"]).label, **kwargs)

    def form_valid(self, form):
        try:
            document = services.upload_organisation_document(
                organisation=self.organisation,
                actor=self.request.user,
                kind=self.kwargs["kind"],
                uploaded=form.cleaned_data["file"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{document.original_name} has been uploaded as your "
            f"{document.get_kind_display().lower()}. Your applications will use it.",
        )
        return redirect("applicants:documents", pk=self.organisation.pk)


class DocumentDownloadView(SignedInMixin, View):
    """
    Open to signed-in people; the selector serves the document only to its
    organisation's members and to the staff who read applications.
    """

    def get(self, request, document_pk):
        document = selectors.get_document_for_user(user=request.user, pk=document_pk)
        return download_response(
            file=document.file, name=document.original_name, content_type=document.content_type
        )


# --- Members and invitations --------------------------------------------------


class OwnerMixin(OrganisationMemberMixin):
    required_roles = frozenset({MembershipRole.OWNER})
    refusal = "Only the organisation's owners can manage its members."

    def members_url(self) -> str:
        return reverse("applicants:members", args=[self.organisation.pk])


class MembersView(OrganisationMemberMixin, TemplateView):
    template_name = "applicants/members.html"

    def get_context_data(self, **kwargs):
        is_owner = self.membership.role == MembershipRole.OWNER
        return super().get_context_data(
            members=selectors.members_of(self.organisation),
            invitations=selectors.pending_invitations(self.organisation) if is_owner else [],
            **kwargs,
        )


class InviteMemberView(OwnerMixin, FormView):
    template_name = "applicants/invite.html"
    form_class = InvitationForm

    def form_valid(self, form):
        try:
            invitation = services.invite_member(
                organisation=self.organisation, actor=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("email", message)
            return self.form_invalid(form)
        expires = timezone.localtime(invitation.expires_at)
        messages.success(
            self.request,
            f"We have sent an invitation to {invitation.email}. The link works until "
            f"{expires:%-d %B %Y}.",
        )
        return redirect(self.members_url())


class MemberActionMixin(OwnerMixin):
    @cached_property
    def member(self) -> Membership:
        return selectors.get_member(organisation=self.organisation, pk=self.kwargs["membership_pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.member, **kwargs)


class ChangeMemberRoleView(MemberActionMixin, FormView):
    template_name = "applicants/member_role.html"
    form_class = MemberRoleForm

    def get_form_kwargs(self):
        legend = f"What can {self.member.user.display_name} do?"
        return {**super().get_form_kwargs(), "legend": legend}

    def get_initial(self):
        return {"role": self.member.role}

    def form_valid(self, form):
        try:
            membership = services.change_member_role(
                membership=self.member, actor=self.request.user, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("role", message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{membership.user.display_name} is now {membership.get_role_display().lower()}.",
        )
        return redirect(self.members_url())


class RemoveMemberView(MemberActionMixin, TemplateView):
    template_name = "applicants/member_remove.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(last_owner=selectors.is_only_owner(self.member), **kwargs)

    def post(self, request, *args, **kwargs):
        member = self.member
        try:
            services.remove_member(membership=member, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.members_url())
        if member.user_id == request.user.pk:
            messages.success(request, f"You have left {self.organisation.name}.")
            return redirect("applicants:list")
        messages.success(
            request, f"{member.user.display_name} has been removed from {self.organisation.name}."
        )
        return redirect(self.members_url())


class RevokeInvitationView(OwnerMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = selectors.get_invitation(
            organisation=self.organisation, pk=kwargs["invitation_pk"]
        )
        try:
            services.revoke_invitation(invitation=invitation, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The invitation to {invitation.email} has been cancelled.")
        return redirect(self.members_url())


class AcceptInvitationView(PublicMixin, TemplateView):
    """
    Open to everyone holding the link: a visitor is told to sign in (or
    create an account) with the invited address and come back; only that
    person can accept.
    """

    template_name = "applicants/invitation.html"

    @cached_property
    def invitation(self):
        return selectors.get_invitation_by_token(self.kwargs["token"])

    def get_context_data(self, problem: str | None = None, **kwargs):
        user = self.request.user
        signed_in = user.is_authenticated
        if problem is None:
            problem = services.invitation_problem(self.invitation, user if signed_in else None)
        query = f"?next={self.request.path}"
        return super().get_context_data(
            invitation=self.invitation,
            organisation=self.invitation.organisation,
            role_label=self.invitation.get_role_display().lower(),
            problem=problem,
            signed_in=signed_in,
            wrong_email=signed_in
            and user.email.strip().lower() != self.invitation.email.strip().lower(),
            login_url=reverse("account_login") + query,
            signup_url=reverse("account_signup") + query,
            logout_url=reverse("account_logout") + query,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        invitation = self.invitation
        if not request.user.is_authenticated:
            return redirect(reverse("account_login") + f"?next={request.path}")
        try:
            membership = services.accept_invitation(token=kwargs["token"], actor=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(problem=" ".join(error.messages)))
        _make_current(request, membership.organisation)
        messages.success(
            request,
            f"You have joined {invitation.organisation.name} as {membership.get_role_display().lower()}.",
        )
        return redirect("applicants:detail", pk=membership.organisation_id)
