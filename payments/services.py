"""
Payment schedules, payment runs, failed payments, clawback and the import
of historical awards. A run is built by one finance user and approved by
another; payments move through their lifecycle only here.

Lock order, to keep two services from waiting on each other: the award,
then its instalments, then payments (each by primary key).
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import record_audit_event
from applicants.models import Organisation
from grants.models import (
    COMMITTED_AWARD_STATES,
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    EntryChannel,
    ReferenceSequence,
)
from notifications.services import notify_organisation, notify_user

from .imports import AwardRow
from .models import (
    Instalment,
    Payment,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
    Repayment,
    RepaymentReceipt,
)
from .selectors import (
    PAYABLE_AWARD_STATES,
    asked_back_on_award,
    paid_on_award,
    payable_payments,
    received_on_repayment,
)


def pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _require_finance(actor: User) -> None:
    if not has_role(actor, Role.FINANCE):
        raise PermissionDenied("Only finance staff manage payments.")


def create_instalment_schedule(*, award: Award, actor: User) -> list[Instalment]:
    """
    The payment schedule of a new award: one instalment of the whole amount,
    payable once the offer is accepted. (Rules per round arrive with the
    finance work; this is the schedule every round starts from.)
    """
    instalment = Instalment.objects.create(
        award=award, number=1, due_date=award.award_date, amount=award.amount
    )
    Payment.objects.create(instalment=instalment, amount=instalment.amount)
    record_audit_event(
        actor=actor, verb="instalment_scheduled", subject=award,
        data={"instalment": instalment.number, "amount": instalment.amount,
              "due_date": instalment.due_date},
    )
    return [instalment]


@transaction.atomic
def create_payment_run(
    *, actor: User, payment_ids: list[int] | None = None, today: date | None = None
) -> PaymentRun:
    """Build a draft run from payments that are due and payable (all of them by default)."""
    _require_finance(actor)
    candidates = payable_payments(today=today)
    if payment_ids is not None:
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
    if payment.status not in (PaymentStatus.EXPORTED, PaymentStatus.PAID):
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
