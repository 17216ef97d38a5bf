"""
Pages for each role's part of the journey. Views only parse input, call one
service or selector, and render; the rules live in services.py.
"""

from decimal import Decimal
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
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
    member_organisations,
)
from applicants.services import create_organisation
from applicants.uploads import download_response
from config.links import pk_link
from config.views import add_service_errors
from payments.exports import XLSX_CONTENT_TYPE
from payments.offer_letter import offer_letter, offer_letter_pdf_response
from rounds.models import Round, RoundStatus
from rounds.selectors import open_rounds

from . import charts as charts_module
from . import reports, search, selectors, services
from .filters import AssessorQueueFilter, OfficerApplicationFilter
from .forms import (
    MAX_BUDGET_LINES,
    AcceptOfferForm,
    ActivitiesForm,
    AssignAssessorForm,
    AssistedStartForm,
    AttachmentForm,
    BeneficiariesForm,
    BudgetForm,
    CaseOfficerForm,
    DecisionForm,
    DeclarationForm,
    DeclarationOfInterestForm,
    DeclineOfferForm,
    DocumentsForm,
    EligibilityForm,
    ModerationForm,
    OutcomesForm,
    PeopleForm,
    ProjectForm,
    ReasonForm,
    RecommendationForm,
    ReturnFileForm,
    ReturnOutcomesForm,
    ReviewReturnForm,
    ScoringForm,
    ScreeningFailForm,
    SpendForm,
    StoryForm,
    WithdrawForm,
    outcome_themes,
)
from .keep import RESTORED_MESSAGE, keep_posted_answers, take_kept_answers
from .models import (
    OPEN_APPLICATION_STATES,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    MonitoringStatus,
    Recommendation,
    weighted_percentage,
)
from .permissions import can_edit_application, can_edit_for_organisation, is_member
from .report_forms import ReportFilterForm

# --- Applicants ---------------------------------------------------------------


class DashboardView(ApplicantRequiredMixin, TemplateView):
    """The current organisation's applications, with what happens next."""

    template_name = "grants/dashboard.html"

    def get_context_data(self, **kwargs):
        organisations, organisation = member_organisations(self.request)
        return super().get_context_data(
            organisation=organisation,
            organisation_count=len(organisations),
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
        award = getattr(application, "award", None)
        returns = list(award.monitoring_returns.all()) if award else []
        return super().get_context_data(
            progress=selectors.applicant_progress(application),
            returns=returns,
            messages_sent=message_history(
                subjects=[application, *([award] if award else []), *returns],
                organisation=application.organisation,
            ),
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
    """The officer's dashboard (grants.reports.officer_dashboard has the figures)."""

    template_name = "grants/officer_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **reports.officer_dashboard(self.request.user),
            # Administrators see this page too, but entering applications for
            # groups is the grant officers' job (AssistedListView).
            enters_for_groups=has_role(self.request.user, Role.GRANT_OFFICER),
            **kwargs,
        )


class PaginatedMixin:
    """A page of a queryset, and the query string that keeps the filters across pages."""

    paginate_by = 50

    def paginate(self, queryset):
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            "page": Paginator(queryset, self.paginate_by).get_page(self.request.GET.get("page")),
            "query": query.urlencode(),
        }


class RoundApplicationsView(OfficerRequiredMixin, PaginatedMixin, TemplateView):
    """A round's applications: filtered, sorted and paginated, with the round's actions."""

    template_name = "grants/round_applications.html"

    def get_context_data(self, **kwargs):
        round = selectors.round_with_budget(kwargs["pk"])
        applications = selectors.officer_round_applications(round)
        filters = OfficerApplicationFilter(self.request.GET or None, queryset=applications)
        paginated = self.paginate(filters.qs)
        rows = list(paginated["page"].object_list)
        application_link = pk_link("grants:officer_application")
        for application in rows:
            application.officer_url = application_link(application.pk)
        return super().get_context_data(
            round=round,
            filter=filters,
            needs_assessors_count=selectors.needs_assessors(applications).count(),
            rows=rows,
            **paginated,
            **kwargs,
        )


