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
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from grants.models import Award, MonitoringReturn

money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.01"))]}


class Instalment(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(**money)
    # An instalment that waits for a monitoring return cannot be paid before
    # that return is accepted.
    after_return = models.ForeignKey(
        MonitoringReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="unique_instalment_number"),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} instalment {self.number}"


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
                condition=Q(status="scheduled") | Q(run__isnull=False),
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

    @transition(
        field=status, source=[PaymentStatus.EXPORTED, PaymentStatus.PAID],
        target=PaymentStatus.FAILED,
    )
    def mark_failed(self) -> None:
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
