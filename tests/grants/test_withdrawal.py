"""Withdrawing an application: a reason, a confirmation page, an audit row and an email."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from grants import services
from grants.models import ApplicationStatus, AssignmentStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AssignmentFactory


@pytest.fixture
def member(db):
    return MembershipFactory(user__email="owner@example.org")


def application_in(member, status):
    return ApplicationFactory(organisation=member.organisation, status=status)


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.SCORED,
        ApplicationStatus.RECOMMENDED,
        ApplicationStatus.WAITLISTED,
    ],
)
def test_an_open_application_can_be_withdrawn_with_a_reason(
    member, status, django_capture_on_commit_callbacks
):
    application = application_in(member, status)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.withdraw_application(
            application=application, actor=member.user, reason="We found other funding."
        )
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "We found other funding."
    assert withdrawn.withdrawn_at is not None
    event = AuditEvent.objects.get(verb="application_withdrawn")
    assert (event.from_state, event.to_state) == (status, "withdrawn")
    assert event.data == {"reason": "We found other funding."}
    [email] = mail.outbox
    assert email.to == ["owner@example.org"]
    assert "has been withdrawn" in email.subject
    assert "We found other funding." in email.body


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE],
)
def test_a_decided_application_cannot_be_withdrawn(member, status):
    application = application_in(member, status)
    with pytest.raises(ValidationError) as refused:
        services.withdraw_application(application=application, actor=member.user, reason="x")
    assert refused.value.messages == [
        "A decision has been made on this application, so it can no longer be withdrawn."
    ]
    application.refresh_from_db()
    assert application.status == status


def test_a_reason_is_required(member):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    with pytest.raises(ValidationError):
        services.withdraw_application(application=application, actor=member.user, reason="  ")


def test_withdrawing_twice_changes_nothing_more(member, django_capture_on_commit_callbacks):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            services.withdraw_application(application=application, actor=member.user, reason="x")
    assert AuditEvent.objects.filter(verb="application_withdrawn").count() == 1
    assert len(mail.outbox) == 1


def test_a_viewer_or_outsider_cannot_withdraw(member):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    viewer = MembershipFactory(organisation=member.organisation, role="viewer")
    for person in (viewer.user, MembershipFactory().user):
        with pytest.raises(PermissionDenied):
            services.withdraw_application(application=application, actor=person, reason="x")


def test_a_withdrawn_application_lets_the_group_start_again(member):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    services.withdraw_application(application=application, actor=member.user, reason="x")
    again = services.start_application(
        round=application.round, organisation=member.organisation, actor=member.user
    )
    assert again.status == ApplicationStatus.DRAFT


def test_an_assessor_cannot_score_a_withdrawn_application(member):
    assignment = AssignmentFactory(
        application__organisation=member.organisation, status=AssignmentStatus.IN_PROGRESS
    )
    services.withdraw_application(
        application=assignment.application, actor=member.user, reason="No longer needed"
    )
    with pytest.raises(ValidationError) as refused:
        services.save_scores(assignment=assignment, actor=assignment.assessor, scores={})
    assert refused.value.messages == [
        "The group has withdrawn this application, so it needs no scores."
    ]


# --- The pages ----------------------------------------------------------------------


def test_the_confirmation_page_asks_for_a_reason_and_warns(member, client_as):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    client = client_as(member.user)
    page = client.get(reverse("grants:withdraw", args=[application.pk])).content.decode()
    assert '<h1 class="govuk-heading-l">Withdraw your application</h1>' in page
    assert "You cannot undo this" in page
    response = client.post(reverse("grants:withdraw", args=[application.pk]), {"reason": ""})
    page = response.content.decode()
    assert "<title>Error: Withdraw your application" in page
    assert "Tell us why you are withdrawing the application" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_withdrawing_from_the_page_shows_it_on_the_application(member, client_as):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    client = client_as(member.user)
    response = client.post(
        reverse("grants:withdraw", args=[application.pk]),
        {"reason": "Our <b>hall</b> closed"},
        follow=True,
    )
    page = response.content.decode()
    assert "Your application has been withdrawn." in page
    assert "Our &lt;b&gt;hall&lt;/b&gt; closed" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_the_page_says_a_decided_application_can_no_longer_be_withdrawn(member, client_as):
    application = application_in(member, ApplicationStatus.APPROVED)
    page = (
        client_as(member.user)
        .get(reverse("grants:withdraw", args=[application.pk]))
        .content.decode()
    )
    assert "can no longer be withdrawn" in page
    assert 'name="reason"' not in page


def test_another_organisation_cannot_withdraw_by_guessing_the_id(member, client_as):
    application = application_in(member, ApplicationStatus.SUBMITTED)
    outsider = MembershipFactory().user
    response = client_as(outsider).post(
        reverse("grants:withdraw", args=[application.pk]), {"reason": "Mischief"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
