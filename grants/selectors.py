"""Reads about applications that pages share; every queryset is scoped here."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.roles import Role, has_role
from applicants.models import DocumentKind, Organisation
from applicants.selectors import current_documents
from rounds.models import Round

from . import eligibility
from .eligibility import Answers, History, OtherApplication, OverdueReturn, long_date, pounds
from .models import (
    COMMITTED_AWARD_STATES,
    SENT_MONITORING_STATES,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    Award,
    AwardStatus,
    MonitoringReturn,
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
    """Outcomes, budget lines and total, documents and attachments: five queries."""
    return Summary(
        outcomes=list(application.outcomes.select_related("parent").order_by("code")),
        budget_lines=list(application.budget_lines.all()),
        budget_total=application.budget_lines.aggregate(total=Sum("amount"))["total"],
        documents=list(current_documents(application.organisation)),
        attachments=list(application.attachments.all()),
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
    """The organisation's applications, newest first, each with its `progress`; four queries."""
    applications = list(
        Application.objects.filter(organisation=organisation)
        .select_related("round__programme", "organisation", "award", "decision")
        .prefetch_related("award__monitoring_returns")
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
    return get_object_or_404(assignments_for_assessor(user), pk=pk)


def awaiting_decision() -> QuerySet[Application]:
    return (
        applications_with_scores()
        .filter(status__in=[ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED])
        .select_related("decision")
        .order_by("round", "-average_score", "reference")
    )


def assessors() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.ASSESSOR, is_active=True).order_by("email")


def application_history(application: Application) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(
            content_type__app_label="grants",
            content_type__model="application",
            object_id=str(application.pk),
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
