"""
Payment schedules, payment runs, failed payments, clawback and the import
of historical awards. A run is built by one finance user and approved by
another; payments move through their lifecycle only here.

Lock order, to keep two services from waiting on each other: the award,
then its instalments, then payments (each by primary key).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import record_audit_event
from accounts.versions import AWARD_MONEY, raise_version
from applicants.models import Organisation
from grants.models import (
    COMMITTED_AWARD_STATES,
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    EntryChannel,
    MonitoringStatus,
    ReferenceSequence,
)
from grants.selectors import approved_total
from notifications.services import notify_organisation, notify_user
from rounds.models import Round

from .imports import AwardRow
from .models import (
    FAILABLE_PAYMENT_STATES,
    AwardVariation,
    Instalment,
    InstalmentCondition,
    Payment,
    PaymentRule,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
    Repayment,
    RepaymentReceipt,
    VariationStatus,
)
from .selectors import (
    PAYABLE_AWARD_STATES,
    asked_back_on_award,
    paid_on_award,
    payable_payments,
    received_on_repayment,
    why_not_payable,
)

PENNY = Decimal("0.01")


def pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _require_finance(actor: User) -> None:
    if not has_role(actor, Role.FINANCE):
        raise PermissionDenied("Only finance staff manage payments.")


@dataclass(frozen=True)
class ScheduleRule:
    full_payment_up_to: Decimal
    first_instalment_percent: int


# A round without its own PaymentRule: awards up to £10,000 are paid whole on
# acceptance (most community grants); larger ones half on acceptance and half
# once a monitoring return is accepted. (The council's own threshold is not
# published; this is a plausible default, set per round in the admin.)
DEFAULT_PAYMENT_RULE = ScheduleRule(
    full_payment_up_to=Decimal("10000.00"), first_instalment_percent=50
)


def schedule_rule_for(round_id: int) -> ScheduleRule:
    rule = PaymentRule.objects.filter(round_id=round_id).first()
    if rule is None:
        return DEFAULT_PAYMENT_RULE
    return ScheduleRule(rule.full_payment_up_to, rule.first_instalment_percent)


def create_instalment_schedule(*, award: Award, actor: User) -> list[Instalment]:
    """
    The payment schedule of a new award, by its round's payment rule: the
    whole amount on acceptance up to the rule's threshold; above it, the
    first instalment on acceptance and the rest once a monitoring return has
    been accepted (linked to the award's first return if it has one yet).
    """
    rule = schedule_rule_for(award.application.round_id)
    if award.amount <= rule.full_payment_up_to:
        parts = [(award.amount, InstalmentCondition.ON_ACCEPTANCE)]
    else:
        first = (award.amount * rule.first_instalment_percent / 100).quantize(
            PENNY, rounding=ROUND_HALF_UP
        )
        parts = [
            (first, InstalmentCondition.ON_ACCEPTANCE),
            (award.amount - first, InstalmentCondition.AFTER_MONITORING),
        ]
    first_return = award.monitoring_returns.order_by("due", "pk").first()
    instalments = []
    for number, (amount, condition) in enumerate(parts, start=1):
        waits = condition == InstalmentCondition.AFTER_MONITORING
        instalment = Instalment.objects.create(
            award=award, number=number, amount=amount, condition=condition,
            due_date=first_return.due if waits and first_return else award.award_date,
            after_return=first_return if waits else None,
        )
        Payment.objects.create(instalment=instalment, amount=instalment.amount)
        instalments.append(instalment)
        record_audit_event(
            actor=actor, verb="instalment_scheduled", subject=award,
            data={"instalment": instalment.number, "amount": instalment.amount,
                  "due_date": instalment.due_date, "condition": condition},
        )
    return instalments


@transaction.atomic
def create_payment_run(
    *, actor: User, payment_ids: list[int] | None = None, today: date | None = None
) -> PaymentRun:
    """Build a draft run from payments that are due and payable (all of them by default)."""
    _require_finance(actor)
    candidates = payable_payments(today=today)
    if payment_ids is not None:
        # A hand-made request naming a payment that may not be paid is
        # refused whole, saying why, rather than quietly left out.
        refused = set(payment_ids) - set(
            candidates.filter(pk__in=payment_ids).values_list("pk", flat=True)
        )
        if refused:
            named = {
                payment.pk: f"{payment.instalment.award.reference} instalment "
                            f"{payment.instalment.number}"
                for payment in Payment.objects.filter(pk__in=refused).select_related(
                    "instalment__award__application"
                )
            }
            raise ValidationError([
                f"{named[pk]}: {why_not_payable(Payment(pk=pk), today=today)}."
                if pk in named else f"There is no payment {pk}."
                for pk in sorted(refused)
            ])
        candidates = candidates.filter(pk__in=payment_ids)
    payments = list(candidates.select_for_update(of=("self",)).order_by("pk"))
    if not payments:
        raise ValidationError("There are no payments due to put in a run.")
    run = PaymentRun.objects.create(created_by=actor)
    for payment in payments:
        payment.run = run
        payment.add_to_run()
        payment.save()
    record_audit_event(
        actor=actor, verb="payment_run_created", subject=run, to_state=run.status,
        data={"payments": [p.pk for p in payments],
              "total": sum((p.amount for p in payments), start=0)},
    )
    for colleague in User.objects.filter(groups__name=Role.FINANCE, is_active=True).exclude(
        pk=actor.pk
    ).order_by("pk"):
        notify_user(
            kind="payment_run_created", user=colleague, about=run, context={"run": run},
            key=f"payment_run:{run.pk}:created",
        )
    return run


def _lock_run(run: PaymentRun) -> PaymentRun:
    return PaymentRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def approve_payment_run(*, run: PaymentRun, actor: User) -> PaymentRun:
    _require_finance(actor)
    run = _lock_run(run)
    if run.created_by_id == actor.pk:
        raise PermissionDenied(
            "You built this payment run, so another member of finance must approve it."
        )
    if run.status != PaymentRunStatus.DRAFT:
        raise ValidationError("This payment run has already been approved.")
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.approve()
    run.save()
    for payment in run.payments.select_for_update().order_by("pk"):
        payment.approve()
        payment.save()
    record_audit_event(
        actor=actor, verb="payment_run_approved", subject=run,
        from_state=PaymentRunStatus.DRAFT, to_state=run.status,
    )
    notify_user(
        kind="payment_run_approved", user=run.created_by, about=run, context={"run": run},
        key=f"payment_run:{run.pk}:approved",
    )
    return run


@transaction.atomic
def export_payment_run(*, run: PaymentRun, actor: User) -> PaymentRun:
    """
    Mark an approved run as sent to the council's finance system. Doing it
    again (a second download of the payment file) changes nothing.
    """
    _require_finance(actor)
    run = _lock_run(run)
    if run.status in (PaymentRunStatus.EXPORTED, PaymentRunStatus.PAID):
        return run
    if run.status != PaymentRunStatus.APPROVED:
        raise ValidationError("Only an approved payment run can be exported.")
    run.exported_at = timezone.now()
    run.exported_by = actor
    run.export()
    run.save()
    for payment in run.payments.select_for_update().order_by("pk"):
        payment.export()
        payment.save()
    record_audit_event(
        actor=actor, verb="payment_run_exported", subject=run,
        from_state=PaymentRunStatus.APPROVED, to_state=run.status,
    )
    return run


@transaction.atomic
def mark_payment_run_paid(
    *, run: PaymentRun, actor: User, paid_on: date, reference: str
) -> PaymentRun:
    _require_finance(actor)
    run = _lock_run(run)
    if run.status != PaymentRunStatus.EXPORTED:
        raise ValidationError("Only an exported payment run can be marked as paid.")
    if not reference.strip():
        raise ValidationError("Enter the payment reference from the finance system.")
    if paid_on > timezone.localdate():
        raise ValidationError("The payment date cannot be in the future.")
    run.paid_on = paid_on
    run.payment_reference = reference.strip()
    run.mark_paid()
    run.save()
    payments = list(
        run.payments.select_for_update().select_related("instalment__award__application")
        .order_by("pk")
    )
    for payment in payments:
        payment.paid_on = paid_on
        payment.reference = run.payment_reference
        payment.mark_paid()
        payment.save()
    awards = Award.objects.select_for_update().filter(
        pk__in={p.instalment.award_id for p in payments}, status=AwardStatus.ACCEPTED
    ).order_by("pk")
    for award in awards:
        award.activate()
        award.save()
        record_audit_event(
            actor=actor, verb="award_activated", subject=award,
            from_state=AwardStatus.ACCEPTED, to_state=award.status,
        )
    record_audit_event(
        actor=actor, verb="payment_run_paid", subject=run,
        from_state=PaymentRunStatus.EXPORTED, to_state=run.status,
        data={"paid_on": paid_on, "reference": run.payment_reference},
    )
    for payment in payments:
        application = payment.instalment.award.application
        notify_organisation(
            kind="payment_made", organisation=application.organisation, about=payment,
            context={"payment": payment, "application": application},
            key=f"payment:{payment.pk}:paid",
        )
    raise_version(AWARD_MONEY)
    return run


# --- Failed payments ------------------------------------------------------------------


@transaction.atomic
def mark_payment_failed(*, payment: Payment, actor: User, reason: str) -> Payment:
    """
    Record that a payment sent to the finance system did not reach the
    organisation (the bank returned it, say). It no longer counts as paid;
    `requeue_failed_payment` pays the instalment again.
    """
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter why the payment failed.")
    award_id = Payment.objects.values_list("instalment__award_id", flat=True).get(pk=payment.pk)
    Award.objects.select_for_update().filter(pk=award_id).first()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status not in FAILABLE_PAYMENT_STATES:
        if payment.status == PaymentStatus.FAILED:
            raise ValidationError("This payment has already been marked as failed.")
        raise ValidationError(
            "Only a payment that has been sent to the finance system can be marked as failed."
        )
    if payment.status == PaymentStatus.PAID:
        still_paid = paid_on_award(award_id) - payment.amount
        asked_back = asked_back_on_award(award_id)
        if asked_back > still_paid:
            raise ValidationError(
                f"{pounds(asked_back)} has been asked back from this grant, which is more than "
                f"the {pounds(still_paid)} that would remain paid. Settle the repayment first."
            )
    before = payment.status
    payment.failure_reason = reason
    payment.failed_at = timezone.now()
    payment.failed_by = actor
    payment.mark_failed()
    payment.save()
    record_audit_event(
        actor=actor, verb="payment_failed", subject=payment, from_state=before,
        to_state=payment.status,
        data={"reason": reason, "amount": payment.amount, "run": payment.run_id,
              "award": award_id},
    )
    raise_version(AWARD_MONEY)
    return payment


@transaction.atomic
def requeue_failed_payment(*, payment: Payment, actor: User) -> Payment:
    """
    Pay a failed payment's instalment again: a new scheduled payment of the
    same amount, which the next payment run takes. The database allows one
    live payment per instalment, so the instalment is never paid twice.
    """
    _require_finance(actor)
    instalment = Instalment.objects.select_for_update().select_related("award").get(
        pk=payment.instalment_id
    )
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.FAILED:
        raise ValidationError("Only a failed payment can be paid again.")
    if Payment.objects.filter(replaces=payment).exists():
        raise ValidationError("This failed payment has already been queued to be paid again.")
    if instalment.payments.exclude(status=PaymentStatus.FAILED).exists():
        raise ValidationError("This instalment already has a payment waiting or made.")
    if instalment.award.status not in PAYABLE_AWARD_STATES:
        raise ValidationError(
            f"This grant is {instalment.award.get_status_display().lower()}, so it cannot be "
            "paid again."
        )
    try:
        with transaction.atomic():
            again = Payment.objects.create(
                instalment=instalment, amount=payment.amount, replaces=payment
            )
    except IntegrityError:
        raise ValidationError("This instalment already has a payment waiting or made.") from None
    record_audit_event(
        actor=actor, verb="payment_requeued", subject=again, to_state=again.status,
        data={"replaces": payment.pk, "amount": again.amount, "instalment": instalment.pk},
    )
    return again


# --- Clawback ------------------------------------------------------------------------


def _check_amount(amount: Decimal, *, what: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError(f"Enter {what} in pounds and pence.")
    if amount <= 0:
        raise ValidationError(f"Enter {what} of more than £0.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"Enter {what} to the nearest penny.")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def request_repayment(
    *, award: Award, actor: User, amount: Decimal, reason: str
) -> Repayment:
    """
    Ask the organisation to pay money back. All that is asked back from an
    award never exceeds what it has been paid. The organisation's members
    are emailed once the request is saved.
    """
    _require_finance(actor)
    amount = _check_amount(amount, what="the amount to be repaid")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter why the money must be repaid.")
    award = Award.objects.select_for_update().select_related("application__organisation").get(
        pk=award.pk
    )
    if award.status not in COMMITTED_AWARD_STATES:
        raise ValidationError("Money can only be asked back from a grant that was awarded.")
    paid = paid_on_award(award.pk)
    asked_back = asked_back_on_award(award.pk)
    if asked_back + amount > paid:
        if not paid:
            raise ValidationError("Nothing has been paid on this grant, so nothing can be repaid.")
        already = f" and {pounds(asked_back)} has already been asked back" if asked_back else ""
        raise ValidationError(
            f"You can ask for at most {pounds(paid - asked_back)}: {pounds(paid)} has been "
            f"paid{already}."
        )
    repayment = Repayment.objects.create(
        award=award, amount=amount, reason=reason, requested_by=actor
    )
    record_audit_event(
        actor=actor, verb="repayment_requested", subject=award,
        data={"repayment": repayment.pk, "amount": amount, "reason": reason,
              "asked_back_before": asked_back, "paid": paid},
    )
    application = award.application
    notify_organisation(
        kind="repayment_requested", organisation=application.organisation, about=repayment,
        context={"repayment": repayment, "award": award, "application": application},
        key=f"repayment:{repayment.pk}:requested",
    )
    return repayment


@transaction.atomic
def record_repayment_received(
    *, repayment: Repayment, actor: User, amount: Decimal, received_on: date, reference: str
) -> RepaymentReceipt:
    """Record money received against a repayment; never more than is still due on it."""
    _require_finance(actor)
    amount = _check_amount(amount, what="the amount received")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError("Enter the receipt reference.")
    if len(reference) > 50:
        raise ValidationError("The receipt reference must be 50 characters or fewer.")
    Award.objects.select_for_update().filter(pk=repayment.award_id).first()
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if received_on > timezone.localdate():
        raise ValidationError("The date received must be today or in the past.")
    asked_on = timezone.localdate(repayment.requested_at)
    if received_on < asked_on:
        raise ValidationError(
            f"The date received must be on or after {asked_on:%-d %B %Y}, when the money was "
            "asked back."
        )
    received = received_on_repayment(repayment.pk)
    still_due = repayment.amount - received
    if amount > still_due:
        if not still_due:
            raise ValidationError(f"{repayment.reference} has been repaid in full already.")
        raise ValidationError(
            f"Only {pounds(still_due)} of {repayment.reference} is still to be repaid."
        )
    receipt = RepaymentReceipt.objects.create(
        repayment=repayment, amount=amount, received_on=received_on, reference=reference,
        recorded_by=actor,
    )
    record_audit_event(
        actor=actor, verb="repayment_received", subject=repayment.award,
        data={"repayment": repayment.pk, "receipt": receipt.pk, "amount": amount,
              "received_on": received_on, "reference": reference,
              "still_due": still_due - amount},
    )
    raise_version(AWARD_MONEY)
    return receipt


# --- Historical awards ------------------------------------------------------------------


def _midday(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@transaction.atomic
def import_historical_awards(*, rows: list[AwardRow], actor: User) -> PaymentRun:
    """
    Import awards made and paid before this system, as read and checked by
    `imports.read_award_rows`: each becomes an approved application, a
    completed award and one paid instalment, recorded in one imported payment
    run. All of them are imported, or (on any failure) none.
    """
    _require_finance(actor)
    if not rows:
        raise ValidationError("There are no awards to import.")
    organisations: dict[tuple, Organisation] = {}
    new_organisations = []
    for row in rows:
        if row.organisation is None and row.organisation_key not in organisations:
            fields = row.organisation_fields
            # Historical records hold no address or income: blank until the
            # group updates its profile.
            organisation = Organisation(
                address_line_1="", town="", annual_income=Decimal("0.00"), **fields
            )
            organisations[row.organisation_key] = organisation
            new_organisations.append(organisation)
    Organisation.objects.bulk_create(new_organisations)
    try:
        with transaction.atomic():
            applications = Application.objects.bulk_create(
                Application(
                    round=row.round,
                    organisation=row.organisation or organisations[row.organisation_key],
                    reference=row.reference,
                    title=row.title,
                    amount_requested=row.amount,
                    districts_served=[
                        (row.organisation or organisations[row.organisation_key]).district
                    ],
                    status=ApplicationStatus.APPROVED,
                    submitted_at=_midday(row.award_date),
                    created_by=actor,
                    entry_channel=EntryChannel.PAPER,
                )
                for row in rows
            )
    except IntegrityError:
        raise ValidationError(
            "Another grant with one of these references, or another application from one of "
            "these organisations to the same round, was saved while the file was checked. "
            "Nothing has been imported; check the file again."
        ) from None
    awards = Award.objects.bulk_create(
        Award(
            application=application, amount=row.amount, award_date=row.award_date,
            offered_at=_midday(row.award_date), accepted_at=_midday(row.award_date),
            status=AwardStatus.COMPLETED,
        )
        for application, row in zip(applications, rows, strict=True)
    )
    instalments = Instalment.objects.bulk_create(
        Instalment(award=award, number=1, due_date=award.award_date, amount=award.amount)
        for award in awards
    )
    today = timezone.localdate()
    run = PaymentRun.objects.create(
        created_by=actor, imported=True, status=PaymentRunStatus.PAID,
        paid_on=max(row.award_date for row in rows),
        payment_reference=f"IMPORT-{today:%Y%m%d}",
    )
    Payment.objects.bulk_create(
        Payment(instalment=instalment, run=run, amount=instalment.amount,
                status=PaymentStatus.PAID, paid_on=instalment.due_date,
                reference=run.payment_reference)
        for instalment in instalments
    )
    _keep_reference_sequences_ahead(rows)
    total = sum((row.amount for row in rows), start=Decimal("0.00"))
    record_audit_event(
        actor=actor, verb="historical_awards_imported", subject=run, to_state=run.status,
        data={"awards": len(rows), "total": total,
              "organisations_created": len(new_organisations),
              "references": [row.reference for row in rows]},
    )
    raise_version(AWARD_MONEY)
    return run


def _keep_reference_sequences_ahead(rows: list[AwardRow]) -> None:
    """
    An imported reference in the live pattern (SCG-2026-00042) moves that
    year's sequence past it, so a new application never gets it too.
    """
    highest: dict[str, int] = {}
    for row in rows:
        programme_code = row.round.programme.code
        prefix, _, number = row.reference.rpartition("-")
        code, _, year = prefix.partition("-")
        if (code.upper() == programme_code.upper() and year.isdigit() and len(year) == 4
                and number.isdigit()):
            key = f"{programme_code}-{year}"
            highest[key] = max(highest.get(key, 0), int(number))
    for key, number in sorted(highest.items()):
        sequence, _ = ReferenceSequence.objects.select_for_update().get_or_create(key=key)
        if sequence.last_value < number:
            sequence.last_value = number
            sequence.save(update_fields=["last_value"])


# --- Cancelling, variations and closing ------------------------------------------------


def cancel_unpaid_instalments(*, award: Award, actor: User, why: str) -> Decimal:
    """
    Cancel the award's instalments whose payment has not gone into a run
    (the caller holds the award's lock). Returns the amount cancelled.
    Money in a run or already paid is left alone: it is on its way.
    """
    now = timezone.now()
    cancelled = Decimal("0.00")
    instalments = list(
        award.instalments.select_for_update().filter(cancelled_at__isnull=True).order_by("pk")
    )
    for instalment in instalments:
        live = [p for p in instalment.payments.select_for_update().order_by("pk")
                if p.status != PaymentStatus.FAILED]
        if any(p.status != PaymentStatus.SCHEDULED for p in live):
            continue
        for payment in live:
            payment.cancel()
            payment.save()
        instalment.cancelled_at = now
        instalment.save(update_fields=["cancelled_at"])
        cancelled += instalment.amount
        record_audit_event(
            actor=actor, verb="instalment_cancelled", subject=award,
            data={"instalment": instalment.number, "amount": instalment.amount, "why": why},
        )
    return cancelled


def committed_on_award(award_id: int) -> Decimal:
    """Money paid or on its way (in a run) on the award: a variation never goes below it."""
    return Payment.objects.filter(
        instalment__award_id=award_id,
        status__in=[PaymentStatus.IN_RUN, PaymentStatus.APPROVED, PaymentStatus.EXPORTED,
                    PaymentStatus.PAID],
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


VARIABLE_AWARD_STATES = [AwardStatus.OFFERED, AwardStatus.ACCEPTED, AwardStatus.ACTIVE]


@transaction.atomic
def request_variation(
    *,
    award: Award,
    actor: User,
    reason: str,
    new_amount: Decimal | None = None,
    new_project_start: date | None = None,
    new_project_end: date | None = None,
    new_conditions: str = "",
) -> AwardVariation:
    """An officer asks for a change to an award; an approver decides it."""
    if not has_role(actor, Role.GRANT_OFFICER, Role.FINANCE):
        raise PermissionDenied("Only grant officers and finance staff can ask for a variation.")
    award = Award.objects.select_for_update().select_related("application").get(pk=award.pk)
    if award.status not in VARIABLE_AWARD_STATES:
        raise ValidationError(
            f"This grant is {award.get_status_display().lower()}, so it cannot be varied."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter why the award needs to change.")
    new_conditions = (new_conditions or "").strip()
    if new_amount is not None:
        new_amount = _check_amount(new_amount, what="the new amount")
        if new_amount == award.amount:
            new_amount = None
    if new_conditions == award.conditions.strip():
        new_conditions = ""
    application = award.application
    start = new_project_start or application.project_start
    end = new_project_end or application.project_end
    if start and end and end < start:
        raise ValidationError("The project's end date must be on or after its start date.")
    if new_amount is None and not new_conditions and not new_project_start and not new_project_end:
        raise ValidationError("Enter at least one change: a new amount, dates or conditions.")
    if new_amount is not None:
        _check_variation_amount(award, new_amount)
    if award.variations.filter(status=VariationStatus.REQUESTED).exists():
        raise ValidationError(
            "A variation of this award is already waiting for approval. Decide it first."
        )
    variation = AwardVariation.objects.create(
        award=award, reason=reason, new_amount=new_amount, new_project_start=new_project_start,
        new_project_end=new_project_end, new_conditions=new_conditions, requested_by=actor,
    )
    record_audit_event(
        actor=actor, verb="variation_requested", subject=award, to_state=variation.status,
        data={"variation": variation.pk, "reason": reason, "new_amount": new_amount,
              "new_project_start": new_project_start, "new_project_end": new_project_end,
              "conditions_changed": bool(new_conditions)},
    )
    return variation


def _check_variation_amount(award: Award, new_amount: Decimal) -> None:
    """The new amount keeps what is paid or in a run, and an increase fits the round's budget."""
    floor = committed_on_award(award.pk)
    if new_amount < floor:
        raise ValidationError(
            f"The award cannot be less than the {pounds(floor)} already paid or in a payment run."
        )
    increase = new_amount - award.amount
    if increase > 0:
        round = award.application.round
        remaining = round.budget - approved_total(round)
        if increase > remaining:
            raise ValidationError(
                f"An increase of {pounds(increase)} would exceed the round's budget: only "
                f"{pounds(remaining)} of {pounds(round.budget)} remains."
            )


@transaction.atomic
def approve_variation(*, variation: AwardVariation, actor: User, note: str = "") -> AwardVariation:
    """
    An approver agrees the variation: the award takes the new amount, dates
    or conditions. A smaller amount comes off the unpaid instalments, last
    first (never below what is paid or in a run); a larger one adds an
    instalment, payable at once. The round is locked first, as approving an
    application does, so two increases cannot overspend its budget together.
    """
    if not has_role(actor, Role.APPROVER):
        raise PermissionDenied("Only approvers can approve a variation.")
    award_id = AwardVariation.objects.values_list("award_id", flat=True).get(pk=variation.pk)
    round_id = Award.objects.values_list("application__round_id", flat=True).get(pk=award_id)
    Round.objects.select_for_update().get(pk=round_id)
    award = Award.objects.select_for_update().select_related("application__round").get(
        pk=award_id
    )
    variation = AwardVariation.objects.select_for_update().get(pk=variation.pk)
    if variation.requested_by_id == actor.pk:
        raise PermissionDenied(
            "You asked for this variation, so another approver must decide it."
        )
    if variation.status != VariationStatus.REQUESTED:
        raise ValidationError("This variation has already been decided.")
    if award.status not in VARIABLE_AWARD_STATES:
        raise ValidationError(
            f"This grant is {award.get_status_display().lower()}, so it cannot be varied."
        )
    application = Application.objects.select_for_update().get(pk=award.application_id)
    variation.previous = {
        "amount": str(award.amount), "conditions": award.conditions,
        "project_start": application.project_start.isoformat()
        if application.project_start else None,
        "project_end": application.project_end.isoformat() if application.project_end else None,
    }
    if variation.new_amount is not None:
        _check_variation_amount(award, variation.new_amount)
        _reschedule(award=award, new_amount=variation.new_amount, actor=actor)
        award.amount = variation.new_amount
    if variation.new_conditions:
        award.conditions = variation.new_conditions
    award.save(update_fields=["amount", "conditions"])
    if variation.new_project_start:
        application.project_start = variation.new_project_start
    if variation.new_project_end:
        application.project_end = variation.new_project_end
    application.save(update_fields=["project_start", "project_end", "updated_at"])
    variation.decided_by = actor
    variation.decided_at = timezone.now()
    variation.decision_note = (note or "").strip()
    variation.approve()
    variation.save()
    record_audit_event(
        actor=actor, verb="variation_approved", subject=award,
        from_state=VariationStatus.REQUESTED, to_state=variation.status,
        data={"variation": variation.pk, "previous": variation.previous,
              "amount": award.amount, "conditions_changed": bool(variation.new_conditions)},
    )
    notify_organisation(
        kind="award_varied", organisation=application.organisation, about=variation,
        context={"award": award, "application": application, "variation": variation},
        key=f"variation:{variation.pk}:approved",
    )
    raise_version(AWARD_MONEY)
    return variation


def _reschedule(*, award: Award, new_amount: Decimal, actor: User) -> None:
    """Make the live instalments add up to `new_amount` (locks held by the caller)."""
    change = new_amount - award.amount
    if change > 0:
        number = (award.instalments.aggregate(n=Max("number"))["n"] or 0) + 1
        instalment = Instalment.objects.create(
            award=award, number=number, due_date=timezone.localdate(), amount=change
        )
        Payment.objects.create(instalment=instalment, amount=change)
        record_audit_event(
            actor=actor, verb="instalment_scheduled", subject=award,
            data={"instalment": number, "amount": change, "due_date": instalment.due_date,
                  "condition": instalment.condition, "why": "variation"},
        )
        return
    to_remove = -change
    adjustable = award.instalments.select_for_update().filter(
        cancelled_at__isnull=True, payments__status=PaymentStatus.SCHEDULED
    ).order_by("-number")
    for instalment in adjustable:
        if not to_remove:
            break
        payment = instalment.payments.select_for_update().get(status=PaymentStatus.SCHEDULED)
        cut = min(to_remove, instalment.amount)
        to_remove -= cut
        before = instalment.amount
        if cut == instalment.amount:
            payment.cancel()
            payment.save()
            instalment.cancelled_at = timezone.now()
            instalment.save(update_fields=["cancelled_at"])
        else:
            instalment.amount -= cut
            instalment.save(update_fields=["amount"])
            payment.amount = instalment.amount
            payment.save(update_fields=["amount"])
        record_audit_event(
            actor=actor, verb="instalment_varied", subject=award,
            data={"instalment": instalment.number, "from": before,
                  "to": before - cut, "why": "variation"},
        )
    if to_remove:
        # _check_variation_amount keeps the new amount above what is paid or
        # in a run, so the unpaid instalments always cover a reduction.
        raise ValidationError("The award's unpaid instalments do not cover this reduction.")


@transaction.atomic
def reject_variation(*, variation: AwardVariation, actor: User, note: str) -> AwardVariation:
    if not has_role(actor, Role.APPROVER):
        raise PermissionDenied("Only approvers can decide a variation.")
    variation = AwardVariation.objects.select_for_update().get(pk=variation.pk)
    if variation.requested_by_id == actor.pk:
        raise PermissionDenied(
            "You asked for this variation, so another approver must decide it."
        )
    if variation.status != VariationStatus.REQUESTED:
        raise ValidationError("This variation has already been decided.")
    note = (note or "").strip()
    if not note:
        raise ValidationError("Enter why the variation is not approved.")
    variation.decided_by = actor
    variation.decided_at = timezone.now()
    variation.decision_note = note
    variation.reject()
    variation.save()
    record_audit_event(
        actor=actor, verb="variation_rejected", subject=variation.award,
        from_state=VariationStatus.REQUESTED, to_state=variation.status,
        data={"variation": variation.pk, "note": note},
    )
    return variation


def why_award_cannot_complete(award: Award) -> list[str]:
    """What stops the award closing as complete; empty when it can."""
    reasons = []
    if award.status != AwardStatus.ACTIVE:
        reasons.append("Only an active grant (one that has been paid) can be closed as complete.")
    returns = award.monitoring_returns.all()
    if not returns.exists():
        reasons.append("The grant has no monitoring returns yet.")
    elif returns.exclude(status=MonitoringStatus.ACCEPTED).exists():
        reasons.append("Not every monitoring return has been accepted.")
    unpaid = Instalment.objects.filter(award=award, cancelled_at__isnull=True).exclude(
        payments__status=PaymentStatus.PAID
    )
    if unpaid.exists():
        reasons.append("Not every instalment has been paid.")
    return reasons


@transaction.atomic
def complete_award(*, award: Award, actor: User) -> Award:
    """Close a grant whose monitoring is complete and whose instalments are all paid."""
    if not has_role(actor, Role.GRANT_OFFICER, Role.FINANCE):
        raise PermissionDenied("Only grant officers and finance staff can close a grant.")
    award = Award.objects.select_for_update().get(pk=award.pk)
    reasons = why_award_cannot_complete(award)
    if reasons:
        raise ValidationError(reasons)
    award.closed_at = timezone.now()
    award.closed_by = actor
    award.complete()
    award.save()
    record_audit_event(
        actor=actor, verb="award_completed", subject=award,
        from_state=AwardStatus.ACTIVE, to_state=award.status,
    )
    raise_version(AWARD_MONEY)
    return award


@transaction.atomic
def close_award_early(*, award: Award, actor: User, reason: str) -> Award:
    """
    Close a grant before it has run its course. Instalments not yet in a
    run are cancelled, and the award is reduced to what has been paid or is
    on its way, so the rest goes back to the round's budget and nothing
    shows as outstanding.
    """
    if not has_role(actor, Role.GRANT_OFFICER, Role.FINANCE):
        raise PermissionDenied("Only grant officers and finance staff can close a grant.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter why the grant is being closed early.")
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status not in (AwardStatus.ACCEPTED, AwardStatus.ACTIVE):
        raise ValidationError(
            f"This grant is {award.get_status_display().lower()}, so it cannot be closed early."
        )
    before_status, before_amount = award.status, award.amount
    cancelled = cancel_unpaid_instalments(award=award, actor=actor, why="closed_early")
    if cancelled:
        award.amount -= cancelled
    award.closed_at = timezone.now()
    award.closed_by = actor
    award.closure_reason = reason
    award.close_early()
    award.save()
    record_audit_event(
        actor=actor, verb="award_closed_early", subject=award,
        from_state=before_status, to_state=award.status,
        data={"reason": reason, "amount": {"from": before_amount, "to": award.amount},
              "cancelled": cancelled},
    )
    raise_version(AWARD_MONEY)
    return award
