"""Applications at the ranking and decision stages, and reading tables off a page."""

from decimal import Decimal

import lxml.html

from grants.models import ApplicationStatus, AssignmentStatus, Recommendation
from tests.grants.factories import ApplicationFactory, AssignmentFactory, DecisionFactory


def scored(round, *weighted_scores, amount="5000.00", status=ApplicationStatus.SCORED, **fields):
    """An application whose assessors submitted these weighted scores (percentages)."""
    application = ApplicationFactory(
        round=round, status=status, amount_requested=Decimal(amount), **fields
    )
    for score in weighted_scores:
        AssignmentFactory(
            application=application,
            status=AssignmentStatus.SUBMITTED,
            weighted_score=Decimal(str(score)),
        )
    return application


def recommended(
    round,
    score=70,
    amount="5000.00",
    *,
    recommendation=Recommendation.FUND_IN_FULL,
    recommended_amount=None,
    status=ApplicationStatus.RECOMMENDED,
    **fields,
):
    """A scored application with an officer's recommendation waiting for an approver."""
    application = scored(round, score, amount=amount, status=status, **fields)
    DecisionFactory(
        application=application,
        recommendation=recommendation,
        recommended_amount=None
        if recommendation == Recommendation.DECLINE
        else Decimal(recommended_amount or amount),
        feedback="Thank you for applying." if recommendation == Recommendation.DECLINE else "",
    )
    return application


def _document(response):
    document = lxml.html.fromstring(response.content.decode())
    # A line break reads as a space, as it does on the screen.
    for br in document.iter("br"):
        br.tail = " " + (br.tail or "")
    return document


def table_rows(response, table_class: str | None = None) -> list[list[str]]:
    """The text of each cell of each body row of the page's first (or given) table."""
    document = _document(response)
    selector = f"//table[contains(@class, '{table_class}')]" if table_class else "//table"
    table = document.xpath(selector)[0]
    return [
        [" ".join(" ".join(cell.itertext()).split()) for cell in row.xpath("./td|./th")]
        for row in table.xpath("./tbody/tr")
    ]


def page_text(response) -> str:
    """The main content's words, one space between each piece of text."""
    return " ".join(" ".join(_document(response).xpath("//main")[0].itertext()).split())
