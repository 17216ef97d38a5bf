"""
Finance pages: the dashboard, downloads (award ledger, 360Giving, payment
files), payment runs, awards with their payments and repayments, bank
detail checks, and the import of historical awards; and the pages finance
shares with officers and approvers: offers awaiting acceptance, offer
letters, payment rules, variations and closing grants. Views parse input,
call one service or selector and render; the rules live in services.py.
Administrators may look at every page, but the services refuse their
attempts to act.
"""

import io
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.permissions import FinanceRequiredMixin, RoleRequiredMixin, recent_authentication_required
from accounts.roles import Role, has_role
from applicants.models import Organisation
from applicants.selectors import organisations_awaiting_bank_check
from applicants.services import reveal_bank_details, verify_bank_details
from applicants.uploads import check_upload
from config.links import pk_link
from grants.models import Award, AwardStatus

from . import selectors, services, threesixtygiving
from .exports import (
    XLSX_CONTENT_TYPE,
    ledger_filename,
    payment_file_name,
    write_award_ledger,
    write_payment_file,
)
from .forms import (
    AwardFilterForm,
    AwardImportForm,
    AwardSearchForm,
    BankCheckForm,
    CloseAwardForm,
    MarkPaidForm,
    PaymentFailedForm,
    RepaymentReceivedForm,
    RepaymentRequestForm,
    VariationDecisionForm,
    VariationRequestForm,
)
from .imports import HEADINGS, ImportRejected, read_award_rows
from .models import (
    FAILABLE_PAYMENT_STATES,
    AwardVariation,
    Payment,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
    Repayment,
    VariationStatus,
)
from .offer_letter import offer_letter, offer_letter_pdf_response
from .selectors import AwardFilter

# The programme whose figures head the summary page (DOMAIN: Communities Fund).
HEADLINE_PROGRAMME_CODE = "CF"
# How many payable payments the summary lists; the run takes all of them.
PAYABLE_LISTED = 25
# Due payments that cannot be paid yet listed on the run-building page.
BLOCKED_LISTED = 100
# Rows of an import report shown on the page; the rest are counted.
IMPORT_ERRORS_SHOWN = 200


def _refusal_messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error) or "You cannot do that."]


def _can_act(request) -> bool:
    return has_role(request.user, Role.FINANCE)


# --- The dashboard and its downloads --------------------------------------------


def summary_context(request, *, filter_form: AwardFilterForm | None = None) -> dict:
    payable_listed, payable = selectors.payable_due_first(PAYABLE_LISTED)
    payable_caption = "Payments due and payable"
    if payable["count"] > len(payable_listed):
        payable_caption += (
            f" (the {len(payable_listed)} due longest ago of {payable['count']})"
        )
    # One read of the award totals (cached until awards or payments change)
    # gives the grand totals, the programme and round tables, the breakdowns,
    # the indicator and the filter's financial years (issue 9).
    totals = selectors.dashboard_award_totals()
    if filter_form is None:
        filter_form = AwardFilterForm(financial_years=totals.financial_years())
    programmes = selectors.programme_totals(totals=totals)
    return {
        # The headline is its programme's row of the programme table.
        "headline": next(
            (programme for programme in programmes if programme.code == HEADLINE_PROGRAMME_CODE),
            None,
        ),
        "programmes": programmes,
        "rounds": selectors.award_totals_by_round(totals=totals),
        "grand_totals": totals.grand_totals,
        "breakdowns": selectors.breakdowns(totals=totals),
        "indicator": totals.vcse_indicator(),
        "indicator_programme_code": selectors.INDICATOR_PROGRAMME_CODE,
        "payable": payable,
        "payable_listed": payable_listed,
        "payable_caption": payable_caption,
        "filter_form": filter_form,
        # The name the page used before it had more than one download.
        "ledger_form": filter_form,
        "can_act": _can_act(request),
        "late_offers": selectors.late_offer_count(),
        "bank_checks_waiting": organisations_awaiting_bank_check().count(),
    }


