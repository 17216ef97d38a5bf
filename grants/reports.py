"""
Reads for the programme and round reports and the officer home page.

Money by district, outcome, legal structure and financial year comes from
the finance dashboard's own selectors (payments.selectors), so a report and
the award ledger can never disagree: the same awards, grouped and summed by
the same queries. Importing payments from grants goes against the usual
direction on purpose, as grants.services already does: payments only
imports grants' models, so there is no cycle.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import User
from accounts.roles import Role, has_role
from applicants.choices import District
from payments.exports import cells, start_sheet
from payments.financial_years import (
    financial_year_bounds,
    financial_year_expression,
    financial_year_label,
)
from payments.models import PaymentRun, PaymentRunStatus
from payments.selectors import (
    EVERY_AWARD,
    OUTCOME_NOTE,
    ZERO_AMOUNT,
    AwardFilter,
    AwardTotals,
    Breakdown,
    award_totals,
    column,
    committed_awards,
    committed_by_round,
    empty_figures,
    grouped,
    totals_by_outcome,
)
from rounds.models import Round, RoundStatus

from .models import (
    SENT_MONITORING_STATES,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    MonitoringReturn,
    MonitoringStatus,
)

# --- Periods -----------------------------------------------------------------


class Period:
    ANNUAL = "annual"
    HALF_YEARLY = "half"
    QUARTERLY = "quarter"

    CHOICES = [
        (QUARTERLY, "Quarterly (scrutiny committees)"),
        (HALF_YEARLY, "Half-yearly (outcome boards)"),
        (ANNUAL, "Annual (performance report)"),
    ]
    PARTS = {ANNUAL: 1, HALF_YEARLY: 2, QUARTERLY: 4}


# Financial quarters start in April: April to June is the first.
QUARTER_MONTHS = {1: "Apr to Jun", 2: "Jul to Sep", 3: "Oct to Dec", 4: "Jan to Mar"}
HALF_MONTHS = {1: "Apr to Sep", 2: "Oct to Mar"}


def _part_of_year(field_name: str, period: str) -> Case | Value:
    """The quarter (1-4) or half (1-2) of the financial year a date falls in, in SQL."""
    if period == Period.QUARTERLY:
        return Case(
            When(**{f"{field_name}__month__in": [4, 5, 6]}, then=Value(1)),
            When(**{f"{field_name}__month__in": [7, 8, 9]}, then=Value(2)),
            When(**{f"{field_name}__month__in": [10, 11, 12]}, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
    if period == Period.HALF_YEARLY:
        return Case(
            When(**{f"{field_name}__month__in": [4, 5, 6, 7, 8, 9]}, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    return Value(1, output_field=IntegerField())


def period_label(year: int, part: int, period: str) -> str:
    """ "2020/21", "2020/21 H1 (Apr to Sep)" or "2020/21 Q3 (Oct to Dec)"."""
    if period == Period.QUARTERLY:
        return f"{financial_year_label(year)} Q{part} ({QUARTER_MONTHS[part]})"
    if period == Period.HALF_YEARLY:
        return f"{financial_year_label(year)} H{part} ({HALF_MONTHS[part]})"
    return financial_year_label(year)


def totals_by_period(totals: AwardTotals, *, period: str = Period.ANNUAL) -> list[dict]:
    """
    Awards per financial year, half or quarter of the award date, oldest
    first, with the periods between the first and the last that had no
    awards shown as nothing, so a line drawn through them is true. Years
    come from `totals`; halves and quarters need a query of their own.
    """
    if period == Period.ANNUAL:
        rows = totals.by_financial_year()
        for row in rows:
            row["part"] = 1
    else:
        rows = grouped(
            committed_awards(totals.filters),
            financial_year=lambda prefix: financial_year_expression(f"{prefix}award_date"),
            part=lambda prefix: _part_of_year(f"{prefix}award_date", period),
        )
    if not rows:
        return []
    parts = Period.PARTS[period]
    found = {(row["financial_year"], row["part"]): row for row in rows}
    first, last = min(found), max(found)
    result = []
    year, part = first
    while (year, part) <= last:
        row = found.get((year, part)) or {
            "financial_year": year, "part": part, **empty_figures()
        }
        row["label"] = period_label(year, part, period)
        result.append(row)
        year, part = (year, part + 1) if part < parts else (year + 1, 1)
    return result


# --- Breakdowns --------------------------------------------------------------


def totals_by_every_district(totals: AwardTotals) -> list[dict]:
    """
    The finance dashboard's district totals with every one of the seven
    districts shown, a district with no awards as nothing.
    """
    rows = totals.by_district()
    present = {row["district"] for row in rows}
    for district in District:
        if district != District.COUNTY_WIDE and district.value not in present:
            rows.append({"district": district.value, "label": district.label,
                         **empty_figures()})
    return sorted(rows, key=lambda row: (row["district"] == District.COUNTY_WIDE,
                                         row["district"] is None, row["label"]))


def totals_by_community(filters: AwardFilter = EVERY_AWARD) -> list[dict]:
    """
    Awards by the communities the organisation says it serves. The profile
    asks this as free text ("Which communities do you serve?"), so the rows
    are the organisations' own words, grouped where they are the same.
    """
    rows = grouped(
        committed_awards(filters),
        community=column("application__organisation__communities_served"),
    )
    for row in rows:
        row["label"] = (row["community"] or "").strip() or "Not recorded"
    return sorted(rows, key=lambda row: (row["label"] == "Not recorded", -row["awarded"],
                                         row["label"]))


COMMUNITY_NOTE = (
    "Communities are as each organisation describes them on its profile, so two "
    "descriptions of the same community are separate rows."
)


def report_breakdowns(totals: AwardTotals, *, period: str = Period.ANNUAL) -> list[Breakdown]:
    """
    The tables of a programme or round report, in the order the page shows
    them: district, legal structure and year from `totals` (the report's
    awards), outcome, community and part-years in a query each.
    """
    filters = totals.filters
    period_title = {
        Period.ANNUAL: "By financial year",
        Period.HALF_YEARLY: "By half year",
        Period.QUARTERLY: "By quarter",
    }[period]
    return [
        Breakdown("district", "By district", "District", totals_by_every_district(totals),
                  "District is where the organisation is based."),
        Breakdown("outcome", "By Strategic Plan outcome", "Outcome", totals_by_outcome(filters),
                  OUTCOME_NOTE),
        Breakdown("legal-structure", "By legal structure", "Legal structure",
                  totals.by_legal_structure()),
        Breakdown("community", "By community served", "Community served",
                  totals_by_community(filters), COMMUNITY_NOTE),
        Breakdown("period", period_title, "Period", totals_by_period(totals, period=period),
                  "Financial years run from 1 April to 31 March; an award counts in the period "
                  "of its award date. Periods with no awards show as nothing."),
    ]


# --- Decisions ------------------------------------------------------------------

DECIDED_STATES = [ApplicationStatus.APPROVED, ApplicationStatus.REJECTED]
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class DecisionStatistics:
    decided: int
    approved: int
    # Days from submission to decision, to one decimal place; None when
    # nothing has been decided.
    average_days: Decimal | None
    median_days: Decimal | None

    @property
    def declined(self) -> int:
        return self.decided - self.approved

    @property
    def success_rate(self) -> Decimal | None:
        """Approved as a percentage of decided, to one decimal place."""
        if not self.decided:
            return None
        return _tenth(Decimal(self.approved) / Decimal(self.decided) * 100)


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def decided_applications(filters: AwardFilter = EVERY_AWARD) -> QuerySet[Application]:
    """
    Applications an approver has approved or declined. A financial year
    selects decisions made in it (1 April to 31 March, UK time).
    """
    applications = Application.objects.filter(
        status__in=DECIDED_STATES, decision__decided_at__isnull=False
    )
    if filters.programme_id is not None:
        applications = applications.filter(round__programme_id=filters.programme_id)
    if filters.round_id is not None:
        applications = applications.filter(round_id=filters.round_id)
    if filters.district:
        applications = applications.filter(organisation__district=filters.district)
    if filters.financial_year is not None:
        first, last = financial_year_bounds(filters.financial_year)
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(first, time.min), zone)
        end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
        applications = applications.filter(
            decision__decided_at__gte=start, decision__decided_at__lt=end
        )
    return applications


def decision_statistics(filters: AwardFilter = EVERY_AWARD) -> DecisionStatistics:
    """
    Success rate (approved / decided) and the time from submission to
    decision, in one query. The median needs every duration, and SQLite has
    no median function, so each decided application's status and two dates
    (never money) are read, and counted and averaged here.
    """
    decided = approved = 0
    days = []
    rows = decided_applications(filters).values_list(
        "status", "submitted_at", "decision__decided_at"
    )
    for status, submitted_at, decided_at in rows.iterator(chunk_size=5000):
        decided += 1
        approved += status == ApplicationStatus.APPROVED
        if submitted_at is not None:
            days.append(Decimal((decided_at - submitted_at).total_seconds()) / 86400)
    return DecisionStatistics(
        decided=decided,
        approved=approved,
        average_days=_tenth(sum(days) / len(days)) if days else None,
        median_days=_tenth(Decimal(statistics.median(days))) if days else None,
    )


# --- The whole report --------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Everything a programme or round report shows and its spreadsheet holds."""

    filters: AwardFilter
    period: str
    totals: dict
    decisions: DecisionStatistics
    breakdowns: list[Breakdown] = field(default_factory=list)

    @property
    def average_award(self) -> Decimal | None:
        count = self.totals["award_count"]
        if not count:
            return None
        return (self.totals["awarded"] / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def period_breakdown(self) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == "period")


