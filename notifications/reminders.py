"""
Reminders: the periodic jobs that find what is due and tell people once.

Each job is a plain function of `now`, run by Celery beat through
`notifications.tasks.run_reminder_job` and by `manage.py run_reminders`.

Exactly once: every reminder is stored with a deterministic idempotency key
("reminder:<kind>:<object>:user:<pk>"), and the key is unique in the
database, so a second run, an overlapping run, a rerun after a crash or two
beat processes find the first row and send nothing. Each candidate is
handled in its own short transaction holding its row with
SELECT ... FOR UPDATE SKIP LOCKED: a row another run (or a service, such as
submitting a monitoring return) is working on is skipped rather than waited
for, and the state is checked again under the lock, so a return submitted a
moment ago is not reminded.

Time: the rules are about days as people in Leicestershire count them. "7
days before a round closes" means from 00:00 Europe/London on the calendar
day seven days before the day it closes, whatever the clocks did in between;
a window (rather than a single day) means a run missed on that day is made
up the next, and the next rule's window starts where this one ends, so a
late run never sends a "7 days" reminder one day before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from grants.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Award,
    AwardStatus,
    MonitoringReturn,
    MonitoringStatus,
)
from grants.services import open_due_returns
from rounds.models import Round, RoundStatus

from .models import Notification
from .services import notify_round_opened, remind_organisation, remind_user

# Days before a round closes that its drafts' organisations are reminded,
# furthest first.
ROUND_CLOSING_DAYS = (7, 1)
# A round is announced on any run within this many days of its opening, so a
# missed run is made up; later runs leave it alone (and the keys forbid repeats).
ROUND_OPENED_WITHIN_DAYS = 7
# Days before an assessor's scores are due that they are reminded.
SCORING_DUE_SOON_DAYS = 3
# Monitoring returns: reminded this many days before they are due, on the
# day, and once this many days after.
MONITORING_DUE_SOON_DAYS = 14
MONITORING_OVERDUE_AFTER_DAYS = 7

# Assessments still waiting for scores (a conflict ends the assignment).
UNSCORED_ASSIGNMENT_STATES = [AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]
# Returns the group still has to send: never one submitted or accepted.
# One sent back for changes is outstanding again.
OUTSTANDING_RETURN_STATES = [
    MonitoringStatus.SCHEDULED,
    MonitoringStatus.DUE,
    MonitoringStatus.CHANGES_REQUESTED,
]
# Grants that are running: declined offers and grants closed early are
# followed up by officers, not by automatic reminders.
RUNNING_AWARD_STATES = [AwardStatus.ACCEPTED, AwardStatus.ACTIVE]


# --- Days in Europe/London ----------------------------------------------------


def local_today(now: datetime) -> date:
    return timezone.localdate(now, timezone.get_default_timezone())


def start_of_day(day: date) -> datetime:
    """00:00 on that day in Europe/London (midnight always exists there)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def describe_deadline(moment: datetime) -> str:
    """'12:30am on Monday 30 March 2026'; midnight is named as the end of the day before."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if local.time() == time.min:
        return f"midnight at the end of {local.date() - timedelta(days=1):%A %-d %B %Y}"
    if local.hour == 12 and local.minute == 0:
        clock = "midday"
    else:
        minutes = f":{local:%M}" if local.minute else ""
        clock = f"{local:%-I}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{clock} on {local:%A %-d %B %Y}"


def _claim(model: type[models.Model], pk: int, **still_due) -> models.Model | None:
    """
    Lock the candidate's row, skipping it if another run or a service holds
    it, and check again that it is still due. Call inside a transaction.
    """
    return model.objects.select_for_update(skip_locked=True).filter(pk=pk, **still_due).first()


# --- Rounds -------------------------------------------------------------------


def remind_rounds_closing(*, now: datetime) -> list[Notification]:
    """
    "Closing in 7 days" and "closing in 1 day" to the members of each
    organisation with a draft in a published round that is still open.
    """
    today = local_today(now)
    sent = []
    # Each window runs from its own day up to the day the next one starts.
    for days, following in zip(ROUND_CLOSING_DAYS, (*ROUND_CLOSING_DAYS[1:], -1), strict=True):
        kind = f"round_closing_{days}d"
        drafts = (
            Application.objects.filter(
                status=ApplicationStatus.DRAFT,
                round__status=RoundStatus.PUBLISHED,
                round__opens_at__lte=now,
                round__closes_at__gt=now,
                round__closes_at__gte=start_of_day(today + timedelta(days=following + 1)),
                round__closes_at__lt=start_of_day(today + timedelta(days=days + 1)),
            )
            .select_related("round__programme", "organisation")
            .order_by("pk")
        )
        for draft in drafts:
            with transaction.atomic():
                if not _claim(Application, draft.pk, status=ApplicationStatus.DRAFT):
                    continue
                sent += remind_organisation(
                    kind=kind,
                    organisation=draft.organisation,
                    about=draft,
                    context={
                        "application": draft,
                        "round": draft.round,
                        "closes": describe_deadline(draft.round.closes_at),
                    },
                    key=f"reminder:{kind}:round:{draft.round_id}:organisation:{draft.organisation_id}",
                )
    return sent


def announce_rounds_opened(*, now: datetime) -> list[Notification]:
    """
    "A new round is open" to organisations that asked to be told, for each
    published round that opened in the last few days. A round published
    after its opening time is announced by publish_round straight away;
    this covers rounds published ahead of their opening.
    """
    rounds = Round.objects.filter(
        status=RoundStatus.PUBLISHED,
        opens_at__lte=now,
        opens_at__gt=now - timedelta(days=ROUND_OPENED_WITHIN_DAYS),
        closes_at__gt=now,
    ).select_related("programme").order_by("pk")
    sent = []
    for round in rounds:
        with transaction.atomic():
            if _claim(Round, round.pk, status=RoundStatus.PUBLISHED):
                sent += notify_round_opened(round=round)
    return sent


# --- Assessors ----------------------------------------------------------------


def remind_assessors(*, now: datetime) -> list[Notification]:
    """
    "Scoring due in 3 days" from three days before the due date to the day
    itself, and "overdue" once, from the day after, for assignments whose
    scores are not submitted on applications still being assessed.
    """
    today = local_today(now)
    unscored = Assignment.objects.filter(
        status__in=UNSCORED_ASSIGNMENT_STATES,
        application__status=ApplicationStatus.IN_ASSESSMENT,
        due__isnull=False,
    ).select_related("application__organisation", "application__round", "assessor")
    rules = [
        (
            "scoring_due_soon",
            unscored.filter(due__gte=today, due__lte=today + timedelta(days=SCORING_DUE_SOON_DAYS)),
        ),
        ("scoring_overdue", unscored.filter(due__lt=today)),
    ]
    sent = []
    for kind, assignments in rules:
        for assignment in assignments.order_by("due", "pk"):
            with transaction.atomic():
                if not _claim(Assignment, assignment.pk, status__in=UNSCORED_ASSIGNMENT_STATES):
                    continue
                notification = remind_user(
                    kind=kind,
                    user=assignment.assessor,
                    about=assignment,
                    context={
                        "assignment": assignment,
                        "application": assignment.application,
                        "days_overdue": (today - assignment.due).days,
                    },
                    key=f"reminder:{kind}:assignment:{assignment.pk}",
                )
            if notification:
                sent.append(notification)
    return sent


# --- Offers -------------------------------------------------------------------


def remind_offers(*, now: datetime) -> list[Notification]:
    """One reminder for an offer not accepted NOTIFICATION_OFFER_REMINDER_DAYS days after it was made."""
    today = local_today(now)
    days = settings.NOTIFICATION_OFFER_REMINDER_DAYS
    # Offered on or before the day `days` ago.
    offers = (
        Award.objects.filter(
            status=AwardStatus.OFFERED, offered_at__lt=start_of_day(today - timedelta(days=days - 1))
        )
        .select_related("application__organisation", "application__round__programme")
        .order_by("offered_at", "pk")
    )
    sent = []
    for award in offers:
        with transaction.atomic():
            if not _claim(Award, award.pk, status=AwardStatus.OFFERED):
                continue
            sent += remind_organisation(
                kind="offer_reminder",
                organisation=award.application.organisation,
                about=award,
                context={
                    "award": award,
                    "application": award.application,
                    "offered_on": timezone.localtime(award.offered_at, timezone.get_default_timezone()),
                },
                key=f"reminder:offer_reminder:award:{award.pk}",
            )
    return sent


# --- Monitoring returns -------------------------------------------------------


def _outstanding_returns():
    return MonitoringReturn.objects.filter(
        status__in=OUTSTANDING_RETURN_STATES, award__status__in=RUNNING_AWARD_STATES
    ).select_related("award__application__organisation", "award__application__round__programme")


def remind_monitoring_returns(*, now: datetime) -> list[Notification]:
    """
    To the funded organisation's members: a return is due in 14 days (from
    14 days before to the day before), due today, and overdue (once, from 7
    days after the due date), for returns not yet submitted.
    """
    # Returns whose window has opened become due first, so the group can
    # start them (an atomic claim, like the reminders).
    open_due_returns(now=now)
    today = local_today(now)
    outstanding = _outstanding_returns()
    rules = [
        (
            "monitoring_due_soon",
            outstanding.filter(
                due__gt=today, due__lte=today + timedelta(days=MONITORING_DUE_SOON_DAYS)
            ),
        ),
        ("monitoring_due_today", outstanding.filter(due=today)),
        (
            "monitoring_overdue",
            outstanding.filter(due__lte=today - timedelta(days=MONITORING_OVERDUE_AFTER_DAYS)),
        ),
    ]
    sent = []
    for kind, returns in rules:
        for monitoring_return in returns.order_by("due", "pk"):
            with transaction.atomic():
                if not _claim(MonitoringReturn, monitoring_return.pk, status__in=OUTSTANDING_RETURN_STATES):
                    continue
                award = monitoring_return.award
                sent += remind_organisation(
                    kind=kind,
                    organisation=award.application.organisation,
                    about=monitoring_return,
                    context={
                        "monitoring_return": monitoring_return,
                        "award": award,
                        "application": award.application,
                        "days_overdue": (today - monitoring_return.due).days,
                    },
                    key=f"reminder:{kind}:return:{monitoring_return.pk}",
                )
    return sent


def overdue_returns(*, today: date) -> list[MonitoringReturn]:
    """Returns past their due date and not yet submitted, the most overdue first, with days_late."""
    returns = list(_outstanding_returns().filter(due__lt=today).order_by("due", "pk"))
    for monitoring_return in returns:
        monitoring_return.days_late = (today - monitoring_return.due).days
    return returns


def send_overdue_digest(*, now: datetime) -> list[Notification]:
    """
    Once a week (per ISO week, Monday to Sunday in Europe/London), to each
    grant officer, the overdue returns of the applications they are case
    officer for, and every overdue return that has no case officer (so none
    is left unchased); nothing to an officer with none.
    """
    today = local_today(now)
    returns = overdue_returns(today=today)
    if not returns:
        return []
    year, week, _ = today.isocalendar()
    officers = User.objects.filter(groups__name=Role.GRANT_OFFICER, is_active=True).order_by("pk")
    sent = []
    for officer in officers:
        theirs = [
            r for r in returns if r.award.application.case_officer_id in (None, officer.pk)
        ]
        if not theirs:
            continue
        notification = remind_user(
            kind="monitoring_overdue_digest",
            user=officer,
            about=None,
            context={"returns": theirs, "today": today},
            key=f"reminder:monitoring_overdue_digest:{year}-W{week:02d}",
        )
        if notification:
            sent.append(notification)
    return sent


# --- The jobs -----------------------------------------------------------------


@dataclass(frozen=True)
class ReminderJob:
    name: str
    description: str
    run: Callable[..., list[Notification]]


JOBS = {
    job.name: job
    for job in [
        ReminderJob("rounds_opened", "New rounds open, to groups that asked", announce_rounds_opened),
        ReminderJob("rounds_closing", "Rounds closing in 7 days and in 1 day", remind_rounds_closing),
        ReminderJob("scoring", "Assessors' scores due in 3 days, and overdue", remind_assessors),
        ReminderJob("offers", "Offers not yet accepted", remind_offers),
        ReminderJob("monitoring", "Monitoring returns due in 14 days, today, and overdue",
                    remind_monitoring_returns),
        ReminderJob("monitoring_digest", "Weekly list of overdue returns for grant officers",
                    send_overdue_digest),
    ]
}


def run_reminder_job(*, name: str, now: datetime | None = None) -> list[Notification]:
    """Run one job; returns the notifications it created (none on a rerun)."""
    return JOBS[name].run(now=now or timezone.now())


def run_all_reminders(*, now: datetime | None = None) -> dict[str, list[Notification]]:
    now = now or timezone.now()
    return {name: run_reminder_job(name=name, now=now) for name in JOBS}
