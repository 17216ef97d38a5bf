from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from applicants.choices import LegalStructure
from applicants.models import DocumentKind


class Outcome(models.Model):
    """An outcome of the council's Strategic Plan 2022-26 (themes have no parent)."""

    code = models.CharField(max_length=8, unique=True)
    title = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Programme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    # Short code, also the prefix of application references (SCG-2026-00042).
    code = models.CharField(max_length=6, unique=True)
    description = models.TextField(blank=True)
    eligible_legal_structures = models.JSONField(
        default=list,
        blank=True,
        help_text="Legal structures that may apply; empty means any.",
    )
    cost_centre = models.CharField(max_length=20, blank=True)
    gl_code = models.CharField("GL code", max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def eligible_legal_structure_labels(self) -> list[str]:
        return [LegalStructure(value).label for value in self.eligible_legal_structures]


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Round(FSMModelMixin, models.Model):
    """
    One funding round of a programme. A published round takes applications
    from `opens_at` up to, but not including, the exact instant `closes_at`.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(max_length=200)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    assessment_deadline = models.DateField(null=True, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(**money)
    min_award = models.DecimalField(**money)
    max_award = models.DecimalField(**money)
    max_annual_income = models.DecimalField(null=True, blank=True, **money)
    # Eligibility rules, checked by grants.eligibility before an application
    # starts and again when it is submitted.
    eligible_legal_structures = models.JSONField(
        default=list,
        blank=True,
        help_text="Legal structures that may apply to this round; empty means the programme's list.",
    )
    earliest_project_start = models.DateField(
        null=True, blank=True, help_text="Projects may not start before this date."
    )
    latest_project_end = models.DateField(
        null=True, blank=True, help_text="Projects must end on or before this date."
    )
    leicestershire_only = models.BooleanField(
        "based in or serving Leicestershire",
        default=True,
        help_text="Groups based outside the county (Leicester City, Rutland or elsewhere) may "
        "apply only for projects that serve people in Leicestershire.",
    )
    required_documents = models.JSONField(
        default=list,
        blank=True,
        help_text="Documents every application must include, from the organisation's profile "
        "or attached to the application: values of DocumentKind.",
    )
    assessors_per_application = models.PositiveSmallIntegerField(default=2)
    scoring_scale_min = models.PositiveSmallIntegerField(default=0)
    scoring_scale_max = models.PositiveSmallIntegerField(default=5)
    moderation_threshold = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(100)],
        help_text="Applications whose assessors' weighted scores differ by more than this many "
        "percentage points are flagged for moderation.",
    )
    status = FSMField(default=RoundStatus.DRAFT, choices=RoundStatus.choices, protected=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="round_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(max_award__gte=models.F("min_award")),
                name="round_max_award_at_least_min",
            ),
            models.CheckConstraint(
                condition=models.Q(earliest_project_start__isnull=True)
                | models.Q(latest_project_end__isnull=True)
                | models.Q(latest_project_end__gte=models.F("earliest_project_start")),
                name="round_project_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name}: {self.name}"

    @property
    def allowed_legal_structures(self) -> list[str]:
        """The structures that may apply: the round's own list, else the programme's; empty is any."""
        return list(self.eligible_legal_structures or self.programme.eligible_legal_structures)

    def allowed_legal_structure_labels(self) -> list[str]:
        return [
            LegalStructure(value).label
            for value in self.allowed_legal_structures
            if value in LegalStructure.values
        ]

    def required_document_labels(self) -> list[str]:
        return [
            DocumentKind(value).label
            for value in self.required_documents
            if value in DocumentKind.values
        ]

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == RoundStatus.PUBLISHED and self.opens_at <= now < self.closes_at

    @transition(field=status, source=RoundStatus.DRAFT, target=RoundStatus.PUBLISHED)
    def publish(self) -> None:
        pass

    @transition(field=status, source=RoundStatus.PUBLISHED, target=RoundStatus.ARCHIVED)
    def archive(self) -> None:
        pass


class Criterion(models.Model):
    """A scoring criterion; weights are relative, shown as a share of their sum."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    max_score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order", "pk"]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.title
