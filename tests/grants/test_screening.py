"""Screening: eligible, not eligible with a reason the group is told, and reopening."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import (
    ApplicationStatus,
    AssignmentStatus,
    IneligibleReason,
    ScreeningResult,
)
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AssignmentFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def submitted(db):
    application = ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    MembershipFactory(organisation=application.organisation, user__email="group@example.org")
    return application


def audit(application, verb):
    return AuditEvent.objects.get(verb=verb, object_id=str(application.pk))


def test_failing_screening_marks_it_ineligible_and_emails_the_reason(
    officer, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.fail_screening(
            application=submitted,
            actor=officer,
            reason=IneligibleReason.OUTSIDE_LEICESTERSHIRE,
            notes="The project runs in Rutland only.",
        )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INELIGIBLE
    assert submitted.screening_result == ScreeningResult.FAILED
    [email] = [m for m in mail.outbox if "group@example.org" in m.to]
    assert email.subject == f"Your application {submitted.reference} is not eligible"
    assert "Your project does not serve Leicestershire" in email.body
    assert "The project runs in Rutland only." in email.body
    html = email.alternatives[0][0]
    assert "Rutland only" in html
    event = audit(submitted, "screening_failed")
    assert (event.actor, event.from_state, event.to_state) == (officer, "submitted", "ineligible")
    assert event.data["reason"] == "Your project does not serve Leicestershire"


def test_the_applicant_reads_why_on_their_application_page(officer, submitted, client_as):
    services.fail_screening(
        application=submitted, actor=officer, reason=IneligibleReason.AMOUNT, notes="Over £10,000."
    )
    member = submitted.organisation.memberships.get().user
    page = client_as(member).get(reverse("grants:detail", args=[submitted.pk])).content.decode()
    assert "Why your application is not eligible" in page
    assert "The amount asked for is outside the round&#x27;s limits" in page
    assert "Over £10,000." in page


def test_another_reason_needs_an_explanation(officer, submitted):
    with pytest.raises(ValidationError, match="Explain why"):
        services.fail_screening(
            application=submitted, actor=officer, reason=IneligibleReason.OTHER, notes="  "
        )
    with pytest.raises(ValidationError, match="Choose why"):
        services.fail_screening(application=submitted, actor=officer, reason="made-up")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_the_screening_page_shows_errors_and_keeps_what_was_typed(officer, submitted, client_as):
    url = reverse("grants:screen", args=[submitted.pk])
    page = client_as(officer).post(url, {"fail": "", "reason": "other", "notes": ""})
    text = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in text
    assert "Explain why the application is not eligible" in text
    assert re.search(r'value="other"\s+checked', text)
    page = client_as(officer).post(url, {"fail": "", "notes": "Their <b>constitution</b> is missing"})
    text = page.content.decode()
    assert "Choose why the application is not eligible" in text
    assert "Their &lt;b&gt;constitution&lt;/b&gt; is missing" in text
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_passing_screening_through_the_page(officer, submitted, client_as):
    response = client_as(officer).post(reverse("grants:screen", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_ASSESSMENT
    assert submitted.screening_result == ScreeningResult.PASSED
    assert audit(submitted, "screening_passed").actor == officer


def test_reopening_an_ineligible_application_puts_it_back_to_screen(officer, submitted):
    services.fail_screening(application=submitted, actor=officer, reason=IneligibleReason.DATES)
    services.reopen_screening(
        application=submitted, actor=officer, reason="The group sent corrected dates."
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.screening_result == ""
    event = audit(submitted, "screening_reopened")
    assert (event.from_state, event.to_state) == ("ineligible", "submitted")
    assert event.data == {"reason": "The group sent corrected dates."}
    services.pass_screening(application=submitted, actor=officer)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_ASSESSMENT


def test_reopening_needs_a_reason(officer, submitted):
    services.fail_screening(application=submitted, actor=officer, reason=IneligibleReason.DATES)
    with pytest.raises(ValidationError, match="Give a reason"):
        services.reopen_screening(application=submitted, actor=officer, reason=" ")


def test_reopening_from_assessment_keeps_draft_scores_but_pauses_scoring(officer, submitted):
    services.pass_screening(application=submitted, actor=officer)
    assignment = AssignmentFactory(application=submitted, status=AssignmentStatus.IN_PROGRESS)
    services.reopen_screening(application=submitted, actor=officer, reason="Wrong round.")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    with pytest.raises(ValidationError, match="scoring is paused"):
        services.save_scores(assignment=assignment, actor=assignment.assessor, scores={})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS


def test_reopening_is_refused_once_scores_are_submitted(officer, submitted):
    services.pass_screening(application=submitted, actor=officer)
    AssignmentFactory(application=submitted, status=AssignmentStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="already submitted scores"):
        services.reopen_screening(application=submitted, actor=officer, reason="Second look.")


def test_reopening_is_refused_when_the_group_has_applied_again(officer, submitted):
    services.fail_screening(application=submitted, actor=officer, reason=IneligibleReason.DATES)
    ApplicationFactory(round=submitted.round, organisation=submitted.organisation)
    with pytest.raises(ValidationError, match="has since made another application"):
        services.reopen_screening(application=submitted, actor=officer, reason="Second look.")


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_only_grant_officers_screen(make_user, submitted, role):
    with pytest.raises(PermissionDenied):
        services.fail_screening(
            application=submitted, actor=make_user(role), reason=IneligibleReason.DUPLICATE
        )


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_other_roles_cannot_use_the_screening_pages(make_user, submitted, client_as, role):
    client = client_as(make_user(role))
    assert client.post(reverse("grants:screen", args=[submitted.pk])).status_code == 403
    assert (
        client.post(
            reverse("grants:reopen_screening", args=[submitted.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
