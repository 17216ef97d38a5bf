"""
Pages for each role's part of the journey. Views only parse input, call one
service or selector, and render; the rules live in services.py.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import (
    ApplicantRequiredMixin,
    ApproverRequiredMixin,
    AssessorRequiredMixin,
    OfficerRequiredMixin,
    RoleRequiredMixin,
    SignedInMixin,
)
from accounts.roles import Role, has_role
from applicants.forms import OrganisationForm
from applicants.models import DocumentKind, Organisation
from applicants.selectors import (
    current_documents,
    current_organisation,
    get_organisation_for_member,
    organisations_for_user,
)
from applicants.services import create_organisation
from applicants.uploads import download_response
from config.views import add_service_errors
from payments.offer_letter import offer_letter, offer_letter_pdf_response
from rounds.models import Round, RoundStatus
from rounds.selectors import open_rounds

from . import selectors, services
from .forms import (
    MAX_BUDGET_LINES,
    AcceptOfferForm,
    AssignAssessorForm,
    AssistedStartForm,
    AttachmentForm,
    BeneficiariesForm,
    BudgetForm,
    DecisionForm,
    DeclarationForm,
    DeclarationOfInterestForm,
    DeclineOfferForm,
    DocumentsForm,
    EligibilityForm,
    OutcomesForm,
    ProjectForm,
    RecommendationForm,
    ScoringForm,
    WithdrawForm,
    outcome_themes,
)
from .keep import RESTORED_MESSAGE, keep_posted_answers, take_kept_answers
from .models import OPEN_APPLICATION_STATES, Application, ApplicationStatus, AssignmentStatus
from .permissions import can_edit_application, can_edit_for_organisation, is_member

# --- Applicants ---------------------------------------------------------------


class DashboardView(ApplicantRequiredMixin, TemplateView):
    """The current organisation's applications, with what happens next."""

    template_name = "grants/dashboard.html"

    def get_context_data(self, **kwargs):
        organisation = current_organisation(self.request)
        return super().get_context_data(
            organisation=organisation,
            organisation_count=organisations_for_user(self.request.user).count(),
            applications=(selectors.dashboard_applications(organisation) if organisation else []),
            open_rounds=open_rounds(),
            **kwargs,
        )


class EligibilityCheckView(ApplicantRequiredMixin, FormView):
    """
    "Check if you can apply": a few questions, then either "You can apply"
    with a Start button (which posts the answers back to StartApplicationView)
    or every reason the organisation cannot.
    """

    template_name = "grants/eligibility.html"
    form_class = EligibilityForm

    def get_round(self) -> Round:
        if not hasattr(self, "_round"):
            self._round = get_object_or_404(
                Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT),
                pk=self.kwargs["round_pk"],
            )
        return self._round

    def get_organisations(self):
        return selectors.organisations_user_can_apply_for(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        organisations = self.get_organisations()
        kwargs.update(round=self.get_round(), organisations=organisations)
        current = current_organisation(self.request)
        if current is not None:
            kwargs.setdefault("initial", {})["organisation"] = current.pk
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.get_round(), has_organisations=self.get_organisations().exists(), **kwargs
        )

    def form_valid(self, form):
        organisation = form.cleaned_data["organisation"]
        reasons = selectors.check_eligibility(
            round=self.get_round(), organisation=organisation, answers=form.answers()
        )
        return self.render_to_response(
            self.get_context_data(
                form=form,
                result=True,
                reasons=reasons,
                organisation=organisation,
                answers=form.answers(),
                start_data=form.answers_as_data(),
                live_application=selectors.live_application_in_round(
                    round=self.get_round(), organisation=organisation
                ),
            )
        )


class StartApplicationView(ApplicantRequiredMixin, View):
    """The checker's Start button. Every rule is checked again by the service."""

    http_method_names = ["post"]

    def post(self, request):
        round = get_object_or_404(Round, pk=_int(request.POST.get("round")))
        organisation = get_organisation_for_member(
            user=request.user, pk=_int(request.POST.get("organisation"))
        )
        form = EligibilityForm(request.POST, round=round)
        if not form.is_valid():
            messages.error(request, "Answer the questions to check if you can apply.")
            return redirect("grants:eligibility", round_pk=round.pk)
        try:
            application = services.start_application(
                round=round, organisation=organisation, actor=request.user, answers=form.answers()
            )
        except ValidationError as error:
            messages.error(request, " ".join(f"{m.rstrip('.')}." for m in error.messages))
            return redirect("grants:eligibility", round_pk=round.pk)
        messages.success(request, "Your application has been started. We have saved your answers.")
        return redirect("grants:task_list", pk=application.pk)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise Http404 from None


