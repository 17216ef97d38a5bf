"""Who may open which page: other organisations' records are never found."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from grants.models import ApplicationStatus, AssignmentStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AssignmentFactory, DecisionFactory

APPLICANT_PAGES = [
    "grants:detail",
    "grants:task_list",
    "grants:section_project",
    "grants:section_budget",
    "grants:submit",
    "grants:offer",
    "grants:print",
    "grants:withdraw",
]


@pytest.fixture
def theirs(db):
    return ApplicationFactory(status=ApplicationStatus.SUBMITTED)


@pytest.mark.parametrize("name", APPLICANT_PAGES)
def test_an_applicant_cannot_open_another_organisations_application(name, theirs, client_as):
    outsider = MembershipFactory().user
    response = client_as(outsider).get(reverse(name, args=[theirs.pk]))
    assert response.status_code == 404


def test_an_applicant_cannot_start_an_application_for_another_organisation(client_as, theirs):
    outsider = MembershipFactory().user
    response = client_as(outsider).post(
        reverse("grants:start"),
        {"round": theirs.round.pk, "organisation": theirs.organisation.pk},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name,needs_pk",
    [
        ("grants:dashboard", False),
        ("grants:officer_home", False),
        ("grants:assessor_queue", False),
        ("grants:approver_queue", False),
        ("grants:officer_application", True),
        ("grants:decide", True),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(name, needs_pk, client, theirs):
    response = client.get(reverse(name, args=[theirs.pk] if needs_pk else []))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name,role",
    [
        ("grants:officer_home", Role.APPLICANT),
        ("grants:officer_home", Role.ASSESSOR),
        ("grants:approver_queue", Role.GRANT_OFFICER),
        ("grants:approver_queue", Role.ASSESSOR),
        ("grants:assessor_queue", Role.APPLICANT),
        ("grants:dashboard", Role.FINANCE),
    ],
)
def test_each_role_is_refused_the_pages_of_others(name, role, make_user, client_as):
    assert client_as(make_user(role)).get(reverse(name)).status_code == 403


def test_an_assessor_cannot_approve_through_the_page(make_user, client_as):
    decision = DecisionFactory()
    response = client_as(make_user(Role.ASSESSOR)).post(
        reverse("grants:decide", args=[decision.application.pk]),
        {"decision": "approve", "amount": "100"},
    )
    assert response.status_code == 403
    decision.application.refresh_from_db()
    assert decision.application.status == ApplicationStatus.RECOMMENDED


def test_an_assessor_cannot_open_someone_elses_assignment(make_user, client_as):
    assignment = AssignmentFactory(status=AssignmentStatus.IN_PROGRESS)
    other = make_user(Role.ASSESSOR)
    assert client_as(other).get(reverse("grants:score", args=[assignment.pk])).status_code == 404


def test_a_conflicted_assessor_can_no_longer_open_the_application(client_as):
    assignment = AssignmentFactory(status=AssignmentStatus.CONFLICTED)
    response = client_as(assignment.assessor).get(reverse("grants:score", args=[assignment.pk]))
    assert response.status_code == 404
