"""Shared by the report, dashboard and search tests: data and reading pages."""

from datetime import datetime, timedelta
from decimal import Decimal

import lxml.html
from django.utils import timezone

from accounts.roles import Role
from grants.models import ApplicationStatus, AwardStatus
from payments.models import PaymentStatus
from tests.accounts.factories import UserFactory
from tests.applicants.factories import OrganisationFactory
from tests.grants.factories import ApplicationFactory, AwardFactory, DecisionFactory
from tests.payments.factories import InstalmentFactory, PaymentFactory

STAFF_ROLES = [Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR]


def table(html: str | bytes, table_id: str) -> list[list[str]]:
    """The rows of the table with this id (head, body and foot), each a list of cell texts."""
    document = lxml.html.fromstring(html)
    [element] = document.xpath(f'//table[@id="{table_id}"]')
    return [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        for row in element.xpath(".//tr")
    ]


def body_rows(html, table_id: str) -> dict[str, list[str]]:
    """{first cell: other cells} for the body rows of a table."""
    document = lxml.html.fromstring(html)
    [element] = document.xpath(f'//table[@id="{table_id}"]')
    return {
        " ".join(row.xpath("./th|./td")[0].text_content().split()): [
            " ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")[1:]
        ]
        for row in element.xpath("./tbody/tr")
    }


def foot_row(html, table_id: str) -> list[str]:
    document = lxml.html.fromstring(html)
    [row] = document.xpath(f'//table[@id="{table_id}"]/tfoot/tr')
    return [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]


def summary(html) -> dict[str, str]:
    """The report's summary list: {key: value}."""
    document = lxml.html.fromstring(html)
    return {
        " ".join(row.xpath("./dt")[0].text_content().split()):
        " ".join(row.xpath("./dd")[0].text_content().split())
        for row in document.xpath('//dl[@id="summary"]/div')
    }


def local(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def funded(
    amount: str,
    *,
    round,
    award_date=None,
    district="E07000129",
    legal_structure="registered_charity",
    communities="Older people",
    outcomes=("5.5",),
    paid: str = "0",
    days_to_decision: int = 10,
    organisation=None,
):
    """An approved application with its decision and a committed award."""
    award_date = award_date or timezone.localdate()
    decided_at = local(award_date.year, award_date.month, award_date.day)
    organisation = organisation or OrganisationFactory(
        district=district, legal_structure=legal_structure, communities_served=communities
    )
    application = ApplicationFactory(
        round=round,
        organisation=organisation,
        status=ApplicationStatus.APPROVED,
        amount_requested=Decimal(amount),
        outcomes=list(outcomes),
        submitted_at=decided_at - timedelta(days=days_to_decision),
    )
    DecisionFactory(
        application=application,
        approved_amount=Decimal(amount),
        decided_by=UserFactory(roles=[Role.APPROVER]),
        decided_at=decided_at,
    )
    award = AwardFactory(
        application=application, amount=Decimal(amount), award_date=award_date,
        status=AwardStatus.ACCEPTED,
    )
    if Decimal(paid):
        PaymentFactory(
            instalment=InstalmentFactory(award=award, amount=Decimal(paid)),
            status=PaymentStatus.PAID,
        )
    return award


def not_funded(*, round, decided_on, days_to_decision=20):
    decided_at = local(decided_on.year, decided_on.month, decided_on.day)
    application = ApplicationFactory(
        round=round, status=ApplicationStatus.REJECTED,
        submitted_at=decided_at - timedelta(days=days_to_decision),
    )
    DecisionFactory(
        application=application,
        decided_by=UserFactory(roles=[Role.APPROVER]),
        decided_at=decided_at,
    )
    return application