class OfficerApplicationView(OfficerRequiredMixin, TemplateView):
    template_name = "grants/officer_application.html"

    def get_application(self):
        return selectors.get_application_for_moderation(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        application = kwargs.pop("application", None) or self.get_application()
        context = {
            "application": application,
            "assignments": application.assignments.select_related(
                "assessor", "declaration"
            ).prefetch_related("scores__criterion").order_by("assigned_at", "pk"),
            "summary": selectors.application_summary(application),
            "decision": getattr(application, "decision", None),
            "award": getattr(application, "award", None),
        }
        # Monitoring returns and the messages sent about the application,
        # its award and its returns.
        from notifications.selectors import messages_about

        award = context["award"]
        context["returns"] = list(award.monitoring_returns.all()) if award else []
        context["messages_sent"] = messages_about(
            subjects=[application, *([award] if award else []), *context["returns"]]
        ).select_related("recipient")[:50]
        status = application.status
        if status == ApplicationStatus.SUBMITTED:
            context["fail_form"] = kwargs.pop("fail_form", None) or ScreeningFailForm()
        if status == ApplicationStatus.INELIGIBLE or (
            status == ApplicationStatus.IN_ASSESSMENT and not application.submitted_count
        ):
            context["reopen_form"] = kwargs.pop("reopen_form", None) or reopen_form()
        if (
            status == ApplicationStatus.IN_ASSESSMENT
            and application.active_count < application.round.assessors_per_application
        ):
            context["assign_form"] = kwargs.pop("assign_form", None) or AssignAssessorForm(
                assessors=selectors.assessors_available_for(application)
            )
        if status == ApplicationStatus.SCORED:
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


def reopen_form(data=None):
    return ReasonForm(
        data,
        label="Why are you reopening the screening?",
        button="Reopen screening",
        required_message="Give a reason for reopening the screening",
    )


class ScreenView(OfficerActionView):
    """Eligible (the button alone) or not eligible (a reason from the list and an explanation)."""

    def act(self, application):
        if "fail" not in self.request.POST:
            services.pass_screening(application=application, actor=self.request.user)
            return "The application passed screening and is ready for assessors."
        form = ScreeningFailForm(self.request.POST)
        if not form.is_valid():
            self.form_context = {"fail_form": form}
            return None
        try:
            services.fail_screening(
                application=application,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            self.form_context = {"fail_form": form}
            return None
        return "The application is marked as not eligible and the group has been told why."


class ReopenScreeningView(OfficerActionView):
    def act(self, application):
        form = reopen_form(self.request.POST)
        if not form.is_valid():
            self.form_context = {"reopen_form": form}
            return None
        try:
            services.reopen_screening(
                application=application,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            self.form_context = {"reopen_form": form}
            return None
        return "The screening is reopened: the application is waiting to be screened again."


class AssignView(OfficerActionView):
    def act(self, application):
        form = AssignAssessorForm(
            self.request.POST, assessors=selectors.assessors_available_for(application)
        )
        if not form.is_valid():
            self.form_context = {"assign_form": form}
            return None
        assessor = form.cleaned_data["assessor"]
        try:
            services.assign_assessor(
                application=application, assessor=assessor, actor=self.request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
            self.form_context = {"assign_form": form}
            return None
        return f"{assessor.display_name} has been asked to score this application."


# --- Assessment: assignments, declarations and moderation ----------------------


class RemoveAssignmentView(OfficerRequiredMixin, View):
    """Take an application away from an assessor who has not scored it yet."""

    http_method_names = ["post"]

    def post(self, request, pk):
        assignment = get_object_or_404(
            Assignment.objects.select_related("assessor", "application"), pk=pk
        )
        try:
            services.remove_assignment(
                assignment=assignment,
                actor=request.user,
                reason=request.POST.get("reason", "")[:3000],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{assignment.assessor.display_name} no longer assesses "
                f"{assignment.application.reference}.",
            )
        return redirect("grants:officer_application", pk=assignment.application_id)


class AllocateAssessorsView(OfficerRequiredMixin, View):
    """The round's "allocate automatically" button."""

    http_method_names = ["post"]

    def post(self, request, pk):
        round = get_object_or_404(Round, pk=pk)
        allocation = services.allocate_assessors(round=round, actor=request.user)
        if allocation.assigned:
            messages.success(
                request,
                f"{allocation.assigned} assignment{pluralize(allocation.assigned)} made.",
            )
        if allocation.unfilled:
            messages.warning(
                request,
                f"{allocation.unfilled} place{pluralize(allocation.unfilled)} could not be "
                "filled: there are not enough assessors without a conflict. Add assessors, "
                "then allocate again.",
            )
        elif not allocation.assigned:
            messages.success(request, "Every application already has its assessors.")
        return redirect("grants:round_applications", pk=round.pk)


class RoundDeclarationsView(OfficerRequiredMixin, PaginatedMixin, TemplateView):
    """Every declaration of interest in the round, as a panel's minutes record them."""

    template_name = "grants/round_declarations.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        round = get_object_or_404(Round.objects.select_related("programme"), pk=kwargs["pk"])
        return super().get_context_data(
            round=round, **self.paginate(selectors.round_declarations(round)), **kwargs
        )


class RoundModerationView(OfficerRequiredMixin, PaginatedMixin, TemplateView):
    """Each application's assessors' weighted scores side by side, disagreements first."""

    template_name = "grants/round_moderation.html"

    def get_context_data(self, **kwargs):
        round = get_object_or_404(Round.objects.select_related("programme"), pk=kwargs["pk"])
        rows = selectors.moderation_rows(round)
        flagged_only = self.request.GET.get("flagged") == "1"
        if flagged_only:
            rows = rows.filter(flagged=True)
        return super().get_context_data(
            round=round, flagged_only=flagged_only, **self.paginate(rows), **kwargs
        )


class ModerateView(OfficerRequiredMixin, FormView):
    """One application's scores per criterion side by side, and the moderated score."""

    template_name = "grants/moderate.html"
    form_class = ModerationForm

    def get_application(self):
        if not hasattr(self, "_application"):
            self._application = selectors.get_application_for_moderation(pk=self.kwargs["pk"])
        return self._application

    def get_initial(self):
        application = self.get_application()
        return {
            "score": application.moderated_score,
            "reason": application.moderation_reason,
        }

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            application=application, sheet=selectors.score_sheet(application), **kwargs
        )

    def form_valid(self, form):
        application = self.get_application()
        try:
            services.moderate_score(
                application=application,
                actor=self.request.user,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"The moderated score for {application.reference} has been saved."
        )
        return redirect("grants:round_moderation", pk=application.round_id)


# --- Assessors ----------------------------------------------------------------


class AssessorQueueView(AssessorRequiredMixin, PaginatedMixin, TemplateView):
    template_name = "grants/assessor_queue.html"

    def get_context_data(self, **kwargs):
        filters = AssessorQueueFilter(
            self.request.GET or None, queryset=selectors.assessor_queue(self.request.user)
        )
        return super().get_context_data(filter=filters, **self.paginate(filters.qs), **kwargs)


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
        if assignment.status in (AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED):
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
    """
    The application beside the criteria: a score and a justification for
    each, saved as a draft or submitted. Scores are blind: colleagues'
    scores appear only once this assessor has submitted theirs.
    """

    template_name = "grants/score.html"

    def get_assignment(self):
        assignment = super().get_assignment()
        # No declaration yet, a conflict declared, or removed: the application stays closed.
        if assignment.status not in (AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED):
            raise Http404
        return assignment

    def get_criteria(self):
        """The round's criteria, each with this assessor's saved score and justification."""
        if not hasattr(self, "_criteria"):
            self._criteria = selectors.criteria_with_saved_scores(self.get_assignment())
        return self._criteria

    def get_saved_scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            criterion.pk: (criterion.saved_score, criterion.saved_justification)
            for criterion in self.get_criteria()
            if criterion.saved_id is not None
        }

    def get_form(self, form_class=None):
        assignment = self.get_assignment()
        return ScoringForm(
            self.request.POST if self.request.method == "POST" else None,
            criteria=self.get_criteria(),
            round=assignment.application.round,
            existing=self.get_saved_scores(),
            submitting="submit_scores" in self.request.POST,
        )

    def get_context_data(self, **kwargs):
        assignment = self.get_assignment()
        round = assignment.application.round
        saved = self.get_saved_scores()
        rows = [
            {
                "criterion": criterion,
                "low": round.scoring_scale_min,
                "high": min(round.scoring_scale_max, criterion.max_score),
                "score": saved[criterion.pk][0] if criterion.pk in saved else None,
            }
            for criterion in self.get_criteria()
        ]
        context = {
            "assignment": assignment,
            "application": assignment.application,
            "summary": selectors.application_summary(assignment.application),
            "rows": rows,
            "total_weight": sum(row["criterion"].weight for row in rows),
            "saved_total": weighted_percentage(
                [
                    (row["score"] or 0, row["criterion"].max_score, row["criterion"].weight)
                    for row in rows
                ]
            ),
            "scored_count": sum(row["score"] is not None for row in rows),
            "submitted": assignment.status == AssignmentStatus.SUBMITTED,
            "scoring_paused": assignment.application.status not in services.SCORING_STATES,
        }
        if selectors.others_scores_visible(assignment):
            context["sheet"] = selectors.score_sheet(assignment.application)
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.get_assignment().status == AssignmentStatus.SUBMITTED:
            return redirect("grants:score", pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # A draft keeps whatever was valid; the rest stays on the page, typed.
        if "submit_scores" not in self.request.POST and form.scores():
            try:
                services.save_scores(
                    assignment=self.get_assignment(),
                    actor=self.request.user,
                    scores=form.scores(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                del self._criteria  # Read again: the page shows what is saved now.
                form.add_error(
                    None,
                    "We saved the scores that were valid. Correct the ones marked below, "
                    "then save again.",
                )
        return super().form_invalid(form)

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
            return super().form_invalid(form)
        if submit:
            messages.success(
                self.request,
                "Your scores have been submitted. You can now see the other assessors' scores.",
            )
            return redirect("grants:score", pk=self.get_assignment().pk)
        messages.success(self.request, "Your scores have been saved as a draft.")
        return redirect("grants:score", pk=self.get_assignment().pk)


# --- Ranking and recommendations (grant officers) ---------------------------


def _show_service_errors(form, error: ValidationError) -> None:
    """A refusal about one field goes beside that field; the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        add_service_errors(form, error)


class RankingView(OfficerRequiredMixin, TemplateView):
    """The round's scored applications best first, against the budget left."""

    template_name = "grants/ranking.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        round = get_object_or_404(Round.objects.select_related("programme"), pk=kwargs["pk"])
        sort = self.request.GET.get("sort")
        if sort not in selectors.RANKING_SORTS:
            sort = "rank"
        ranked = selectors.ranking_order(round).order_by(*selectors.RANKING_SORTS[sort])
        page = Paginator(ranked, self.paginate_by).get_page(self.request.GET.get("page"))
        remaining = selectors.budget_remaining(round)
        rows = selectors.mark_budget_line(
            selectors.ranking_rows(page.object_list), remaining=remaining
        )
        # Fifty rows: links and names worked out once for the page, not per row
        # by {% url %} and get_FOO_display.
        application_link = pk_link("grants:officer_application")
        recommend_link = pk_link("grants:recommend")
        status_names = dict(ApplicationStatus.choices)
        recommendation_names = dict(Recommendation.choices)
        for row in rows:
            row.application_url = application_link(row.pk)
            row.recommend_url = recommend_link(row.pk)
            row.status_name = status_names[row.status]
            decision = getattr(row, "decision", None)
            if decision is not None:
                row.recommendation_name = recommendation_names[decision.recommendation]
        return super().get_context_data(
            round=round,
            page=page,
            rows=rows,
            sort=sort,
            in_rank_order=sort == "rank",
            approved=round.budget - remaining,
            remaining=remaining,
            **kwargs,
        )


class RecommendView(OfficerRequiredMixin, FormView):
    """Make or change the recommendation on a scored application until it is decided."""

    template_name = "grants/recommend.html"
    form_class = RecommendationForm

    def get_application(self) -> Application:
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(
                Application.objects.filter(status__in=selectors.RANKED_STATES)
                .select_related("round__programme", "organisation", "decision")
                .annotate(final_score=selectors.final_score_expression()),
                pk=self.kwargs["pk"],
            )
        return self._application

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self.get_application(), "decision", None) is not None:
            kwargs["submit_label"] = "Change recommendation"
        return kwargs

    def get_initial(self):
        decision = getattr(self.get_application(), "decision", None)
        if decision is None:
            return {}
        return {
            "recommendation": decision.recommendation,
            "amount": decision.recommended_amount
            if decision.recommendation == Recommendation.FUND_IN_PART
            else None,
            "reason": decision.reason,
            "feedback": decision.feedback,
        }

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            application=application,
            round=application.round,
            decision=getattr(application, "decision", None),
            can_recommend=application.status
            in (ApplicationStatus.SCORED, ApplicationStatus.RECOMMENDED),
            remaining=selectors.budget_remaining(application.round),
            **kwargs,
        )

    def form_valid(self, form):
        application = self.get_application()
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
            _show_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Your recommendation on {application.reference} has been saved."
        )
        return redirect("grants:ranking", pk=application.round_id)


class ApplicationHistoryView(OfficerRequiredMixin, TemplateView):
    """Everything that has happened to an application, oldest first, on one page."""

    template_name = "grants/history.html"

    def get_context_data(self, **kwargs):
        application = get_object_or_404(
            Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
                "round__programme", "organisation"
            ),
            pk=kwargs["pk"],
        )
        return super().get_context_data(
            application=application, entries=selectors.history_entries(application), **kwargs
        )


# --- Approvers ----------------------------------------------------------------


class ApproverQueueView(ApproverRequiredMixin, TemplateView):
    """Recommendations waiting for a decision, one round at a time, best ranked first."""

    template_name = "grants/approver_queue.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        rounds = list(selectors.rounds_awaiting_decision())
        chosen = self.request.GET.get("round", "")
        round = next((r for r in rounds if str(r.pk) == chosen), rounds[0] if rounds else None)
        context = {"rounds": rounds, "round": round}
        if round is not None:
            page = Paginator(
                selectors.awaiting_decision(round, approver=self.request.user), self.paginate_by
            ).get_page(self.request.GET.get("page"))
            remaining = selectors.budget_remaining(round)
            context.update(
                page=page,
                rows=selectors.mark_budget_line(page.object_list, remaining=remaining),
                remaining=remaining,
            )
        return super().get_context_data(**context, **kwargs)


def _selected_ids(request) -> list[int]:
    ids = []
    for value in request.POST.getlist("application"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


class BulkApproveView(ApproverRequiredMixin, TemplateView):
    """
    Approve ticked applications at their recommended amounts. The first POST
    (from the queue) shows what was ticked and its total; the second, with
    `confirm`, approves them in rank order until the budget runs out.
    """

    template_name = "grants/approve_selected.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        round = get_object_or_404(Round.objects.select_related("programme"), pk=kwargs["pk"])
        queue = f"{reverse('grants:approver_queue')}?round={round.pk}"
        ids = _selected_ids(request)
        if not ids:
            messages.error(request, "Select at least one application to approve.")
            return redirect(queue)
        if "confirm" not in request.POST:
            rows = list(
                selectors.awaiting_decision(round, approver=request.user).filter(pk__in=ids)
            )
            if not rows:
                messages.error(
                    request, "Select applications in this round that are waiting for a decision."
                )
                return redirect(queue)
            remaining = selectors.budget_remaining(round)
            total = sum(
                (row.decision.recommended_amount or Decimal("0") for row in rows), Decimal("0.00")
            )
            return self.render_to_response(
                self.get_context_data(
                    round=round, rows=rows, total=total, remaining=remaining, fits=total <= remaining
                )
            )
        try:
            result = services.approve_applications(
                round=round, application_ids=ids, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(queue)
        if result.approved:
            count = len(result.approved)
            messages.success(
                request,
                f"{count} application{'s' if count != 1 else ''} approved, totalling "
                f"£{result.total:,.2f}. The offers have been sent.",
            )
        if result.refusal:
            messages.error(request, result.refusal)
        return redirect(queue)


class DecideView(ApproverRequiredMixin, FormView):
    template_name = "grants/decide.html"
    form_class = DecisionForm

    def get_application(self):
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(
                selectors.awaiting_decision(approver=self.request.user), pk=self.kwargs["pk"]
            )
        return self._application

    def get_initial(self):
        return {"amount": self.get_application().decision.recommended_amount}

    def get_context_data(self, **kwargs):
        application = self.get_application()
        return super().get_context_data(
            application=application,
            decision=application.decision,
            round=application.round,
            remaining=selectors.budget_remaining(application.round),
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
                    reason=form.cleaned_data["reason"],
                )
                message = f"{application.reference} is approved and the offer has been sent."
            else:
                services.decline_application(
                    application=application,
                    actor=self.request.user,
                    waitlist=choice == "waitlist",
                    feedback=form.cleaned_data["feedback"],
                    reason=form.cleaned_data["reason"],
                )
                message = f"Your decision on {application.reference} has been recorded."
        except ValidationError as error:
            _show_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(f"{reverse('grants:approver_queue')}?round={application.round_id}")


# --- Monitoring returns: the group's pages --------------------------------------


RETURN_SECTION_FORMS = {
    "activities": ActivitiesForm,
    "people": PeopleForm,
    "spend": SpendForm,
    "outcomes": ReturnOutcomesForm,
    "story": StoryForm,
}


def _return_initial(monitoring_return) -> dict:
    answers = monitoring_return.answers or {}
    initial = {field: getattr(monitoring_return, field) for field in services.RETURN_FIELDS}
    initial.update(
        activities=answers.get("activities", ""),
        case_study=answers.get("case_study", ""),
        viability_notes=answers.get("viability_notes", ""),
    )
    return initial


class ReturnPagesMixin(ApplicationPagesMixin):
    """A monitoring return of one of the person's organisations' awards; anyone else's is a 404."""

    def get_return(self):
        if not hasattr(self, "_return"):
            self._return = selectors.get_return_for_applicant(
                user=self.request.user, application_pk=self.kwargs["pk"], pk=self.kwargs["return_pk"]
            )
        return self._return

    def get_content(self):
        if not hasattr(self, "_content"):
            self._content = selectors.return_content(self.get_return())
        return self._content

    def get_context_data(self, **kwargs):
        monitoring_return = self.get_return()
        return super().get_context_data(
            monitoring_return=monitoring_return,
            can_edit=can_edit_application(self.request.user, self.get_application())
            and monitoring_return.is_editable,
            **kwargs,
        )

    def editing_refused(self):
        """Where to send someone who may not change the return now, or None if they may."""
        monitoring_return = self.get_return()
        if not monitoring_return.is_editable:
            return redirect("grants:return_tasks", pk=self.kwargs["pk"], return_pk=monitoring_return.pk)
        self.require_editor()
        return None


class ReturnTaskListView(ReturnPagesMixin, TemplateView):
    """The return's task list while it can be changed; what was sent, and the reviews, after."""

    template_name = "grants/monitoring/return.html"

    def get_context_data(self, **kwargs):
        monitoring_return = self.get_return()
        content = self.get_content()
        sections = selectors.return_sections(monitoring_return, content)
        application = self.get_application()
        return super().get_context_data(
            sections=sections,
            completed=sum(section.completed for section in sections),
            all_completed=all(section.completed for section in sections),
            content=content,
            reviews=selectors.return_reviews(monitoring_return),
            messages_sent=message_history(
                subject=monitoring_return, organisation=application.organisation
            ),
            **kwargs,
        )


def message_history(*, subject=None, subjects=None, organisation):
    """An organisation's view of the messages about its records (notifications.selectors)."""
    from notifications.selectors import messages_about

    return messages_about(subject=subject, subjects=subjects, organisation=organisation).select_related(
        "recipient"
    )[:50]


class ReturnSectionView(KeepTypedAnswersMixin, ReturnPagesMixin, FormView):
    """One section of a return, saved on either button; a validation error keeps what was typed."""

    template_name = "grants/monitoring/section.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in RETURN_SECTION_FORMS:
            raise Http404
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            refused = self.editing_refused()
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return RETURN_SECTION_FORMS[self.kwargs["section"]]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "monitoring_return": self.get_return(),
            "content": self.get_content(),
        }

    def get_initial(self):
        return _return_initial(self.get_return())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section_title=selectors.RETURN_SECTION_TITLES[self.kwargs["section"]], **kwargs
        )

    def form_valid(self, form):
        try:
            services.save_monitoring_return(
                monitoring_return=self.get_return(), actor=self.request.user, data=form.data_to_save()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if "save_and_return" in self.request.POST:
            messages.success(
                self.request, "Your return has been saved. You can come back to it at any time."
            )
            return redirect("grants:detail", pk=self.kwargs["pk"])
        return redirect("grants:return_tasks", pk=self.kwargs["pk"], return_pk=self.kwargs["return_pk"])


class ReturnFilesView(ReturnPagesMixin, FormView):
    """Supporting files: each is checked and stored as it is uploaded."""

    template_name = "grants/monitoring/files.html"
    form_class = ReturnFileForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            refused = self.editing_refused()
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section_title=selectors.RETURN_SECTION_TITLES["files"],
            files=self.get_content().files,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            supporting = services.add_return_file(
                monitoring_return=self.get_return(),
                actor=self.request.user,
                uploaded=form.cleaned_data["file"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
            return self.form_invalid(form)
        messages.success(self.request, f"{supporting.original_name} has been added.")
        return redirect(
            "grants:return_files", pk=self.kwargs["pk"], return_pk=self.kwargs["return_pk"]
        )


class RemoveReturnFileView(ReturnPagesMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, return_pk, file_pk):
        supporting = get_object_or_404(self.get_return().files, pk=file_pk)
        try:
            services.remove_return_file(supporting=supporting, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{supporting.original_name} has been removed.")
        return redirect("grants:return_files", pk=pk, return_pk=return_pk)


class ReturnFileDownloadView(SignedInMixin, View):
    """A return's supporting file, for the organisation's members and officers; 404 for others."""

    def get(self, request, return_pk, file_pk):
        supporting = selectors.get_return_file_for_user(
            user=request.user, return_pk=return_pk, pk=file_pk
        )
        return download_response(
            file=supporting.file, name=supporting.original_name, content_type=supporting.content_type
        )


class SubmitReturnView(KeepTypedAnswersMixin, ReturnPagesMixin, TemplateView):
    """Check your answers, then send the return."""

    template_name = "grants/monitoring/check_answers.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_role(request.user, *self.allowed_roles):
            refused = self.editing_refused()
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        monitoring_return = self.get_return()
        content = self.get_content()
        sections = selectors.return_sections(monitoring_return, content)
        return super().get_context_data(
            content=content,
            problems=[p for section in sections for p in section.problems],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            services.submit_monitoring_return(monitoring_return=self.get_return(), actor=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(service_errors=error.messages))
        messages.success(
            request,
            "Your monitoring return has been sent. We will read it and tell you if we need "
            "anything else.",
        )
        return redirect("grants:return_tasks", pk=kwargs["pk"], return_pk=kwargs["return_pk"])


# --- Monitoring returns: officers' pages ------------------------------------------


def _positive_int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


class MonitoringListView(OfficerRequiredMixin, TemplateView):
    """Returns due, overdue (with days overdue), waiting for review..., per round and officer."""

    template_name = "grants/monitoring/officer_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        get = self.request.GET
        view = get.get("view") if get.get("view") in selectors.RETURN_LIST_VIEWS else "due"
        round_id, officer_id = _positive_int(get.get("round")), _positive_int(get.get("officer"))
        if get.get("officer") == "me":
            officer_id = self.request.user.pk
        today = timezone.localdate()
        page = Paginator(
            selectors.officer_returns(
                view=view, today=today, round_id=round_id, officer_id=officer_id
            ),
            self.paginate_by,
        ).get_page(get.get("page"))
        review_link = pk_link("grants:monitoring_review")
        for monitoring_return in page.object_list:
            monitoring_return.review_url = review_link(monitoring_return.pk)
        query = {"view": view, "round": round_id or "", "officer": officer_id or ""}
        return super().get_context_data(
            page=page,
            view=view,
            view_label=selectors.RETURN_LIST_VIEWS[view],
            views=selectors.RETURN_LIST_VIEWS,
            rounds=Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT),
            officers=selectors.grant_officers(),
            round_id=round_id,
            officer_id=officer_id,
            filter_query=urlencode({k: v for k, v in query.items() if v}),
            **kwargs,
        )


class MonitoringReviewView(OfficerRequiredMixin, FormView):
    """A return as the group sent it, its review history and messages; accept or ask for changes."""

    template_name = "grants/monitoring/review.html"
    form_class = ReviewReturnForm

    def get_return(self):
        if not hasattr(self, "_return"):
            self._return = selectors.get_return_for_officer(self.kwargs["pk"])
        return self._return

    def get_context_data(self, **kwargs):
        from notifications.selectors import messages_about

        monitoring_return = self.get_return()
        application = monitoring_return.award.application
        kwargs.setdefault(
            "case_officer_form",
            CaseOfficerForm(
                officers=selectors.grant_officers(),
                initial={"officer": application.case_officer_id},
            ),
        )
        return super().get_context_data(
            monitoring_return=monitoring_return,
            application=application,
            content=selectors.return_content(monitoring_return),
            reviews=selectors.return_reviews(monitoring_return),
            messages_sent=messages_about(subject=monitoring_return).select_related("recipient")[:50],
            can_review=monitoring_return.status == MonitoringStatus.SUBMITTED
            and has_role(self.request.user, Role.GRANT_OFFICER),
            **kwargs,
        )

    def form_valid(self, form):
        monitoring_return = self.get_return()
        comments = form.cleaned_data["comments"]
        try:
            if form.cleaned_data["outcome"] == "accept":
                services.accept_monitoring_return(
                    monitoring_return=monitoring_return, actor=self.request.user, comments=comments
                )
                message = "The return has been accepted and the group has been told."
            else:
                services.request_return_changes(
                    monitoring_return=monitoring_return, actor=self.request.user, comments=comments
                )
                message = "The return has been sent back to the group with your comments."
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect("grants:monitoring_review", pk=monitoring_return.pk)


class MonitoringCaseOfficerView(MonitoringReviewView):
    """Sets the application's case officer from the return's page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        monitoring_return = self.get_return()
        form = CaseOfficerForm(request.POST, officers=selectors.grant_officers())
        if form.is_valid():
            try:
                services.assign_case_officer(
                    application=monitoring_return.award.application,
                    officer=form.cleaned_data["officer"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The case officer has been saved.")
                return redirect("grants:monitoring_review", pk=monitoring_return.pk)
        return self.render_to_response(
            self.get_context_data(form=self.get_form_class()(), case_officer_form=form)
        )


class MonitoringSummaryView(OfficerRequiredMixin, TemplateView):
    """
    The figures the council reports against its Strategic Plan measures,
    from accepted returns: people reached by group, volunteers and hours,
    financial outlook, and the challenges groups reported.
    """

    template_name = "grants/monitoring/summary.html"

    def get_context_data(self, **kwargs):
        get = self.request.GET
        round_id = _positive_int(get.get("round"))
        year = _positive_int(get.get("year"))
        if year is not None and not 2000 <= year <= 2100:
            year = None
        today = timezone.localdate()
        current_year = today.year if today.month >= 4 else today.year - 1
        challenges = Paginator(
            selectors.challenges_reported(round_id=round_id, financial_year=year), 25
        ).get_page(get.get("page"))
        query = {"round": round_id or "", "year": year or ""}
        return super().get_context_data(
            summary=selectors.monitoring_summary(round_id=round_id, financial_year=year),
            page=challenges,
            rounds=Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT),
            years=[(y, f"{y}/{(y + 1) % 100:02d}") for y in range(current_year, current_year - 6, -1)],
            round_id=round_id,
            year=year,
            filter_query=urlencode({k: v for k, v in query.items() if v}),
            **kwargs,
        )


# --- Reports and search -----------------------------------------------------------------


class ReportsAccessMixin(RoleRequiredMixin):
    """
    Reports and search are for the council's staff who decide and account
    for grants. Assessors see only what they are asked to score, so they
    are refused, like applicants.
    """

    allowed_roles = (Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR)


def _report_sections(report: reports.Report) -> list[tuple]:
    """Each table of the report with its chart of the amount awarded."""
    sections = []
    for breakdown in report.breakdowns:
        labels = [row["label"] for row in breakdown.rows]
        values = [row["awarded"] for row in breakdown.rows]
        draw = charts_module.line_chart if breakdown.key == "period" else charts_module.bar_chart
        chart = draw(
            chart_id=f"chart-{breakdown.key}",
            title=f"Amount awarded {breakdown.title[0].lower()}{breakdown.title[1:]}",
            labels=labels,
            values=values,
            description=f"{breakdown.caption}: the amount awarded in each row of the table "
            "below the chart.",
        )
        sections.append((breakdown, chart))
    return sections


class ReportView(ReportsAccessMixin, TemplateView):
    """A programme or round report: tables, charts and the spreadsheet of the same figures."""

    template_name = "grants/reports/report.html"

    def get_form(self) -> ReportFilterForm:
        return ReportFilterForm(self.request.GET or None)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        status = 400 if form.is_bound and not form.is_valid() else 200
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def build(self, form: ReportFilterForm) -> reports.Report:
        # A filter that is not valid shows its error over the whole report.
        if form.is_bound and not form.is_valid():
            return reports.build_report()
        return reports.build_report(form.award_filter(), period=form.chosen_period())

    def get_context_data(self, *, form, **kwargs):
        report = self.build(form)
        return super().get_context_data(
            form=form,
            report=report,
            selection=form.selection(),
            sections=_report_sections(report),
            query=self.request.GET.urlencode(),
            **kwargs,
        )


class ReportDownloadView(ReportView):
    """The report's figures as an .xlsx workbook, one sheet per table."""

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound and not form.is_valid():
            return super().get(request, *args, **kwargs)
        report = self.build(form)
        output = BytesIO()
        reports.write_report_xlsx(output, report, selection=form.selection())
        output.seek(0)
        return FileResponse(
            output,
            as_attachment=True,
            filename=reports.report_filename(timezone.localdate()),
            content_type=XLSX_CONTENT_TYPE,
        )


class SearchView(ReportsAccessMixin, TemplateView):
    """Find applications, awards and organisations; filters and sorting in the query string."""

    template_name = "grants/search.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        within = self.request.GET.get("within")
        if within not in dict(search.Within.CHOICES):
            within = search.Within.APPLICATIONS
        results = search.search(within, self.request.GET)
        page = search.CappedPaginator(results.qs, self.paginate_by).get_page(self.request.GET.get("page"))
        if within == search.Within.ORGANISATIONS:
            rows = list(page.object_list)
        else:
            # The application page is the officers'; others see the reference only.
            officer = has_role(self.request.user, *OfficerRequiredMixin.allowed_roles)
            rows = search.application_rows(
                page.object_list,
                awards=within == search.Within.AWARDS,
                link=pk_link("grants:officer_application") if officer else None,
            )
        # Links to other pages keep the search and filters, not the page number.
        kept = self.request.GET.copy()
        kept.pop("page", None)
        kept["within"] = within
        return super().get_context_data(
            within=within,
            within_choices=search.Within.CHOICES,
            filterset=results,
            form=results.form,
            page=page,
            rows=rows,
            query=kept.urlencode(),
            **kwargs,
        )
