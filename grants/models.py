"""
Applications, their assessment and decision, and the awards they become.

Status fields are django-fsm-2 fields with `protected=True`: only the
transition methods below change them, and only services call those methods
(inside a transaction, with the row locked, writing an AuditEvent).
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from applicants.choices import District
from applicants.models import Organisation
from config.postgres import upper_trigram_index
from rounds.models import Criterion, Outcome, Round

money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class ReferenceSequence(models.Model):
    """The last number handed out for a prefix and year, e.g. SCG-2026."""

    key = models.CharField(max_length=20, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    INELIGIBLE = "ineligible", "Not eligible"
    IN_ASSESSMENT = "in_assessment", "Being assessed"
    SCORED = "scored", "Scored"
    RECOMMENDED = "recommended", "Recommended"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not funded"
    WAITLISTED = "waitlisted", "On the waiting list"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_APPLICATION_STATES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_ASSESSMENT,
    ApplicationStatus.SCORED,
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.WAITLISTED,
]


class EntryChannel(models.TextChoices):
    ONLINE = "online", "Online by the applicant"
    TELEPHONE = "telephone", "By telephone, entered by an officer"
    PAPER = "paper", "On paper, entered by an officer"
    IN_PERSON = "in_person", "In person, entered by an officer"


class BasedIn(models.TextChoices):
    """Where an organisation is based, as the eligibility checker asks it."""

    LEICESTERSHIRE = "leicestershire", "In Leicestershire (one of its seven districts)"
    LEICESTER_CITY = "leicester_city", "In Leicester City"
    RUTLAND = "rutland", "In Rutland"
    ELSEWHERE = "elsewhere", "Somewhere else"


class ScreeningResult(models.TextChoices):
    PASSED = "passed", "Eligible"
    FAILED = "failed", "Not eligible"


class IneligibleReason(models.TextChoices):
    """Why an officer found an application not eligible; the applicant reads these."""

    ORGANISATION_TYPE = "organisation_type", "Your type of organisation cannot apply to this round"
    OUTSIDE_LEICESTERSHIRE = "outside_leicestershire", "Your project does not serve Leicestershire"
    AMOUNT = "amount", "The amount asked for is outside the round's limits"
    DATES = "dates", "The project's dates are outside the round's dates"
    INCOMPLETE = "incomplete", "The application is incomplete"
    DUPLICATE = "duplicate", "This duplicates another application"
    OVERDUE_MONITORING = "overdue_monitoring", "Monitoring for an earlier grant is overdue"
    OTHER = "other", "Another reason"


class Application(FSMModelMixin, models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    # Given on submission; blank while the application is a draft.
    reference = models.CharField(max_length=20, blank=True, db_index=True)
    title = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    amount_requested = models.DecimalField(null=True, blank=True, **money)
    project_start = models.DateField(null=True, blank=True)
    project_end = models.DateField(null=True, blank=True)
    beneficiaries = models.TextField("who will benefit", blank=True)
    beneficiaries_count = models.PositiveIntegerField(null=True, blank=True)
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="applications")
    districts_served = models.JSONField(default=list, blank=True)
    status = FSMField(
        default=ApplicationStatus.DRAFT,
        choices=ApplicationStatus.choices,
        protected=True,
        db_index=True,
    )
    declaration_name = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_by_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entry_channel = models.CharField(max_length=12, choices=EntryChannel.choices, default=EntryChannel.ONLINE)
    # The group's contact an officer spoke to or whose paper form they typed
    # in (assisted digital); they make the declaration.
    contact_name = models.CharField(max_length=200, blank=True)
    # Answers given to the eligibility checker before the draft was started.
    based_in = models.CharField(max_length=20, choices=BasedIn.choices, blank=True)
    serves_leicestershire = models.BooleanField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    # The grant officer who looks after the application once funded: their
    # monitoring lists and weekly overdue digest follow it.
    case_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    # The latest screening; earlier ones (and reopenings) are in the audit log.
    screening_result = models.CharField(
        max_length=10, choices=ScreeningResult.choices, blank=True, db_index=True
    )
    ineligible_reason = models.CharField(max_length=30, choices=IneligibleReason.choices, blank=True)
    screening_notes = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    # An officer's moderated score replaces the assessors' average; their
    # own scores stay on their assignments (see selectors.final_scores).
    moderated_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    moderation_reason = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live application per organisation per round; a withdrawn
            # or ineligible one does not stop a fresh start.
            models.UniqueConstraint(
                fields=["round", "organisation"],
                condition=~Q(status__in=["withdrawn", "ineligible"]),
                name="one_live_application_per_round",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="unique_application_reference"
            ),
        ]
        indexes = [
            # The id rides along (PostgreSQL only; SQLite ignores `include`) so
            # that counting a round's applications by status, and finding the
            # applications of some rounds to join to their assignments, read
            # this index alone and never the wide table (issue 9).
            models.Index(fields=["round", "status"], include=["id"], name="application_round_status"),
            # Newest first, with the id to break ties: staff search reads one
            # page of many thousands of matches in this order without sorting.
            models.Index(fields=["submitted_at", "id"], name="application_submitted_idx"),
            # Search's sort by amount requested, likewise.
            models.Index(fields=["amount_requested"], name="application_amount_idx"),
            # Staff search matches any part of a reference or title.
            upper_trigram_index("reference", "application_reference_trgm"),
            upper_trigram_index("title", "application_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft: {self.title or 'untitled application'}"

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def entered_for_group(self) -> bool:
        return self.entered_by_officer_id is not None

    @property
    def district_labels(self) -> list[str]:
        return [District(code).label for code in self.districts_served if code in District.values]

    @transition(field=status, source=ApplicationStatus.DRAFT, target=ApplicationStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=ApplicationStatus.SUBMITTED, target=ApplicationStatus.IN_ASSESSMENT)
    def pass_screening(self) -> None:
        pass

    @transition(field=status, source=ApplicationStatus.SUBMITTED, target=ApplicationStatus.INELIGIBLE)
    def fail_screening(self) -> None:
        pass

    @transition(
        field=status,
        source=[ApplicationStatus.INELIGIBLE, ApplicationStatus.IN_ASSESSMENT],
        target=ApplicationStatus.SUBMITTED,
    )
    def reopen_screening(self) -> None:
        pass

    @transition(field=status, source=ApplicationStatus.IN_ASSESSMENT, target=ApplicationStatus.SCORED)
    def complete_scoring(self) -> None:
        pass

    @transition(field=status, source=ApplicationStatus.SCORED, target=ApplicationStatus.RECOMMENDED)
    def recommend(self) -> None:
        pass

    @transition(
        field=status,
        source=[ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED],
        target=ApplicationStatus.APPROVED,
    )
    def approve(self) -> None:
        pass

    # A waitlisted application is rejected when the round's money runs out
    # for good.
    @transition(
        field=status,
        source=[ApplicationStatus.RECOMMENDED, ApplicationStatus.WAITLISTED],
        target=ApplicationStatus.REJECTED,
    )
    def reject(self) -> None:
        pass

    @transition(field=status, source=ApplicationStatus.RECOMMENDED, target=ApplicationStatus.WAITLISTED)
    def waitlist(self) -> None:
        pass

    @transition(field=status, source=OPEN_APPLICATION_STATES, target=ApplicationStatus.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(max_length=200)
    amount = models.DecimalField(**money)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["application", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.item}: £{self.amount}"


class AttachmentKind(models.TextChoices):
    GOVERNING_DOCUMENT = "governing_document", "Governing document"
    ACCOUNTS = "accounts", "Latest accounts"
    SAFEGUARDING_POLICY = "safeguarding_policy", "Safeguarding policy"
    QUOTE = "quote", "Quote or estimate"
    OTHER = "other", "Other supporting document"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is generated; the person's file name is kept in a field
    # and used only in the download's Content-Disposition header.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to one application (stored privately, served by a checked view)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "Waiting for declaration"
    IN_PROGRESS = "in_progress", "Scoring"
    SUBMITTED = "submitted", "Scores submitted"
    CONFLICTED = "conflicted", "Conflict of interest declared"
    REMOVED = "removed", "Removed by an officer"


# Assignments that count towards an application's assessors: a conflicted
# or removed one leaves a place to fill.
ACTIVE_ASSIGNMENT_STATES = [
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.SUBMITTED,
]
# Work an assessor still has to do: what automatic allocation balances.
OPEN_ASSIGNMENT_STATES = [AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]


class Assignment(FSMModelMixin, models.Model):
    """An assessor asked to score one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    due = models.DateField(null=True, blank=True)
    status = FSMField(default=AssignmentStatus.ASSIGNED, choices=AssignmentStatus.choices, protected=True)
    # Kept when scores are submitted so that rankings sort without
    # recomputing; criteria are locked once scoring starts.
    weighted_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Never the same assessor twice on one application; one removed
            # by an officer may be asked again.
            models.UniqueConstraint(
                fields=["application", "assessor"],
                condition=~Q(status="removed"),
                name="one_assignment_per_assessor",
            ),
        ]
        indexes = [models.Index(fields=["assessor", "status"])]

    def __str__(self) -> str:
        return f"{self.application} for {self.assessor}"

    @transition(field=status, source=AssignmentStatus.ASSIGNED, target=AssignmentStatus.IN_PROGRESS)
    def declare_no_conflict(self) -> None:
        pass

    @transition(field=status, source=AssignmentStatus.ASSIGNED, target=AssignmentStatus.CONFLICTED)
    def declare_conflict(self) -> None:
        pass

    @transition(field=status, source=AssignmentStatus.IN_PROGRESS, target=AssignmentStatus.SUBMITTED)
    def submit_scores(self) -> None:
        pass

    @transition(
        field=status,
        source=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS],
        target=AssignmentStatus.REMOVED,
    )
    def remove(self) -> None:
        pass


