"""
Who may apply to a round, and if not, exactly why.

`eligibility_reasons` is a pure function: it is given the round, the
organisation, the applicant's answers and the facts about the
organisation's other grants (gathered by `grants.selectors.check_eligibility`),
and returns one plain-English sentence for every rule that is not met. An
empty list means the organisation can apply. The checker page shows the
sentences, and `start_application` and `submit_application` refuse with them,
so a crafted request cannot get round a rule the page enforces.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from applicants.choices import LegalStructure

from .models import BasedIn

# "<these> cannot apply to <programme>", for each legal structure.
STRUCTURE_PLURALS = {
    LegalStructure.REGISTERED_CHARITY: "Registered charities",
    LegalStructure.CIO: "Charitable incorporated organisations (CIOs)",
    LegalStructure.COMPANY_LIMITED_BY_GUARANTEE: "Companies limited by guarantee",
    LegalStructure.CIC: "Community interest companies (CICs)",
    LegalStructure.COMMUNITY_BENEFIT_SOCIETY: "Community benefit societies and co-operatives",
    LegalStructure.UNINCORPORATED: "Unincorporated associations and community groups",
    LegalStructure.FAITH_GROUP: "Faith groups",
    LegalStructure.TOWN_OR_PARISH_COUNCIL: "Town or parish councils",
    LegalStructure.OTHER: "Organisations whose legal structure is not listed",
}

OUTSIDE_THE_COUNTY = {
    BasedIn.LEICESTER_CITY: "Organisations based in Leicester City or Rutland",
    BasedIn.RUTLAND: "Organisations based in Leicester City or Rutland",
    BasedIn.ELSEWHERE: "Organisations based outside Leicestershire",
}


@dataclass(frozen=True)
class Answers:
    """What the applicant told the checker; None or "" where not asked."""

    amount: Decimal | None = None
    project_start: date | None = None
    project_end: date | None = None
    based_in: str = ""
    serves_leicestershire: bool | None = None


@dataclass(frozen=True)
class OtherApplication:
    reference: str
    title: str


@dataclass(frozen=True)
class OverdueReturn:
    reference: str
    period: str
    due: date


@dataclass(frozen=True)
class History:
    """The organisation's other applications and grants, as far as the rules need them."""

    live_application: OtherApplication | None = None
    overdue_returns: tuple[OverdueReturn, ...] = field(default_factory=tuple)


def pounds(amount: Decimal) -> str:
    """£312,000 for whole pounds, £1,250.50 otherwise."""
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def instant(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%-I:%M%p}".lower() + f" on {long_date(local.date())}"


def eligibility_reasons(
    *,
    round,
    organisation,
    answers: Answers | None,
    history: History,
    now: datetime,
) -> list[str]:
    """Every reason the organisation cannot apply to the round; empty if it can."""
    reasons = []
    programme = round.programme
    if not round.is_open(now):
        if now < round.opens_at:
            reasons.append(f"{round.name} opens for applications at {instant(round.opens_at)}")
        else:
            reasons.append(
                f"{round.name} closed at {instant(round.closes_at)} and no longer takes applications"
            )

    allowed = round.allowed_legal_structures
    if allowed and organisation.legal_structure not in allowed:
        plural = STRUCTURE_PLURALS.get(organisation.legal_structure, "Organisations like yours")
        reasons.append(f"{plural} cannot apply to {programme.name}")

    limit = round.max_annual_income
    if limit is not None and organisation.annual_income > limit:
        reasons.append(
            f"Your annual income of {pounds(organisation.annual_income)} is above this round's "
            f"limit of {pounds(limit)}"
        )

    if history.live_application is not None:
        other = history.live_application
        which = f"({other.reference})" if other.reference else "(a draft you have not submitted)"
        reasons.append(
            f"{organisation.name} already has an application for {round.name} {which}: "
            "each organisation can make only one application to a round"
        )

    for overdue in history.overdue_returns:
        reasons.append(
            f"Your {overdue.period[:1].lower()}{overdue.period[1:]} monitoring return for grant "
            f"{overdue.reference} was due on {long_date(overdue.due)}: send it before you apply again"
        )

    if answers is not None:
        reasons += _answer_reasons(round=round, answers=answers)
    return reasons


def _answer_reasons(*, round, answers: Answers) -> list[str]:
    reasons = []
    if (
        round.leicestershire_only
        and answers.based_in in OUTSIDE_THE_COUNTY
        and answers.serves_leicestershire is not True
    ):
        reasons.append(
            f"{OUTSIDE_THE_COUNTY[answers.based_in]} cannot apply unless the project serves "
            "people in Leicestershire"
        )

    amount = answers.amount
    if amount is not None and not round.min_award <= amount <= round.max_award:
        reasons.append(
            f"The amount you ask for must be between {pounds(round.min_award)} and "
            f"{pounds(round.max_award)}; you asked for {pounds(amount)}"
        )

    reasons += project_date_reasons(
        round=round, start=answers.project_start, end=answers.project_end
    )
    return reasons


def project_date_reasons(*, round, start: date | None, end: date | None) -> list[str]:
    """The project's dates against the round's window (shared with the project section)."""
    reasons = []
    if start and end and end < start:
        reasons.append("The project's end date must be on or after its start date")
    if start and round.earliest_project_start and start < round.earliest_project_start:
        reasons.append(
            f"Your project must start on or after {long_date(round.earliest_project_start)}; "
            f"you said it starts on {long_date(start)}"
        )
    if end and round.latest_project_end and end > round.latest_project_end:
        reasons.append(
            f"Your project must end by {long_date(round.latest_project_end)}; "
            f"you said it ends on {long_date(end)}"
        )
    return reasons
