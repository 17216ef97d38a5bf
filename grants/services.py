"""
Every change to an application, assessment, decision or award happens here.

Each service checks who is acting and whether the change is allowed, locks
the rows it changes, performs the transition, writes an AuditEvent, and
queues notifications to be sent after commit.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import record_audit_event
from accounts.versions import AWARD_MONEY, raise_version
from applicants.models import Organisation
from applicants.uploads import check_upload
from notifications.services import notify_organisation, notify_user
from payments.services import cancel_unpaid_instalments, create_instalment_schedule
from rounds.models import Round

from . import selectors
from .eligibility import Answers
from .models import (
    ACTIVE_ASSIGNMENT_STATES,
    OPEN_ASSIGNMENT_STATES,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    AttachmentKind,
    Award,
    AwardStatus,
    BudgetLine,
    ConflictDeclaration,
    Decision,
    EntryChannel,
    IneligibleReason,
    MonitoringFile,
    MonitoringReturn,
    MonitoringReview,
    MonitoringStatus,
    Recommendation,
    ReferenceSequence,
    ReturnKind,
    ReviewOutcome,
    Score,
    ScreeningResult,
    weighted_percentage,
)
from .permissions import can_edit_application, can_edit_for_organisation

EDITABLE_FIELDS = (
    "title",
    "summary",
    "amount_requested",
    "project_start",
    "project_end",
    "beneficiaries",
    "beneficiaries_count",
    "districts_served",
)


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _require_role(actor: User, *roles: str, message: str) -> None:
    if not has_role(actor, *roles):
        raise PermissionDenied(message)


def money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


# --- Applying -------------------------------------------------------------


@transaction.atomic
def start_application(
    *,
    round: Round,
    organisation: Organisation,
    actor: User,
    answers: Answers | None = None,
    entry_channel: str = EntryChannel.ONLINE,
    contact_name: str = "",
    now: datetime | None = None,
) -> Application:
    """
    Start a draft. Every eligibility rule is checked here, whatever page the
    request came from; the checker's answers (amount, dates, where the group
    is based) are kept in the draft. An officer entering an application for
    a group (assisted digital) passes the channel and the group's contact.
    """
    if not can_edit_for_organisation(actor, organisation):
        raise PermissionDenied("You cannot apply for this organisation.")
    officer_entry = entry_channel != EntryChannel.ONLINE
    if officer_entry and not has_role(actor, Role.GRANT_OFFICER):
        raise PermissionDenied("Only grant officers enter applications for groups.")
    if officer_entry and not contact_name.strip():
        raise ValidationError("Enter the name of the group's contact.")
    round = Round.objects.select_related("programme").get(pk=round.pk)
    reasons = selectors.check_eligibility(
        round=round, organisation=organisation, answers=answers, now=now
    )
    if reasons:
        raise ValidationError(reasons)
    answers = answers or Answers()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                round=round,
                organisation=organisation,
                created_by=actor,
                entered_by_officer=actor if officer_entry else None,
                entry_channel=entry_channel,
                contact_name=contact_name.strip(),
                amount_requested=answers.amount,
                project_start=answers.project_start,
                project_end=answers.project_end,
                based_in=answers.based_in,
                serves_leicestershire=answers.serves_leicestershire,
            )
    except IntegrityError:
        # Another request started one between the check and the insert.
        raise ValidationError(
            f"{organisation} already has an application for {round.name}. "
            "Continue that application from your dashboard."
        ) from None
    record_audit_event(
        actor=actor,
        verb="application_started",
        subject=application,
        to_state=application.status,
        data={
            "entry_channel": entry_channel,
            "entered_by_officer": actor.email if officer_entry else "",
            "contact_name": application.contact_name,
            "amount_requested": application.amount_requested,
        },
    )
    return application


def _lock_draft_for_editing(application: Application, actor: User) -> Application:
    application = _lock(Application, application.pk)
    if not can_edit_application(actor, application):
        raise PermissionDenied("You cannot change this application.")
    if application.status != ApplicationStatus.DRAFT:
        raise ValidationError("This application has been submitted and can no longer be changed.")
    return application


@transaction.atomic
def update_application(
    *,
    application: Application,
    actor: User,
    data: dict,
    outcome_ids: list[int] | None = None,
    budget_lines: list[tuple[str, Decimal]] | None = None,
) -> Application:
    """
    Save some of a draft's answers (one section's, or one autosaved field);
    what is not passed is left as it was. Nothing is checked for
    completeness until submission. A change of the amount is audited.
    """
    application = _lock_draft_for_editing(application, actor)
    amount_before = application.amount_requested
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(application, field, data[field])
    application.save()
    if outcome_ids is not None:
        application.outcomes.set(outcome_ids)
    if budget_lines is not None:
        application.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(application=application, item=item, amount=amount, order=index)
            for index, (item, amount) in enumerate(budget_lines)
        )
    if application.amount_requested != amount_before:
        record_audit_event(
            actor=actor,
            verb="amount_requested_changed",
            subject=application,
            data={"from": amount_before, "to": application.amount_requested},
        )
    return application


# Long answers saved as they are typed, with their limits (the same as the forms').
AUTOSAVE_FIELDS = {"summary": 5000, "beneficiaries": 2000}


def autosave_field(
    *, application: Application, actor: User, field: str, value: str
) -> Application:
    """Save one long answer while it is being typed (the page's script calls this)."""
    if field not in AUTOSAVE_FIELDS:
        raise ValidationError("This answer cannot be saved automatically.")
    value = value.replace("\x00", "").replace("\r\n", "\n")
    if len(value) > AUTOSAVE_FIELDS[field]:
        raise ValidationError(
            f"This answer must be {AUTOSAVE_FIELDS[field]:,} characters or fewer."
        )
    return update_application(application=application, actor=actor, data={field: value})


@transaction.atomic
def add_attachment(*, application: Application, actor: User, uploaded, kind: str) -> Attachment:
    """
    Attach a file to a draft. The file is checked by its content, its size
    and the virus-scan hook (applicants.uploads.check_upload) before it is
    stored under a generated name.
    """
    application = _lock_draft_for_editing(application, actor)
    if kind not in AttachmentKind.values:
        raise ValidationError("Choose what kind of document this is.")
    checked = check_upload(uploaded)
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    attachment.file.save(checked.name, uploaded, save=False)
    attachment.save()
    record_audit_event(
        actor=actor,
        verb="attachment_added",
        subject=application,
        data={
            "attachment": attachment.pk,
            "kind": kind,
            "name": checked.name,
            "size": checked.size,
        },
    )
    return attachment


@transaction.atomic
def remove_attachment(*, attachment: Attachment, actor: User) -> None:
    """Remove a file from a draft; the stored file goes once the row is gone."""
    application = _lock_draft_for_editing(attachment.application, actor)
    attachment = Attachment.objects.select_for_update().get(
        pk=attachment.pk, application=application
    )
    name, storage, path = attachment.original_name, attachment.file.storage, attachment.file.name
    attachment.delete()
    record_audit_event(
        actor=actor,
        verb="attachment_removed",
        subject=application,
        data={"name": name, "kind": attachment.kind},
    )
    transaction.on_commit(lambda: storage.delete(path))


def next_reference(*, prefix: str, year: int) -> str:
    """The next reference such as SCG-2026-00042; call inside a transaction."""
    key = f"{prefix}-{year}"
    ReferenceSequence.objects.get_or_create(key=key)
    sequence = ReferenceSequence.objects.select_for_update().get(key=key)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{key}-{sequence.last_value:05d}"


@transaction.atomic
def submit_application(
    *,
    application: Application,
    actor: User,
    declaration_name: str,
    now: datetime | None = None,
) -> Application:
    """
    Submit a draft. Idempotent: a second click on an application already
    submitted returns it unchanged rather than failing or duplicating.
    """
    now = now or timezone.now()
    application = _lock(Application, application.pk)
    if not can_edit_application(actor, application):
        raise PermissionDenied("You cannot submit this application.")
    if application.status == ApplicationStatus.SUBMITTED and application.reference:
        return application
    if application.status != ApplicationStatus.DRAFT:
        raise ValidationError("This application has already been submitted.")
    round = application.round
    if not round.is_open(now):
        closes = timezone.localtime(round.closes_at)
        raise ValidationError(
            f"{round.name} closed at {closes:%-I:%M%p on %-d %B %Y}. "
            "Applications can no longer be submitted to it."
        )
    if not declaration_name.strip():
        raise ValidationError("Enter the full name of the person making the declaration.")
    problems = selectors.application_problems(application, now=now)
    if problems:
        raise ValidationError(problems)
    application.reference = next_reference(prefix=round.programme.code, year=now.year)
    application.declaration_name = declaration_name.strip()
    application.submitted_at = now
    application.submit()
    application.save()
    record_audit_event(
        actor=actor,
        verb="application_submitted",
        subject=application,
        from_state=ApplicationStatus.DRAFT,
        to_state=application.status,
        data={
            "reference": application.reference,
            "declaration_name": application.declaration_name,
        },
    )
    notify_organisation(
        kind="application_submitted",
        organisation=application.organisation,
        about=application,
        context={"application": application},
        key=f"application:{application.pk}:submitted",
    )
    return application


# States in which a decision has been made: too late to withdraw.
DECIDED_STATES = [
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.INELIGIBLE,
]


@transaction.atomic
def withdraw_application(
    *, application: Application, actor: User, reason: str, now: datetime | None = None
) -> Application:
    """
    The group withdraws its application, at any stage before a decision,
    saying why. Withdrawing twice (a double click) changes nothing more.
    """
    now = now or timezone.now()
    application = _lock(Application, application.pk)
    if not can_edit_application(actor, application):
        raise PermissionDenied("You cannot withdraw this application.")
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status in DECIDED_STATES:
        raise ValidationError(
            "A decision has been made on this application, so it can no longer be withdrawn."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError("Tell us why you are withdrawing the application.")
    before = application.status
    application.withdrawal_reason = reason
    application.withdrawn_at = now
    application.withdraw()
    application.save()
    record_audit_event(
        actor=actor,
        verb="application_withdrawn",
        subject=application,
        from_state=before,
        to_state=application.status,
        data={"reason": reason},
    )
    notify_organisation(
        kind="application_withdrawn",
        organisation=application.organisation,
        about=application,
        context={"application": application},
        key=f"application:{application.pk}:withdrawn",
    )
    return application


# --- Screening, assignment, conflicts, scoring and moderation ---------------
# (the assessment helper's section; recommendations and decisions follow)


def _require_officer(actor: User, *, action: str) -> None:
    _require_role(actor, Role.GRANT_OFFICER, message=f"Only grant officers {action}.")


def _screen(
    *, application: Application, actor: User, result: str, reason: str, notes: str
) -> Application:
    """Record one screening: the result, the transition, the audit row and the email."""
    _require_officer(actor, action="screen applications")
    application = _lock(Application, application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError("Only a submitted application can be screened.")
    application.screening_result = result
    application.ineligible_reason = reason
    application.screening_notes = notes.strip()
    application.screened_by = actor
    application.screened_at = timezone.now()
    if result == ScreeningResult.PASSED:
        application.pass_screening()
    else:
        application.fail_screening()
    application.save()
    kind = f"screening_{result}"
    record_audit_event(
        actor=actor,
        verb=kind,
        subject=application,
        from_state=ApplicationStatus.SUBMITTED,
        to_state=application.status,
        data={
            "reason": IneligibleReason(reason).label if reason else "",
            "notes": application.screening_notes,
        },
    )
    notify_organisation(
        kind=kind,
        organisation=application.organisation,
        about=application,
        context={"application": application},
        # One email each time it is screened: screening may be reopened.
        key=f"application:{application.pk}:{kind}:{application.screened_at:%Y%m%d%H%M%S%f}",
    )
    return application


@transaction.atomic
def pass_screening(*, application: Application, actor: User, notes: str = "") -> Application:
    """The officer finds a submitted application eligible: it goes to assessment."""
    return _screen(
        application=application,
        actor=actor,
        result=ScreeningResult.PASSED,
        reason="",
        notes=notes,
    )


@transaction.atomic
def fail_screening(
    *, application: Application, actor: User, reason: str, notes: str = ""
) -> Application:
    """
    The officer finds a submitted application not eligible, choosing the
    reason from IneligibleReason and adding what the applicant should know.
    The group is told why by email and on its application page.
    """
    _require_officer(actor, action="screen applications")
    if reason not in IneligibleReason.values:
        raise ValidationError("Choose why the application is not eligible.")
    if reason == IneligibleReason.OTHER and not notes.strip():
        raise ValidationError("Explain why the application is not eligible.")
    return _screen(
        application=application,
        actor=actor,
        result=ScreeningResult.FAILED,
        reason=reason,
        notes=notes,
    )


@transaction.atomic
def reopen_screening(*, application: Application, actor: User, reason: str) -> Application:
    """
    Send an application back to screening: one found not eligible, or one in
    assessment that no assessor has submitted scores for yet. Assignments
    are kept (with any draft scores) but scoring pauses until it passes again.
    """
    _require_officer(actor, action="reopen screening")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason for reopening the screening.")
    application = _lock(Application, application.pk)
    before = application.status
    if before == ApplicationStatus.IN_ASSESSMENT:
        if application.assignments.filter(status=AssignmentStatus.SUBMITTED).exists():
            raise ValidationError(
                "An assessor has already submitted scores for this application, so its "
                "screening cannot be reopened."
            )
    elif before != ApplicationStatus.INELIGIBLE:
        raise ValidationError(
            "Only an application found not eligible, or one being assessed that has no "
            "submitted scores, can be screened again."
        )
    if before == ApplicationStatus.INELIGIBLE:
        live = selectors.live_application_in_round(
            round=application.round, organisation=application.organisation
        )
        if live is not None:
            raise ValidationError(
                f"{application.organisation} has since made another application to this round "
                f"({live.reference or 'a draft'}), so this one cannot be reopened."
            )
    application.screening_result = ""
    application.reopen_screening()
    application.save()
    record_audit_event(
        actor=actor,
        verb="screening_reopened",
        subject=application,
        from_state=before,
        to_state=application.status,
        data={"reason": reason},
    )
    return application


def _active_assignment_count(application: Application) -> int:
    return application.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATES).count()


def _has_declared_conflict(*, assessor: User, organisation_id: int) -> bool:
    return ConflictDeclaration.objects.filter(
        has_conflict=True,
        assignment__assessor=assessor,
        assignment__application__organisation_id=organisation_id,
    ).exists()


def _create_assignment(
    *, application: Application, assessor: User, actor: User, how: str
) -> Assignment:
    """Insert one assignment, audit it and tell the assessor (the caller checked the rules)."""
    assignment = Assignment.objects.create(
        application=application,
        assessor=assessor,
        assigned_by=actor,
        due=application.round.assessment_deadline,
    )
    record_audit_event(
        actor=actor,
        verb="assessor_assigned",
        subject=application,
        to_state=assignment.status,
        data={"assessor": assessor.email, "assignment": assignment.pk, "how": how},
    )
    notify_user(
        kind="assessment_assigned",
        user=assessor,
        about=assignment,
        context={"assignment": assignment, "application": application},
        key=f"assignment:{assignment.pk}:assigned",
    )
    return assignment


@transaction.atomic
def assign_assessor(
    *, application: Application, assessor: User, actor: User, due: date | None = None
) -> Assignment:
    """
    An officer asks one assessor to score one application: never the same
    assessor twice, never one who has declared a conflict with the
    organisation, and no more than the round's number of assessors.
    """
    _require_officer(actor, action="assign assessors")
    application = _lock(Application, application.pk)
    if application.status != ApplicationStatus.IN_ASSESSMENT:
        raise ValidationError(
            "Assessors can be assigned only once the application has passed screening."
        )
    if not has_role(assessor, Role.ASSESSOR) or not assessor.is_active:
        raise ValidationError(f"{assessor} is not an assessor.")
    if (
        application.assignments.filter(assessor=assessor)
        .exclude(status=AssignmentStatus.REMOVED)
        .exists()
    ):
        raise ValidationError(f"{assessor} is already assigned to this application.")
    if _has_declared_conflict(assessor=assessor, organisation_id=application.organisation_id):
        raise ValidationError(
            f"{assessor} has declared a conflict of interest with "
            f"{application.organisation}, so cannot assess its applications."
        )
    needed = application.round.assessors_per_application
    if _active_assignment_count(application) >= needed:
        raise ValidationError(
            f"This application already has the {needed} assessor{'s' if needed != 1 else ''} "
            "the round asks for. Remove one before assigning another."
        )
    assignment = _create_assignment(
        application=application, assessor=assessor, actor=actor, how="by hand"
    )
    if due is not None:
        assignment.due = due
        assignment.save(update_fields=["due"])
    return assignment


@transaction.atomic
def remove_assignment(*, assignment: Assignment, actor: User, reason: str = "") -> Assignment:
    """Take an application away from an assessor who has not submitted scores for it."""
    _require_officer(actor, action="remove assessors")
    assignment = _lock(Assignment, assignment.pk)
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS):
        raise ValidationError(
            "Only an assessor who has not submitted scores or declared a conflict can be removed."
        )
    before = assignment.status
    assignment.remove()
    assignment.save()
    record_audit_event(
        actor=actor,
        verb="assessor_removed",
        subject=assignment.application,
        from_state=before,
        to_state=assignment.status,
        data={
            "assessor": assignment.assessor.email,
            "assignment": assignment.pk,
            "reason": reason.strip(),
        },
    )
    return assignment


@dataclass(frozen=True)
class Allocation:
    """What automatic allocation did: assignments made, and places it could not fill."""

    assigned: int
    unfilled: int


@transaction.atomic
def allocate_assessors(*, round: Round, actor: User) -> Allocation:
    """
    Give every application in assessment the round's number of assessors.
    Each place goes to the eligible assessor with the fewest open
    assignments (ties to the lower id, so the result is repeatable); an
    assessor is never given an application twice, nor one from an
    organisation they have declared a conflict with. Running it again
    changes nothing once every place is filled.
    """
    _require_officer(actor, action="allocate assessors")
    # Locking the round makes two allocations of the same round take turns.
    round = _lock(Round, round.pk)
    needed = round.assessors_per_application
    applications = list(
        Application.objects.select_for_update()
        .filter(round=round, status=ApplicationStatus.IN_ASSESSMENT)
        .order_by("pk")
    )
    people = list(selectors.assessors().order_by("pk"))
    if not applications or not people:
        return Allocation(assigned=0, unfilled=0 if not applications else needed * len(applications))
    load = dict.fromkeys((person.pk for person in people), 0)
    for row in (
        Assignment.objects.filter(assessor__in=people, status__in=OPEN_ASSIGNMENT_STATES)
        .values("assessor")
        .annotate(open=Count("pk"))
    ):
        load[row["assessor"]] = row["open"]
    taken: dict[int, set[int]] = {application.pk: set() for application in applications}
    active: dict[int, int] = dict.fromkeys(taken, 0)
    for application_id, assessor_id, status in Assignment.objects.filter(
        application__in=applications
    ).values_list("application", "assessor", "status"):
        if status != AssignmentStatus.REMOVED:
            # A conflicted assessor is never asked again, nor is a current one.
            taken[application_id].add(assessor_id)
        if status in ACTIVE_ASSIGNMENT_STATES:
            active[application_id] += 1
    conflicts = set(
        ConflictDeclaration.objects.filter(has_conflict=True, assignment__assessor__in=people)
        .values_list("assignment__assessor", "assignment__application__organisation")
        .distinct()
    )
    assigned = unfilled = 0
    for application in applications:
        for _ in range(needed - active[application.pk]):
            candidates = [
                person
                for person in people
                if person.pk not in taken[application.pk]
                and (person.pk, application.organisation_id) not in conflicts
            ]
            if not candidates:
                unfilled += 1
                continue
            chosen = min(candidates, key=lambda person: (load[person.pk], person.pk))
            _create_assignment(
                application=application, assessor=chosen, actor=actor, how="automatically"
            )
            taken[application.pk].add(chosen.pk)
            load[chosen.pk] += 1
            assigned += 1
    record_audit_event(
        actor=actor,
        verb="assessors_allocated",
        subject=round,
        data={"assigned": assigned, "unfilled": unfilled},
    )
    return Allocation(assigned=assigned, unfilled=unfilled)


def _require_assessor(assignment: Assignment, actor: User) -> None:
    if assignment.assessor_id != actor.pk:
        raise PermissionDenied("This application is not assigned to you.")


@transaction.atomic
def declare_interest(
    *, assignment: Assignment, actor: User, has_conflict: bool, details: str = ""
) -> Assignment:
    """
    Record the assessor's declaration before they open the application. A
    conflict removes their access at once and leaves the place for an
    officer to fill (selectors.needs_assessors).
    """
    assignment = _lock(Assignment, assignment.pk)
    _require_assessor(assignment, actor)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError("You have already made a declaration for this application.")
    details = details.strip()
    if has_conflict and not details:
        raise ValidationError("Describe your conflict of interest.")
    ConflictDeclaration.objects.create(
        assignment=assignment, has_conflict=has_conflict, details=details
    )
    before = assignment.status
    if has_conflict:
        assignment.declare_conflict()
    else:
        assignment.declare_no_conflict()
    assignment.save()
    record_audit_event(
        actor=actor,
        verb="interest_declared",
        subject=assignment.application,
        from_state=before,
        to_state=assignment.status,
        data={"assignment": assignment.pk, "has_conflict": has_conflict, "details": details},
    )
    if has_conflict:
        notify_user(
            kind="conflict_declared",
            user=assignment.assigned_by,
            about=assignment,
            context={"assignment": assignment, "application": assignment.application},
            key=f"assignment:{assignment.pk}:conflict",
        )
    return assignment


def score_range(*, round: Round, criterion) -> tuple[int, int]:
    """The scores allowed for a criterion: the round's scale, capped by its maximum."""
    return round.scoring_scale_min, min(round.scoring_scale_max, criterion.max_score)


# States in which an assessor's scores are still wanted.
SCORING_STATES = [ApplicationStatus.IN_ASSESSMENT, ApplicationStatus.SCORED]


@transaction.atomic
def save_scores(
    *,
    assignment: Assignment,
    actor: User,
    scores: dict[int, tuple[int | None, str]],
    submit: bool = False,
) -> Assignment:
    """
    Save the assessor's scores as a draft, or on `submit` check that every
    criterion has a score and a justification and lock them in. `scores`
    maps criterion id to (score or None, justification). A score off the
    scale refuses the whole save, so nothing half-checked is stored.
    """
    assignment = _lock(Assignment, assignment.pk)
    _require_assessor(assignment, actor)
    if assignment.status != AssignmentStatus.IN_PROGRESS:
        raise ValidationError("These scores can no longer be changed.")
    application = assignment.application
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError("The group has withdrawn this application, so it needs no scores.")
    if application.status not in SCORING_STATES:
        raise ValidationError(
            "This application is being screened again, so scoring is paused. Your draft is kept."
        )
    round = application.round
    criteria = {criterion.pk: criterion for criterion in round.criteria.all()}
    problems = []
    valid = {}
    for criterion_id, (value, justification) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError("A score was given for a criterion that is not in this round.")
        low, high = score_range(round=round, criterion=criterion)
        if value is not None and not low <= value <= high:
            problems.append(
                f"{criterion.title}: the score must be a whole number from {low} to {high}."
            )
            continue
        valid[criterion_id] = (value, justification.strip())
    if problems:
        raise ValidationError(problems)
    for criterion_id, (value, justification) in valid.items():
        if value is None and not justification:
            assignment.scores.filter(criterion_id=criterion_id).delete()
            continue
        Score.objects.update_or_create(
            assignment=assignment,
            criterion_id=criterion_id,
            defaults={"score": value, "justification": justification},
        )
    if not submit:
        return assignment
    saved = {s.criterion_id: s for s in assignment.scores.all()}
    for criterion in criteria.values():
        score = saved.get(criterion.pk)
        if score is None or score.score is None:
            problems.append(f"{criterion.title}: give a score.")
        if score is None or not score.justification:
            problems.append(f"{criterion.title}: explain your score.")
    if problems:
        raise ValidationError(problems)
    assignment.weighted_score = weighted_percentage(
        [(saved[c.pk].score, c.max_score, c.weight) for c in criteria.values()]
    )
    assignment.submitted_at = timezone.now()
    assignment.submit_scores()
    assignment.save()
    application = _lock(Application, assignment.application_id)
    record_audit_event(
        actor=actor,
        verb="scores_submitted",
        subject=application,
        from_state=AssignmentStatus.IN_PROGRESS,
        to_state=assignment.status,
        data={
            "assignment": assignment.pk,
            "weighted_score": assignment.weighted_score,
            "scores": {c.title: saved[c.pk].score for c in criteria.values()},
        },
    )
    _complete_scoring_if_done(application=application, actor=actor)
    return assignment


def _complete_scoring_if_done(*, application: Application, actor: User) -> None:
    submitted = application.assignments.filter(status=AssignmentStatus.SUBMITTED).count()
    if (
        application.status == ApplicationStatus.IN_ASSESSMENT
        and submitted >= application.round.assessors_per_application
    ):
        application.complete_scoring()
        application.save()
        record_audit_event(
            actor=actor,
            verb="scoring_completed",
            subject=application,
            from_state=ApplicationStatus.IN_ASSESSMENT,
            to_state=application.status,
        )
        officer = application.assignments.order_by("pk").first().assigned_by
        notify_user(
            kind="scoring_completed",
            user=officer,
            about=application,
            context={"application": application},
            key=f"application:{application.pk}:scored",
        )


MODERATED_SCORE_LIMITS = (Decimal("0"), Decimal("100"))


@transaction.atomic
def moderate_score(
    *, application: Application, actor: User, score: Decimal, reason: str
) -> Application:
    """
    Set the score the application is ranked by, with the reason; each
    assessor's own score is kept on their assignment. The final score is
    the moderated one when set, else the assessors' average
    (selectors.final_scores).
    """
    _require_officer(actor, action="moderate scores")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason for the moderated score.")
    low, high = MODERATED_SCORE_LIMITS
    if score is None or not low <= score <= high:
        raise ValidationError("The moderated score must be a percentage from 0 to 100.")
    application = _lock(Application, application.pk)
    if application.status not in SCORING_STATES:
        raise ValidationError(
            "Scores can be moderated only while the application is being assessed or is "
            "scored, before a recommendation is made."
        )
    originals = list(
        application.assignments.filter(status=AssignmentStatus.SUBMITTED)
        .order_by("pk")
        .values_list("assessor__email", "weighted_score")
    )
    if not originals:
        raise ValidationError("No assessor has submitted scores for this application yet.")
    before = application.moderated_score
    application.moderated_score = score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    application.moderation_reason = reason
    application.moderated_by = actor
    application.moderated_at = timezone.now()
    application.save(
        update_fields=[
            "moderated_score", "moderation_reason", "moderated_by", "moderated_at", "updated_at"
        ]
    )
    record_audit_event(
        actor=actor,
        verb="score_moderated",
        subject=application,
        data={
            "from": before,
            "to": application.moderated_score,
            "reason": reason,
            "assessors": dict(originals),
        },
    )
    return application


# --- Recommendation and decision -------------------------------------------


def _recommendation_facts(decision: Decision | None) -> dict | None:
    """What an audit event records as the recommendation before or after a change."""
    if decision is None:
        return None
    return {
        "recommendation": decision.recommendation,
        "amount": decision.recommended_amount,
        "reason": decision.reason,
        "feedback": decision.feedback,
    }


def _check_recommendation(
    *, application: Application, recommendation: str, amount, reason: str, feedback: str
) -> Decimal | None:
    """The amount the recommendation commits, or a refusal naming each problem by field."""
    round = application.round
    requested = application.amount_requested
    errors: dict[str, list[str]] = {}
    if recommendation == Recommendation.FUND_IN_FULL:
        amount = requested
        if requested > round.max_award:
            errors.setdefault("recommendation", []).append(
                f"The {money(requested)} requested is more than this round's maximum award of "
                f"{money(round.max_award)}: recommend funding in part instead."
            )
    elif recommendation == Recommendation.FUND_IN_PART:
        if amount is None or amount <= 0:
            errors.setdefault("amount", []).append("Enter the amount you recommend.")
        elif amount >= requested:
            errors.setdefault("amount", []).append(
                f"A part award must be less than the {money(requested)} requested: "
                "to award it all, choose fund in full."
            )
        elif amount > round.max_award:
            errors.setdefault("amount", []).append(
                f"The amount cannot be more than this round's maximum award of "
                f"{money(round.max_award)}."
            )
        elif amount < round.min_award:
            errors.setdefault("amount", []).append(
                f"The amount cannot be less than this round's minimum award of "
                f"{money(round.min_award)}."
            )
        if not reason:
            errors.setdefault("reason", []).append(
                "Give the reason for funding in part; the applicant is told it."
            )
    elif recommendation == Recommendation.DECLINE:
        amount = None
        if not reason:
            errors.setdefault("reason", []).append("Give the reason for declining.")
        if not feedback:
            errors.setdefault("feedback", []).append(
                "Give feedback for the applicant explaining the decision."
            )
    elif recommendation == Recommendation.WAITLIST:
        # If money is released later it is the amount requested, capped by
        # the round's maximum, that an approver is asked to approve.
        amount = min(requested, round.max_award)
    else:
        errors.setdefault("recommendation", []).append("Choose a recommendation.")
    if errors:
        raise ValidationError(errors)
    return amount


@transaction.atomic
def recommend_application(
    *,
    application: Application,
    actor: User,
    recommendation: str,
    amount: Decimal | None = None,
    reason: str = "",
    feedback: str = "",
) -> Decision:
    """
    Record the officer's recommendation on a scored application, or change
    it while no approver has decided it. Each recommendation and change is
    audited with what it was before and after.
    """
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers make recommendations.")
    application = _lock(Application, application.pk)
    if application.status not in (ApplicationStatus.SCORED, ApplicationStatus.RECOMMENDED):
        if application.status in DECIDED_STATES or application.status == ApplicationStatus.WAITLISTED:
            raise ValidationError(
                f"An approver has already decided {application.reference}, so its "
                "recommendation can no longer be changed."
            )
        raise ValidationError("Only a scored application can be recommended.")
    reason, feedback = reason.strip(), feedback.strip()
    amount = _check_recommendation(
        application=application,
        recommendation=recommendation,
        amount=amount,
        reason=reason,
        feedback=feedback,
    )
    decision = Decision.objects.select_for_update().filter(application=application).first()
    before = _recommendation_facts(decision)
    if decision is None:
        decision = Decision(application=application, recommended_by=actor)
    decision.recommendation = recommendation
    decision.recommended_amount = amount
    decision.reason = reason
    decision.feedback = feedback
    decision.recommended_by = actor
    decision.save()
    from_state = application.status
    if application.status == ApplicationStatus.SCORED:
        application.recommend()
        application.save()
    record_audit_event(
        actor=actor,
        verb="recommendation_changed" if before else "recommended",
        subject=application,
        from_state=from_state,
        to_state=application.status,
        data={"before": before, "after": _recommendation_facts(decision), "reason": reason},
    )
    if before is None:
        for approver in User.objects.filter(
            groups__name=Role.APPROVER, is_active=True
        ).order_by("pk"):
            notify_user(
                kind="recommendation_made",
                user=approver,
                about=application,
                context={"application": application, "decision": decision},
                key=f"application:{application.pk}:recommended",
            )
    return decision


def _check_approver_independent(application: Application, actor: User) -> None:
    if selectors.excluding_assignments(actor).filter(application=application).exists():
        raise PermissionDenied(
            f"You scored or declared a conflict of interest in {application.reference}, "
            "so you cannot decide it: another approver must."
        )


def _decision_facts(application: Application, decision: Decision) -> dict:
    return {
        "status": application.status,
        "recommendation": decision.recommendation,
        "recommended_amount": decision.recommended_amount,
        "approved_amount": decision.approved_amount,
    }


def _approve_locked(
    *,
    round: Round,
    application: Application,
    actor: User,
    amount: Decimal | None,
    reason: str,
    now: datetime,
) -> Award:
    """Approve one application; the caller holds the lock on the round's row."""
    application = _lock(Application, application.pk)
    if application.round_id != round.pk:
        raise ValidationError(f"{application.reference} is not in {round.name}.")
    _check_approver_independent(application, actor)
    if application.status not in selectors.AWAITING_DECISION_STATES:
        raise ValidationError(f"{application.reference} is not waiting for a decision.")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "Enter the amount to award."})
    if amount > application.amount_requested:
        raise ValidationError(
            {
                "amount": f"The award cannot be more than the "
                f"{money(application.amount_requested)} requested."
            }
        )
    if amount > round.max_award:
        raise ValidationError(
            {
                "amount": "The award cannot be more than this round's maximum of "
                f"{money(round.max_award)}."
            }
        )
    if amount < round.min_award:
        raise ValidationError(
            {
                "amount": "The award cannot be less than this round's minimum of "
                f"{money(round.min_award)}."
            }
        )
    remaining = selectors.budget_remaining(round)
    if amount > remaining:
        raise ValidationError(
            f"Awarding {money(amount)} would exceed the round's budget: "
            f"only {money(remaining)} of {money(round.budget)} remains."
        )
    decision = Decision.objects.select_for_update().get(application=application)
    before = _decision_facts(application, decision)
    decision.approved_amount = amount
    decision.decided_by = actor
    decision.decided_at = now
    decision.save()
    application.approve()
    application.save()
    award = Award.objects.create(
        application=application,
        amount=amount,
        award_date=timezone.localdate(now),
        offered_at=now,
        conditions=_standard_conditions(application),
    )
    record_audit_event(
        actor=actor,
        verb="approved",
        subject=application,
        from_state=before["status"],
        to_state=application.status,
        data={
            "before": before,
            "after": _decision_facts(application, decision),
            "amount": amount,
            "award": award.pk,
            "reason": reason,
        },
    )
    record_audit_event(
        actor=actor,
        verb="award_offered",
        subject=award,
        to_state=award.status,
        data={"amount": amount},
    )
    # After the decision's own events, so the history reads in the order
    # a person would tell it: approved, offered, then the payments planned.
    create_instalment_schedule(award=award, actor=actor)
    in_part = amount < application.amount_requested
    notify_organisation(
        kind="award_offered_in_part" if in_part else "award_offered",
        organisation=application.organisation,
        about=award,
        context={"application": application, "award": award, "decision": decision},
        key=f"award:{award.pk}:offered",
    )
    # Last, in the caller's transaction: the cached award totals (issue 9).
    raise_version(AWARD_MONEY)
    return award