def build_report(filters: AwardFilter = EVERY_AWARD, *, period: str = Period.ANNUAL) -> Report:
    totals = award_totals(filters)
    return Report(
        filters=filters,
        period=period,
        totals=totals.grand_totals,
        decisions=decision_statistics(filters),
        breakdowns=report_breakdowns(totals, period=period),
    )


def report_filename(today: date) -> str:
    return f"grants-report-{today:%Y-%m-%d}.xlsx"


# --- The spreadsheet -----------------------------------------------------------------

# (heading, column width, kind, key) of every breakdown table and sheet.
REPORT_FIGURES = [
    ("Awards", 10, "number", "award_count"),
    ("Amount awarded", 16, "money", "awarded"),
    ("Paid to date", 16, "money", "paid"),
    ("Net awarded", 16, "money", "net_awarded"),
]
SUMMARY_SHEET = "Summary"


def summary_rows(report: Report, *, selection: list[tuple[str, str]]) -> list[tuple]:
    """(label, value, kind) for the report's headline figures, as the page lists them."""
    decisions = report.decisions
    rows = [(label, value, "text") for label, value in selection]
    rows += [
        ("Awards", report.totals["award_count"], "number"),
        ("Amount awarded", report.totals["awarded"], "money"),
        ("Average award", report.average_award, "money"),
        ("Paid to date", report.totals["paid"], "money"),
        ("Applications decided", decisions.decided, "number"),
        ("Applications approved", decisions.approved, "number"),
        ("Success rate (approved / decided, %)", decisions.success_rate, "number"),
        ("Average days from submission to decision", decisions.average_days, "number"),
        ("Median days from submission to decision", decisions.median_days, "number"),
    ]
    return rows


