"""Factories for programmes, rounds and criteria."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from rounds.models import Criterion, Outcome, Programme, Round, RoundStatus


class ProgrammeFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Test Programme {n}")
    code = factory.Sequence(lambda n: f"T{n:03d}")
    description = "A programme made for a test."
    cost_centre = "CC1234"
    gl_code = "5678"

    class Meta:
        model = Programme
        django_get_or_create = ("code",)


class RoundFactory(factory.django.DjangoModelFactory):
    """
    A published round open now: opened a week ago, closes in four weeks.
    The status is protected, so pass it here (`RoundFactory(status=...)`)
    rather than setting it afterwards.
    """

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Round {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=35))
    budget = Decimal("100000.00")
    min_award = Decimal("500.00")
    max_award = Decimal("10000.00")
    assessors_per_application = 1
    scoring_scale_min = 0
    scoring_scale_max = 5
    status = RoundStatus.PUBLISHED

    class Meta:
        model = Round

    class Params:
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=60)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=10)),
        )
        archived = factory.Trait(
            closed=True,
            status=RoundStatus.ARCHIVED,
        )


class CriterionFactory(factory.django.DjangoModelFactory):
    round = factory.SubFactory(RoundFactory)
    title = factory.Sequence(lambda n: f"Criterion {n}")
    guidance = "How well the application meets this criterion."
    weight = 25
    max_score = 5
    order = factory.Sequence(lambda n: n)

    class Meta:
        model = Criterion


def outcome(code: str) -> Outcome:
    """A Strategic Plan outcome; the list is loaded by a data migration."""
    return Outcome.objects.get(code=code)
