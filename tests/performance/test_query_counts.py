"""
No list page's query count grows with its rows, and none issues more than
15 queries (issue 9). Each page is requested with two data sizes (2 rows,
then 7); the count must be the same.

`make bench` measures the same pages at full scale (bench/pages.py).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from grants.models import ApplicationStatus, AssignmentStatus, EntryChannel
from notifications.models import Notification, NotificationStatus
from payments.models import PaymentRunStatus, PaymentStatus
from tests.accounts.factories import UserFactory
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AwardFactory,
    DecisionFactory,
    MonitoringReturnFactory,
)
from tests.payments.factories import PaymentFactory, PaymentRunFactory
from tests.rounds.factories import RoundFactory

MAX_QUERIES = 15
FEW, MORE = 2, 5
_keys = count()


@dataclass
class Scenario:
    role: str | None  # None: not signed in
    name: str  # the page's URL name
    add: object  # add(scenario, n): n more rows the page lists
    kwargs: object = None  # kwargs(scenario) for reverse()
    query: str = ""


def _notification(user, status):
    key = next(_keys)
    Notification.objects.create(
        kind="application_submitted", recipient=user, to_email=user.email,
        subject=f"Message {key}", body_text="Your application has been received.",
        idempotency_key=f"test:query-counts:{key}", status=status,
    )


def add_dashboard(s, n):
    for _ in range(n):
        award = AwardFactory(application__organisation=s.organisation, accepted=True,
                             application__outcomes=["5.5"])
        DecisionFactory(application=award.application, approved_amount=award.amount)
        MonitoringReturnFactory(award=award)
        ApplicationFactory(organisation=s.organisation)


def add_round_applications(s, n):
    for _ in range(n):
        application = ApplicationFactory(round=s.round, status=ApplicationStatus.SCORED,
                                         outcomes=["5.5"])
        AssignmentFactory(application=application, status=AssignmentStatus.SUBMITTED,
                          weighted_score=Decimal("62.5"))
        AssignmentFactory(application=application, status=AssignmentStatus.SUBMITTED,
                          weighted_score=Decimal("70.0"))


def add_assignments(s, n):
    for index in range(n):
        AssignmentFactory(assessor=s.user, status=[AssignmentStatus.ASSIGNED,
                                                   AssignmentStatus.IN_PROGRESS][index % 2],
                          due=timezone.localdate() + timedelta(days=index))


def add_recommendations(s, n):
    for _ in range(n):
        decision = DecisionFactory()
        AssignmentFactory(application=decision.application, status=AssignmentStatus.SUBMITTED,
                          weighted_score=Decimal("55.0"))


def add_rounds(s, n):
    for _ in range(n):
        round = RoundFactory()
        ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)
        AwardFactory(application__round=round, accepted=True)


def add_assisted(s, n):
    for _ in range(n):
        ApplicationFactory(entered_by_officer=s.user, entry_channel=EntryChannel.TELEPHONE,
                           contact_name="A Contact")


def add_paid_runs(s, n):
    for _ in range(n):
        PaymentFactory(status=PaymentStatus.PAID)


def add_run_payments(s, n):
    for _ in range(n):
        PaymentFactory(status=PaymentStatus.PAID, run=s.run)


def add_finance(s, n):
    for _ in range(n):
        PaymentFactory(status=PaymentStatus.PAID, instalment__award__application__outcomes=["5.5"])
        PaymentFactory()  # scheduled and due: listed as payable


def add_messages(s, n):
    for _ in range(n):
        _notification(s.user, NotificationStatus.SENT)


def add_failed_messages(s, n):
    for _ in range(n):
        _notification(s.other, NotificationStatus.FAILED)


def add_open_rounds(s, n):
    for _ in range(n):
        RoundFactory()


def add_everything(s, n):
    """Scored applications and funded awards with overdue returns in the round."""
    add_round_applications(s, n)
    for _ in range(n):
        award = AwardFactory(application__round=s.round, accepted=True,
                             application__status=ApplicationStatus.APPROVED)
        MonitoringReturnFactory(award=award, due=timezone.localdate() - timedelta(days=10))


def add_people(s, n):
    for index in range(n):
        roles = [[Role.ASSESSOR, Role.FINANCE], [Role.APPLICANT], [Role.GRANT_OFFICER]][index % 3]
        UserFactory(roles=roles, last_login=timezone.now(), is_active=index % 2 == 0)


def _round(s):
    return {"pk": s.round.pk}


SCENARIOS = {
    "applicant dashboard": Scenario(Role.APPLICANT, "grants:dashboard", add_dashboard),
    "round application list": Scenario(Role.GRANT_OFFICER, "grants:round_applications",
                                       add_round_applications, _round),
    "assessor's queue": Scenario(Role.ASSESSOR, "grants:assessor_queue", add_assignments),
    "approver's queue": Scenario(Role.APPROVER, "grants:approver_queue", add_recommendations),
    "officer home": Scenario(Role.GRANT_OFFICER, "grants:officer_home", add_rounds),
    "assisted applications": Scenario(Role.GRANT_OFFICER, "grants:assisted", add_assisted),
    "payment runs": Scenario(Role.FINANCE, "payments:run_list", add_paid_runs),
    "payment run page": Scenario(Role.FINANCE, "payments:run_detail", add_run_payments,
                                 lambda s: {"pk": s.run.pk}),
    "finance awards": Scenario(Role.FINANCE, "payments:award_list", add_paid_runs),
    "finance summary": Scenario(Role.FINANCE, "payments:summary", add_finance),
    "messages": Scenario(Role.APPLICANT, "notifications:list", add_messages),
    "emails not sent": Scenario(Role.GRANT_OFFICER, "notifications:failed", add_failed_messages),
    "open rounds": Scenario(None, "rounds:list", add_open_rounds),
    "ranking": Scenario(Role.GRANT_OFFICER, "grants:ranking", add_everything, _round),
    "moderation": Scenario(Role.GRANT_OFFICER, "grants:round_moderation", add_round_applications,
                           _round),
    "monitoring overview": Scenario(Role.GRANT_OFFICER, "grants:monitoring_returns", add_everything),
    "monitoring summary": Scenario(Role.GRANT_OFFICER, "grants:monitoring_summary", add_everything),
    "search": Scenario(Role.GRANT_OFFICER, "grants:search", add_everything, query="q=Community"),
    "report": Scenario(Role.GRANT_OFFICER, "grants:report", add_everything),
    "programmes": Scenario(Role.GRANT_OFFICER, "rounds:programmes", add_rounds),
    "people": Scenario(Role.ADMINISTRATOR, "accounts:people", add_people),
    "people by role": Scenario(Role.ADMINISTRATOR, "accounts:people", add_people,
                               query="role=assessor&status=active&q=example"),
}

# Pages over the limit today: each figure is in the bench report (issue 9).
# strict, so that this test fails, and the mark is removed, once fixed.
OVER_THE_LIMIT: dict[str, str] = {}


class Setup:
    """What a page's rows hang on: its user, an organisation, a round, a run."""

    def __init__(self, scenario, make_user):
        self.user = make_user(scenario.role) if scenario.role else None
        self.other = make_user(Role.APPLICANT)
        self.organisation = (
            MembershipFactory(user=self.user).organisation
            if scenario.role == Role.APPLICANT else None
        )
        self.round = RoundFactory(closed=True)
        self.run = PaymentRunFactory(status=PaymentRunStatus.PAID)


def _url(scenario, setup) -> str:
    kwargs = scenario.kwargs(setup) if scenario.kwargs else None
    url = reverse(scenario.name, kwargs=kwargs)
    return f"{url}?{scenario.query}" if scenario.query else url


def _queries(client, url) -> int:
    client.get(url)  # caches (content types, sessions) warm, as in real use
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured.captured_queries)


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
def page(request, make_user):
    scenario = SCENARIOS[request.param]
    setup = Setup(scenario, make_user)
    url = _url(scenario, setup)
    client = Client()
    if setup.user:
        client.force_login(setup.user)
    return request.param, scenario, setup, client, url


def test_list_page_query_count_does_not_grow_with_rows(page):
    name, scenario, setup, client, url = page
    scenario.add(setup, FEW)
    few = _queries(client, url)
    scenario.add(setup, MORE)
    assert _queries(client, url) == few, f"{name}: more rows, more queries"


def test_list_page_issues_at_most_15_queries(page, request):
    name, scenario, setup, client, url = page
    if name in OVER_THE_LIMIT:
        request.applymarker(pytest.mark.xfail(reason=OVER_THE_LIMIT[name], strict=True))
    scenario.add(setup, MORE)
    assert _queries(client, url) <= MAX_QUERIES
