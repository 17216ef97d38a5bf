"""Reads about applications that pages share; every queryset is scoped here."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
    functions,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.roles import Role, has_role
from applicants.models import DocumentKind, Organisation
from applicants.selectors import current_document_names, current_documents
from config.subqueries import count_per_row
from rounds.models import Criterion, Round

from . import eligibility
from .eligibility import Answers, History, OtherApplication, OverdueReturn, long_date, pounds
from .models import (
    ACTIVE_ASSIGNMENT_STATES,
    COMMITTED_AWARD_STATES,
    DEFAULT_MONITORING_RULE,
    SENT_MONITORING_STATES,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    Award,
    AwardStatus,
    BudgetLine,
    ConflictDeclaration,
    Decision,
    MonitoringFile,
    MonitoringReturn,
    MonitoringRule,
    MonitoringStatus,
    Recommendation,
    Score,
)
from .permissions import APPLICATION_READER_ROLES, EDITING_ROLES

ZERO = Value(Decimal("0.00"))

# Statuses that do not stop an organisation starting afresh in the same
# round (the database's one_live_application_per_round constraint agrees).
NOT_LIVE_STATES = [ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE]


def applications_for_applicant(user: User) -> QuerySet[Application]:
    """
    What the applying pages may show this person: their organisations'
    applications and, for a grant officer, those they entered for a group
    (assisted digital). Whether they may change one is a separate rule
    (`permissions.can_edit_application`).
    """
    scope = Q(organisation__in=Organisation.objects.filter(memberships__user=user))
    if has_role(user, Role.GRANT_OFFICER):
        scope |= Q(entered_by_officer=user)
    return Application.objects.filter(scope).select_related("round__programme", "organisation")


def get_application_for_applicant(*, user: User, pk: int) -> Application:
    return get_object_or_404(applications_for_applicant(user), pk=pk)


def organisations_user_can_apply_for(user: User) -> QuerySet[Organisation]:
    """Organisations the person may start applications for: those they own or edit."""
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=EDITING_ROLES
    ).order_by("name")


# --- Eligibility -----------------------------------------------------------


def eligibility_history(
    *,
    round: Round,
    organisation: Organisation,
    exclude_application_id: int | None = None,
    today: date,
) -> History:
    """The facts about an organisation's other applications that the rules need (two queries)."""
    live = (
        Application.objects.filter(round=round, organisation=organisation)
        .exclude(status__in=NOT_LIVE_STATES)
        .exclude(pk=exclude_application_id)
        .only("reference", "title")
        .first()
    )
    overdue = (
        MonitoringReturn.objects.filter(
            award__application__organisation=organisation, due__lt=today
        )
        .exclude(status__in=SENT_MONITORING_STATES)
        .select_related("award__application")
        .order_by("due", "pk")
    )
    return History(
        live_application=OtherApplication(reference=live.reference, title=live.title)
        if live
        else None,
        overdue_returns=tuple(
            OverdueReturn(reference=r.award.application.reference, period=r.period, due=r.due)
            for r in overdue
        ),
    )