def write_report_xlsx(output, report: Report, *, selection: list[tuple[str, str]]) -> None:
    """
    The report as a workbook: a summary sheet, then one sheet per table of
    the page with the same rows, a totals row computed on its own (each
    award once) and the table's note. Text is formula-safe and money is
    formatted as pounds (payments.exports' helpers).
    """
    workbook = Workbook(write_only=True)
    summary_columns = [("Figure", 44, "text"), ("Value", 40, "text")]
    sheet = start_sheet(workbook, SUMMARY_SHEET, summary_columns)
    for label, value, kind in summary_rows(report, selection=selection):
        columns = [summary_columns[0], ("Value", 40, kind)]
        sheet.append(cells(sheet, columns, [label, value]))
    for breakdown in report.breakdowns:
        columns = [(breakdown.heading, 44, "text"),
                   *[(heading, width, kind) for heading, width, kind, _ in REPORT_FIGURES]]
        sheet = start_sheet(workbook, breakdown.title, columns)
        for row in breakdown.rows:
            sheet.append(cells(sheet, columns, [row["label"], *_report_figures(row)]))
        total = "Total (each award once)" if breakdown.key == "outcome" else "Total"
        sheet.append(cells(sheet, columns, [total, *_report_figures(report.totals)], bold=True))
        if breakdown.note:
            sheet.append(cells(sheet, columns[:1], [breakdown.note]))
    workbook.save(output)


