"""Assigning assessors by hand and automatically: load balanced, never conflicted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import ApplicationStatus, Assignment, AssignmentStatus, ConflictDeclaration
from tests.applicants.factories import OrganisationFactory
from tests.grants.factories import ApplicationFactory, AssignmentFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def round(db):
    return RoundFactory(assessors_per_application=2, closed=True)


def in_assessment(round, **kwargs):
    return ApplicationFactory(round=round, status=ApplicationStatus.IN_ASSESSMENT, **kwargs)


def assessors_of(application):
    return set(
        application.assignments.exclude(status=AssignmentStatus.REMOVED).values_list(
            "assessor__email", flat=True
        )
    )


def declare_conflict(assessor, organisation):
    """An earlier conflict declared by `assessor` on one of `organisation`'s applications."""
    assignment = AssignmentFactory(
        assessor=assessor,
        application__organisation=organisation,
        status=AssignmentStatus.CONFLICTED,
    )
    ConflictDeclaration.objects.create(
        assignment=assignment, has_conflict=True, details="My sister is the treasurer."
    )


def test_allocation_gives_each_application_its_assessors_balancing_load(officer, round, make_user):
    people = [make_user(Role.ASSESSOR, email=f"a{n}@example.org") for n in range(4)]
    # a0 already has two applications to score elsewhere; the others none.
    AssignmentFactory.create_batch(2, assessor=people[0])
    applications = [in_assessment(round) for _ in range(3)]
    result = services.allocate_assessors(round=round, actor=officer)
    assert (result.assigned, result.unfilled) == (6, 0)
    for application in applications:
        assert len(assessors_of(application)) == 2
    load = {
        person.email: Assignment.objects.filter(
            assessor=person, application__round=round
        ).count()
        for person in people
    }
    # Six places shared by the three with nothing open; a0 would be next
    # only once the others had two each, which fills every place.
    assert load == {
        "a0@example.org": 0,
        "a1@example.org": 2,
        "a2@example.org": 2,
        "a3@example.org": 2,
    }
    assert AuditEvent.objects.filter(verb="assessor_assigned").count() == 6
    assert AuditEvent.objects.get(verb="assessors_allocated").data == {"assigned": 6, "unfilled": 0}


def test_ties_go_to_the_assessor_created_first(officer, round, make_user):
    first = make_user(Role.ASSESSOR, email="first@example.org")
    make_user(Role.ASSESSOR, email="second@example.org")
    make_user(Role.ASSESSOR, email="third@example.org")
    application = in_assessment(round)
    services.allocate_assessors(round=round, actor=officer)
    assert assessors_of(application) == {first.email, "second@example.org"}


def test_allocation_never_assigns_an_assessor_with_a_conflict_with_the_organisation(
    officer, round, make_user
):
    organisation = OrganisationFactory()
    conflicted = make_user(Role.ASSESSOR, email="conflicted@example.org")
    declare_conflict(conflicted, organisation)
    make_user(Role.ASSESSOR, email="b@example.org")
    make_user(Role.ASSESSOR, email="c@example.org")
    theirs = in_assessment(round, organisation=organisation)
    other = in_assessment(round)
    services.allocate_assessors(round=round, actor=officer)
    assert "conflicted@example.org" not in assessors_of(theirs)
    assert assessors_of(theirs) == {"b@example.org", "c@example.org"}
    assert "conflicted@example.org" in assessors_of(other)


def test_allocation_fills_only_missing_places_and_never_repeats_an_assessor(
    officer, round, make_user
):
    a, b, c = (make_user(Role.ASSESSOR, email=f"{x}@example.org") for x in "abc")
    application = in_assessment(round)
    # a declared a conflict on this application: the place is open again.
    AssignmentFactory(application=application, assessor=a, status=AssignmentStatus.CONFLICTED)
    AssignmentFactory(application=application, assessor=b, status=AssignmentStatus.IN_PROGRESS)
    result = services.allocate_assessors(round=round, actor=officer)
    assert result.assigned == 1
    assert assessors_of(application) == {"a@example.org", "b@example.org", "c@example.org"}
    assert application.assignments.get(assessor=c).status == AssignmentStatus.ASSIGNED


def test_allocation_run_twice_changes_nothing_the_second_time(officer, round, make_user):
    for n in range(3):
        make_user(Role.ASSESSOR, email=f"p{n}@example.org")
    for _ in range(4):
        in_assessment(round)
    first = services.allocate_assessors(round=round, actor=officer)
    before = set(Assignment.objects.values_list("application", "assessor"))
    second = services.allocate_assessors(round=round, actor=officer)
    assert first.assigned == 8 and second.assigned == 0
    assert set(Assignment.objects.values_list("application", "assessor")) == before