def check_eligibility(
    *,
    round: Round,
    organisation: Organisation,
    answers: Answers | None,
    exclude_application_id: int | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Every reason the organisation cannot apply to the round, from the pure rules."""
    now = now or timezone.now()
    history = eligibility_history(
        round=round,
        organisation=organisation,
        exclude_application_id=exclude_application_id,
        today=timezone.localdate(now),
    )
    return eligibility.eligibility_reasons(
        round=round, organisation=organisation, answers=answers, history=history, now=now
    )


def live_application_in_round(*, round: Round, organisation: Organisation) -> Application | None:
    return (
        Application.objects.filter(round=round, organisation=organisation)
        .exclude(status__in=NOT_LIVE_STATES)
        .first()
    )


# --- Sections of an application ------------------------------------------------


class SectionStatus:
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    CANNOT_START_YET = "Cannot start yet"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    url_name: str
    status: str
    problems: tuple[str, ...]
    hint: str = ""

    @property
    def completed(self) -> bool:
        return self.status == SectionStatus.COMPLETED


SECTION_TITLES = {
    "project": "About your project",
    "beneficiaries": "Who will benefit and where",
    "outcomes": "Outcomes",
    "budget": "Budget",
    "documents": "Supporting documents",
}


def _status(*, anything_saved: bool, problems: list[str]) -> str:
    if not problems:
        return SectionStatus.COMPLETED
    return SectionStatus.IN_PROGRESS if anything_saved else SectionStatus.NOT_STARTED


@dataclass(frozen=True)
class BudgetTotals:
    total: Decimal | None
    lines: int


def budget_totals(application: Application) -> BudgetTotals:
    totals = application.budget_lines.aggregate(total=Sum("amount"), lines=Count("pk"))
    return BudgetTotals(total=totals["total"], lines=totals["lines"])


def budget_problems(*, application: Application, totals: BudgetTotals) -> list[str]:
    round, amount = application.round, application.amount_requested
    problems = []
    if amount is None:
        problems.append("Enter the amount you are asking for")
    elif not round.min_award <= amount <= round.max_award:
        problems.append(
            f"The amount you ask for must be between {pounds(round.min_award)} and "
            f"{pounds(round.max_award)}; you asked for {pounds(amount)}"
        )
    if not totals.lines:
        problems.append("Add at least one budget line to show what the money will pay for")
    elif amount is not None and totals.total != amount:
        problems.append(budget_mismatch_message(total=totals.total, amount=amount))
    return problems


def budget_mismatch_message(*, total: Decimal, amount: Decimal) -> str:
    return (
        f"Your budget lines add up to £{total:,.2f} but you are asking for £{amount:,.2f}: "
        "change the lines or the amount so that they match"
    )


def document_kinds_present(application: Application) -> tuple[set[str], set[str]]:
    """Kinds in the organisation's profile, and kinds attached to the application (two queries)."""
    profile = set(current_documents(application.organisation).values_list("kind", flat=True))
    attached = set(application.attachments.values_list("kind", flat=True))
    return profile, attached


def application_sections(application: Application) -> list[Section]:
    """
    Each section's status, derived from what is saved (never stored), and
    what is missing from it. A constant number of queries, whatever the
    number of budget lines, outcomes or attachments.
    """
    round = application.round
    sections = []

    # About your project.
    problems = []
    if not application.title.strip():
        problems.append("Enter a project title")
    if not application.summary.strip():
        problems.append("Describe your project")
    if not application.project_start:
        problems.append("Enter the date your project starts")
    if not application.project_end:
        problems.append("Enter the date your project ends")
    problems += eligibility.project_date_reasons(
        round=round, start=application.project_start, end=application.project_end
    )
    saved = any(
        [
            application.title.strip(),
            application.summary.strip(),
            application.project_start,
            application.project_end,
        ]
    )
    sections.append(("project", problems, saved, ""))

    # Who will benefit and where.
    problems = []
    if not application.beneficiaries.strip():
        problems.append("Say who will benefit from your project")
    if not application.districts_served:
        problems.append("Choose at least one district your project serves")
    saved = bool(
        application.beneficiaries.strip()
        or application.districts_served
        or application.beneficiaries_count is not None
    )
    sections.append(("beneficiaries", problems, saved, ""))

    # Outcomes.
    has_outcomes = application.outcomes.exists()
    problems = (
        []
        if has_outcomes
        else ["Choose at least one Strategic Plan outcome your project supports"]
    )
    sections.append(("outcomes", problems, has_outcomes, ""))

    # Budget.
    totals = budget_totals(application)
    problems = budget_problems(application=application, totals=totals)
    saved = application.amount_requested is not None or totals.lines > 0
    sections.append(("budget", problems, saved, ""))

    # Supporting documents: each document the round asks for, from the
    # organisation's profile or attached to this application.
    profile, attached = document_kinds_present(application)
    problems = [
        f"Add your organisation's {DocumentKind(kind).label.lower()}"
        for kind in round.required_documents
        if kind in DocumentKind.values and kind not in profile | attached
    ]
    hint = (
        ""
        if round.required_documents
        else "Optional: quotes or other documents that support your application"
    )
    saved = bool(attached) or bool(profile & set(round.required_documents))
    sections.append(("documents", problems, saved, hint))

    return [
        Section(
            key=key,
            title=SECTION_TITLES[key],
            url_name=f"grants:section_{key}",
            status=_status(anything_saved=saved, problems=problems),
            problems=tuple(problems),
            hint=hint,
        )
        for key, problems, saved, hint in sections
    ]


def application_problems(application: Application, *, now: datetime | None = None) -> list[str]:
    """
    What stops the application being submitted, in plain words: what is
    missing from each section, then any eligibility rule it no longer meets
    (the amount and dates are already covered by the sections).
    """
    problems = [
        problem for section in application_sections(application) for problem in section.problems
    ]
    problems += check_eligibility(
        round=application.round,
        organisation=application.organisation,
        answers=Answers(
            based_in=application.based_in, serves_leicestershire=application.serves_leicestershire
        ),
        exclude_application_id=application.pk,
        now=now,
    )
    return problems


@dataclass(frozen=True)
class Summary:
    """What an application says beyond its own fields, for check answers, detail and print."""

    outcomes: list
    budget_lines: list
    budget_total: Decimal | None
    documents: list
    attachments: list


def application_summary(application: Application) -> Summary:
    """Outcomes, budget lines and total, documents and attachments: four queries."""
    # BudgetLine's default ordering starts with its application, a join for nothing here.
    budget_lines = list(application.budget_lines.order_by("order", "pk"))
    return Summary(
        outcomes=list(application.outcomes.select_related("parent").order_by("code")),
        budget_lines=budget_lines,
        # Added up from the lines already read (a few per application), as SUM would: none, None.
        budget_total=sum((line.amount for line in budget_lines), Decimal(0)) if budget_lines else None,
        documents=current_document_names(application.organisation),
        # Attachment's default ordering starts with its application, a join for nothing here.
        attachments=list(
            application.attachments.only("application_id", "kind", "original_name")
            .order_by("uploaded_at", "pk")
        ),
    )


# --- Attachments -----------------------------------------------------------------


def get_attachment_for_user(*, user: User, application_pk: int, pk: int) -> Attachment:
    """
    An attachment for the organisation's members, the officer who entered
    the application, staff who read applications, and an assessor assigned
    to it who has declared no conflict. Everyone else gets a 404.
    """
    attachments = Attachment.objects.select_related("application").filter(
        application_id=application_pk
    )
    if not user.is_authenticated:
        raise Http404
    if not has_role(user, *APPLICATION_READER_ROLES):
        scope = Q(
            application__organisation__in=Organisation.objects.filter(memberships__user=user)
        )
        if has_role(user, Role.ASSESSOR):
            scope |= Q(
                application__in=Assignment.objects.filter(
                    assessor=user,
                    status__in=[AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED],
                ).values("application")
            )
        attachments = attachments.filter(scope)
    return get_object_or_404(attachments, pk=pk)


# --- The applicant's dashboard ----------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """An application's state as its applicant should read it."""

    label: str
    tag_class: str
    next_step: str
    by_when: str = ""


def applicant_progress(application: Application) -> Progress:
    """Status in plain words, what happens next and by when (no queries of its own)."""
    status = application.status
    round = application.round
    decision_by = (
        f"We aim to tell you our decision by {long_date(round.decision_date)}"
        if round.decision_date
        else ""
    )
    if status == ApplicationStatus.DRAFT:
        return Progress(
            "Not submitted yet",
            "govuk-tag--grey",
            "Finish your application and submit it",
            f"By {eligibility.instant(round.closes_at)}, when the round closes",
        )
    if status == ApplicationStatus.SUBMITTED:
        return Progress(
            "Received",
            "govuk-tag--blue",
            "We are checking that your application is eligible",
            decision_by,
        )
    if status in (
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.SCORED,
        ApplicationStatus.RECOMMENDED,
    ):
        # A recommendation is not a decision: the applicant sees no hint of it.
        return Progress(
            "Being assessed",
            "govuk-tag--light-blue",
            "Our assessors are scoring your application",
            decision_by,
        )
    if status == ApplicationStatus.APPROVED:
        award = getattr(application, "award", None)
        if award is not None and award.status == AwardStatus.OFFERED:
            return Progress(
                "Grant offered",
                "govuk-tag--green",
                "Read and accept your offer",
                "As soon as you can",
            )
        returns = [
            r
            for r in (award.monitoring_returns.all() if award else [])
            if r.status not in SENT_MONITORING_STATES
        ]
        if returns:
            first = returns[0]
            return Progress(
                "Funded",
                "govuk-tag--green",
                f"Send your {first.period[:1].lower()}{first.period[1:]} monitoring return",
                f"By {long_date(first.due)}",
            )
        return Progress(
            "Funded",
            "govuk-tag--green",
            "Nothing to do now: we will tell you when a report is due",
        )
    if status == ApplicationStatus.WAITLISTED:
        return Progress(
            "On the waiting list",
            "govuk-tag--yellow",
            "We will contact you if money becomes available",
        )
    if status == ApplicationStatus.REJECTED:
        return Progress("Not funded", "govuk-tag--red", "Read the feedback on your application")
    if status == ApplicationStatus.INELIGIBLE:
        return Progress(
            "Not eligible", "govuk-tag--red", "Read why your application was not eligible"
        )
    return Progress("Withdrawn", "govuk-tag--grey", "Nothing more to do")


def dashboard_applications(organisation: Organisation) -> list[Application]:
    """
    The organisation's applications, newest first, each with its `progress`,
    in two queries of the columns the dashboard and applicant_progress use.
    """
    applications = list(
        Application.objects.filter(organisation=organisation)
        .select_related("round__programme", "award")
        .only(
            "round_id", "reference", "title", "status", "created_at",
            "round__name", "round__closes_at", "round__decision_date", "round__programme__name",
            "award__application_id", "award__status",
        )
        .prefetch_related(
            Prefetch(
                "award__monitoring_returns",
                queryset=MonitoringReturn.objects.only("award_id", "period", "due", "status"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    for application in applications:
        application.progress = applicant_progress(application)
    return applications


def applications_entered_by(officer: User) -> QuerySet[Application]:
    """Applications an officer entered for groups (assisted digital), newest first."""
    return (
        Application.objects.filter(entered_by_officer=officer)
        .select_related("round__programme", "organisation")
        .order_by("-created_at", "-pk")
    )


def applications_with_scores() -> QuerySet[Application]:
    return Application.objects.select_related("organisation", "round__programme").annotate(
        average_score=Avg(
            "assignments__weighted_score",
            filter=Q(assignments__status=AssignmentStatus.SUBMITTED),
        )
    )


def round_applications(*, round: Round, status: str | None = None) -> QuerySet[Application]:
    queryset = (
        applications_with_scores().filter(round=round).exclude(status=ApplicationStatus.DRAFT)
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("reference")


def rounds_overview() -> QuerySet[Round]:
    """Every round with its application counts and committed money, in one query."""
    return (
        Round.objects.select_related("programme")
        .exclude(status="draft")
        .annotate(
            submitted_count=Count(
                "applications",
                filter=~Q(applications__status=ApplicationStatus.DRAFT),
                distinct=True,
            ),
            waiting_count=Count(
                "applications",
                filter=Q(
                    applications__status__in=[
                        ApplicationStatus.SUBMITTED,
                        ApplicationStatus.SCORED,
                    ]
                ),
                distinct=True,
            ),
            committed=Coalesce(
                Sum(
                    "applications__award__amount",
                    filter=Q(applications__award__status__in=COMMITTED_AWARD_STATES),
                ),
                ZERO,
            ),
        )
        .order_by("-opens_at")
    )


def approved_total(round: Round) -> Decimal:
    """
    The money a round has approved so far: every award offered, accepted,
    paid or closed, at its current (varied) amount. A declined offer, like
    a withdrawn or rejected application, has no award that counts, so its
    money goes back to the round's budget.
    """
    total = Award.objects.filter(
        application__round=round, status__in=COMMITTED_AWARD_STATES
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def round_with_budget(round_id: int) -> Round:
    return get_object_or_404(rounds_overview(), pk=round_id)


def assignments_for_assessor(user: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(assessor=user)
        .select_related("application__organisation", "application__round__programme")
        .order_by("status", "due", "pk")
    )


def get_assignment_for_assessor(*, user: User, pk: int) -> Assignment:
    """
    One of the assessor's assignments, with its application, organisation
    and round: what the declaration and scoring pages show. Not the
    programme, which they do not show, nor the organisation's bank details,
    which assessors never see (decrypting them is most of the cost of
    reading an organisation).
    """
    return get_object_or_404(
        Assignment.objects.filter(assessor=user)
        .select_related("application__organisation", "application__round")
        .defer(
            "application__organisation__bank_sort_code", "application__organisation__bank_account_number"
        ),
        pk=pk,
    )


def criteria_with_saved_scores(assignment: Assignment) -> list[Criterion]:
    """
    The round's criteria in order, each with this assignment's saved score and
    justification (`saved_id`, `saved_score`, `saved_justification`; None
    when nothing is saved yet): one query, not one for the criteria and one
    for the scores.
    """
    return list(
        Criterion.objects.filter(round_id=assignment.application.round_id)
        .alias(saved=FilteredRelation("scores", condition=Q(scores__assignment_id=assignment.pk)))
        .annotate(
            saved_id=F("saved__id"),
            saved_score=F("saved__score"),
            saved_justification=F("saved__justification"),
        )
        # Criterion's default ordering starts with its round, a join for nothing here.
        .order_by("order", "pk")
    )


def assessors() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.ASSESSOR, is_active=True).order_by("email")



# --- Ranking and decisions -------------------------------------------------

# Applications that have been scored, whatever has been decided since.
RANKED_STATES = [
    ApplicationStatus.SCORED,
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WAITLISTED,
]
# Waiting for an approver: recommended, or on the waiting list until money
# is released.
AWAITING_DECISION_STATES = [ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED]
FUNDING_RECOMMENDATIONS = [Recommendation.FUND_IN_FULL, Recommendation.FUND_IN_PART]
MONEY = DecimalField(max_digits=12, decimal_places=2)


def budget_remaining(round: Round) -> Decimal:
    """
    The round's budget less what has been approved so far. Money comes back
    when an offer is declined (the award leaves COMMITTED_AWARD_STATES), so
    a waitlisted application can then be approved. Services that spend it
    must lock the Round row first (select_for_update) and call this after.
    """
    return round.budget - approved_total(round)


def _submitted_assignments():
    return Assignment.objects.filter(
        application=OuterRef("pk"), status=AssignmentStatus.SUBMITTED
    ).values("application")


def _assessment_count():
    """How many assessors have submitted their scores for the application, as a subquery."""
    return count_per_row(Assignment.objects.filter(status=AssignmentStatus.SUBMITTED), "application")


def final_score_expression():
    """
    An application's final score, worked out by the database: the officer's
    moderated score when one is set, else the average of its assessors'
    submitted weighted scores to one decimal place (the rule
    `with_final_score` applies too). The ranking and bulk approval take
    their order from here.
    """
    score = DecimalField(max_digits=4, decimal_places=1)
    average = _submitted_assignments().annotate(value=Avg("weighted_score")).values("value")
    return Coalesce(
        F("moderated_score"), functions.Round(Subquery(average, output_field=score), 1), output_field=score
    )


def _funding_now():
    """
    What a row adds to the running total: a pending recommendation to fund.
    The decision is read by a subquery, only for recommended rows, rather
    than joined: the window functions run over every scored application in
    the round, and a join would read every decision there is to find them.
    """
    recommended_amount = Decision.objects.filter(
        application=OuterRef("pk"), recommendation__in=FUNDING_RECOMMENDATIONS
    ).values("recommended_amount")
    return Case(
        When(
            status=ApplicationStatus.RECOMMENDED,
            then=Coalesce(Subquery(recommended_amount, output_field=MONEY), Value(Decimal("0.00"))),
        ),
        default=Value(Decimal("0.00")),
        output_field=MONEY,
    )


def _rank_order():
    # The reference and pk break ties so the order (and so the running
    # total) is the same on every page and every request.
    return [F("final_score").desc(nulls_last=True), F("reference").asc(), F("pk").asc()]


def _ranked(round: Round, statuses: list[str]) -> QuerySet[Application]:
    return (
        Application.objects.filter(round=round, status__in=statuses)
        .annotate(final_score=final_score_expression(), funding=_funding_now())
        .annotate(
            rank=Window(RowNumber(), order_by=_rank_order()),
            running_total=Window(
                Sum("funding"), order_by=_rank_order(), frame=RowRange(start=None, end=0)
            ),
        )
        .order_by("rank")
    )


def ranked_applications(
    round: Round, *, statuses: list[str] | None = None
) -> QuerySet[Application]:
    """
    The round's scored applications best first, each annotated with its
    `final_score`, `assessment_count`, `rank`, the amount it adds to the
    running total of recommended money (`funding`) and that `running_total`
    in rank order. Window functions do the arithmetic in one query, so a
    page of rows costs the same whatever the size of the round; a caller
    may re-order the rows without changing their rank or running total.
    """
    return (
        _ranked(round, statuses or RANKED_STATES)
        .select_related("organisation", "decision")
        .annotate(assessment_count=_assessment_count())
    )


# The figures ranking_order gives for each application.
RANK_FIGURES = ("pk", "rank", "running_total", "funding", "final_score")


def ranking_order(round: Round) -> QuerySet:
    """
    The ranking page's order: RANK_FIGURES of the round's scored
    applications as dicts, to be sorted and cut to a page, and then
    completed by ranking_rows. Every scored application in the round has to
    be ranked to rank any of them, so this reads the applications alone;
    their organisations and decisions are read for the page's rows only.
    """
    return _ranked(round, RANKED_STATES).values(*RANK_FIGURES)


def ranking_rows(figures) -> list[Application]:
    """
    The applications of a page of ranking_order's `figures`, in that order,
    with their organisation, decision, assessment count and figures, and
    only the columns the ranking page shows. An application that left the
    ranked states between the two reads is left out.
    """
    figures = list(figures)
    applications = (
        Application.objects.filter(pk__in=[row["pk"] for row in figures], status__in=RANKED_STATES)
        .select_related("organisation", "decision")
        .only(
            "round_id", "reference", "status", "amount_requested", "organisation__name",
            "decision__recommendation", "decision__recommended_amount",
        )
        .annotate(assessment_count=_assessment_count())
        .in_bulk()
    )
    rows = []
    for row in figures:
        application = applications.get(row["pk"])
        if application is not None:
            for name in RANK_FIGURES[1:]:
                setattr(application, name, row[name])
            rows.append(application)
    return rows


RANKING_SORTS = {
    "rank": ("rank",),
    "requested": ("-amount_requested", "rank"),
    "requested-low": ("amount_requested", "rank"),
    "reference": ("reference",),
    "organisation": ("organisation__name", "rank"),
}


def mark_budget_line(rows, *, remaining: Decimal) -> list:
    """
    Say of each row whether its recommended money fits the remaining budget
    (`over_budget`) and whether the budget line falls just before it.
    """
    rows = list(rows)
    for row in rows:
        before = row.running_total - row.funding
        row.over_budget = row.funding > 0 and row.running_total > remaining
        row.first_over_budget = row.over_budget and before <= remaining
    return rows


def awaiting_decision(
    round: Round | None = None, *, approver: User | None = None
) -> QuerySet[Application]:
    """
    Recommended and waitlisted applications, in rank order within their
    round. With an approver, each row says whether they assessed it or
    declared a conflict on it (`approver_excluded`).
    """
    if round is not None:
        queryset = ranked_applications(round, statuses=AWAITING_DECISION_STATES)
    else:
        queryset = (
            Application.objects.filter(status__in=AWAITING_DECISION_STATES)
            .select_related("organisation", "decision", "round__programme")
            .annotate(final_score=final_score_expression())
            .order_by("round", *_rank_order())
        )
    if approver is not None:
        queryset = queryset.annotate(
            approver_excluded=Exists(excluding_assignments(approver).filter(
                application=OuterRef("pk")
            ))
        )
    return queryset


def excluding_assignments(approver: User) -> QuerySet[Assignment]:
    """
    The approver's assignments that stop them deciding an application: they
    scored it, declared a conflict of interest in it, or were asked to
    assess it and may still score it. Any assignment counts, so an approver
    can never decide first and score afterwards.
    """
    return Assignment.objects.filter(assessor=approver)


def rounds_awaiting_decision() -> QuerySet[Round]:
    """Rounds with something for an approver to decide, and how many."""
    return (
        Round.objects.select_related("programme")
        .annotate(
            waiting=Count(
                "applications", filter=Q(applications__status__in=AWAITING_DECISION_STATES)
            )
        )
        .filter(waiting__gt=0)
        .order_by("-opens_at", "pk")
    )


# --- Application history -----------------------------------------------------


def _ids_as_text(queryset: QuerySet) -> QuerySet:
    # AuditEvent.object_id is text (it points at any model), so the ids it
    # is matched against are cast to text inside the same query.
    return queryset.annotate(id_text=Cast("pk", CharField())).values("id_text")


def application_history(application: Application) -> QuerySet[AuditEvent]:
    """
    Every audit event about the application and what hangs off it (its
    assignments, declarations, scores, decision and award), oldest first,
    in one query whatever the length of the history.
    """
    types = ContentType.objects.get_for_models(
        Application, Assignment, ConflictDeclaration, Score, Decision, Award
    )
    assignments = Assignment.objects.filter(application=application)
    scope = (
        Q(content_type=types[Application], object_id=str(application.pk))
        | Q(content_type=types[Assignment], object_id__in=_ids_as_text(assignments))
        | Q(
            content_type=types[ConflictDeclaration],
            object_id__in=_ids_as_text(
                ConflictDeclaration.objects.filter(assignment__application=application)
            ),
        )
        | Q(
            content_type=types[Score],
            object_id__in=_ids_as_text(Score.objects.filter(assignment__application=application)),
        )
        | Q(
            content_type=types[Decision],
            object_id__in=_ids_as_text(Decision.objects.filter(application=application)),
        )
        | Q(
            content_type=types[Award],
            object_id__in=_ids_as_text(Award.objects.filter(application=application)),
        )
    )
    return (
        AuditEvent.objects.filter(scope)
        .select_related("actor", "content_type")
        .order_by("at", "pk")
    )


VERB_LABELS = {
    "application_started": "Application started",
    "application_submitted": "Application submitted",
    "application_withdrawn": "Application withdrawn",
    "amount_requested_changed": "Amount requested changed",
    "screening_passed": "Passed screening",
    "assessor_assigned": "Assessor assigned",
    "interest_declared": "Declaration of interest",
    "scores_submitted": "Scores submitted",
    "scoring_completed": "Scoring completed",
    "recommended": "Recommendation made",
    "recommendation_changed": "Recommendation changed",
    "approved": "Approved",
    "rejected": "Not funded",
    "waitlisted": "Put on the waiting list",
    "award_offered": "Grant offered",
    "offer_accepted": "Offer accepted",
    "offer_declined": "Offer declined",
    "instalment_scheduled": "Instalment scheduled",
}
_STATE_LABELS = {
    "application": dict(ApplicationStatus.choices),
    "assignment": dict(AssignmentStatus.choices),
    "award": dict(AwardStatus.choices),
}
# Events recorded against the application that describe an assignment's
# change of state.
_ASSIGNMENT_VERBS = {"interest_declared", "scores_submitted"}
_HIDDEN_DATA = {"before", "after", "reason"}


def _state_label(state: str, model: str) -> str:
    for labels in (_STATE_LABELS.get(model, {}), *_STATE_LABELS.values()):
        if state in labels:
            return labels[state]
    return state


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    about: str
    what: str
    change: str
    reason: str
    details: tuple[str, ...]


_KEY_ORDER = ["status", "recommendation", "amount", "recommended_amount", "approved_amount"]


def _ordered(data: dict) -> list[tuple[str, object]]:
    # PostgreSQL's jsonb keeps keys sorted by length; people read them in
    # the order a decision is told.
    rank = {key: position for position, key in enumerate(_KEY_ORDER)}
    return sorted(data.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def _plain(value, key: str = "") -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, dict):
        return "; ".join(
            f"{_plain_key(k)}: {_plain(v, k)}" for k, v in _ordered(value) if v not in ("", None)
        )
    if "amount" in key or key == "total":
        try:
            return f"£{Decimal(str(value)):,.2f}"
        except ArithmeticError:
            return str(value)
    if isinstance(value, str) and value in Recommendation.values:
        return Recommendation(value).label
    if isinstance(value, str) and value in ApplicationStatus.values:
        return ApplicationStatus(value).label
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _plain_key(key: str) -> str:
    return key.replace("_", " ").capitalize()


def history_entries(application: Application) -> list[HistoryEntry]:
    """The application's history as an officer reads it: who, when, what, from, to, why."""
    entries = []
    for event in application_history(application):
        model = event.content_type.model
        states_of = "assignment" if event.verb in _ASSIGNMENT_VERBS else model
        change = " → ".join(
            _state_label(state, states_of) for state in (event.from_state, event.to_state) if state
        )
        data = event.data or {}
        details = [
            f"{_plain_key(k)}: {_plain(v, k)}" for k, v in _ordered(data) if k not in _HIDDEN_DATA
        ]
        if data.get("before"):
            details.append(f"Before: {_plain(data['before'])}")
        if data.get("after"):
            details.append(f"After: {_plain(data['after'])}")
        entries.append(
            HistoryEntry(
                at=event.at,
                actor=event.actor.display_name if event.actor else "The system",
                about=model.replace("conflictdeclaration", "declaration").capitalize(),
                what=VERB_LABELS.get(event.verb, _plain_key(event.verb)),
                change=change,
                reason=str(data.get("reason") or ""),
                details=tuple(details),
            )
        )
    return entries


# --- Monitoring returns -------------------------------------------------------

# Spending more or less than this share of a budget line must be explained.
VARIANCE_NEEDING_EXPLANATION = Decimal("0.10")


def monitoring_rule_for(round: Round) -> MonitoringRule:
    """The round's monitoring rule, or the defaults when it has none."""
    return MonitoringRule.objects.filter(round=round).first() or DEFAULT_MONITORING_RULE


def accepted_return_for(*, award_id: int, kind: str | None = None) -> MonitoringReturn | None:
    """
    The award's latest accepted return (of `kind`, when given), or None.
    For payments: an instalment waiting for a return may be paid once this
    is not None (or, for an instalment tied to one return through
    `after_return`, once that return's status is accepted).
    """
    returns = MonitoringReturn.objects.filter(award_id=award_id, status=MonitoringStatus.ACCEPTED)
    if kind:
        returns = returns.filter(kind=kind)
    return returns.order_by("-accepted_at", "-pk").first()


def returns_for_applicant(user: User) -> QuerySet[MonitoringReturn]:
    """Returns of the person's organisations' awards (and of applications an officer entered)."""
    return MonitoringReturn.objects.filter(
        award__application__in=applications_for_applicant(user)
    ).select_related("award__application__organisation", "award__application__round__programme")


def get_return_for_applicant(*, user: User, application_pk: int, pk: int) -> MonitoringReturn:
    return get_object_or_404(
        returns_for_applicant(user), pk=pk, award__application_id=application_pk
    )


def variance_needs_explaining(*, planned: Decimal, spent: Decimal | None) -> bool:
    if spent is None:
        return False
    if not planned:
        return spent > 0
    return abs(spent - planned) / planned > VARIANCE_NEEDING_EXPLANATION


def _decimal_or_none(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


@dataclass(frozen=True)
class SpendLine:
    line: BudgetLine
    spent: Decimal | None
    explanation: str

    @property
    def difference(self) -> Decimal | None:
        return None if self.spent is None else self.spent - self.line.amount

    @property
    def needs_explanation(self) -> bool:
        return variance_needs_explaining(planned=self.line.amount, spent=self.spent)


@dataclass(frozen=True)
class ReturnContent:
    """A return's answers joined to the application's budget lines and outcomes, for pages."""

    spend: list[SpendLine]
    outcomes: list  # (Outcome, what the group achieved)
    files: list[MonitoringFile]

    @property
    def spent_total(self) -> Decimal:
        return sum((s.spent or Decimal("0") for s in self.spend), Decimal("0.00"))

    @property
    def planned_total(self) -> Decimal:
        return sum((s.line.amount for s in self.spend), Decimal("0.00"))


def return_content(monitoring_return: MonitoringReturn) -> ReturnContent:
    """Three queries whatever the number of lines, outcomes or files."""
    answers = monitoring_return.answers or {}
    spend = answers.get("spend") or {}
    achieved = answers.get("outcomes") or {}
    application_id = monitoring_return.award.application_id
    lines = BudgetLine.objects.filter(application_id=application_id).order_by("order", "pk")
    outcomes = Application.outcomes.through.objects.filter(
        application_id=application_id
    ).select_related("outcome").order_by("outcome__code")
    return ReturnContent(
        spend=[
            SpendLine(
                line=line,
                spent=_decimal_or_none((spend.get(str(line.pk)) or {}).get("spent")),
                explanation=(spend.get(str(line.pk)) or {}).get("explanation", ""),
            )
            for line in lines
        ],
        outcomes=[(row.outcome, achieved.get(str(row.outcome_id), "")) for row in outcomes],
        files=list(monitoring_return.files.all()),
    )


RETURN_SECTION_TITLES = {
    "activities": "What you did",
    "people": "People reached and volunteers",
    "spend": "How you spent the grant",
    "outcomes": "Outcomes achieved",
    "story": "Case study, challenges and the future",
    "files": "Supporting files",
}


def return_sections(
    monitoring_return: MonitoringReturn, content: ReturnContent | None = None
) -> list[Section]:
    """Each section's status and what is missing from it, derived from what is saved."""
    content = content or return_content(monitoring_return)
    r, answers = monitoring_return, monitoring_return.answers or {}
    sections = []

    activities = (answers.get("activities") or "").strip()
    sections.append(("activities", [] if activities else ["Describe the activities you delivered"],
                     bool(activities)))

    labels = {
        "people_children": "children and young people",
        "people_older": "older people",
        "people_disabled": "disabled people",
        "people_other": "other people",
    }
    problems = [
        f"Enter the number of {label} you reached (0 if none)"
        for name, label in labels.items()
        if getattr(r, name) is None
    ]
    if r.volunteers is None:
        problems.append("Enter the number of volunteers (0 if none)")
    if r.volunteer_hours is None:
        problems.append("Enter the number of volunteer hours (0 if none)")
    saved = any(getattr(r, name) is not None for name in (*labels, "volunteers", "volunteer_hours"))
    sections.append(("people", problems, saved))

    problems = []
    for item in content.spend:
        if item.spent is None:
            problems.append(f"Enter how much you spent on {item.line.item}")
        elif item.needs_explanation and not item.explanation.strip():
            problems.append(
                f"Explain why you spent £{item.spent:,.2f} on {item.line.item} "
                f"rather than the £{item.line.amount:,.2f} planned"
            )
    saved = any(item.spent is not None for item in content.spend)
    sections.append(("spend", problems, saved))

    problems = [
        f"Say what you achieved towards {outcome.code} {outcome.title}"
        for outcome, text in content.outcomes
        if not text.strip()
    ]
    saved = any(text.strip() for _, text in content.outcomes)
    sections.append(("outcomes", problems, saved))

    problems = []
    if not (answers.get("case_study") or "").strip():
        problems.append("Tell us about one person or group your project helped")
    if not r.challenges.strip():
        problems.append("Describe the challenges your organisation faces now and in future")
    if not r.financially_viable:
        problems.append("Say whether your organisation expects to remain financially viable")
    saved = bool((answers.get("case_study") or "").strip() or r.challenges.strip()
                 or r.financially_viable)
    sections.append(("story", problems, saved))

    sections.append(("files", [], bool(content.files)))

    return [
        Section(
            key=key,
            title=RETURN_SECTION_TITLES[key],
            url_name="grants:return_section",
            status=_status(anything_saved=saved, problems=problems),
            problems=tuple(problems),
            hint="Optional: photos, reports or receipts" if key == "files" else "",
        )
        for key, problems, saved in sections
    ]


def return_problems(monitoring_return: MonitoringReturn) -> list[str]:
    return [p for section in return_sections(monitoring_return) for p in section.problems]


def return_reviews(monitoring_return: MonitoringReturn):
    return monitoring_return.reviews.select_related("reviewed_by").order_by("reviewed_at", "pk")


# --- Monitoring for officers ------------------------------------------------------

RETURN_LIST_VIEWS = {
    "due": "Due",
    "overdue": "Overdue",
    "submitted": "Waiting for review",
    "changes_requested": "Changes requested",
    "accepted": "Accepted",
    "scheduled": "Not open yet",
}


def officer_returns(
    *,
    view: str = "due",
    today: date,
    round_id: int | None = None,
    officer_id: int | None = None,
) -> QuerySet[MonitoringReturn]:
    """
    The returns an officer list shows, with the application, organisation
    and round joined (one query per page whatever its length), and only
    the columns the list shows: a return's answers, an organisation's bank
    details and a user's password are no use to it. Overdue is derived:
    past its due date and not sent.
    """
    returns = MonitoringReturn.objects.select_related(
        "award__application__organisation",
        "award__application__round",
        "award__application__case_officer",
    ).only(
        "award_id", "period", "due", "opens_on", "status",
        "award__application_id",
        "award__application__reference",
        "award__application__organisation__name",
        "award__application__round__name",
        "award__application__case_officer__full_name",
        "award__application__case_officer__first_name",
        "award__application__case_officer__last_name",
        "award__application__case_officer__email",
    )
    if view == "overdue":
        returns = returns.filter(due__lt=today).exclude(status__in=SENT_MONITORING_STATES)
    elif view == "due":
        returns = returns.filter(
            status__in=[MonitoringStatus.DUE, MonitoringStatus.CHANGES_REQUESTED], due__gte=today
        )
    elif view in MonitoringStatus.values:
        returns = returns.filter(status=view)
    if round_id:
        returns = returns.filter(award__application__round_id=round_id)
    if officer_id:
        returns = returns.filter(award__application__case_officer_id=officer_id)
    order = ["-submitted_at", "pk"] if view in SENT_MONITORING_STATES else ["due", "pk"]
    return returns.order_by(*order)


def get_return_for_officer(pk: int) -> MonitoringReturn:
    return get_object_or_404(
        MonitoringReturn.objects.select_related(
            "award__application__organisation",
            "award__application__round__programme",
            "award__application__case_officer",
        ),
        pk=pk,
    )


def grant_officers() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.GRANT_OFFICER, is_active=True).order_by("email")


@dataclass(frozen=True)
class MonitoringSummary:
    returns: int
    people_children: int
    people_older: int
    people_disabled: int
    people_other: int
    volunteers: int
    volunteer_hours: int
    viable_yes: int
    viable_unsure: int
    viable_no: int

    @property
    def people_reached(self) -> int:
        return self.people_children + self.people_older + self.people_disabled + self.people_other


def _summary_returns(*, round_id: int | None, financial_year: int | None):
    """
    Accepted returns (the figures the council has checked) of awards in the
    round and/or made in the financial year (1 April to 31 March).
    """
    returns = MonitoringReturn.objects.filter(status=MonitoringStatus.ACCEPTED)
    if round_id:
        returns = returns.filter(award__application__round_id=round_id)
    if financial_year:
        returns = returns.filter(
            award__award_date__gte=date(financial_year, 4, 1),
            award__award_date__lte=date(financial_year + 1, 3, 31),
        )
    return returns


def monitoring_summary(*, round_id: int | None = None, financial_year: int | None = None):
    """Totals of people reached, volunteers and hours in one aggregate query."""
    zero = Value(0)
    sums = {
        name: Coalesce(Sum(name), zero)
        for name in (*MonitoringReturn.PEOPLE_FIELDS, "volunteers", "volunteer_hours")
    }
    totals = _summary_returns(round_id=round_id, financial_year=financial_year).aggregate(
        returns=Count("pk"),
        viable_yes=Count("pk", filter=Q(financially_viable="yes")),
        viable_unsure=Count("pk", filter=Q(financially_viable="unsure")),
        viable_no=Count("pk", filter=Q(financially_viable="no")),
        **sums,
    )
    return MonitoringSummary(**totals)


def challenges_reported(*, round_id: int | None = None, financial_year: int | None = None):
    """The challenges groups reported, newest first, for the summary's list."""
    return (
        _summary_returns(round_id=round_id, financial_year=financial_year)
        .exclude(challenges="")
        .select_related("award__application__organisation")
        .order_by("-submitted_at", "-pk")
    )


def get_return_file_for_user(*, user: User, return_pk: int, pk: int) -> MonitoringFile:
    """A return's file for the organisation's members and staff who read applications; else 404."""
    files = MonitoringFile.objects.filter(monitoring_return_id=return_pk)
    if not has_role(user, *APPLICATION_READER_ROLES):
        files = files.filter(
            monitoring_return__award__application__in=applications_for_applicant(user)
        )
    return get_object_or_404(files, pk=pk)


# --- Assessment: screening, assignment, conflicts, scores, moderation -------
# (the assessment helper's section)


def with_final_score(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """
    Annotate each application with its assessors' scores and its final score:
    `average_score` (the mean of the submitted weighted scores, to one
    decimal place), `low_score`, `high_score`, `submitted_count`, and
    `final_score`, which is the officer's moderated score when one is set,
    else the average. Ranking sorts by `final_score`.
    """
    submitted = Q(assignments__status=AssignmentStatus.SUBMITTED)
    score_field = DecimalField(max_digits=4, decimal_places=1)
    return queryset.annotate(
        average_score=functions.Round(
            Avg("assignments__weighted_score", filter=submitted, output_field=score_field), 1
        ),
        low_score=Min("assignments__weighted_score", filter=submitted),
        high_score=Max("assignments__weighted_score", filter=submitted),
        submitted_count=Count("assignments", filter=submitted),
        active_count=Count(
            "assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATES)
        ),
    ).annotate(
        final_score=Coalesce("moderated_score", "average_score", output_field=score_field),
        score_spread=F("high_score") - F("low_score"),
    )


def final_scores(round: Round) -> QuerySet[Application]:
    """
    The round's applications that have scores, each annotated by
    `with_final_score`, highest final score first. The ranking page uses this.
    """
    return (
        with_final_score(
            Application.objects.filter(round=round).select_related("organisation", "round")
        )
        .filter(submitted_count__gt=0)
        .order_by(F("final_score").desc(nulls_last=True), "reference")
    )


def officer_round_applications(round: Round) -> QuerySet[Application]:
    """
    Every submitted application in the round with the columns the officer's
    list shows, its `final_score` and its `active_count` of assessors. The
    figures are correlated subqueries rather than a GROUP BY over the
    round's assignments: sorted by a column, PostgreSQL then works them out
    for the page of rows shown, not for every application in the round.
    """
    return (
        Application.objects.filter(round=round)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("organisation")
        .only(
            "round_id", "reference", "title", "amount_requested", "status", "moderated_score",
            "submitted_at", "organisation__name",
        )
        .annotate(
            final_score=final_score_expression(),
            active_count=count_per_row(
                Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT_STATES), "application"
            ),
        )
    )


def needs_assessors(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """
    Applications in assessment with fewer active assessors than the round
    asks for: new ones, and those returned after a conflict or a removal.
    `queryset` must have `active_count` (from with_final_score or
    officer_round_applications).
    """
    return queryset.filter(
        status=ApplicationStatus.IN_ASSESSMENT,
        active_count__lt=F("round__assessors_per_application"),
    )


def moderation_rows(round: Round) -> QuerySet[Application]:
    """
    Applications with submitted scores, each with `flagged` when its
    assessors' weighted scores differ by more than the round's threshold,
    and its submitted assignments (with assessors) prefetched.
    """
    return (
        final_scores(round)
        .annotate(
            flagged=ExpressionWrapper(
                Q(score_spread__gt=F("round__moderation_threshold")),
                output_field=BooleanField(),
            )
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(status=AssignmentStatus.SUBMITTED)
                .select_related("assessor")
                .order_by("submitted_at", "pk"),
                to_attr="submitted_assignments",
            )
        )
        .order_by("-flagged", "reference")
    )


def get_application_for_moderation(*, pk: int) -> Application:
    return get_object_or_404(
        with_final_score(
            Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
                "organisation", "round__programme", "moderated_by"
            )
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class ScoreSheet:
    """Scores side by side: a row per criterion, a column per submitted assessor."""

    assignments: list
    rows: list  # (criterion, [Score or None for each assignment])


def score_sheet(application: Application, *, assignments=None) -> ScoreSheet:
    """Every submitted assessor's score and justification per criterion (three queries)."""
    if assignments is None:
        assignments = list(
            application.assignments.filter(status=AssignmentStatus.SUBMITTED)
            .select_related("assessor")
            .order_by("submitted_at", "pk")
        )
    criteria = list(application.round.criteria.all())
    scores = {
        (s.assignment_id, s.criterion_id): s
        for s in Score.objects.filter(assignment__in=assignments)
    }
    rows = [
        (criterion, [scores.get((a.pk, criterion.pk)) for a in assignments])
        for criterion in criteria
    ]
    return ScoreSheet(assignments=assignments, rows=rows)


def round_declarations(round: Round) -> QuerySet[ConflictDeclaration]:
    """Every declaration made in the round, oldest first, as panel minutes list them."""
    return (
        ConflictDeclaration.objects.filter(assignment__application__round=round)
        .select_related("assignment__assessor", "assignment__application__organisation")
        .order_by("declared_at", "pk")
    )


def assessor_queue(user: User) -> QuerySet[Assignment]:
    """The assessor's assignments (not those an officer removed), with what the queue shows."""
    return (
        Assignment.objects.filter(assessor=user)
        .exclude(status=AssignmentStatus.REMOVED)
        .select_related("application__organisation", "application__round__programme")
    )


def assessors_available_for(application: Application) -> QuerySet[User]:
    """Assessors an officer may add: not already on it, no conflict with the organisation."""
    conflicted = ConflictDeclaration.objects.filter(
        has_conflict=True, assignment__application__organisation=application.organisation_id
    ).values("assignment__assessor")
    current = (
        Assignment.objects.filter(application=application)
        .exclude(status=AssignmentStatus.REMOVED)
        .values("assessor")
    )
    return assessors().exclude(pk__in=current).exclude(pk__in=conflicted)


def others_scores_visible(assignment: Assignment) -> bool:
    """Blind scoring: an assessor sees colleagues' scores only once theirs are submitted."""
    return assignment.status == AssignmentStatus.SUBMITTED
