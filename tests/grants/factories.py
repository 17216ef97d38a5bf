"""
Factories for applications and what follows them. They write rows directly
in the state asked for (statuses are passed to the constructor, which the
protected FSM fields allow); tests of transitions call the services instead.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from applicants.choices import District
from grants.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    AttachmentKind,
    Award,
    AwardStatus,
    BudgetLine,
    Decision,
    MonitoringFile,
    MonitoringReturn,
    Recommendation,
    Score,
)
from tests.accounts.factories import UserFactory
from tests.applicants.factories import OrganisationFactory
from tests.rounds.factories import CriterionFactory, RoundFactory

# The smallest file the upload check recognises as a PDF.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _is_submitted(application) -> bool:
    return application.status != ApplicationStatus.DRAFT


class ApplicationFactory(factory.django.DjangoModelFactory):
    """
    A draft application with every answer filled in but its outcomes (pass
    `outcomes=["5.5"]`), one budget line for the whole amount. With a status beyond
    draft (`ApplicationFactory(status=ApplicationStatus.APPROVED)`) it also
    gets a reference and a submission time.
    """

    round = factory.SubFactory(RoundFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Community project {n}")
    summary = "Weekly sessions for older people who live alone."
    amount_requested = Decimal("5000.00")
    project_start = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    project_end = factory.LazyAttribute(lambda o: o.project_start + timedelta(days=365))
    beneficiaries = "Older people in the parish."
    beneficiaries_count = 40
    districts_served = factory.LazyFunction(lambda: [District.BLABY.value])
    status = ApplicationStatus.DRAFT
    reference = factory.LazyAttributeSequence(
        lambda o, n: f"{o.round.programme.code}-2026-{n + 1:05d}" if _is_submitted(o) else ""
    )
    declaration_name = factory.LazyAttribute(lambda o: "Test Signatory" if _is_submitted(o) else "")
    submitted_at = factory.LazyAttribute(
        lambda o: timezone.now() - timedelta(days=1) if _is_submitted(o) else None
    )
    created_by = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])

    class Meta:
        model = Application
        skip_postgeneration_save = True

    @factory.post_generation
    def budget_lines(self, create, extracted, **kwargs):
        """
        One line for the whole amount, so the budget adds up; or the lines
        given (`budget_lines=[("Hall hire", Decimal("500"))]`); `[]` for none.
        """
        if not create:
            return
        if extracted is None:
            extracted = (
                [("Project costs", self.amount_requested)]
                if self.amount_requested is not None
                else []
            )
        BudgetLine.objects.bulk_create(
            BudgetLine(application=self, item=item, amount=amount, order=index)
            for index, (item, amount) in enumerate(extracted)
        )

    @factory.post_generation
    def outcomes(self, create, extracted, **kwargs):
        """Pass Outcome objects or codes: `ApplicationFactory(outcomes=["5.5"])`."""
        if not create or not extracted:
            return
        from rounds.models import Outcome

        codes = [o for o in extracted if isinstance(o, str)]
        objects = [o for o in extracted if not isinstance(o, str)]
        self.outcomes.add(*objects, *Outcome.objects.filter(code__in=codes))


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A small PDF attached to a draft."""

    application = factory.SubFactory(ApplicationFactory)
    kind = AttachmentKind.QUOTE
    file = factory.django.FileField(filename="quote.pdf", data=PDF_BYTES)
    original_name = "quote.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])

    class Meta:
        model = Attachment


class BudgetLineFactory(factory.django.DjangoModelFactory):
    application = factory.SubFactory(ApplicationFactory)
    item = factory.Sequence(lambda n: f"Budget item {n}")
    amount = Decimal("1000.00")
    order = factory.Sequence(lambda n: n)

    class Meta:
        model = BudgetLine


class AssignmentFactory(factory.django.DjangoModelFactory):
    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.IN_ASSESSMENT)
    assessor = factory.SubFactory(UserFactory, roles=[Role.ASSESSOR])
    assigned_by = factory.SubFactory(UserFactory, roles=[Role.GRANT_OFFICER])
    status = AssignmentStatus.ASSIGNED

    class Meta:
        model = Assignment


class ScoreFactory(factory.django.DjangoModelFactory):
    assignment = factory.SubFactory(AssignmentFactory, status=AssignmentStatus.IN_PROGRESS)
    criterion = factory.SubFactory(
        CriterionFactory, round=factory.SelfAttribute("..assignment.application.round")
    )
    score = 3
    justification = "Clear evidence of need."

    class Meta:
        model = Score


class DecisionFactory(factory.django.DjangoModelFactory):
    """A recommendation to fund in full; pass approved_amount and decided_by for a decision."""

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.RECOMMENDED)
    recommendation = Recommendation.FUND_IN_FULL
    recommended_amount = factory.SelfAttribute("application.amount_requested")
    reason = "Strong application."
    recommended_by = factory.SubFactory(UserFactory, roles=[Role.GRANT_OFFICER])

    class Meta:
        model = Decision


class AwardFactory(factory.django.DjangoModelFactory):
    """
    An award offered today on an approved application. It has no
    instalments: use tests.payments.factories for a payment schedule.
    """

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.APPROVED)
    amount = factory.LazyAttribute(lambda o: o.application.amount_requested)
    award_date = factory.LazyFunction(timezone.localdate)
    offered_at = factory.LazyFunction(timezone.now)
    conditions = "Spend the grant on the project described."
    status = AwardStatus.OFFERED

    class Meta:
        model = Award

    class Params:
        accepted = factory.Trait(
            status=AwardStatus.ACCEPTED,
            accepted_at=factory.LazyFunction(timezone.now),
            signatory_name="Test Signatory",
        )


class MonitoringReturnFactory(factory.django.DjangoModelFactory):
    award = factory.SubFactory(AwardFactory, accepted=True)
    due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    period = "End of grant"

    class Meta:
        model = MonitoringReturn


class MonitoringFileFactory(factory.django.DjangoModelFactory):
    """A small PDF sent with a return."""

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    file = factory.django.FileField(filename="report.pdf", data=PDF_BYTES)
    original_name = "report.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])

    class Meta:
        model = MonitoringFile