def test_allocation_reports_places_it_cannot_fill(officer, round, make_user):
    make_user(Role.ASSESSOR)
    in_assessment(round)
    result = services.allocate_assessors(round=round, actor=officer)
    assert (result.assigned, result.unfilled) == (1, 1)


def test_allocation_leaves_applications_not_in_assessment_alone(officer, round, make_user):
    make_user(Role.ASSESSOR)
    submitted = ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)
    services.allocate_assessors(round=round, actor=officer)
    assert not submitted.assignments.exists()


def test_assigning_by_hand_respects_the_round_number(officer, round, make_user):
    application = in_assessment(round)
    a, b, c = (make_user(Role.ASSESSOR) for _ in range(3))
    services.assign_assessor(application=application, assessor=a, actor=officer)
    services.assign_assessor(application=application, assessor=b, actor=officer)
    with pytest.raises(ValidationError, match="already has the 2 assessors"):
        services.assign_assessor(application=application, assessor=c, actor=officer)
    with pytest.raises(ValidationError, match="already assigned"):
        services.assign_assessor(application=application, assessor=a, actor=officer)


def test_assigning_by_hand_refuses_a_conflicted_assessor(officer, round, make_user):
    application = in_assessment(round)
    assessor = make_user(Role.ASSESSOR, full_name="Casey Conflict")
    declare_conflict(assessor, application.organisation)
    with pytest.raises(ValidationError, match="declared a conflict of interest"):
        services.assign_assessor(application=application, assessor=assessor, actor=officer)


def test_removing_an_assignment_not_yet_scored_frees_the_place(officer, round, make_user):
    application = in_assessment(round)
    a, b, c = (make_user(Role.ASSESSOR) for _ in range(3))
    first = services.assign_assessor(application=application, assessor=a, actor=officer)
    services.assign_assessor(application=application, assessor=b, actor=officer)
    services.remove_assignment(assignment=first, actor=officer, reason="On leave.")
    first.refresh_from_db()
    assert first.status == AssignmentStatus.REMOVED
    services.assign_assessor(application=application, assessor=c, actor=officer)
    event = AuditEvent.objects.get(verb="assessor_removed")
    assert (event.from_state, event.to_state, event.data["reason"]) == (
        "assigned", "removed", "On leave."
    )
    # The removed assessor may be asked again later.
    services.remove_assignment(
        assignment=application.assignments.get(assessor=c), actor=officer
    )
    services.assign_assessor(application=application, assessor=a, actor=officer)


def test_a_submitted_assignment_cannot_be_removed(officer, round):
    assignment = AssignmentFactory(
        application=in_assessment(round), status=AssignmentStatus.SUBMITTED
    )
    with pytest.raises(ValidationError, match="has not submitted scores"):
        services.remove_assignment(assignment=assignment, actor=officer)


def test_a_removed_assessor_loses_access(officer, round, client_as):
    assignment = AssignmentFactory(
        application=in_assessment(round), status=AssignmentStatus.IN_PROGRESS
    )
    services.remove_assignment(assignment=assignment, actor=officer)
    client = client_as(assignment.assessor)
    assert client.get(reverse("grants:score", args=[assignment.pk])).status_code == 404
    queue = client.get(reverse("grants:assessor_queue")).content.decode()
    assert assignment.application.reference not in queue


def test_the_allocate_button_reports_what_it_did(officer, round, make_user, client_as):
    make_user(Role.ASSESSOR)
    make_user(Role.ASSESSOR)
    in_assessment(round)
    client = client_as(officer)
    response = client.post(reverse("grants:allocate_assessors", args=[round.pk]), follow=True)
    assert "2 assignments made." in response.content.decode()
    response = client.post(reverse("grants:allocate_assessors", args=[round.pk]), follow=True)
    assert "Every application already has its assessors." in response.content.decode()


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_only_officers_allocate_assign_or_remove(make_user, round, client_as, role):
    person = make_user(role)
    assignment = AssignmentFactory(application=in_assessment(round))
    client = client_as(person)
    assert client.post(reverse("grants:allocate_assessors", args=[round.pk])).status_code == 403
    assert client.post(reverse("grants:remove_assignment", args=[assignment.pk])).status_code == 403
    assert (
        client.post(
            reverse("grants:assign", args=[assignment.application_id]),
            {"assessor": person.pk},
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.allocate_assessors(round=round, actor=person)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
