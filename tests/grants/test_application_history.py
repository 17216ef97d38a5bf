"""An officer reads an application's whole history on one page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from grants import services
from grants.models import ApplicationStatus, Recommendation
from tests.grants.decision_helpers import table_rows
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import CriterionFactory, RoundFactory

pytestmark = pytest.mark.django_db


def decided_application(make_user, *, assessors=1, changes=0):
    """An application taken from submission to approval through the services."""
    round = RoundFactory(assessors_per_application=assessors)
    criterion = CriterionFactory(round=round, max_score=5, weight=10)
    application = ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)
    officer = make_user(Role.GRANT_OFFICER, full_name="Olive Officer")
    services.pass_screening(application=application, actor=officer)
    conflicted = make_user(Role.ASSESSOR)
    assignment = services.assign_assessor(
        application=application, assessor=conflicted, actor=officer
    )
    services.declare_interest(
        assignment=assignment, actor=conflicted, has_conflict=True,
        details="I am the group's treasurer.",
    )
    for _ in range(assessors):
        assessor = make_user(Role.ASSESSOR)
        assignment = services.assign_assessor(
            application=application, assessor=assessor, actor=officer
        )
        services.declare_interest(assignment=assignment, actor=assessor, has_conflict=False)
        services.save_scores(
            assignment=assignment, actor=assessor,
            scores={criterion.pk: (4, "Well evidenced.")}, submit=True,
        )
    services.recommend_application(
        application=application, actor=officer, recommendation=Recommendation.WAITLIST
    )
    for number in range(changes):
        services.recommend_application(
            application=application, actor=officer, recommendation=Recommendation.FUND_IN_PART,
            amount=Decimal(4000 - number), reason=f"Change {number}: the hall is free.",
        )
    approver = make_user(Role.APPROVER, full_name="Abe Approver")
    services.approve_application(
        application=application, actor=approver, amount=Decimal("3000.00"),
        reason="Agreed by the panel on 3 March.",
    )
    return application, officer


def history(client, application):
    return client.get(reverse("grants:application_history", args=[application.pk]))


def test_the_history_tells_who_did_what_when_from_what_to_what_and_why(make_user, client_as):
    application, officer = decided_application(make_user, changes=1)

    rows = table_rows(history(client_as(officer), application))

    whats = [row[2] for row in rows]
    assert whats == [
        "Passed screening",
        "Assessor assigned",
        "Declaration of interest",
        "Assessor assigned",
        "Declaration of interest",
        "Scores submitted",
        "Scoring completed",
        "Recommendation made",
        "Recommendation changed",
        "Approved",
        "Grant offered Award",
        "Instalment scheduled Award",
    ]
    by_what = {row[2]: row for row in rows}
    conflict = rows[2]
    assert conflict[3] == "Waiting for declaration → Conflict of interest declared"
    assert "Details: I am the group's treasurer." in conflict[4]
    assert by_what["Passed screening"][1] == officer.display_name
    assert by_what["Passed screening"][3] == "Submitted → Being assessed"
    changed = by_what["Recommendation changed"]
    assert changed[3] == "Recommended → Recommended"
    assert changed[4].startswith("Reason: Change 0: the hall is free.")
    assert "Before: Recommendation: Waiting list; Amount: £5,000.00" in changed[4]
    assert "After: Recommendation: Fund in part; Amount: £4,000.00" in changed[4]
    approved = by_what["Approved"]
    assert approved[1] == "Abe Approver"
    assert approved[3] == "Recommended → Approved"
    assert approved[4].startswith("Reason: Agreed by the panel on 3 March.")


def test_the_history_costs_the_same_queries_however_long_it_is(make_user, client_as):
    short, officer = decided_application(make_user)
    long, _ = decided_application(make_user, assessors=3, changes=4)
    client = client_as(officer)

    counts = []
    for application in (short, long):
        with CaptureQueriesContext(connection) as queries:
            rows = table_rows(history(client, application))
        counts.append((len(rows), len(queries)))

    assert counts[1][0] > counts[0][0] + 8
    assert counts[1][1] == counts[0][1]


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPLICANT, Role.FINANCE, Role.APPROVER])
def test_only_officers_read_the_history(role, make_user, client_as):
    application = ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    response = client_as(make_user(role)).get(
        reverse("grants:application_history", args=[application.pk])
    )
    assert response.status_code == 403


def test_a_draft_has_no_history_page(make_user, client_as):
    draft = ApplicationFactory()
    response = client_as(make_user(Role.GRANT_OFFICER)).get(
        reverse("grants:application_history", args=[draft.pk])
    )
    assert response.status_code == 404