class ConflictDeclaration(models.Model):
    """What an assessor declared before opening an application (the panel minutes)."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="declaration")
    has_conflict = models.BooleanField()
    details = models.TextField(blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{'Conflict' if self.has_conflict else 'No conflict'}: {self.assignment}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    # Empty while a draft has a justification but no score yet.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    justification = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="one_score_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


def weighted_percentage(pairs: list[tuple[int, int, int]]) -> Decimal:
    """
    The weighted score as a percentage of the total weight, rounded half up
    to one decimal place: sum(score / max_score * weight) / sum(weight) * 100.
    `pairs` holds (score, max_score, weight) for every criterion.
    """
    total_weight = sum(weight for _, _, weight in pairs)
    if not total_weight:
        return Decimal("0.0")
    weighted = sum(
        Decimal(score) / Decimal(max_score) * Decimal(weight) for score, max_score, weight in pairs
    )
    return (weighted / Decimal(total_weight) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Recommendation(models.TextChoices):
    FUND_IN_FULL = "fund_in_full", "Fund in full"
    FUND_IN_PART = "fund_in_part", "Fund in part"
    DECLINE = "decline", "Decline"
    WAITLIST = "waitlist", "Waiting list"


class Decision(models.Model):
    """An officer's recommendation and, once made, the approver's decision."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    recommended_amount = models.DecimalField(null=True, blank=True, **money)
    reason = models.TextField(blank=True)
    feedback = models.TextField(blank=True, help_text="Shown to the applicant with the decision.")
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_at = models.DateTimeField(auto_now_add=True)
    approved_amount = models.DecimalField(null=True, blank=True, **money)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.application}: {self.get_recommendation_display()}"


class AwardStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Offer declined"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CLOSED_EARLY = "closed_early", "Closed early"


# Awards whose money still counts against a round's budget.
COMMITTED_AWARD_STATES = [
    AwardStatus.OFFERED,
    AwardStatus.ACCEPTED,
    AwardStatus.ACTIVE,
    AwardStatus.COMPLETED,
    AwardStatus.CLOSED_EARLY,
]


class Award(FSMModelMixin, models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(**money)
    conditions = models.TextField(blank=True)
    award_date = models.DateField()
    offered_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signatory_name = models.CharField(max_length=200, blank=True)
    # A declined offer, and an award closed (complete or early): who, when
    # and why, shown on the award's pages (the audit log holds the same).
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_reason = models.TextField(blank=True)
    status = FSMField(default=AwardStatus.OFFERED, choices=AwardStatus.choices, protected=True, db_index=True)

    class Meta:
        ordering = ["-award_date", "-pk"]
        indexes = [
            # Serves the ordering, newest first, whole: on award_date alone
            # PostgreSQL read and joined every award of the latest date
            # (over a thousand) to sort them by pk before showing fifty
            # (issue 9). Also serves filters on award_date.
            models.Index(fields=["award_date", "id"], name="award_newest_first"),
        ]

    def __str__(self) -> str:
        return f"Award {self.application.reference}"

    @property
    def reference(self) -> str:
        return self.application.reference

    @transition(field=status, source=AwardStatus.OFFERED, target=AwardStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=AwardStatus.OFFERED, target=AwardStatus.DECLINED)
    def decline(self) -> None:
        pass

    @transition(field=status, source=AwardStatus.ACCEPTED, target=AwardStatus.ACTIVE)
    def activate(self) -> None:
        pass

    @transition(field=status, source=AwardStatus.ACTIVE, target=AwardStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(
        field=status,
        source=[AwardStatus.ACCEPTED, AwardStatus.ACTIVE],
        target=AwardStatus.CLOSED_EARLY,
    )
    def close_early(self) -> None:
        pass


class MonitoringStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


# A return in any other state is overdue once its due date has passed.
SENT_MONITORING_STATES = [MonitoringStatus.SUBMITTED, MonitoringStatus.ACCEPTED]


class ReturnKind(models.TextChoices):
    INTERIM = "interim", "Six-month interim"
    END_OF_GRANT = "end_of_grant", "End of grant"


class FinancialOutlook(models.TextChoices):
    YES = "yes", "Yes"
    UNSURE = "unsure", "Not sure"
    NO = "no", "No"


class MonitoringReturn(FSMModelMixin, models.Model):
    """
    One report a funded group owes. The figures the council adds up for its
    Strategic Plan measures (people reached by group, volunteers, volunteer
    hours, financial viability, challenges) are columns, so round and
    financial-year totals are database sums. Everything read only with the
    return itself (activities, spend per budget line, outcomes achieved per
    outcome, the case study) is in `answers`: its shape follows the
    application's own budget lines and outcomes, which differ per award.
    """

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="monitoring_returns")
    # Database defaults too, so that bulk loads (bench/datagen.py) that do
    # not name the newer columns still insert.
    kind = models.CharField(
        max_length=20, choices=ReturnKind.choices, default=ReturnKind.END_OF_GRANT,
        db_default=ReturnKind.END_OF_GRANT,
    )
    due = models.DateField(db_index=True)
    # When the group may start the return (scheduled -> due); null for
    # returns scheduled before the rules existed, which open at once.
    opens_on = models.DateField(null=True, blank=True, db_index=True)
    period = models.CharField(max_length=100, help_text="For example 'End of grant'.")
    answers = models.JSONField(default=dict, blank=True)
    people_children = models.PositiveIntegerField(null=True, blank=True)
    people_older = models.PositiveIntegerField(null=True, blank=True)
    people_disabled = models.PositiveIntegerField(null=True, blank=True)
    people_other = models.PositiveIntegerField(null=True, blank=True)
    volunteers = models.PositiveIntegerField(null=True, blank=True)
    volunteer_hours = models.PositiveIntegerField(null=True, blank=True)
    challenges = models.TextField(blank=True, default="", db_default="")
    financially_viable = models.CharField(
        max_length=10, choices=FinancialOutlook.choices, blank=True, default="", db_default=""
    )
    status = FSMField(default=MonitoringStatus.SCHEDULED, choices=MonitoringStatus.choices, protected=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set once, when an officer accepts; payments read these to release an
    # instalment that waits for the return.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    PEOPLE_FIELDS = ("people_children", "people_older", "people_disabled", "people_other")

    class Meta:
        ordering = ["due", "pk"]
        # Not unique per (award, kind): imported and older returns may repeat
        # a kind. schedule_monitoring_returns is idempotent under the award's
        # row lock instead.
        indexes = [models.Index(fields=["status", "due"]), models.Index(fields=["award", "kind"])]

    def __str__(self) -> str:
        return f"{self.period} return for {self.award}"

    @transition(field=status, source=MonitoringStatus.SCHEDULED, target=MonitoringStatus.DUE)
    def open(self) -> None:
        pass

    @transition(
        field=status,
        source=[MonitoringStatus.DUE, MonitoringStatus.CHANGES_REQUESTED],
        target=MonitoringStatus.SUBMITTED,
    )
    def submit(self) -> None:
        pass

    @transition(field=status, source=MonitoringStatus.SUBMITTED, target=MonitoringStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=MonitoringStatus.SUBMITTED, target=MonitoringStatus.CHANGES_REQUESTED)
    def request_changes(self) -> None:
        pass

    @property
    def people_reached(self) -> int:
        return sum(getattr(self, name) or 0 for name in self.PEOPLE_FIELDS)

    @property
    def days_overdue(self) -> int:
        """Days past the due date while not sent (overdue is derived, never stored)."""
        if self.status in SENT_MONITORING_STATES:
            return 0
        return max((timezone.localdate() - self.due).days, 0)

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def is_editable(self) -> bool:
        return self.status in (MonitoringStatus.DUE, MonitoringStatus.CHANGES_REQUESTED)


class MonitoringRule(models.Model):
    """
    When a round's awards report. Every award owes an end-of-grant return;
    awards of at least `interim_threshold` also owe an interim return
    `interim_months` after the project starts. A round without a rule uses
    the defaults (DEFAULT_MONITORING_RULE).
    """

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="monitoring_rule")
    end_of_grant_weeks = models.PositiveSmallIntegerField(
        default=8, help_text="Weeks after the project ends that the end-of-grant return is due."
    )
    interim_threshold = models.DecimalField(
        default=Decimal("10000.00"),
        help_text="Awards of this amount or more also send an interim return.",
        **money,
    )
    interim_months = models.PositiveSmallIntegerField(
        default=6, help_text="Months after the project starts that the interim return is due."
    )
    opens_days_before = models.PositiveSmallIntegerField(
        default=28, help_text="Days before its due date that a group can start a return."
    )

    def __str__(self) -> str:
        return f"Monitoring rule for {self.round}"


# Unsaved: the rule a round without one follows.
DEFAULT_MONITORING_RULE = MonitoringRule()


def supporting_file_path(instance: "MonitoringFile", filename: str) -> str:
    return f"monitoring/{instance.monitoring_return_id}/{uuid.uuid4().hex}"


class MonitoringFile(models.Model):
    """A supporting file sent with a return (photos, a report, receipts)."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=supporting_file_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReviewOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class MonitoringReview(models.Model):
    """Each officer review of a return, kept so the back-and-forth can be read later."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    comments = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.monitoring_return}"
