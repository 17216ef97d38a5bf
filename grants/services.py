"""
Every change to an application, assessment, decision or award happens here.

Each service checks who is acting and whether the change is allowed, locks
the rows it changes, performs the transition, writes an AuditEvent, and
queues notifications to be sent after commit.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import record_audit_event
from applicants.models import Organisation
from applicants.uploads import check_upload
from notifications.services import notify_organisation, notify_user
from payments.services import cancel_unpaid_instalments, create_instalment_schedule
from rounds.models import Round

from . import selectors
from .eligibility import Answers
from .models import (
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
    Recommendation,
    ReferenceSequence,
    Score,
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


# --- Screening and assessment ---------------------------------------------


@transaction.atomic
def pass_screening(*, application: Application, actor: User) -> Application:
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers screen applications.")
    application = _lock(Application, application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError("Only a submitted application can be screened.")
    application.pass_screening()
    application.save()
    record_audit_event(
        actor=actor,
        verb="screening_passed",
        subject=application,
        from_state=ApplicationStatus.SUBMITTED,
        to_state=application.status,
    )
    notify_organisation(
        kind="screening_passed",
        organisation=application.organisation,
        about=application,
        context={"application": application},
        key=f"application:{application.pk}:screening_passed",
    )
    return application


@transaction.atomic
def assign_assessor(
    *, application: Application, assessor: User, actor: User, due: date | None = None
) -> Assignment:
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers assign assessors.")
    application = _lock(Application, application.pk)
    if application.status != ApplicationStatus.IN_ASSESSMENT:
        raise ValidationError(
            "Assessors can be assigned only once the application has passed screening."
        )
    if not has_role(assessor, Role.ASSESSOR):
        raise ValidationError(f"{assessor} is not an assessor.")
    if Assignment.objects.filter(application=application, assessor=assessor).exists():
        raise ValidationError(f"{assessor} is already assigned to this application.")
    assignment = Assignment.objects.create(
        application=application,
        assessor=assessor,
        assigned_by=actor,
        due=due or application.round.assessment_deadline,
    )
    record_audit_event(
        actor=actor,
        verb="assessor_assigned",
        subject=application,
        data={"assessor": assessor.email, "assignment": assignment.pk},
    )
    notify_user(
        kind="assessment_assigned",
        user=assessor,
        about=assignment,
        context={"assignment": assignment, "application": application},
        key=f"assignment:{assignment.pk}:assigned",
    )
    return assignment


def _require_assessor(assignment: Assignment, actor: User) -> None:
    if assignment.assessor_id != actor.pk:
        raise PermissionDenied("This application is not assigned to you.")


@transaction.atomic
def declare_interest(
    *, assignment: Assignment, actor: User, has_conflict: bool, details: str = ""
) -> Assignment:
    """Record the assessor's declaration; a conflict removes their access at once."""
    assignment = _lock(Assignment, assignment.pk)
    _require_assessor(assignment, actor)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError("You have already made a declaration for this application.")
    if has_conflict and not details.strip():
        raise ValidationError("Describe your conflict of interest.")
    ConflictDeclaration.objects.create(
        assignment=assignment, has_conflict=has_conflict, details=details.strip()
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
        data={
            "assignment": assignment.pk,
            "has_conflict": has_conflict,
            "details": details.strip(),
        },
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


@transaction.atomic
def save_scores(
    *,
    assignment: Assignment,
    actor: User,
    scores: dict[int, tuple[int | None, str]],
    submit: bool = False,
) -> Assignment:
    """
    Save the assessor's scores (a draft), and on `submit` check every
    criterion is scored with a justification and lock them in.
    `scores` maps criterion id to (score, justification).
    """
    assignment = _lock(Assignment, assignment.pk)
    _require_assessor(assignment, actor)
    if assignment.status != AssignmentStatus.IN_PROGRESS:
        raise ValidationError("These scores can no longer be changed.")
    if assignment.application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError("The group has withdrawn this application, so it needs no scores.")
    round = assignment.application.round
    criteria = {criterion.pk: criterion for criterion in round.criteria.all()}
    problems = []
    for criterion_id, (value, justification) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError("A score was given for a criterion that is not in this round.")
        if value is None:
            continue
        if not round.scoring_scale_min <= value <= criterion.max_score:
            problems.append(
                f"{criterion.title}: the score must be between {round.scoring_scale_min} "
                f"and {criterion.max_score}."
            )
            continue
        Score.objects.update_or_create(
            assignment=assignment,
            criterion=criterion,
            defaults={"score": value, "justification": justification.strip()},
        )
    if problems:
        raise ValidationError(problems)
    if not submit:
        return assignment
    saved = {s.criterion_id: s for s in assignment.scores.all()}
    for criterion in criteria.values():
        score = saved.get(criterion.pk)
        if score is None:
            problems.append(f"{criterion.title}: give a score.")
        elif not score.justification:
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
        data={"assignment": assignment.pk, "weighted_score": assignment.weighted_score},
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


# --- Recommendation and decision -------------------------------------------


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
    _require_role(actor, Role.GRANT_OFFICER, message="Only grant officers make recommendations.")
    application = _lock(Application, application.pk)
    if application.status != ApplicationStatus.SCORED:
        raise ValidationError("Only a scored application can be recommended.")
    requested = application.amount_requested
    if recommendation == Recommendation.FUND_IN_FULL:
        amount = requested
    elif recommendation == Recommendation.FUND_IN_PART:
        if amount is None or amount <= 0:
            raise ValidationError("Enter the amount you recommend.")
        if amount >= requested:
            raise ValidationError(
                f"A part award must be less than the {money(requested)} requested."
            )
        if not reason.strip():
            raise ValidationError("Give a reason for funding in part.")
    elif recommendation == Recommendation.DECLINE:
        amount = None
        if not feedback.strip():
            raise ValidationError("Give feedback for the applicant explaining the decision.")
    elif recommendation == Recommendation.WAITLIST:
        amount = requested
    else:
        raise ValidationError("Choose a recommendation.")
    decision = Decision.objects.create(
        application=application,
        recommendation=recommendation,
        recommended_amount=amount,
        reason=reason.strip(),
        feedback=feedback.strip(),
        recommended_by=actor,
    )
    application.recommend()
    application.save()
    record_audit_event(
        actor=actor,
        verb="recommended",
        subject=application,
        from_state=ApplicationStatus.SCORED,
        to_state=application.status,
        data={"recommendation": recommendation, "amount": amount, "reason": reason.strip()},
    )
    for approver in User.objects.filter(groups__name=Role.APPROVER, is_active=True).order_by("pk"):
        notify_user(
            kind="recommendation_made",
            user=approver,
            about=application,
            context={"application": application, "decision": decision},
            key=f"application:{application.pk}:recommended",
        )
    return decision


def committed_in_round(round: Round) -> Decimal:
    """Money already offered or awarded in the round (declined offers excluded)."""
    return selectors.approved_total(round)


def _check_approver_independent(application: Application, actor: User) -> None:
    if application.assignments.filter(assessor=actor).exists():
        raise PermissionDenied(
            "You assessed or declared an interest in this application, so you cannot decide it."
        )


@transaction.atomic
def approve_application(
    *, application: Application, actor: User, amount: Decimal, now: datetime | None = None
) -> Award:
    """
    Approve a recommended (or waitlisted) application and offer the award.
    The round row is locked first so that two approvers acting at the same
    instant are serialised and the budget can never be overspent.
    """
    _require_role(actor, Role.APPROVER, message="Only approvers decide applications.")
    now = now or timezone.now()
    round = _lock(Round, application.round_id)
    application = _lock(Application, application.pk)
    _check_approver_independent(application, actor)
    if application.status not in (ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED):
        raise ValidationError("This application is not waiting for a decision.")
    if amount is None or amount <= 0:
        raise ValidationError("Enter the amount to award.")
    if amount > application.amount_requested:
        raise ValidationError(
            f"The award cannot be more than the {money(application.amount_requested)} requested."
        )
    if amount > round.max_award:
        raise ValidationError(
            f"The award cannot be more than this round's maximum of {money(round.max_award)}."
        )
    remaining = round.budget - committed_in_round(round)
    if amount > remaining:
        raise ValidationError(
            f"Awarding {money(amount)} would exceed the round's budget: "
            f"only {money(remaining)} of {money(round.budget)} remains."
        )
    decision = application.decision
    decision.approved_amount = amount
    decision.decided_by = actor
    decision.decided_at = now
    decision.save()
    before = application.status
    application.approve()
    application.save()
    award = Award.objects.create(
        application=application,
        amount=amount,
        award_date=timezone.localdate(now),
        offered_at=now,
        conditions=_standard_conditions(application),
    )
    create_instalment_schedule(award=award, actor=actor)
    record_audit_event(
        actor=actor,
        verb="approved",
        subject=application,
        from_state=before,
        to_state=application.status,
        data={"amount": amount, "award": award.pk},
    )
    record_audit_event(
        actor=actor,
        verb="award_offered",
        subject=award,
        to_state=award.status,
        data={"amount": amount},
    )
    notify_organisation(
        kind="award_offered",
        organisation=application.organisation,
        about=award,
        context={"application": application, "award": award},
        key=f"award:{award.pk}:offered",
    )
    return award


def _standard_conditions(application: Application) -> str:
    return (
        "The grant must be spent on the project described in application "
        f"{application.reference}. Any money not spent on it must be repaid. "
        "You must send the monitoring returns the council asks for, and tell the "
        "council straight away about any change to the project."
    )


@transaction.atomic
def decline_application(
    *, application: Application, actor: User, waitlist: bool = False
) -> Application:
    """Decide against funding now: reject, or keep on the waiting list."""
    _require_role(actor, Role.APPROVER, message="Only approvers decide applications.")
    application = _lock(Application, application.pk)
    _check_approver_independent(application, actor)
    if application.status != ApplicationStatus.RECOMMENDED:
        raise ValidationError("This application is not waiting for a decision.")
    decision = application.decision
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
        from_state=ApplicationStatus.RECOMMENDED,
        to_state=application.status,
    )
    notify_organisation(
        kind="application_waitlisted" if waitlist else "application_rejected",
        organisation=application.organisation,
        about=application,
        context={"application": application, "decision": decision},
        key=f"application:{application.pk}:{application.status}",
    )
    return application


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
    return award