class FinanceSummaryView(FinanceRequiredMixin, TemplateView):
    template_name = "payments/summary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**summary_context(self.request), **kwargs)


def _file_response(write: Callable, *, filename: str, content_type: str) -> FileResponse:
    # Rows go to a temporary file that spills to disk past 8 MB, so a large
    # export never sits in memory whole.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=content_type)


class FilteredDownloadView(FinanceRequiredMixin, View):
    """A download of the awards the filter form selects; a bad filter is shown on the summary."""

    def write(self, output, filters: AwardFilter) -> None:
        raise NotImplementedError

    def filename(self) -> str:
        raise NotImplementedError

    content_type = XLSX_CONTENT_TYPE

    def get(self, request):
        form = AwardFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return self.refuse(form)
        filters = form.award_filter()
        try:
            return _file_response(
                lambda output: self.write(output, filters),
                filename=self.filename(), content_type=self.content_type,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.refuse(form)

    def refuse(self, form):
        context = summary_context(self.request, filter_form=form)
        return TemplateResponse(self.request, FinanceSummaryView.template_name, context,
                                status=400)


class LedgerDownloadView(FilteredDownloadView):
    """The award ledger as an .xlsx attachment."""

    def write(self, output, filters):
        write_award_ledger(output, filters)

    def filename(self):
        return ledger_filename(timezone.localdate())


class ThreeSixtyGivingJsonView(FilteredDownloadView):
    content_type = "application/json"

    def write(self, output, filters):
        threesixtygiving.write_json(output, filters)

    def filename(self):
        return threesixtygiving.json_filename(timezone.localdate())


class ThreeSixtyGivingXlsxView(FilteredDownloadView):
    def write(self, output, filters):
        threesixtygiving.write_xlsx(output, filters)

    def filename(self):
        return threesixtygiving.xlsx_filename(timezone.localdate())


# --- Payment runs ---------------------------------------------------------------------


class PaymentRunListView(FinanceRequiredMixin, ListView):
    template_name = "payments/run_list.html"
    context_object_name = "runs"
    paginate_by = 50

    def get_queryset(self):
        return selectors.payment_runs_with_totals()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            payable=selectors.payable_totals(), can_act=_can_act(self.request), **kwargs
        )


