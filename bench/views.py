"""
Baseline views for the page benchmark: each fetches the same page of rows as
the real page with one indexed query and shows them as a plain table in the
service's layout (header, navigation, footer: what every page pays for).
They go through the same middleware (session, user, CSRF, CSP) and context
processors, so the ratio of a page to its baseline is the cost of the
page's own work: its queries, its forms and its markup. Wired
only in bench.urls, which only bench.settings uses.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import render

from grants.models import COMMITTED_AWARD_STATES, Application, Assignment, Award, MonitoringReturn
from notifications.reminders import OUTSTANDING_RETURN_STATES
from payments.models import Payment, PaymentRun
from rounds.models import Criterion, Round

PAGE = 50
RANKED_STATES = ["scored", "recommended", "approved", "rejected", "waitlisted"]


def _table(request, rows) -> HttpResponse:
    return render(request, "bench/baseline.html", {"rows": rows})


def _offset(request) -> int:
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    return (page - 1) * PAGE


@login_required
def dashboard(request):
    return _table(
        request,
        Application.objects.filter(organisation__memberships__user=request.user)
        .order_by("-created_at", "-pk")
        .values_list("reference", "title", "status", "round__name")
    )


@login_required
def round_applications(request, pk):
    rows = Application.objects.filter(round_id=pk).exclude(status="draft")
    if request.GET.get("status"):
        rows = rows.filter(status=request.GET["status"])
    offset = _offset(request)
    return _table(
        request,
        rows.order_by("reference").values_list("reference", "title", "status", "amount_requested")[
            offset : offset + PAGE
        ]
    )


@login_required
def score(request, pk):
    return _table(
        request,
        Criterion.objects.filter(
            round__applications__assignments__pk=pk,
            round__applications__assignments__assessor=request.user,
        )
        .order_by("order", "pk")
        .values_list("title", "weight", "max_score")
    )


@login_required
def finance_summary(request):
    return _table(
        request,
        Award.objects.filter(status__in=COMMITTED_AWARD_STATES)
        .values("application__round_id")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("application__round_id")
        .values_list("application__round_id", "count", "total")
    )


@login_required
def run_detail(request, pk):
    return _table(
        request,
        Payment.objects.filter(run_id=pk)
        .order_by("instalment__award__application__reference", "pk")
        .values_list(
            "instalment__award__application__reference",
            "instalment__award__application__organisation__name",
            "amount",
            "status",
        )
    )


@login_required
def ranking(request, pk):
    offset = _offset(request)
    return _table(
        request,
        Application.objects.filter(round_id=pk, status__in=RANKED_STATES)
        .order_by("reference")
        .values_list("reference", "title", "amount_requested")[offset : offset + PAGE]
    )


@login_required
def monitoring(request):
    offset = _offset(request)
    return _table(
        request,
        MonitoringReturn.objects.filter(
            status__in=OUTSTANDING_RETURN_STATES
        )
        .order_by("due", "pk")
        .values_list("award__application__reference", "period", "due", "status")[offset : offset + PAGE]
    )


@login_required
def search(request):
    query = request.GET.get("q", "").strip().upper()
    return _table(
        request,
        Application.objects.filter(reference__startswith=query)
        .order_by("reference")
        .values_list("reference", "title", "status")[:PAGE]
    )


@login_required
def assessor_queue(request):
    return _table(
        request,
        Assignment.objects.filter(assessor=request.user)
        .order_by("status", "due", "pk")
        .values_list("application__reference", "application__organisation__name", "status", "due")
    )


@login_required
def approver_queue(request):
    return _table(
        request,
        Application.objects.filter(status__in=["recommended", "waitlisted"])
        .order_by("round", "reference")
        .values_list("reference", "title", "amount_requested")
    )


@login_required
def officer_home(request):
    return _table(
        request,
        Round.objects.exclude(status="draft").order_by("-opens_at").values_list("name", "status")
    )


@login_required
def run_list(request):
    offset = _offset(request)
    return _table(
        request,
        PaymentRun.objects.order_by("-created_at", "-pk").values_list("pk", "status", "created_at")[
            offset : offset + PAGE
        ]
    )


@login_required
def award_list(request):
    offset = _offset(request)
    awards = Award.objects.filter(status__in=COMMITTED_AWARD_STATES)
    if request.GET.get("q"):
        awards = awards.filter(application__reference__startswith=request.GET["q"].upper())
    return _table(
        request,
        awards.order_by("-award_date", "-pk").values_list(
            "application__reference", "application__organisation__name", "amount", "status"
        )[offset : offset + PAGE]
    )