def _report_figures(row: dict) -> list:
    return [row[key] for _, _, _, key in REPORT_FIGURES]


# --- The officer home page -----------------------------------------------------------

# Statuses the home page counts per round, in the order of the lifecycle.
STATUS_COLUMNS = [status for status in ApplicationStatus if status != ApplicationStatus.DRAFT]
# A monitoring return is "due soon" this many days ahead.
DUE_SOON_DAYS = 30


def status_counts_by_round(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """{round id: {status: number of applications}} for these rounds, in one query."""
    counts: dict[int, dict[str, int]] = {pk: dict.fromkeys(STATUS_COLUMNS, 0) for pk in round_ids}
    rows = (
        Application.objects.filter(round_id__in=round_ids)
        .exclude(status=ApplicationStatus.DRAFT)
        .order_by()
        .values("round_id", "status")
        # COUNT(*) rather than COUNT(id): the (round, status) index then
        # answers the query alone, without reading the table (issue 9).
        .annotate(n=Count("*"))
    )
    for row in rows:
        counts[row["round_id"]][row["status"]] = row["n"]
    return counts


def scoring_progress() -> list[dict]:
    """
    Each assessor with work in a published round: how many applications
    they were asked to score, how many they have declared an interest on
    and how many they have scored, ordered by name, in two queries. The
    counts are grouped by assessor id alone and the names read after:
    grouping by the names as well made PostgreSQL sort every assignment on
    disk (issue 9).
    """
    rows = list(
        Assignment.objects.filter(application__round__status=RoundStatus.PUBLISHED)
        .order_by()
        .values("assessor_id")
        .annotate(
            assigned=Count("pk"),
            declared=Count("pk", filter=~Q(status=AssignmentStatus.ASSIGNED)),
            conflicted=Count("pk", filter=Q(status=AssignmentStatus.CONFLICTED)),
            submitted=Count("pk", filter=Q(status=AssignmentStatus.SUBMITTED)),
        )
    )
    by_assessor = {row["assessor_id"]: row for row in rows}
    # The database orders the names, as it did when it grouped by them.
    assessors = (
        User.objects.filter(pk__in=by_assessor)
        .order_by("full_name", "email")
        .values_list("pk", "full_name", "email")
    )
    return [
        {**by_assessor[pk], "assessor__full_name": full_name, "assessor__email": email}
        for pk, full_name, email in assessors
    ]


def monitoring_counts(today: date | None = None) -> dict:
    """
    Monitoring returns not yet sent: overdue (due date passed) and due in the
    next DUE_SOON_DAYS days. Overdue is derived from the date, not stored.
    """
    today = today or timezone.localdate()
    waiting = MonitoringReturn.objects.exclude(status__in=SENT_MONITORING_STATES)
    counts = waiting.aggregate(
        overdue=Count("pk", filter=Q(due__lt=today)),
        due_soon=Count("pk", filter=Q(due__gte=today,
                                      due__lte=today + timedelta(days=DUE_SOON_DAYS))),
    )
    counts["to_review"] = MonitoringReturn.objects.filter(
        status=MonitoringStatus.SUBMITTED
    ).count()
    return counts


@dataclass(frozen=True)
class WaitingItem:
    """One kind of work waiting for the signed-in person, with where to do it."""

    label: str
    count: int
    # Where to do it; blank when it is done from the rounds on the home page.
    url_name: str = ""


def work_waiting_for(user, *, returns_to_review: int) -> list[WaitingItem]:
    """
    What the person's roles ask them to do next, one count per kind of
    work: a handful of count queries, whatever the numbers.
    `returns_to_review` is monitoring_counts' figure, already on the page.
    """
    items = []
    if has_role(user, Role.GRANT_OFFICER, Role.ADMINISTRATOR):
        # Counted in the status index alone, without reading the table.
        by_status = dict(
            Application.objects.filter(
                status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.SCORED]
            )
            .order_by()
            .values("status")
            .annotate(n=Count("*"))
            .values_list("status", "n")
        )
        counts = {
            "to_screen": by_status.get(ApplicationStatus.SUBMITTED, 0),
            "to_recommend": by_status.get(ApplicationStatus.SCORED, 0),
        }
        items += [
            WaitingItem("Applications to screen", counts["to_screen"]),
            WaitingItem("Scored applications to recommend", counts["to_recommend"]),
            WaitingItem("Monitoring returns to review", returns_to_review),
        ]
    if has_role(user, Role.ASSESSOR):
        items.append(WaitingItem(
            "Applications for you to score",
            Assignment.objects.filter(
                assessor=user,
                status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS],
            ).count(),
            "grants:assessor_queue",
        ))
    if has_role(user, Role.APPROVER):
        items.append(WaitingItem(
            "Recommendations for you to decide",
            Application.objects.filter(status=ApplicationStatus.RECOMMENDED)
            .exclude(assignments__assessor=user)
            .count(),
            "grants:approver_queue",
        ))
    if has_role(user, Role.FINANCE):
        # Whoever created a run may not approve it, so theirs are not waiting for them.
        items.append(WaitingItem(
            "Payment runs for you to approve",
            PaymentRun.objects.filter(status=PaymentRunStatus.DRAFT)
            .exclude(created_by=user)
            .count(),
            "payments:run_list",
        ))
    return items


