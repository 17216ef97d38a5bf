"""The officer home page: rounds, statuses, scoring, budget, monitoring and work waiting."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from grants.models import ApplicationStatus, AssignmentStatus, AwardStatus, MonitoringStatus
from payments.models import PaymentRunStatus
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AwardFactory,
    MonitoringReturnFactory,
)
from tests.grants.report_helpers import body_rows
from tests.payments.factories import PaymentRunFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

URL = reverse("grants:officer_home")
LONDON = ZoneInfo("Europe/London")
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER, full_name="Olive Officer")


@pytest.fixture
def round(db):
    return RoundFactory(
        programme=ProgrammeFactory(name="SHIRE Community Grants", code="SCG"),
        name="Summer round",
        opens_at=NOON - timedelta(days=10),
        closes_at=NOON + timedelta(days=5, hours=2),
        budget=Decimal("10000.00"),
    )


def page(client_as, user):
    response = client_as(user).get(URL)
    assert response.status_code == 200
    return response.content


def test_open_rounds_show_the_days_left(client_as, officer, round):
    RoundFactory(closed=True, name="Spring round")
    closing = RoundFactory(name="Last day round", opens_at=NOON - timedelta(days=3),
                           closes_at=NOON + timedelta(hours=3))

    rows = body_rows(page(client_as, officer), "open-rounds")

    assert rows == {
        f"{closing.programme.name}: Last day round": ["3:00 p.m., 10 June 2026", "Closes today"],
        "SHIRE Community Grants: Summer round": ["2:00 p.m., 15 June 2026", "5"],
    }


def test_applications_are_counted_by_status_for_each_round(client_as, officer, round):
    for status, number in [(ApplicationStatus.SUBMITTED, 2), (ApplicationStatus.IN_ASSESSMENT, 1),
                           (ApplicationStatus.APPROVED, 3), (ApplicationStatus.WITHDRAWN, 1)]:
        for _ in range(number):
            ApplicationFactory(round=round, status=status)
    ApplicationFactory(round=round)  # a draft is nobody's business but the applicant's

    html = page(client_as, officer)

    rows = body_rows(html, "status-counts")
    assert rows["SHIRE Community Grants: Summer round"] == [
        "2", "0", "1", "0", "0", "3", "0", "0", "1"
    ]
    head = lxml.html.fromstring(html).xpath('//table[@id="status-counts"]/thead//th/text()')
    assert head == ["Round", "Submitted", "Not eligible", "Being assessed", "Scored",
                    "Recommended", "Approved", "Not funded", "On the waiting list", "Withdrawn"]


def test_budget_committed_and_remaining_per_round(client_as, officer, round):
    AwardFactory(application__round=round, amount=Decimal("2500.00"))
    AwardFactory(application__round=round, amount=Decimal("1000.00"), status=AwardStatus.ACTIVE)
    AwardFactory(application__round=round, amount=Decimal("9000.00"),
                 status=AwardStatus.DECLINED)
    tight = RoundFactory(name="Tight round", budget=Decimal("100.00"))
    AwardFactory(application__round=tight, amount=Decimal("150.00"))

    rows = _round_rows(page(client_as, officer))

    assert rows["SHIRE Community Grants: Summer round"][-3:] == [
        "£10,000.00", "£3,500.00", "£6,500.00"
    ]
    assert rows[f"{tight.programme.name}: Tight round"][-1] == "Over by £50.00"


def _round_rows(html):
    document = lxml.html.fromstring(html)
    [table] = document.xpath('//caption[normalize-space()="Funding rounds"]/..')
    return {
        " ".join(row[0].text_content().split()): [" ".join(c.text_content().split())
                                                  for c in row[1:]]
        for row in table.xpath("./tbody/tr")
    }


def test_scoring_progress_per_assessor(client_as, officer, round, make_user):
    alex = make_user(Role.ASSESSOR, full_name="Alex Assessor")
    sam = make_user(Role.ASSESSOR, full_name="Sam Scorer")
    for status in [AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS,
                   AssignmentStatus.SUBMITTED, AssignmentStatus.SUBMITTED]:
        AssignmentFactory(assessor=alex, status=status, application__round=round)
    AssignmentFactory(assessor=sam, status=AssignmentStatus.CONFLICTED,
                      application__round=round)
    archived = RoundFactory(archived=True)
    AssignmentFactory(assessor=sam, application__round=archived)  # old work is not counted

    rows = body_rows(page(client_as, officer), "scoring-progress")

    assert rows == {"Alex Assessor": ["4", "3", "0", "2"], "Sam Scorer": ["1", "1", "1", "0"]}


def test_monitoring_returns_due_and_overdue(client_as, officer):
    today = date(2026, 6, 10)
    MonitoringReturnFactory(due=today - timedelta(days=1), status=MonitoringStatus.DUE)
    MonitoringReturnFactory(due=today - timedelta(days=40),
                            status=MonitoringStatus.CHANGES_REQUESTED)
    MonitoringReturnFactory(due=today - timedelta(days=5), status=MonitoringStatus.SUBMITTED)
    MonitoringReturnFactory(due=today - timedelta(days=50), status=MonitoringStatus.ACCEPTED)
    MonitoringReturnFactory(due=today, status=MonitoringStatus.DUE)
    MonitoringReturnFactory(due=today + timedelta(days=30))
    MonitoringReturnFactory(due=today + timedelta(days=31))

    document = lxml.html.fromstring(page(client_as, officer))
    figures = {
        " ".join(row.xpath("./dt")[0].text_content().split()):
        row.xpath("./dd")[0].text_content().strip()
        for row in document.xpath('//dl[@id="monitoring"]/div')
    }
    assert figures == {
        "Overdue": "2",
        "Due in the next 30 days": "2",
        "Sent and waiting for review": "1",
    }


def _waiting(html) -> dict[str, str]:
    document = lxml.html.fromstring(html)
    return {
        item.text_content().rsplit(":", 1)[0].strip(): item.xpath("./strong")[0].text_content()
        for item in document.xpath('//ul[@id="waiting"]/li')
    }


def test_work_waiting_for_an_officer(client_as, officer, round):
    ApplicationFactory.create_batch(2, round=round, status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(round=round, status=ApplicationStatus.SCORED)

    assert _waiting(page(client_as, officer)) == {
        "Applications to screen": "2",
        "Scored applications to recommend": "1",
        "Monitoring returns to review": "0",
    }


def test_work_waiting_follows_every_role_the_person_holds(client_as, make_user, round):
    person = make_user(Role.ADMINISTRATOR, Role.ASSESSOR, Role.APPROVER, Role.FINANCE)
    AssignmentFactory(assessor=person, application__round=round)
    AssignmentFactory(assessor=person, status=AssignmentStatus.SUBMITTED,
                      application__round=round)
    ApplicationFactory(round=round, status=ApplicationStatus.RECOMMENDED)
    scored_by_them = ApplicationFactory(round=round, status=ApplicationStatus.RECOMMENDED)
    AssignmentFactory(assessor=person, application=scored_by_them,
                      status=AssignmentStatus.SUBMITTED)
    PaymentRunFactory()  # someone else's draft run
    PaymentRunFactory(created_by=person)  # their own: another must approve it
    PaymentRunFactory(status=PaymentRunStatus.PAID)

    waiting = _waiting(page(client_as, person))

    assert waiting["Applications for you to score"] == "1"
    document = lxml.html.fromstring(page(client_as, person))
    assert document.xpath('//ul[@id="waiting"]//a[text()="Applications for you to score"]/@href'
                          ) == [reverse("grants:assessor_queue")]
    # An approver may not decide what they scored.
    assert waiting["Recommendations for you to decide"] == "1"
    assert waiting["Payment runs for you to approve"] == "1"


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.FINANCE])
def test_people_who_are_not_officers_are_refused(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302


def test_query_count_is_the_same_with_more_rounds_and_work(client_as, officer, make_user):
    def add(n):
        for _ in range(n):
            round = RoundFactory(opens_at=NOON - timedelta(days=2),
                                 closes_at=NOON + timedelta(days=9))
            ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)
            AssignmentFactory(application__round=round,
                              assessor=make_user(Role.ASSESSOR))
            AwardFactory(application__round=round)
            MonitoringReturnFactory(due=date(2026, 6, 1), status=MonitoringStatus.DUE)

    def queries() -> int:
        client = client_as(officer)
        client.get(URL)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    add(1)
    few = queries()
    add(6)
    assert queries() == few