class ApplicationPagesMixin(RoleRequiredMixin):
    """
    The applying pages: an applicant sees their organisations' applications,
    and a grant officer those they entered for a group (assisted digital).
    Anyone else's is a 404.
    """

    allowed_roles = (Role.APPLICANT, Role.GRANT_OFFICER)

    def get_application(self) -> Application:
        if not hasattr(self, "_application"):
            self._application = selectors.get_application_for_applicant(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._application

    def require_editor(self) -> Application:
        application = self.get_application()
        if not can_edit_application(self.request.user, application):
            raise PermissionDenied(
                "You can read this application but only the organisation's owners and "
                "editors can change it."
            )
        return application

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            application=application,
            entering_for_group=application.entered_by_officer_id == self.request.user.pk,
            **kwargs,
        )


class KeepTypedAnswersMixin:
    """
    A POST from someone whose session has run out keeps its answers (grants.keep)
    before they are sent to sign in; the page puts them back afterwards.
    """

    def handle_no_permission(self):
        request = self.request
        if request.method == "POST" and not request.user.is_authenticated:
            if keep_posted_answers(request):
                messages.info(
                    request,
                    "You were signed out, so your answers are not saved yet. Sign in and "
                    "we will put back what you typed.",
                )
            return redirect_to_login(request.get_full_path())
        return super().handle_no_permission()

    def get(self, request, *args, **kwargs):
        self.kept_answers = take_kept_answers(request)
        if self.kept_answers is not None:
            messages.info(request, RESTORED_MESSAGE)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self, "kept_answers", None) is not None:
            kwargs["data"] = self.kept_answers
        return kwargs


class TaskListView(ApplicationPagesMixin, TemplateView):
    template_name = "grants/task_list.html"

    def get(self, request, *args, **kwargs):
        if not self.get_application().is_draft:
            return redirect("grants:detail", pk=kwargs["pk"])
        self.require_editor()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        sections = selectors.application_sections(self.get_application())
        return super().get_context_data(
            sections=sections,
            completed=sum(section.completed for section in sections),
            all_completed=all(section.completed for section in sections),
            **kwargs,
        )


class SectionView(KeepTypedAnswersMixin, ApplicationPagesMixin, FormView):
    """One section of the application: its own page, saved on either button."""

    template_name = "grants/section.html"
    section: str = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            application = self.get_application()
            if not application.is_draft:
                return redirect("grants:detail", pk=application.pk)
            self.require_editor()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["application"] = self.get_application()
        kwargs["autosave_url"] = reverse("grants:autosave", args=[self.get_application().pk])
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section_title=selectors.SECTION_TITLES[self.section], **kwargs
        )

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return self.after_save(form)

    def save(self, form) -> None:
        services.update_application(
            application=self.get_application(), actor=self.request.user, data=form.cleaned_data
        )

    def after_save(self, form):
        application = self.get_application()
        if "save_and_return" in self.request.POST:
            messages.success(
                self.request,
                "Your application has been saved. You can come back to it at any time.",
            )
            if application.entered_by_officer_id == self.request.user.pk:
                return redirect("grants:assisted")
            return redirect("grants:dashboard")
        return redirect("grants:task_list", pk=application.pk)


class ProjectSectionView(SectionView):
    section = "project"
    form_class = ProjectForm

    def get_initial(self):
        application = self.get_application()
        return {
            "title": application.title,
            "summary": application.summary,
            "project_start": application.project_start,
            "project_end": application.project_end,
        }


class BeneficiariesSectionView(SectionView):
    section = "beneficiaries"
    form_class = BeneficiariesForm

    def get_initial(self):
        application = self.get_application()
        return {
            "beneficiaries": application.beneficiaries,
            "beneficiaries_count": application.beneficiaries_count,
            "districts_served": application.districts_served,
        }