@dataclass(frozen=True)
class OpenRound:
    round: object
    days_left: int


def officer_dashboard(user, *, now=None) -> dict:
    """
    Everything the officer home page shows, in a fixed number of queries
    whatever the number of rounds, applications, assessors or returns.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # The figures per round come from the counts by status and the cached
    # award totals rather than from one query joining every application
    # to its award (issue 9); they are the same as rounds_overview's.
    rounds = list(
        Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT)
        .order_by("-opens_at")
    )
    counts = status_counts_by_round([round.pk for round in rounds])
    committed = committed_by_round()
    for round in rounds:
        by_status = counts[round.pk]
        round.status_counts = [by_status[status] for status in STATUS_COLUMNS]
        round.submitted_count = sum(round.status_counts)
        round.waiting_count = (
            by_status[ApplicationStatus.SUBMITTED] + by_status[ApplicationStatus.SCORED]
        )
        round.committed = committed.get(round.pk, ZERO_AMOUNT)
        round.remaining = max(round.budget - round.committed, ZERO_AMOUNT)
        round.over_budget = max(round.committed - round.budget, ZERO_AMOUNT)
    monitoring = monitoring_counts(today)
    return {
        "rounds": rounds,
        "status_columns": [status.label for status in STATUS_COLUMNS],
        # Picked from the rounds already read (open ones are published) rather than read again.
        "open_rounds": [
            OpenRound(round, (timezone.localdate(round.closes_at) - today).days)
            for round in sorted(rounds, key=lambda round: round.closes_at)
            if round.is_open(now)
        ],
        "scoring": scoring_progress(),
        "monitoring": monitoring,
        "due_soon_days": DUE_SOON_DAYS,
        "waiting": work_waiting_for(user, returns_to_review=monitoring["to_review"]),
    }