@transaction.atomic
def approve_application(
    *,
    application: Application,
    actor: User,
    amount: Decimal,
    reason: str = "",
    now: datetime | None = None,
) -> Award:
    """
    Approve a recommended (or waitlisted) application and offer the award.
    The round row is locked first so that two approvers acting at the same
    instant are serialised and the budget can never be overspent.
    """
    _require_role(actor, Role.APPROVER, message="Only approvers decide applications.")
    round = _lock(Round, application.round_id)
    return _approve_locked(
        round=round,
        application=application,
        actor=actor,
        amount=amount,
        reason=reason.strip(),
        now=now or timezone.now(),
    )


@dataclass(frozen=True)
class BulkApproval:
    approved: list[Award]
    # Why the first refused application was refused; it and the rest of
    # the selection (`not_approved`) were left undecided.
    refusal: str = ""
    not_approved: tuple[Application, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((award.amount for award in self.approved), Decimal("0.00"))


@transaction.atomic
def approve_applications(
    *, round: Round, application_ids: list[int], actor: User, now: datetime | None = None
) -> BulkApproval:
    """
    Approve the selected applications at their recommended amounts, best
    ranked first, and stop at the first that cannot be approved (usually
    because it does not fit the remaining budget): it and the rest are left
    undecided and named in the refusal. Those approved before it stay
    approved. The round is locked once for the whole batch.
    """
    _require_role(actor, Role.APPROVER, message="Only approvers decide applications.")
    now = now or timezone.now()
    round = _lock(Round, round.pk)
    selected = list(
        selectors.ranked_applications(round, statuses=selectors.AWAITING_DECISION_STATES).filter(
            pk__in=application_ids
        )
    )
    if not selected or len(selected) != len(set(application_ids)):
        raise ValidationError(
            "Select applications in this round that are waiting for a decision."
        )
    approved: list[Award] = []
    for position, application in enumerate(selected):
        decision = application.decision
        try:
            if decision.recommendation == Recommendation.DECLINE:
                raise ValidationError(
                    f"{application.reference} was recommended for declining: "
                    "decide it on its own page."
                )
            with transaction.atomic():
                approved.append(
                    _approve_locked(
                        round=round,
                        application=application,
                        actor=actor,
                        amount=decision.recommended_amount,
                        reason="Approved with others from the list of recommendations.",
                        now=now,
                    )
                )
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(
                error.messages if isinstance(error, ValidationError) else [str(error)]
            )
            remaining = selectors.budget_remaining(round)
            rest = selected[position + 1 :]
            refusal = (
                f"{application.reference} ({money(decision.recommended_amount or 0)}) was not "
                f"approved: {message} The round has {money(remaining)} left."
            )
            if rest:
                refusal += (
                    f" The {len(rest)} selected after it "
                    f"({', '.join(a.reference for a in rest)}) were not approved either."
                )
            return BulkApproval(approved=approved, refusal=refusal, not_approved=(application, *rest))
    return BulkApproval(approved=approved)


@transaction.atomic
def decline_application(
    *,
    application: Application,
    actor: User,
    waitlist: bool = False,
    feedback: str = "",
    reason: str = "",
) -> Application:
    """
    Decide against funding now: reject (from the recommendation or the
    waiting list), or keep on the waiting list. The applicant is always told
    why, so rejecting needs feedback: the officer's, or the approver's own.
    """
    _require_role(actor, Role.APPROVER, message="Only approvers decide applications.")
    application = _lock(Application, application.pk)
    _check_approver_independent(application, actor)
    allowed = (
        [ApplicationStatus.RECOMMENDED]
        if waitlist
        else [ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED]
    )
    if application.status not in allowed:
        raise ValidationError(f"{application.reference} is not waiting for that decision.")
    decision = Decision.objects.select_for_update().get(application=application)
    before = _decision_facts(application, decision)
    feedback = feedback.strip()
    if feedback:
        decision.feedback = feedback
    if not waitlist and not decision.feedback:
        raise ValidationError(
            {"feedback": "Give feedback for the applicant explaining why it is not funded."}
        )
    decision.decided_by = actor
    decision.decided_at = timezone.now()
    decision.save()
    if waitlist:
        application.waitlist()
    else:
        application.reject()
    application.save()
    record_audit_event(
        actor=actor,
        verb="waitlisted" if waitlist else "rejected",
        subject=application,
        from_state=before["status"],
        to_state=application.status,
        data={
            "before": before,
            "after": _decision_facts(application, decision),
            "feedback": decision.feedback,
            "reason": reason.strip(),
        },
    )
    notify_organisation(
        kind="application_waitlisted" if waitlist else "application_rejected",
        organisation=application.organisation,
        about=application,
        context={"application": application, "decision": decision},
        key=f"application:{application.pk}:{application.status}",
    )
    return application


def _standard_conditions(application: Application) -> str:
    return (
        "The grant must be spent on the project described in application "
        f"{application.reference}. Any money not spent on it must be repaid. "
        "You must send the monitoring returns the council asks for, and tell the "
        "council straight away about any change to the project."
    )


@transaction.atomic
def accept_offer(*, award: Award, actor: User, signatory_name: str) -> Award:
    award = _lock(Award, award.pk)
    # Officers may accept for a group they are helping (assisted digital);
    # `accepted_by` records who did.
    if not can_edit_for_organisation(actor, award.application.organisation):
        raise PermissionDenied("Only a member of the organisation can accept this offer.")
    if award.status == AwardStatus.ACCEPTED:
        return award
    if award.status != AwardStatus.OFFERED:
        raise ValidationError("This offer can no longer be accepted.")
    if not signatory_name.strip():
        raise ValidationError("Enter the full name of the person accepting the offer.")
    award.accepted_at = timezone.now()
    award.accepted_by = actor
    award.signatory_name = signatory_name.strip()
    award.accept()
    award.save()
    record_audit_event(
        actor=actor,
        verb="offer_accepted",
        subject=award,
        from_state=AwardStatus.OFFERED,
        to_state=award.status,
        data={"signatory_name": award.signatory_name},
    )
    notify_organisation(
        kind="offer_accepted",
        organisation=award.application.organisation,
        about=award,
        context={"award": award, "application": award.application},
        key=f"award:{award.pk}:accepted",
    )
    schedule_monitoring_returns(award=award, actor=actor)
    raise_version(AWARD_MONEY)
    return award


@transaction.atomic
def decline_offer(*, award: Award, actor: User, reason: str) -> Award:
    """
    The organisation turns the offer down. The award becomes declined, so
    its money no longer counts against the round's budget
    (selectors.approved_total), and its unpaid instalments are cancelled.
    """
    award = _lock(Award, award.pk)
    if not can_edit_for_organisation(actor, award.application.organisation):
        raise PermissionDenied("Only a member of the organisation can decline this offer.")
    if award.status == AwardStatus.DECLINED:
        return award
    if award.status != AwardStatus.OFFERED:
        raise ValidationError("This offer has already been accepted, so it cannot be declined.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter why the organisation is declining the offer.")
    award.declined_at = timezone.now()
    award.decline_reason = reason
    award.decline()
    award.save()
    cancel_unpaid_instalments(award=award, actor=actor, why="offer_declined")
    record_audit_event(
        actor=actor,
        verb="offer_declined",
        subject=award,
        from_state=AwardStatus.OFFERED,
        to_state=award.status,
        data={"reason": reason, "amount_released": award.amount},
    )
    notify_organisation(
        kind="offer_declined",
        organisation=award.application.organisation,
        about=award,
        context={"award": award, "application": award.application},
        key=f"award:{award.pk}:declined",
    )
    raise_version(AWARD_MONEY)
    return award


# --- Monitoring returns -------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 August + 6 -> 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _return_schedule(award: Award) -> list[tuple[str, str, date, date]]:
    """(kind, period, due, opens_on) for each return the round's rule asks of this award."""
    application = award.application
    rule = selectors.monitoring_rule_for(application.round)
    # An award always has project dates (they are required to submit); the
    # fallbacks only cover awards imported without them.
    start = application.project_start or award.award_date
    end = application.project_end or add_months(award.award_date, 12)
    end_due = end + timedelta(weeks=rule.end_of_grant_weeks)
    schedule = []
    if award.amount >= rule.interim_threshold:
        interim_due = add_months(start, rule.interim_months)
        # A project shorter than the interim period reports once, at the end.
        if interim_due < end:
            schedule.append((ReturnKind.INTERIM, "Six-month interim", interim_due))
    schedule.append((ReturnKind.END_OF_GRANT, "End of grant", end_due))
    return [
        (kind, period, due, due - timedelta(days=rule.opens_days_before))
        for kind, period, due in schedule
    ]


@transaction.atomic
def schedule_monitoring_returns(
    *, award: Award, actor: User | None, today: date | None = None
) -> list[MonitoringReturn]:
    """
    Create the returns the round's monitoring rule asks of an accepted
    award. Idempotent: under the award's row lock, a kind already scheduled
    is not scheduled again. A return whose window is already open starts
    as due.
    """
    today = today or timezone.localdate()
    award = Award.objects.select_for_update().select_related("application__round").get(pk=award.pk)
    existing = set(award.monitoring_returns.values_list("kind", flat=True))
    created = []
    for kind, period, due, opens_on in _return_schedule(award):
        if kind in existing:
            continue
        monitoring_return = MonitoringReturn(
            award=award, kind=kind, period=period, due=due, opens_on=opens_on
        )
        if opens_on <= today:
            monitoring_return.open()
        monitoring_return.save()
        record_audit_event(
            actor=actor,
            verb="monitoring_return_scheduled",
            subject=monitoring_return,
            to_state=monitoring_return.status,
            data={"award": award.pk, "kind": kind, "due": due, "opens_on": opens_on},
        )
        created.append(monitoring_return)
    return created


def open_due_returns(*, now: datetime | None = None) -> int:
    """
    Scheduled -> due for every return whose window has opened, for the
    reminder beat job. Each batch is claimed under SKIP LOCKED, so two
    overlapping runs never open (or audit) the same return twice.
    """
    today = timezone.localdate(now or timezone.now())
    opened = 0
    while True:
        with transaction.atomic():
            batch = list(
                MonitoringReturn.objects.select_for_update(skip_locked=True)
                .filter(status=MonitoringStatus.SCHEDULED)
                .filter(Q(opens_on__lte=today) | Q(opens_on__isnull=True, due__lte=today))
                .order_by("pk")[:200]
            )
            for monitoring_return in batch:
                monitoring_return.open()
                monitoring_return.save(update_fields=["status"])
                record_audit_event(
                    actor=None,
                    verb="monitoring_return_opened",
                    subject=monitoring_return,
                    from_state=MonitoringStatus.SCHEDULED,
                    to_state=MonitoringStatus.DUE,
                )
        opened += len(batch)
        if len(batch) < 200:
            return opened


def _lock_return_for_group(monitoring_return: MonitoringReturn, actor: User) -> MonitoringReturn:
    monitoring_return = (
        MonitoringReturn.objects.select_for_update(of=("self",))
        .select_related("award__application")
        .get(pk=monitoring_return.pk)
    )
    if not can_edit_application(actor, monitoring_return.award.application):
        raise PermissionDenied("Only the organisation's owners and editors can change this return.")
    if not monitoring_return.is_editable:
        if monitoring_return.status == MonitoringStatus.SCHEDULED:
            raise ValidationError(
                f"This return opens on {monitoring_return.opens_on:%-d %B %Y}: "
                "you can fill it in from then."
            )
        raise ValidationError("This return has been sent, so it can no longer be changed.")
    return monitoring_return


# The return's columns a group may fill in; the rest of its answers are in
# `answers` (see MonitoringReturn).
RETURN_FIELDS = (
    *MonitoringReturn.PEOPLE_FIELDS,
    "volunteers",
    "volunteer_hours",
    "challenges",
    "financially_viable",
)
RETURN_ANSWER_KEYS = ("activities", "spend", "outcomes", "case_study", "viability_notes")


@transaction.atomic
def save_monitoring_return(
    *, monitoring_return: MonitoringReturn, actor: User, data: dict
) -> MonitoringReturn:
    """
    Save some of a return's answers (one section's); what is not passed is
    left as it was. Completeness is checked on submission, so part of a
    section always saves.
    """
    monitoring_return = _lock_return_for_group(monitoring_return, actor)
    unknown = set(data) - set(RETURN_FIELDS) - set(RETURN_ANSWER_KEYS)
    if unknown:
        raise ValidationError("Some of these answers are not part of a monitoring return.")
    for field in RETURN_FIELDS:
        if field in data:
            setattr(monitoring_return, field, data[field])
    answers = dict(monitoring_return.answers or {})
    for key in RETURN_ANSWER_KEYS:
        if key in data:
            answers[key] = data[key]
    monitoring_return.answers = answers
    monitoring_return.save()
    return monitoring_return


@transaction.atomic
def add_return_file(
    *, monitoring_return: MonitoringReturn, actor: User, uploaded
) -> MonitoringFile:
    monitoring_return = _lock_return_for_group(monitoring_return, actor)
    checked = check_upload(uploaded)
    supporting = MonitoringFile(
        monitoring_return=monitoring_return,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    supporting.file.save(checked.name, uploaded, save=False)
    supporting.save()
    record_audit_event(
        actor=actor,
        verb="monitoring_file_added",
        subject=monitoring_return,
        data={"file": supporting.pk, "name": checked.name, "size": checked.size},
    )
    return supporting


@transaction.atomic
def remove_return_file(*, supporting: MonitoringFile, actor: User) -> None:
    monitoring_return = _lock_return_for_group(supporting.monitoring_return, actor)
    supporting = MonitoringFile.objects.get(pk=supporting.pk, monitoring_return=monitoring_return)
    name, storage, path = supporting.original_name, supporting.file.storage, supporting.file.name
    supporting.delete()
    record_audit_event(
        actor=actor, verb="monitoring_file_removed", subject=monitoring_return, data={"name": name}
    )
    transaction.on_commit(lambda: storage.delete(path))


def _return_context(monitoring_return: MonitoringReturn) -> dict:
    award = monitoring_return.award
    return {"monitoring_return": monitoring_return, "award": award, "application": award.application}


@transaction.atomic
def submit_monitoring_return(
    *, monitoring_return: MonitoringReturn, actor: User, now: datetime | None = None
) -> MonitoringReturn:
    """
    Send the return to the council. Every answer must be complete; a second
    click on a return just sent returns it unchanged.
    """
    now = now or timezone.now()
    locked = MonitoringReturn.objects.select_for_update().get(pk=monitoring_return.pk)
    if locked.status == MonitoringStatus.SUBMITTED and locked.submitted_by_id == actor.pk:
        return locked
    monitoring_return = _lock_return_for_group(locked, actor)
    problems = selectors.return_problems(monitoring_return)
    if problems:
        raise ValidationError(problems)
    before = monitoring_return.status
    monitoring_return.submitted_at = now
    monitoring_return.submitted_by = actor
    monitoring_return.submit()
    monitoring_return.save()
    record_audit_event(
        actor=actor,
        verb="monitoring_return_submitted",
        subject=monitoring_return,
        from_state=before,
        to_state=monitoring_return.status,
    )
    application = monitoring_return.award.application
    if application.case_officer_id:
        notify_user(
            kind="monitoring_submitted",
            user=application.case_officer,
            about=monitoring_return,
            context=_return_context(monitoring_return),
            key=f"return:{monitoring_return.pk}:submitted:{now.isoformat()}",
        )
    return monitoring_return


def _lock_return_for_review(monitoring_return: MonitoringReturn, actor: User) -> MonitoringReturn:
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers review monitoring returns.")
    monitoring_return = (
        MonitoringReturn.objects.select_for_update(of=("self",))
        .select_related("award__application__organisation")
        .get(pk=monitoring_return.pk)
    )
    if monitoring_return.status != MonitoringStatus.SUBMITTED:
        raise ValidationError("This return is not waiting for a review.")
    return monitoring_return


@transaction.atomic
def accept_monitoring_return(
    *,
    monitoring_return: MonitoringReturn,
    actor: User,
    comments: str = "",
    now: datetime | None = None,
) -> MonitoringReturn:
    """
    Accept a submitted return. `status` accepted and `accepted_at` are what
    payments reads (selectors.accepted_return_for) to release an instalment
    waiting for it.
    """
    now = now or timezone.now()
    monitoring_return = _lock_return_for_review(monitoring_return, actor)
    MonitoringReview.objects.create(
        monitoring_return=monitoring_return,
        outcome=ReviewOutcome.ACCEPTED,
        comments=comments.strip(),
        reviewed_by=actor,
        reviewed_at=now,
    )
    monitoring_return.accepted_at = now
    monitoring_return.accepted_by = actor
    monitoring_return.accept()
    monitoring_return.save()
    record_audit_event(
        actor=actor,
        verb="monitoring_return_accepted",
        subject=monitoring_return,
        from_state=MonitoringStatus.SUBMITTED,
        to_state=monitoring_return.status,
        data={"comments": comments.strip()},
    )
    notify_organisation(
        kind="monitoring_accepted",
        organisation=monitoring_return.award.application.organisation,
        about=monitoring_return,
        context={**_return_context(monitoring_return), "comments": comments.strip()},
        key=f"return:{monitoring_return.pk}:accepted",
    )
    return monitoring_return


@transaction.atomic
def request_return_changes(
    *,
    monitoring_return: MonitoringReturn,
    actor: User,
    comments: str,
    now: datetime | None = None,
) -> MonitoringReview:
    """Send a return back to the group, saying what to change; they edit and send it again."""
    now = now or timezone.now()
    comments = comments.strip()
    if not comments:
        raise ValidationError("Say what the group needs to change.")
    monitoring_return = _lock_return_for_review(monitoring_return, actor)
    review = MonitoringReview.objects.create(
        monitoring_return=monitoring_return,
        outcome=ReviewOutcome.CHANGES_REQUESTED,
        comments=comments,
        reviewed_by=actor,
        reviewed_at=now,
    )
    monitoring_return.request_changes()
    monitoring_return.save()
    record_audit_event(
        actor=actor,
        verb="monitoring_changes_requested",
        subject=monitoring_return,
        from_state=MonitoringStatus.SUBMITTED,
        to_state=monitoring_return.status,
        data={"comments": comments, "review": review.pk},
    )
    # One email per request: a second round of changes is a new message.
    notify_organisation(
        kind="monitoring_changes_requested",
        organisation=monitoring_return.award.application.organisation,
        about=monitoring_return,
        context={**_return_context(monitoring_return), "comments": comments},
        key=f"return:{monitoring_return.pk}:changes_requested:{review.pk}",
    )
    return review


@transaction.atomic
def assign_case_officer(*, application: Application, officer: User | None, actor: User) -> Application:
    """Make a grant officer responsible for an application (and its monitoring)."""
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers assign case officers.")
    if officer is not None and not has_role(officer, Role.GRANT_OFFICER):
        raise ValidationError(f"{officer} is not a grant officer.")
    application = _lock(Application, application.pk)
    before = application.case_officer
    application.case_officer = officer
    application.save(update_fields=["case_officer", "updated_at"])
    record_audit_event(
        actor=actor,
        verb="case_officer_assigned",
        subject=application,
        data={"from": before.email if before else "", "to": officer.email if officer else ""},
    )
    return application
