"""
Every change to a programme, a round or a round's criteria happens here.

Each service checks that the actor is a grant officer (or administrator),
locks the rows it changes, checks the round's rules, writes the change and
an AuditEvent. Rounds never import grants: whether scoring has started is
read through the reverse relation from Criterion to its scores.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import record_audit_event
from notifications.services import notify_round_opened

from .models import Criterion, Programme, Round, RoundStatus
from .selectors import scoring_has_started

PROGRAMME_FIELDS = (
    "name",
    "code",
    "description",
    "eligible_legal_structures",
    "cost_centre",
    "gl_code",
)

# What an officer sets up on a round. The status is not here: it changes
# only through publish_round and archive_round.
ROUND_FIELDS = (
    "name",
    "opens_at",
    "closes_at",
    "assessment_deadline",
    "decision_date",
    "budget",
    "min_award",
    "max_award",
    "max_annual_income",
    "eligible_legal_structures",
    "earliest_project_start",
    "latest_project_end",
    "leicestershire_only",
    "required_documents",
    "assessors_per_application",
    "scoring_scale_min",
    "scoring_scale_max",
    "moderation_threshold",
)

# full_clean() sets every field it cleans, which a protected FSM field refuses.
PROTECTED = ["status"]

# Fields that change how scores are read, fixed once any score exists.
SCALE_FIELDS = ("scoring_scale_min", "scoring_scale_max")

# A copy takes everything except the name and the dates, which the officer
# must give afresh.
COPIED_FIELDS = tuple(
    field
    for field in ROUND_FIELDS
    if field not in ("name", "opens_at", "closes_at", "assessment_deadline", "decision_date")
)

LOCKED_MESSAGE = (
    "Scoring has started in this round, so its criteria, weights and scoring scale "
    "can no longer be changed."
)


class CriterionValues(TypedDict, total=False):
    """One criterion as the criteria page sends it; `pk` is absent for a new one."""

    pk: int
    title: str
    guidance: str
    weight: int
    max_score: int


def _require_officer(actor: User) -> None:
    if not has_role(actor, Role.GRANT_OFFICER, Role.ADMINISTRATOR):
        raise PermissionDenied("Only grant officers can set up programmes and rounds.")


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}".replace(".00", "")


def _for_audit(value: Any) -> Any:
    """A value as the audit log stores it: money and instants as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _changes(instance, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields `values` would change on `instance`, each with its before and after."""
    return {
        field: {"from": _for_audit(getattr(instance, field)), "to": _for_audit(value)}
        for field, value in values.items()
        if getattr(instance, field) != value
    }


def max_score_problem(*, max_score: int, scale_min: int, scale_max: int) -> str | None:
    """Why a criterion's maximum score does not fit the round's scale, if it does not."""
    if not scale_min < max_score <= scale_max:
        return (
            f"The maximum score must be more than {scale_min} and no more than "
            f"{scale_max}, the top of the round's scoring scale"
        )
    return None


def check_round_rules(round: Round) -> None:
    """
    Refuse a round whose set-up does not hold together, with a message
    against each field at fault. The admin's form uses this too.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if round.opens_at and round.closes_at and round.closes_at <= round.opens_at:
        add("closes_at", "The round must close after it opens")
    closes_on = round.closes_at and timezone.localtime(round.closes_at).date()
    if round.assessment_deadline and closes_on and round.assessment_deadline < closes_on:
        add("assessment_deadline", "The assessment deadline must be on or after the closing date")
    if (
        round.decision_date
        and round.assessment_deadline
        and round.decision_date < round.assessment_deadline
    ):
        add("decision_date", "The decision date must be on or after the assessment deadline")
    if round.min_award is not None and round.max_award is not None:
        if round.max_award < round.min_award:
            add("max_award", "The largest grant must be the same as or more than the smallest grant")
        elif round.budget is not None and round.max_award > round.budget:
            add(
                "max_award",
                f"The largest grant must be no more than the budget of {_pounds(round.budget)}",
            )
    if (
        round.earliest_project_start
        and round.latest_project_end
        and round.latest_project_end < round.earliest_project_start
    ):
        add("latest_project_end", "Projects must be allowed to end after the earliest start date")
    if round.assessors_per_application is not None and not 1 <= round.assessors_per_application <= 10:
        add("assessors_per_application", "Enter a number of assessors from 1 to 10")
    if round.scoring_scale_min >= round.scoring_scale_max:
        add("scoring_scale_max", "The highest score must be more than the lowest score")
    elif round.pk:
        for criterion in round.criteria.all():
            if max_score_problem(
                max_score=criterion.max_score,
                scale_min=round.scoring_scale_min,
                scale_max=round.scoring_scale_max,
            ):
                add(
                    "scoring_scale_max",
                    f"The criterion “{criterion.title}” has a maximum score of "
                    f"{criterion.max_score}, which does not fit this scale: change the "
                    "criterion first",
                )
    if errors:
        raise ValidationError(errors)


# --- Programmes ---------------------------------------------------------------


@transaction.atomic
def create_programme(*, actor: User, values: dict[str, Any]) -> Programme:
    _require_officer(actor)
    programme = Programme(**{field: values[field] for field in PROGRAMME_FIELDS if field in values})
    programme.full_clean()
    programme.save()
    record_audit_event(
        actor=actor,
        verb="programme_created",
        subject=programme,
        data={field: _for_audit(getattr(programme, field)) for field in PROGRAMME_FIELDS},
    )
    return programme


@transaction.atomic
def update_programme(*, programme: Programme, actor: User, values: dict[str, Any]) -> Programme:
    _require_officer(actor)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    values = {field: values[field] for field in PROGRAMME_FIELDS if field in values}
    changes = _changes(programme, values)
    if not changes:
        return programme
    for field, value in values.items():
        setattr(programme, field, value)
    programme.full_clean()
    programme.save()
    record_audit_event(actor=actor, verb="programme_changed", subject=programme, data=changes)
    return programme


# --- Rounds -------------------------------------------------------------------


@transaction.atomic
def create_round(*, programme: Programme, actor: User, values: dict[str, Any]) -> Round:
    """A new round of the programme, as a draft: nobody can apply until it is published."""
    _require_officer(actor)
    round = Round(programme=programme, **{f: values[f] for f in ROUND_FIELDS if f in values})
    check_round_rules(round)
    round.full_clean(exclude=PROTECTED)
    round.save()
    record_audit_event(
        actor=actor,
        verb="round_created",
        subject=round,
        to_state=round.status,
        data={field: _for_audit(getattr(round, field)) for field in ROUND_FIELDS},
    )
    return round


def _lock_round(round: Round) -> Round:
    return Round.objects.select_for_update().select_related("programme").get(pk=round.pk)


@transaction.atomic
def update_round(*, round: Round, actor: User, values: dict[str, Any]) -> Round:
    """
    Change a round's set-up. Every change is audited with its before and
    after (budgets and award limits are public money). The scale is fixed
    once scoring has started, since scores already given were read on it.
    """
    _require_officer(actor)
    round = _lock_round(round)
    if round.status == RoundStatus.ARCHIVED:
        raise ValidationError("This round is archived, so it can no longer be changed.")
    values = {field: values[field] for field in ROUND_FIELDS if field in values}
    changes = _changes(round, values)
    if not changes:
        return round
    if any(field in changes for field in SCALE_FIELDS) and scoring_has_started(round):
        raise ValidationError({"scoring_scale_max": LOCKED_MESSAGE})
    for field, value in values.items():
        setattr(round, field, value)
    check_round_rules(round)
    round.full_clean(exclude=PROTECTED)
    round.save()
    record_audit_event(actor=actor, verb="round_changed", subject=round, data=changes)
    return round


@transaction.atomic
def set_criteria(*, round: Round, actor: User, criteria: list[CriterionValues]) -> Round:
    """
    Make the round's criteria exactly `criteria`, in that order: entries
    with a `pk` change that criterion, entries without one are added, and
    criteria left out are removed. Refused once scoring has started.
    """
    _require_officer(actor)
    round = _lock_round(round)
    if round.status == RoundStatus.ARCHIVED:
        raise ValidationError("This round is archived, so its criteria can no longer be changed.")
    if scoring_has_started(round):
        raise ValidationError(LOCKED_MESSAGE)
    existing = {c.pk: c for c in Criterion.objects.select_for_update().filter(round=round).order_by("pk")}
    kept_pks = [values["pk"] for values in criteria if values.get("pk")]
    unknown = set(kept_pks) - set(existing)
    if unknown or len(kept_pks) != len(set(kept_pks)):
        # Only a crafted request names a criterion of another round, or one
        # twice: the page always sends this round's own.
        raise ValidationError("The criteria sent do not belong to this round. Reload the page.")
    if not criteria and round.status == RoundStatus.PUBLISHED:
        raise ValidationError("A published round must keep at least one criterion.")
    problems = []
    for number, values in enumerate(criteria, start=1):
        problem = max_score_problem(
            max_score=values["max_score"],
            scale_min=round.scoring_scale_min,
            scale_max=round.scoring_scale_max,
        )
        if problem:
            problems.append(f"Criterion {number}: {problem[0].lower()}{problem[1:]}")
    if problems:
        raise ValidationError(problems)

    before = [_criterion_for_audit(c) for c in existing.values()]
    removed = [pk for pk in existing if pk not in kept_pks]
    Criterion.objects.filter(pk__in=removed).delete()
    for order, values in enumerate(criteria, start=1):
        criterion = existing.get(values.get("pk")) or Criterion(round=round)
        criterion.title = values["title"]
        criterion.guidance = values.get("guidance", "")
        criterion.weight = values["weight"]
        criterion.max_score = values["max_score"]
        criterion.order = order
        criterion.full_clean()
        criterion.save()
    after = [_criterion_for_audit(c) for c in round.criteria.order_by("order", "pk")]
    if before != after:
        record_audit_event(
            actor=actor,
            verb="round_criteria_changed",
            subject=round,
            data={"from": before, "to": after},
        )
    return round


def _criterion_for_audit(criterion: Criterion) -> dict[str, Any]:
    return {
        "title": criterion.title,
        "weight": criterion.weight,
        "max_score": criterion.max_score,
        "order": criterion.order,
        "guidance": criterion.guidance,
    }


def publish_problems(round: Round) -> list[str]:
    """
    Why the round cannot be published yet, if anything: shown on the page
    that asks the officer to confirm, and checked again by publish_round.
    """
    if round.status != RoundStatus.DRAFT:
        return [f"This round is already {round.get_status_display().lower()}."]
    problems = []
    if not round.criteria.exists():
        problems.append("Add at least one scoring criterion before publishing the round.")
    if round.closes_at <= timezone.now():
        problems.append(
            "This round’s closing time has passed. Change its dates before publishing it."
        )
    try:
        check_round_rules(round)
    except ValidationError as error:
        problems += error.messages
    return problems


@transaction.atomic
def publish_round(*, round: Round, actor: User) -> Round:
    """Make a draft round public. It takes applications from its opening time."""
    _require_officer(actor)
    round = _lock_round(round)
    problems = publish_problems(round)
    if problems:
        raise ValidationError(problems)
    round.publish()
    round = _save_transition(round, actor=actor, verb="round_published", from_state=RoundStatus.DRAFT)
    if round.is_open():
        # Opening later: the hourly "rounds_opened" reminder job announces it.
        notify_round_opened(round=round)
    return round


def _save_transition(round: Round, *, actor: User, verb: str, from_state: str) -> Round:
    round.save()
    record_audit_event(
        actor=actor, verb=verb, subject=round, from_state=from_state, to_state=round.status
    )
    return round


def archive_problems(round: Round) -> list[str]:
    """Why the round cannot be archived yet, if anything (see publish_problems)."""
    if round.status != RoundStatus.PUBLISHED:
        return ["Only a published round can be archived."]
    if round.closes_at > timezone.now():
        return ["This round is still taking applications. It can be archived once it has closed."]
    return []


@transaction.atomic
def archive_round(*, round: Round, actor: User) -> Round:
    """
    Put away a published round once it has closed. Its applications and
    awards carry on; its set-up can no longer be changed.
    """
    _require_officer(actor)
    round = _lock_round(round)
    problems = archive_problems(round)
    if problems:
        raise ValidationError(problems)
    round.archive()
    return _save_transition(
        round, actor=actor, verb="round_archived", from_state=RoundStatus.PUBLISHED
    )


@transaction.atomic
def copy_round(
    *,
    source: Round,
    actor: User,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    assessment_deadline: date | None = None,
    decision_date: date | None = None,
) -> Round:
    """
    A new draft round with the set-up of `source`: its criteria, rules,
    budget, award limits and scale. The name and dates are new, so the copy
    never takes applications in the source's window by mistake.
    """
    _require_officer(actor)
    values = {field: getattr(source, field) for field in COPIED_FIELDS}
    values.update(
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        assessment_deadline=assessment_deadline,
        decision_date=decision_date,
    )
    copy = Round(programme=source.programme, **values)
    check_round_rules(copy)
    copy.full_clean(exclude=PROTECTED)
    copy.save()
    Criterion.objects.bulk_create(
        Criterion(
            round=copy,
            title=criterion.title,
            guidance=criterion.guidance,
            weight=criterion.weight,
            max_score=criterion.max_score,
            order=criterion.order,
        )
        for criterion in source.criteria.order_by("order", "pk")
    )
    record_audit_event(
        actor=actor,
        verb="round_copied",
        subject=copy,
        to_state=copy.status,
        data={"copied_from": source.pk, "copied_from_name": str(source)},
    )
    return copy
