"""Declarations of interest: a conflict closes the application at once and frees the place."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import selectors, services
from grants.models import ApplicationStatus, AssignmentStatus, ConflictDeclaration
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AttachmentFactory,
)
from tests.rounds.factories import CriterionFactory, RoundFactory


@pytest.fixture
def round(db):
    return RoundFactory(assessors_per_application=2, closed=True)


@pytest.fixture
def assignment(round):
    application = ApplicationFactory(round=round, status=ApplicationStatus.IN_ASSESSMENT)
    return AssignmentFactory(application=application)


def test_declaring_a_conflict_closes_the_application_to_the_assessor(assignment, client_as):
    attachment = AttachmentFactory(application=assignment.application)
    client = client_as(assignment.assessor)
    response = client.post(
        reverse("grants:declare", args=[assignment.pk]),
        {"has_conflict": "yes", "details": "I am a trustee of the group."},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICTED
    assert client.get(reverse("grants:score", args=[assignment.pk])).status_code == 404
    download = reverse("grants:attachment", args=[assignment.application_id, attachment.pk])
    assert client.get(download).status_code == 404
    declaration = ConflictDeclaration.objects.get(assignment=assignment)
    assert declaration.has_conflict and declaration.details == "I am a trustee of the group."
    event = AuditEvent.objects.get(verb="interest_declared")
    assert (event.actor, event.from_state, event.to_state) == (
        assignment.assessor, "assigned", "conflicted"
    )


def test_a_crafted_score_post_after_a_conflict_is_refused(assignment, client_as):
    criterion = CriterionFactory(round=assignment.application.round)
    services.declare_interest(
        assignment=assignment, actor=assignment.assessor, has_conflict=True, details="Relative."
    )
    response = client_as(assignment.assessor).post(
        reverse("grants:score", args=[assignment.pk]),
        {f"score_{criterion.pk}": "5", f"justification_{criterion.pk}": "x", "submit_scores": ""},
    )
    assert response.status_code == 404
    assert not assignment.scores.exists()
    with pytest.raises(ValidationError):
        services.save_scores(
            assignment=assignment, actor=assignment.assessor, scores={criterion.pk: (5, "x")}
        )


def test_a_conflict_returns_the_application_to_the_needs_assessors_list(
    assignment, round, client_as, make_user
):
    other = AssignmentFactory(application=assignment.application)
    applications = selectors.officer_round_applications(round)
    assert not selectors.needs_assessors(applications).exists()
    services.declare_interest(
        assignment=assignment, actor=assignment.assessor, has_conflict=True, details="Relative."
    )
    assert list(selectors.needs_assessors(applications)) == [assignment.application]
    officer = make_user(Role.GRANT_OFFICER)
    page = client_as(officer).get(
        reverse("grants:round_applications", args=[round.pk]), {"needs_assessors": "true"}
    ).content.decode()
    assert assignment.application.reference in page
    assert "1 application needs assessors" in page
    # The conflicted assessor is not offered again; the other is still on it.
    available = selectors.assessors_available_for(assignment.application)
    assert assignment.assessor not in available and other.assessor not in available


def test_no_conflict_opens_the_scoring_page(assignment, client_as):
    client = client_as(assignment.assessor)
    assert client.get(reverse("grants:score", args=[assignment.pk])).status_code == 404
    response = client.post(reverse("grants:declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert response.url == reverse("grants:score", args=[assignment.pk])
    assert client.get(response.url).status_code == 200


def test_a_conflict_needs_details(assignment, client_as):
    response = client_as(assignment.assessor).post(
        reverse("grants:declare", args=[assignment.pk]), {"has_conflict": "yes", "details": ""}
    )
    assert "Describe your conflict of interest" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_only_the_assigned_assessor_can_declare(assignment, make_user, client_as):
    stranger = make_user(Role.ASSESSOR)
    response = client_as(stranger).post(
        reverse("grants:declare", args=[assignment.pk]), {"has_conflict": "no"}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.declare_interest(assignment=assignment, actor=stranger, has_conflict=False)


def test_the_round_declarations_page_lists_every_declaration(round, make_user, client_as):
    first = AssignmentFactory(
        application=ApplicationFactory(
            round=round, status=ApplicationStatus.IN_ASSESSMENT, organisation__name="Oadby Choir"
        ),
        assessor=make_user(Role.ASSESSOR, full_name="Ada Assessor"),
    )
    second = AssignmentFactory(application=first.application)
    services.declare_interest(
        assignment=first, actor=first.assessor, has_conflict=True, details="I sing in it."
    )
    services.declare_interest(assignment=second, actor=second.assessor, has_conflict=False)
    page = client_as(make_user(Role.GRANT_OFFICER)).get(
        reverse("grants:round_declarations", args=[round.pk])
    ).content.decode()
    assert "2 declarations" in page
    assert "Ada Assessor" in page and "Oadby Choir" in page and "I sing in it." in page
    assert first.application.reference in page
    assert page.index("Ada Assessor") < page.index(second.assessor.display_name)


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_only_officers_read_the_declarations(round, make_user, client_as, role):
    response = client_as(make_user(role)).get(reverse("grants:round_declarations", args=[round.pk]))
    assert response.status_code == 403