class PaymentRunCreateView(FinanceRequiredMixin, View):
    """Build a draft run from every payment that is due and payable now."""

    def post(self, request):
        try:
            run = services.create_payment_run(actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            for message in _refusal_messages(error):
                messages.error(request, message)
            back_to = {"runs": "payments:run_list", "build": "payments:run_build"}
            return redirect(back_to.get(request.POST.get("from"), "payments:summary"))
        messages.success(
            request,
            f"Payment run {run.reference} has been built. Another member of finance must "
            "approve it.",
        )
        return redirect("payments:run_detail", pk=run.pk)


def _run_page_rows(run: PaymentRun, *, can_act: bool) -> list[dict]:
    """The run's payments with their links and status names worked out once per page."""
    award_link = pk_link("payments:award_detail")
    fail_link = pk_link("payments:payment_fail")
    status_names = dict(PaymentStatus.choices)
    rows = selectors.run_page_payments(run)
    for row in rows:
        row["award_url"] = award_link(row["award_id"])
        row["status_name"] = status_names[row["status"]]
        if can_act and row["status"] in FAILABLE_PAYMENT_STATES:
            row["fail_url"] = fail_link(row["pk"])
    return rows


class PaymentRunMixin(FinanceRequiredMixin):
    def get_run(self) -> PaymentRun:
        try:
            return selectors.payment_run_with_totals(pk=self.kwargs["pk"])
        except PaymentRun.DoesNotExist:
            raise Http404("No such payment run.") from None

    def render_run(self, *, run=None, errors=(), paid_form=None, status=200):
        request = self.request
        run = run or self.get_run()
        if paid_form is None and run.status == PaymentRunStatus.EXPORTED:
            paid_form = MarkPaidForm(run=run)
        can_act = _can_act(request)
        context = {
            "run": run,
            "payments": _run_page_rows(run, can_act=can_act),
            "errors": list(errors),
            "paid_form": paid_form,
            "can_act": can_act,
            "is_creator": run.created_by_id == request.user.pk,
            "has_payment_file": run.status in (PaymentRunStatus.EXPORTED, PaymentRunStatus.PAID),
        }
        return TemplateResponse(request, "payments/run_detail.html", context, status=status)


class PaymentRunDetailView(PaymentRunMixin, View):
    def get(self, request, pk):
        return self.render_run()


class PaymentRunActionView(PaymentRunMixin, View):
    """A POST that moves the run one step on; a refusal is shown on the run page."""

    success_message = ""

    def act(self, run: PaymentRun) -> PaymentRun:
        raise NotImplementedError

    def post(self, request, pk):
        run = self.get_run()
        try:
            self.act(run)
        except (ValidationError, PermissionDenied) as error:
            return self.render_run(run=run, errors=_refusal_messages(error))
        messages.success(request, self.success_message.format(run=run))
        return redirect("payments:run_detail", pk=run.pk)


@recent_authentication_required("post")
class PaymentRunApproveView(PaymentRunActionView):
    success_message = "Payment run {run.reference} has been approved."

    def act(self, run):
        return services.approve_payment_run(run=run, actor=self.request.user)


class PaymentRunExportView(PaymentRunActionView):
    success_message = "Payment run {run.reference} has been marked as exported."

    def act(self, run):
        return services.export_payment_run(run=run, actor=self.request.user)


class PaymentRunPaidView(PaymentRunMixin, View):
    def post(self, request, pk):
        run = self.get_run()
        form = MarkPaidForm(request.POST, run=run)
        if not form.is_valid():
            return self.render_run(run=run, paid_form=form)
        try:
            services.mark_payment_run_paid(
                run=run, actor=request.user, paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"],
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _refusal_messages(error):
                form.add_error(None, message)
            return self.render_run(run=run, paid_form=form)
        messages.success(request, f"Payment run {run.reference} has been marked as paid.")
        return redirect(reverse("payments:run_detail", kwargs={"pk": run.pk}))


class PaymentFileView(PaymentRunMixin, View):
    """
    The run's payment file for the finance system (CSV). Downloading it from
    an approved run (a POST, since it changes the run) marks the run as
    exported; an exported or paid run's file can be downloaded again.
    """

    def post(self, request, pk):
        run = self.get_run()
        if run.status not in (PaymentRunStatus.EXPORTED, PaymentRunStatus.PAID):
            try:
                services.export_payment_run(run=run, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                return self.render_run(run=run, errors=_refusal_messages(error))
            run = self.get_run()
        return self.file(run)

    def get(self, request, pk):
        run = self.get_run()
        if run.status not in (PaymentRunStatus.EXPORTED, PaymentRunStatus.PAID):
            return self.render_run(
                run=run,
                errors=["Approve the run, then use the button to download its payment file."
                        if run.status == PaymentRunStatus.DRAFT else
                        "Use the button below to download the payment file: it marks the run "
                        "as exported."],
            )
        return self.file(run)

    def file(self, run: PaymentRun) -> HttpResponse:
        text = io.StringIO()
        write_payment_file(text, run)
        # A byte order mark, so spreadsheets read names like "Café" correctly.
        response = HttpResponse(
            "\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{payment_file_name(run)}"'
        return response


class PaymentRunLedgerView(PaymentRunMixin, View):
    """The award ledger of the awards this run pays."""

    def get(self, request, pk):
        run = self.get_run()
        return _file_response(
            lambda output: write_award_ledger(output, AwardFilter(run_id=run.pk)),
            filename=ledger_filename(timezone.localdate(), suffix=f"-{run.reference}"),
            content_type=XLSX_CONTENT_TYPE,
        )


# --- Awards, failed payments and repayments -----------------------------------------


class AwardListView(FinanceRequiredMixin, View):
    paginate_by = 50

    def get(self, request):
        form = AwardSearchForm(request.GET or None)
        search = form.cleaned_data.get("q", "") if form.is_valid() else ""
        page = Paginator(selectors.finance_awards(search=search), self.paginate_by).get_page(
            request.GET.get("page")
        )
        return TemplateResponse(request, "payments/award_list.html", {
            "form": form, "search": search, "page": page,
            "awards": selectors.award_list_rows(page.object_list),
        })


class AwardMixin(FinanceRequiredMixin):
    def get_award(self, pk: int) -> Award:
        try:
            return selectors.finance_award(pk=pk)
        except Award.DoesNotExist:
            raise Http404("No such award.") from None


class AwardDetailView(AwardMixin, View):
    def get(self, request, pk):
        award = self.get_award(pk)
        payments = list(selectors.award_payments(award))
        return TemplateResponse(request, "payments/award_detail.html", {
            "award": award,
            "application": award.application,
            "instalments": award.instalments.order_by("number"),
            "payments": payments,
            "repayments": selectors.award_repayments(award),
            "variations": selectors.award_variations(award),
            "can_ask_back": award.paid > award.requested_back,
            "can_act": _can_act(request),
        })


class RepaymentRequestView(AwardMixin, View):
    template_name = "payments/repayment_request.html"

    def get(self, request, pk):
        return self.render(self.get_award(pk), RepaymentRequestForm())

    def post(self, request, pk):
        award = self.get_award(pk)
        form = RepaymentRequestForm(request.POST)
        if form.is_valid():
            try:
                repayment = services.request_repayment(
                    award=award, actor=request.user, amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error("amount", message)
            else:
                messages.success(
                    request,
                    f"{repayment.reference}: £{repayment.amount:,.2f} has been asked back. The "
                    "organisation has been emailed.",
                )
                return redirect("payments:award_detail", pk=award.pk)
        return self.render(award, form)

    def render(self, award, form):
        return TemplateResponse(self.request, self.template_name, {
            "award": award, "application": award.application, "form": form,
            "can_act": _can_act(self.request),
        })


class RepaymentReceivedView(FinanceRequiredMixin, View):
    template_name = "payments/repayment_received.html"

    def get_repayment(self, pk: int) -> Repayment:
        try:
            return selectors.repayment_with_totals(pk=pk)
        except Repayment.DoesNotExist:
            raise Http404("No such repayment.") from None

    def get(self, request, pk):
        return self.render(self.get_repayment(pk), RepaymentReceivedForm())

    def post(self, request, pk):
        repayment = self.get_repayment(pk)
        form = RepaymentReceivedForm(request.POST)
        if form.is_valid():
            try:
                receipt = services.record_repayment_received(
                    repayment=repayment, actor=request.user, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error("amount", message)
            else:
                messages.success(
                    request, f"£{receipt.amount:,.2f} received for {repayment.reference} has "
                    "been recorded.",
                )
                return redirect("payments:award_detail", pk=repayment.award_id)
        return self.render(repayment, form)

    def render(self, repayment, form):
        return TemplateResponse(self.request, self.template_name, {
            "repayment": repayment, "award": repayment.award,
            "application": repayment.award.application, "form": form,
            "can_act": _can_act(self.request),
        })


class PaymentMixin(FinanceRequiredMixin):
    def get_payment(self, pk: int) -> Payment:
        try:
            return Payment.objects.select_related(
                "instalment__award__application__organisation", "run"
            ).get(pk=pk)
        except Payment.DoesNotExist:
            raise Http404("No such payment.") from None


class PaymentFailView(PaymentMixin, View):
    template_name = "payments/payment_fail.html"

    def get(self, request, pk):
        return self.render(self.get_payment(pk), PaymentFailedForm())

    def post(self, request, pk):
        payment = self.get_payment(pk)
        form = PaymentFailedForm(request.POST)
        if form.is_valid():
            try:
                services.mark_payment_failed(
                    payment=payment, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error("reason", message)
            else:
                messages.success(
                    request, f"The payment of £{payment.amount:,.2f} has been marked as failed. "
                    "Pay it again once the bank details are right.",
                )
                return redirect("payments:award_detail", pk=payment.instalment.award_id)
        return self.render(payment, form)

    def render(self, payment, form):
        return TemplateResponse(self.request, self.template_name, {
            "payment": payment, "application": payment.instalment.award.application,
            "form": form, "can_act": _can_act(self.request),
            "can_fail": payment.status in FAILABLE_PAYMENT_STATES,
        })


class PaymentRequeueView(PaymentMixin, View):
    def post(self, request, pk):
        payment = self.get_payment(pk)
        try:
            services.requeue_failed_payment(payment=payment, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            for message in _refusal_messages(error):
                messages.error(request, message)
        else:
            messages.success(
                request, f"A new payment of £{payment.amount:,.2f} is queued for the next "
                "payment run.",
            )
        return redirect("payments:award_detail", pk=payment.instalment.award_id)


# --- Importing historical awards ---------------------------------------------------


class AwardImportView(FinanceRequiredMixin, View):
    template_name = "payments/award_import.html"

    def get(self, request):
        return self.render(AwardImportForm())

    def post(self, request):
        form = AwardImportForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                checked = check_upload(upload)
                if not checked.content_type == XLSX_CONTENT_TYPE:
                    raise ValidationError("The selected file must be an Excel workbook (.xlsx)")
                rows = read_award_rows(upload)
                run = services.import_historical_awards(rows=rows, actor=request.user)
            except ImportRejected as rejected:
                problems = rejected.messages
                if len(problems) == 1 and not problems[0].startswith("Row "):
                    form.add_error("file", problems[0])
                    problems = []
                else:
                    form.add_error(
                        "file",
                        f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}, "
                        "listed below. Nothing has been imported.",
                    )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error("file", message)
            else:
                total = sum((row.amount for row in rows), start=0)
                messages.success(
                    request,
                    f"{len(rows)} award{'s' if len(rows) != 1 else ''} totalling £{total:,.2f} "
                    f"imported, paid in {run.reference}.",
                )
                return redirect("payments:run_detail", pk=run.pk)
        return self.render(form, problems=problems, status=200)

    def render(self, form, *, problems=(), status=200):
        problems = list(problems)
        return TemplateResponse(self.request, self.template_name, {
            "form": form,
            "headings": HEADINGS,
            "problems": problems[:IMPORT_ERRORS_SHOWN],
            "problems_not_shown": max(0, len(problems) - IMPORT_ERRORS_SHOWN),
            "can_act": _can_act(self.request),
        }, status=status)


# --- Offers, payment rules, bank checks, variations and closing ----------------------


class OfficerOrFinanceMixin(RoleRequiredMixin):
    """Grant officers and finance (and administrators, who may look)."""

    allowed_roles = (Role.GRANT_OFFICER, Role.FINANCE, Role.ADMINISTRATOR)


class VariationReadersMixin(RoleRequiredMixin):
    """Those who ask for variations and those who decide them."""

    allowed_roles = (Role.GRANT_OFFICER, Role.FINANCE, Role.APPROVER, Role.ADMINISTRATOR)


class OfferListView(OfficerOrFinanceMixin, ListView):
    """Offers waiting for the organisation to accept, the late ones flagged."""

    template_name = "payments/offer_list.html"
    context_object_name = "offers"
    paginate_by = 50

    def get_queryset(self):
        self.now = timezone.now()
        return selectors.offers_awaiting_acceptance(now=self.now)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate(self.now)
        for offer in context["offers"]:
            offer.days_waiting = (today - timezone.localdate(offer.offered_at)).days
        return {
            **context,
            "late_count": selectors.late_offer_count(now=self.now),
            "acceptance_days": settings.OFFER_ACCEPTANCE_DAYS,
        }


class StaffOfferMixin(OfficerOrFinanceMixin):
    def get_award(self) -> Award:
        try:
            return Award.objects.select_related(
                "application__organisation", "application__round__programme"
            ).get(pk=self.kwargs["pk"])
        except Award.DoesNotExist:
            raise Http404("No such award.") from None


class StaffOfferLetterView(StaffOfferMixin, View):
    """The offer letter as the organisation sees it, for officers and finance."""

    def get(self, request, pk):
        award = self.get_award()
        return TemplateResponse(request, "payments/offer_letter.html", {
            "award": award, "application": award.application, "letter": offer_letter(award),
        })


class StaffOfferPdfView(StaffOfferMixin, View):
    def get(self, request, pk):
        return offer_letter_pdf_response(self.get_award())


class PaymentRuleListView(OfficerOrFinanceMixin, ListView):
    """Each round's payment rule (changed in the admin), or the default."""

    template_name = "payments/payment_rules.html"
    context_object_name = "rounds"
    paginate_by = 50

    def get_queryset(self):
        return selectors.payment_rules()

    def get_context_data(self, **kwargs):
        return super().get_context_data(default_rule=services.DEFAULT_PAYMENT_RULE, **kwargs)


class BankCheckListView(FinanceRequiredMixin, ListView):
    template_name = "payments/bank_check_list.html"
    context_object_name = "organisations"
    paginate_by = 50

    def get_queryset(self):
        return organisations_awaiting_bank_check()


class BankCheckView(FinanceRequiredMixin, View):
    """One organisation's bank details in full, and the confirmation that they were checked."""

    template_name = "payments/bank_check.html"

    def get_organisation(self, pk: int) -> Organisation:
        try:
            return Organisation.objects.get(pk=pk)
        except Organisation.DoesNotExist:
            raise Http404("No such organisation.") from None

    def get(self, request, pk):
        organisation = self.get_organisation(pk)
        form = BankCheckForm(initial={"changed_at": organisation.bank_details_changed_at})
        return self.render(organisation, form)

    def post(self, request, pk):
        organisation = self.get_organisation(pk)
        form = BankCheckForm(request.POST)
        if form.is_valid():
            try:
                verify_bank_details(
                    organisation=organisation, actor=request.user,
                    checked_change_at=form.cleaned_data["changed_at"],
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request, f"{organisation.name}'s bank details are checked. Payments to them "
                    "can now go in a payment run.",
                )
                return redirect("payments:bank_check_list")
        return self.render(organisation, form, status=200)

    def render(self, organisation, form, status=200):
        # Full bank details are finance's alone (administrators are refused),
        # and every look at them is recorded in the audit log.
        reveal_bank_details(organisation=organisation, actor=self.request.user)
        return TemplateResponse(self.request, self.template_name, {
            "organisation": organisation, "form": form, "can_act": _can_act(self.request),
            "last_check": selectors.last_bank_check(organisation),
        }, status=status)


class RunBuildView(FinanceRequiredMixin, View):
    """What a new run would hold, and the due payments that cannot go in it yet, with why."""

    paginate_by = 50

    def get(self, request):
        payable = Paginator(
            selectors.payable_payments().select_related("instalment__award__application__round"),
            self.paginate_by,
        ).get_page(request.GET.get("page"))
        return TemplateResponse(request, "payments/run_build.html", {
            "payable_page": payable,
            "payable": selectors.payable_totals(),
            "blocked": selectors.blocked_payments()[:BLOCKED_LISTED],
            "blocked_count": selectors.blocked_payments().count(),
            "blocked_listed": BLOCKED_LISTED,
            "can_act": _can_act(request),
        })


class VariationListView(VariationReadersMixin, ListView):
    template_name = "payments/variation_list.html"
    context_object_name = "variations"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        # "Find a grant": its reference opens the grant's offer letter page,
        # where officers ask for a variation or close it.
        self.reference = request.GET.get("reference", "").strip()[:30]
        self.lookup_error = ""
        if self.reference:
            award = Award.objects.filter(
                application__reference__iexact=self.reference
            ).only("pk").first()
            if award is not None:
                return redirect("payments:offer_letter", pk=award.pk)
            self.lookup_error = f"No grant has the reference {self.reference}"
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.variations()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reference=self.reference, lookup_error=self.lookup_error, **kwargs
        )


class VariationRequestView(OfficerOrFinanceMixin, View):
    template_name = "payments/variation_request.html"

    def get_award(self, pk: int) -> Award:
        try:
            return Award.objects.select_related(
                "application__organisation", "application__round"
            ).get(pk=pk)
        except Award.DoesNotExist:
            raise Http404("No such award.") from None

    def get(self, request, pk):
        return self.render(self.get_award(pk), VariationRequestForm())

    def post(self, request, pk):
        award = self.get_award(pk)
        form = VariationRequestForm(request.POST)
        if form.is_valid():
            try:
                variation = services.request_variation(
                    award=award, actor=request.user, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request, f"Variation {variation.reference} is waiting for an approver."
                )
                return redirect("payments:variation_detail", pk=variation.pk)
        return self.render(award, form)

    def render(self, award, form):
        return TemplateResponse(self.request, self.template_name, {
            "award": award, "application": award.application, "form": form,
        })


class VariationDetailView(VariationReadersMixin, View):
    """A variation, and for an approver who did not ask for it, the decision."""

    template_name = "payments/variation_detail.html"

    def get_variation(self, pk: int) -> AwardVariation:
        try:
            return selectors.variations().select_related("award__application__round").get(pk=pk)
        except AwardVariation.DoesNotExist:
            raise Http404("No such variation.") from None

    def get(self, request, pk):
        return self.render(self.get_variation(pk), VariationDecisionForm())

    def post(self, request, pk):
        variation = self.get_variation(pk)
        form = VariationDecisionForm(request.POST)
        if form.is_valid():
            decide = (services.approve_variation if form.cleaned_data["decision"] == "approve"
                      else services.reject_variation)
            try:
                decide(variation=variation, actor=request.user, note=form.cleaned_data["note"])
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(request, f"Variation {variation.reference} has been decided.")
                return redirect("payments:variation_detail", pk=variation.pk)
        return self.render(variation, form)

    def render(self, variation, form):
        user = self.request.user
        return TemplateResponse(self.request, self.template_name, {
            "variation": variation, "award": variation.award,
            "application": variation.award.application, "form": form,
            "can_decide": (has_role(user, Role.APPROVER)
                           and variation.requested_by_id != user.pk
                           and variation.status == VariationStatus.REQUESTED),
        })


class AwardCloseView(OfficerOrFinanceMixin, View):
    template_name = "payments/award_close.html"

    def get_award(self, pk: int) -> Award:
        try:
            return selectors.finance_award(pk=pk)
        except Award.DoesNotExist:
            raise Http404("No such award.") from None

    def get(self, request, pk):
        return self.render(self.get_award(pk), CloseAwardForm())

    def post(self, request, pk):
        award = self.get_award(pk)
        form = CloseAwardForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["how"] == "complete":
                    services.complete_award(award=award, actor=request.user)
                else:
                    services.close_award_early(
                        award=award, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except (ValidationError, PermissionDenied) as error:
                for message in _refusal_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(request, f"Grant {award.reference} has been closed.")
                return redirect("payments:award_close", pk=award.pk)
        return self.render(award, form)

    def render(self, award, form):
        return TemplateResponse(self.request, self.template_name, {
            "award": award, "application": award.application, "form": form,
            "completion_problems": services.why_award_cannot_complete(award),
            "is_open": award.status in (AwardStatus.ACCEPTED, AwardStatus.ACTIVE),
        })
