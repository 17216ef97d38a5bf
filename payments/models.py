"""
Instalments say what an award will pay and when; Payments are the money
actually moving, each through the lifecycle
scheduled -> in_run -> approved -> exported -> paid | failed.
A failed payment is re-queued as a new Payment for the same instalment, so
at most one payment per instalment is ever live (a database constraint).

Clawback: a Repayment asks an organisation to pay money back; the money
that arrives is recorded as RepaymentReceipts. What is asked back never
exceeds what was paid, and what is received never exceeds what was asked.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from grants.models import Award, MonitoringReturn
from rounds.models import Round

money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.01"))]}


class PaymentRule(models.Model):
    """
    How a round's awards are paid. An award up to `full_payment_up_to` is
    paid whole once the offer is accepted; a larger one is paid
    `first_instalment_percent` on acceptance and the rest once the
    organisation's monitoring return has been accepted, so the council sees
    the project under way before paying it all. A round without a rule is
    paid as DEFAULT_PAYMENT_RULE says.
    """

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="payment_rule")
    full_payment_up_to = models.DecimalField(
        "pay in full on acceptance up to", max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Awards of this amount or less are paid in one instalment on acceptance.",
    )
    first_instalment_percent = models.PositiveSmallIntegerField(
        "first instalment (% of the award)",
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="For larger awards: the share paid on acceptance. The rest is paid once a "
        "monitoring return has been accepted.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(first_instalment_percent__gte=1, first_instalment_percent__lte=99),
                name="payment_rule_first_instalment_percent_1_to_99",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment rule for {self.round}"


class InstalmentCondition(models.TextChoices):
    ON_ACCEPTANCE = "on_acceptance", "When the offer is accepted"
    AFTER_MONITORING = "after_monitoring", "After a monitoring return is accepted"


class Instalment(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(**money)
    condition = models.CharField(
        max_length=20, choices=InstalmentCondition.choices,
        default=InstalmentCondition.ON_ACCEPTANCE,
    )
    # An instalment that waits for a monitoring return cannot be paid before
    # that return is accepted. Returns are scheduled by the monitoring work,
    # often after the payment schedule is made: until one is linked here, the
    # award's first accepted return meets the condition.
    after_return = models.ForeignKey(
        MonitoringReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when a variation or an early close means it will not be paid.
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="unique_instalment_number"),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} instalment {self.number}"

    @property
    def waits_for_monitoring(self) -> bool:
        return self.condition == InstalmentCondition.AFTER_MONITORING


class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"


class PaymentRun(FSMModelMixin, models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=50, blank=True)
    status = FSMField(
        default=PaymentRunStatus.DRAFT, choices=PaymentRunStatus.choices, protected=True
    )
    # Payments made before this system, recorded by a historical import: they
    # were approved in the old system, so the run has no approver here.
    imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Four eyes: the person who builds a run never approves it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="payment_run_approver_is_not_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"RUN-{self.pk:05d}"

    @transition(field=status, source=PaymentRunStatus.DRAFT, target=PaymentRunStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=PaymentRunStatus.APPROVED, target=PaymentRunStatus.EXPORTED)
    def export(self) -> None:
        pass

    @transition(field=status, source=PaymentRunStatus.EXPORTED, target=PaymentRunStatus.PAID)
    def mark_paid(self) -> None:
        pass


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_RUN = "in_run", "In a payment run"
    APPROVED = "approved", "Approved"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# Payments that the finance system has taken, and so may come back failed.
FAILABLE_PAYMENT_STATES = (PaymentStatus.EXPORTED, PaymentStatus.PAID)


class Payment(FSMModelMixin, models.Model):
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="payments")
    run = models.ForeignKey(
        PaymentRun, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(**money)
    status = FSMField(
        default=PaymentStatus.SCHEDULED, choices=PaymentStatus.choices, protected=True,
        db_index=True,
    )
    paid_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    failure_reason = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The failed payment this one pays again; each is re-queued at most once.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["instalment"], condition=~Q(status="failed"),
                name="one_live_payment_per_instalment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"]) | Q(run__isnull=False),
                name="payment_beyond_scheduled_is_in_a_run",
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.instalment}"

    @transition(field=status, source=PaymentStatus.SCHEDULED, target=PaymentStatus.IN_RUN)
    def add_to_run(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.IN_RUN, target=PaymentStatus.SCHEDULED)
    def remove_from_run(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.IN_RUN, target=PaymentStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.APPROVED, target=PaymentStatus.EXPORTED)
    def export(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.EXPORTED, target=PaymentStatus.PAID)
    def mark_paid(self) -> None:
        pass

    @transition(field=status, source=list(FAILABLE_PAYMENT_STATES), target=PaymentStatus.FAILED)
    def mark_failed(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.SCHEDULED, target=PaymentStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class Repayment(models.Model):
    """Money an organisation is asked to pay back (clawback), with the reason."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(**money)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: £{self.amount} asked back"

    @property
    def reference(self) -> str:
        return f"REP-{self.pk:05d}"


class RepaymentReceipt(models.Model):
    """Money received against a repayment; several part payments may settle one."""

    repayment = models.ForeignKey(Repayment, on_delete=models.PROTECT, related_name="receipts")
    amount = models.DecimalField(**money)
    received_on = models.DateField()
    reference = models.CharField(max_length=50)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="repayment_receipt_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount} received on {self.received_on:%d/%m/%Y} ({self.reference})"


class VariationStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"


class AwardVariation(FSMModelMixin, models.Model):
    """
    A change to an award after it was offered: its amount, the project's
    dates or the conditions. Asked for by an officer with a reason and
    decided by an approver who did not ask for it. The values it replaced
    are kept, so the rows are the award's history of changes.
    """

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="variations")
    reason = models.TextField()
    new_amount = models.DecimalField(null=True, blank=True, **money)
    new_project_start = models.DateField(null=True, blank=True)
    new_project_end = models.DateField(null=True, blank=True)
    new_conditions = models.TextField(blank=True)
    # What the award held when the variation was approved.
    previous = models.JSONField(default=dict, blank=True)
    status = FSMField(
        default=VariationStatus.REQUESTED, choices=VariationStatus.choices, protected=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # Four eyes: whoever asks for a variation never decides it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="variation_decider_is_not_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} for {self.award}"

    @property
    def reference(self) -> str:
        return f"VAR-{self.pk:05d}"

    @transition(field=status, source=VariationStatus.REQUESTED, target=VariationStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=VariationStatus.REQUESTED, target=VariationStatus.REJECTED)
    def reject(self) -> None:
        pass