class OutcomesSectionView(SectionView):
    section = "outcomes"
    form_class = OutcomesForm

    def get_themes(self):
        if not hasattr(self, "_themes"):
            self._themes = outcome_themes()
        return self._themes

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "themes": self.get_themes()}

    def get_initial(self):
        selected = self.get_application().outcomes.values_list("pk", flat=True)
        return OutcomesForm.initial_for(themes=self.get_themes(), selected_ids=list(selected))

    def save(self, form):
        services.update_application(
            application=self.get_application(),
            actor=self.request.user,
            data={},
            outcome_ids=form.outcome_ids(),
        )


class BudgetSectionView(SectionView):
    """
    The amount and its budget lines. "Add another line" and "Remove" save
    what is valid and show the page again with one more or one fewer row.
    """

    section = "budget"
    form_class = BudgetForm
    template_name = "grants/budget.html"
    default_rows = 3

    def get_lines(self):
        if not hasattr(self, "_lines"):
            self._lines = list(self.get_application().budget_lines.all())
        return self._lines

    def get_rows(self) -> int:
        data = self.get_form_data()
        if data is not None:
            return BudgetForm.rows_posted(data) or 1
        try:
            asked = int(self.request.GET.get("rows", 0))
        except ValueError:
            asked = 0
        return max(len(self.get_lines()) + 1, self.default_rows, min(asked, MAX_BUDGET_LINES))

    def get_form_data(self):
        if self.request.method == "POST":
            return self.request.POST
        return getattr(self, "kept_answers", None)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST" and "remove" in self.request.POST:
            # "Remove" blanks its row; blank rows are dropped when saved.
            data = self.request.POST.copy()
            index = data.get("remove", "")
            data[f"item_{index}"] = ""
            data[f"cost_{index}"] = ""
            kwargs["data"] = data
        kwargs["rows"] = self.get_rows()
        return kwargs

    def get_initial(self):
        return BudgetForm.initial_for(application=self.get_application(), lines=self.get_lines())

    def get_context_data(self, **kwargs):
        totals = selectors.budget_totals(self.get_application())
        return super().get_context_data(totals=totals, **kwargs)

    def save(self, form):
        services.update_application(
            application=self.get_application(),
            actor=self.request.user,
            data={"amount_requested": form.cleaned_data["amount_requested"]},
            budget_lines=form.lines(),
        )

    def after_save(self, form):
        application = self.get_application()
        post = self.request.POST
        if "add_line" in post or "remove" in post:
            rows = form.rows + (1 if "add_line" in post else -1)
            url = reverse("grants:section_budget", args=[application.pk])
            return redirect(f"{url}?rows={max(rows, 1)}")
        lines = form.lines()
        amount = form.cleaned_data["amount_requested"]
        total = sum((cost for _, cost in lines), Decimal("0"))
        if "continue" in post and lines and amount is not None and total != amount:
            # Saved, but not finished: say so here rather than on the task list.
            form.add_error(
                "amount_requested", selectors.budget_mismatch_message(total=total, amount=amount)
            )
            return self.render_to_response(self.get_context_data(form=form, saved=True))
        return super().after_save(form)


class DocumentsSectionView(SectionView):
    """
    The organisation's documents from its profile, and files attached to
    this application (quotes, estimates, or a document the profile lacks).
    """

    section = "documents"
    form_class = DocumentsForm
    template_name = "grants/documents.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("application")
        kwargs.pop("autosave_url")
        return kwargs

    def get_context_data(self, **kwargs):
        application = self.get_application()
        profile = {d.kind: d for d in current_documents(application.organisation)}
        attachments = list(application.attachments.select_related("uploaded_by"))
        attached_kinds = {a.kind for a in attachments}
        required = set(application.round.required_documents)
        documents = [
            {
                "kind": kind,
                "label": DocumentKind(kind).label,
                "document": profile.get(kind),
                "attached": kind in attached_kinds,
                "required": kind in required,
            }
            for kind in DocumentKind.values
        ]
        kwargs.setdefault("upload_form", AttachmentForm())
        return super().get_context_data(
            documents=documents,
            attachments=attachments,
            member=is_member(self.request.user, application.organisation),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "upload" not in request.POST:
            return super().post(request, *args, **kwargs)
        upload_form = AttachmentForm(request.POST, request.FILES)
        if upload_form.is_valid():
            try:
                attachment = services.add_attachment(
                    application=self.get_application(),
                    actor=request.user,
                    uploaded=upload_form.cleaned_data["file"],
                    kind=upload_form.cleaned_data["kind"],
                )
            except ValidationError as error:
                for message in error.messages:
                    upload_form.add_error("file", message)
            else:
                messages.success(request, f"{attachment.original_name} has been added.")
                return redirect("grants:section_documents", pk=self.get_application().pk)
        return self.render_to_response(
            self.get_context_data(form=self.get_form(), upload_form=upload_form)
        )

    def save(self, form):
        """The attachments are saved as they are uploaded: nothing more to save."""


class RemoveAttachmentView(ApplicationPagesMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, attachment_pk):
        application = self.get_application()
        attachment = get_object_or_404(application.attachments, pk=attachment_pk)
        try:
            services.remove_attachment(attachment=attachment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{attachment.original_name} has been removed.")
        return redirect("grants:section_documents", pk=application.pk)


class AttachmentDownloadView(SignedInMixin, View):
    """
    A file attached to an application, for the organisation's members and
    the staff who may read the application; a 404 for everyone else.
    """

    def get(self, request, pk, attachment_pk):
        attachment = selectors.get_attachment_for_user(
            user=request.user, application_pk=pk, pk=attachment_pk
        )
        return download_response(
            file=attachment.file,
            name=attachment.original_name,
            content_type=attachment.content_type,
        )


class AutosaveView(ApplicationPagesMixin, View):
    """
    Saves one long answer as it is typed (static/js/autosave.js), answering
    in JSON. Only someone who may change the draft can; never a submitted one.
    """

    http_method_names = ["post"]

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return JsonResponse(
                {"saved": False, "error": "You have been signed out. Sign in to keep saving."},
                status=401,
            )
        return super().handle_no_permission()

    def post(self, request, pk):
        application = self.get_application()
        if not can_edit_application(request.user, application):
            return JsonResponse(
                {"saved": False, "error": "You cannot change this application."}, status=403
            )
        if not application.is_draft:
            return JsonResponse(
                {"saved": False, "error": "This application has been submitted."}, status=409
            )
        try:
            services.autosave_field(
                application=application,
                actor=request.user,
                field=request.POST.get("field", ""),
                value=request.POST.get("value", ""),
            )
        except ValidationError as error:
            return JsonResponse({"saved": False, "error": " ".join(error.messages)}, status=400)
        saved_at = timezone.localtime()
        return JsonResponse({"saved": True, "saved_at": f"{saved_at:%-I:%M%p}".lower()})


class SubmitApplicationView(KeepTypedAnswersMixin, ApplicationPagesMixin, FormView):
    """Check your answers, then the declaration and submission."""

    template_name = "grants/check_answers.html"
    form_class = DeclarationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            application = self.get_application()
            if not application.is_draft:
                if request.method == "POST" and application.status == ApplicationStatus.SUBMITTED:
                    # A second click after a successful submission lands on the receipt.
                    return redirect("grants:submitted", pk=application.pk)
                return redirect("grants:detail", pk=application.pk)
            self.require_editor()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        application = self.get_application()
        return {
            **super().get_form_kwargs(),
            "for_group": application.entered_by_officer_id == self.request.user.pk,
        }

    def get_initial(self):
        application = self.get_application()
        if application.entered_by_officer_id == self.request.user.pk:
            return {"declaration_name": application.contact_name}
        return {"declaration_name": self.request.user.full_name}

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            problems=selectors.application_problems(application),
            summary=selectors.application_summary(application),
            **kwargs,
        )

    def form_valid(self, form):
        application = self.get_application()
        try:
            services.submit_application(
                application=application,
                actor=self.request.user,
                declaration_name=form.cleaned_data["declaration_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("grants:submitted", pk=application.pk)


class SubmittedView(ApplicationPagesMixin, TemplateView):
    template_name = "grants/submitted.html"

    def get_context_data(self, **kwargs):
        if not self.get_application().reference:
            raise Http404
        return super().get_context_data(**kwargs)


class ApplicationDetailView(ApplicationPagesMixin, TemplateView):
    """The applicant's own view: status, decision and feedback, and what was sent."""

    template_name = "grants/application_detail.html"

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            progress=selectors.applicant_progress(application),
            award=getattr(application, "award", None),
            decision=getattr(application, "decision", None),
            summary=selectors.application_summary(application),
            can_edit=can_edit_application(self.request.user, application),
            can_withdraw=application.status in OPEN_APPLICATION_STATES,
            **kwargs,
        )


class PrintApplicationView(ApplicationPagesMixin, TemplateView):
    """A print-friendly copy of the application (static/css/grants-print.css)."""

    template_name = "grants/print.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            summary=selectors.application_summary(self.get_application()), **kwargs
        )


class WithdrawApplicationView(KeepTypedAnswersMixin, ApplicationPagesMixin, FormView):
    """Asks for a reason and confirmation before withdrawing."""

    template_name = "grants/withdraw.html"
    form_class = WithdrawForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            self.require_editor()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            can_withdraw=application.status in OPEN_APPLICATION_STATES, **kwargs
        )

    def form_valid(self, form):
        application = self.get_application()
        try:
            services.withdraw_application(
                application=application,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your application has been withdrawn.")
        return redirect("grants:detail", pk=application.pk)


class OfferPagesMixin(ApplicationPagesMixin):
    """The offer letter of the application's award, for its organisation's members."""

    def get_award(self):
        award = getattr(self.get_application(), "award", None)
        if award is None:
            raise Http404
        return award

    def get_context_data(self, **kwargs):
        return super().get_context_data(letter=offer_letter(self.get_award()), **kwargs)


class AcceptOfferView(OfferPagesMixin, FormView):
    """The offer letter, with the form a named signatory accepts it by."""

    template_name = "grants/offer.html"
    form_class = AcceptOfferForm

    def get_context_data(self, **kwargs):
        award = self.get_award()
        return super().get_context_data(
            award=award,
            can_respond=can_edit_for_organisation(self.request.user, award.application.organisation),
            **kwargs,
        )

    def form_valid(self, form):
        award = self.get_award()
        try:
            services.accept_offer(
                award=award,
                actor=self.request.user,
                signatory_name=form.cleaned_data["signatory_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "You have accepted the grant. Thank you.")
        return redirect("grants:detail", pk=self.get_application().pk)


class DeclineOfferView(KeepTypedAnswersMixin, OfferPagesMixin, FormView):
    template_name = "grants/offer_decline.html"
    form_class = DeclineOfferForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(award=self.get_award(), **kwargs)

    def form_valid(self, form):
        try:
            services.decline_offer(
                award=self.get_award(), actor=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "You have declined the grant.")
        return redirect("grants:detail", pk=self.get_application().pk)


class PrintOfferView(OfferPagesMixin, TemplateView):
    """The offer letter to print (static/css/offer-letter-print.css)."""

    template_name = "grants/offer_print.html"


class OfferPdfView(OfferPagesMixin, View):
    def get(self, request, pk):
        award = self.get_award()
        return offer_letter_pdf_response(award)


# --- Assisted digital ----------------------------------------------------------


class GrantOfficerRequiredMixin(RoleRequiredMixin):
    """Grant officers only: they enter applications for groups (assisted digital)."""

    allowed_roles = (Role.GRANT_OFFICER,)


class AssistedListView(GrantOfficerRequiredMixin, TemplateView):
    template_name = "grants/assisted_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            applications=selectors.applications_entered_by(self.request.user), **kwargs
        )


class AssistedOrganisationView(GrantOfficerRequiredMixin, FormView):
    """A group not yet registered: the officer enters its details; nobody joins it."""

    template_name = "grants/assisted_organisation.html"
    form_class = OrganisationForm

    def form_valid(self, form):
        organisation = create_organisation(
            actor=self.request.user, data=form.cleaned_data, actor_is_owner=False
        )
        messages.success(self.request, f"{organisation.name} has been set up.")
        return redirect(f"{reverse('grants:assisted_start')}?organisation={organisation.pk}")


class AssistedStartView(GrantOfficerRequiredMixin, FormView):
    """
    The officer chooses the group, the round and how the application reached
    them, answers the eligibility questions for the group and starts a draft
    that they then fill in through the same section pages.
    """

    template_name = "grants/assisted_start.html"
    form_class = AssistedStartForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        search = self.request.GET.get("q", "").strip()[:100]
        chosen = self.request.GET.get("organisation", "")
        organisations = Organisation.objects.order_by("name")
        if search:
            organisations = organisations.filter(
                Q(name__icontains=search)
                | Q(charity_number=search)
                | Q(company_number=search.upper())
                | Q(postcode__iexact=search)
            )
        kwargs.update(organisations=organisations, rounds=open_rounds())
        if chosen.isdigit():
            kwargs.setdefault("initial", {})["organisation"] = int(chosen)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.request.GET.get("q", "")[:100], **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            application = services.start_application(
                round=data["round"],
                organisation=data["organisation"],
                actor=self.request.user,
                answers=form.answers(),
                entry_channel=data["entry_channel"],
                contact_name=data["contact_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"You have started an application for {application.organisation.name}. "
            "Fill in each section with the group's answers.",
        )
        return redirect("grants:task_list", pk=application.pk)


# --- Grant officers -----------------------------------------------------------


class OfficerHomeView(OfficerRequiredMixin, TemplateView):
    template_name = "grants/officer_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(rounds=selectors.rounds_overview(), **kwargs)


class RoundApplicationsView(OfficerRequiredMixin, TemplateView):
    template_name = "grants/round_applications.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        round = selectors.round_with_budget(kwargs["pk"])
        status = self.request.GET.get("status") or None
        if status not in ApplicationStatus.values:
            status = None
        page = Paginator(
            selectors.round_applications(round=round, status=status), self.paginate_by
        ).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            round=round,
            page=page,
            status=status,
            statuses=[s for s in ApplicationStatus if s != ApplicationStatus.DRAFT],
            **kwargs,
        )


class OfficerApplicationView(OfficerRequiredMixin, TemplateView):
    template_name = "grants/officer_application.html"

    def get_application(self):
        return get_object_or_404(
            selectors.applications_with_scores().exclude(status=ApplicationStatus.DRAFT),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        application = kwargs.pop("application", None) or self.get_application()
        context = {
            "application": application,
            "assignments": application.assignments.select_related(
                "assessor", "declaration"
            ).prefetch_related("scores__criterion"),
            "history": selectors.application_history(application),
            "summary": selectors.application_summary(application),
            "decision": getattr(application, "decision", None),
            "award": getattr(application, "award", None),
        }
        if application.status == ApplicationStatus.IN_ASSESSMENT:
            context["assign_form"] = kwargs.pop("assign_form", None) or AssignAssessorForm(
                assessors=selectors.assessors().exclude(assignments__application=application)
            )
        if application.status == ApplicationStatus.SCORED:
            context["recommend_form"] = kwargs.pop("recommend_form", None) or RecommendationForm()
        context.update(kwargs)
        return super().get_context_data(**context)


class OfficerActionView(OfficerApplicationView):
    """A POST that runs one service on the application, then shows the page again."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_application()
        self.form_context = {}
        try:
            message = self.act(application)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if message is None:
                # The form was not valid: show the page again with its errors.
                context = self.get_context_data(application=application, **self.form_context)
                return self.render_to_response(context)
            messages.success(request, message)
        return redirect("grants:officer_application", pk=application.pk)

    def act(self, application: Application) -> str | None:
        """Run the action; return the success message, or None to re-show a form."""
        raise NotImplementedError


class ScreenView(OfficerActionView):
    def act(self, application):
        services.pass_screening(application=application, actor=self.request.user)
        return "The application passed screening and is ready for assessors."


class AssignView(OfficerActionView):
    def act(self, application):
        form = AssignAssessorForm(
            self.request.POST,
            assessors=selectors.assessors().exclude(assignments__application=application),
        )
        if not form.is_valid():
            self.form_context = {"assign_form": form}
            return None
        assessor = form.cleaned_data["assessor"]
        services.assign_assessor(
            application=application, assessor=assessor, actor=self.request.user
        )
        return f"{assessor.display_name} has been asked to score this application."


class RecommendView(OfficerActionView):
    def act(self, application):
        form = RecommendationForm(self.request.POST)
        if not form.is_valid():
            self.form_context = {"recommend_form": form}
            return None
        data = form.cleaned_data
        try:
            services.recommend_application(
                application=application,
                actor=self.request.user,
                recommendation=data["recommendation"],
                amount=data["amount"],
                reason=data["reason"],
                feedback=data["feedback"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            self.form_context = {"recommend_form": form}
            return None
        return "Your recommendation has been sent to the approvers."


# --- Assessors ----------------------------------------------------------------


class AssessorQueueView(AssessorRequiredMixin, TemplateView):
    template_name = "grants/assessor_queue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assignments=selectors.assignments_for_assessor(self.request.user), **kwargs
        )


class AssessorAssignmentMixin(AssessorRequiredMixin):
    def get_assignment(self):
        if not hasattr(self, "_assignment"):
            self._assignment = selectors.get_assignment_for_assessor(
                user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._assignment


class DeclareInterestView(AssessorAssignmentMixin, FormView):
    template_name = "grants/declare_interest.html"
    form_class = DeclarationOfInterestForm

    def get(self, request, *args, **kwargs):
        assignment = self.get_assignment()
        if assignment.status == AssignmentStatus.IN_PROGRESS:
            return redirect("grants:score", pk=assignment.pk)
        if assignment.status != AssignmentStatus.ASSIGNED:
            return redirect("grants:assessor_queue")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # Before declaring, the assessor sees who applied, not the application.
        return super().get_context_data(assignment=self.get_assignment(), **kwargs)

    def form_valid(self, form):
        assignment = self.get_assignment()
        has_conflict = form.cleaned_data["has_conflict"]
        try:
            services.declare_interest(
                assignment=assignment,
                actor=self.request.user,
                has_conflict=has_conflict,
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if has_conflict:
            messages.success(
                self.request,
                "Thank you. Your declaration is recorded and the application has been "
                "returned to the grants team to reassign.",
            )
            return redirect("grants:assessor_queue")
        return redirect("grants:score", pk=assignment.pk)


class ScoreView(AssessorAssignmentMixin, FormView):
    template_name = "grants/score.html"

    def get_assignment(self):
        assignment = super().get_assignment()
        # No declaration yet, or a conflict declared: the application stays closed.
        if assignment.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.CONFLICTED):
            raise Http404
        return assignment

    def get_form(self, form_class=None):
        assignment = self.get_assignment()
        return ScoringForm(
            self.request.POST if self.request.method == "POST" else None,
            criteria=assignment.application.round.criteria.all(),
            scale_min=assignment.application.round.scoring_scale_min,
            existing={s.criterion_id: s for s in assignment.scores.all()},
        )

    def get_context_data(self, **kwargs):
        assignment = self.get_assignment()
        return super().get_context_data(
            assignment=assignment,
            application=assignment.application,
            summary=selectors.application_summary(assignment.application),
            criteria=assignment.application.round.criteria.all(),
            submitted=assignment.status == AssignmentStatus.SUBMITTED,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.get_assignment().status == AssignmentStatus.SUBMITTED:
            return redirect("grants:score", pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        submit = "submit_scores" in self.request.POST
        try:
            services.save_scores(
                assignment=self.get_assignment(),
                actor=self.request.user,
                scores=form.scores(),
                submit=submit,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if submit:
            messages.success(self.request, "Your scores have been submitted.")
            return redirect("grants:assessor_queue")
        messages.success(self.request, "Your scores have been saved as a draft.")
        return redirect("grants:score", pk=self.get_assignment().pk)


# --- Approvers ----------------------------------------------------------------


class ApproverQueueView(ApproverRequiredMixin, TemplateView):
    template_name = "grants/approver_queue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(applications=selectors.awaiting_decision(), **kwargs)


class DecideView(ApproverRequiredMixin, FormView):
    template_name = "grants/decide.html"
    form_class = DecisionForm

    def get_application(self):
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(
                selectors.awaiting_decision(), pk=self.kwargs["pk"]
            )
        return self._application

    def get_initial(self):
        return {"amount": self.get_application().decision.recommended_amount}

    def get_context_data(self, **kwargs):
        application = self.get_application()
        round = selectors.round_with_budget(application.round_id)
        return super().get_context_data(
            application=application,
            decision=application.decision,
            round=round,
            remaining=round.budget - round.committed,
            **kwargs,
        )

    def form_valid(self, form):
        application = self.get_application()
        choice = form.cleaned_data["decision"]
        try:
            if choice == "approve":
                services.approve_application(
                    application=application,
                    actor=self.request.user,
                    amount=form.cleaned_data["amount"],
                )
                message = f"{application.reference} is approved and the offer has been sent."
            else:
                services.decline_application(
                    application=application,
                    actor=self.request.user,
                    waitlist=choice == "waitlist",
                )
                message = f"Your decision on {application.reference} has been recorded."
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(reverse("grants:approver_queue"))
