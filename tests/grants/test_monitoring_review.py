"""Officers accept a return, or send it back with comments; the group changes it and resends."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from grants import selectors
from grants.models import MonitoringReview, MonitoringStatus
from payments.models import Instalment, InstalmentCondition, Payment
from payments.selectors import payable_payments
from tests.applicants.factories import MembershipFactory
from tests.grants.monitoring_helpers import fill_in, funded_return, section_url


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def sent(member, client_as, django_capture_on_commit_callbacks):
    monitoring_return = funded_return(member.organisation)
    client = client_as(member.user)
    fill_in(client, monitoring_return)
    application_id = monitoring_return.award.application_id
    client.post(reverse("grants:return_submit", args=[application_id, monitoring_return.pk]))
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == MonitoringStatus.SUBMITTED
    return monitoring_return


def review(client, monitoring_return, outcome, comments=""):
    return client.post(
        reverse("grants:monitoring_review", args=[monitoring_return.pk]),
        {"outcome": outcome, "comments": comments},
    )


def test_the_officer_reads_the_return_as_sent(sent, officer, client_as):
    page = client_as(officer).get(reverse("grants:monitoring_review", args=[sent.pk])).content.decode()
    assert "Forty Friday lunches" in page
    assert "Energy bills for the hall have doubled." in page
    assert "Review this return" in page


def test_asking_for_changes_needs_comments_and_keeps_the_choice(sent, officer, client_as):
    response = review(client_as(officer), sent, "changes")
    page = response.content.decode()
    assert "Say what the group needs to change" in page
    assert "checked" in page
    sent.refresh_from_db()
    assert sent.status == MonitoringStatus.SUBMITTED


def test_changes_requested_emails_the_group_once_and_they_resend(
    sent, officer, member, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review(client_as(officer), sent, "changes", "Please split the hall hire by term.")
    sent.refresh_from_db()
    assert sent.status == MonitoringStatus.CHANGES_REQUESTED
    (message,) = mail.outbox
    application = sent.award.application
    assert message.subject == f"Changes needed to your monitoring return for {application.reference}"
    assert "Please split the hall hire by term." in message.body
    assert f"/applications/{application.pk}/returns/{sent.pk}/" in message.body

    client = client_as(member.user)
    page = client.get(reverse("grants:return_tasks", args=[application.pk, sent.pk])).content.decode()
    assert "Please split the hall hire by term." in page
    assert "Return ready to check" in page  # nothing sent before was lost
    client.post(section_url(sent, "activities"), {"activities": "Lunches, by term.", "continue": ""})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("grants:return_submit", args=[application.pk, sent.pk]))
    sent.refresh_from_db()
    assert sent.status == MonitoringStatus.SUBMITTED
    assert sent.answers["activities"] == "Lunches, by term."

    with django_capture_on_commit_callbacks(execute=True):
        review(client_as(officer), sent, "accept")
    sent.refresh_from_db()
    assert sent.status == MonitoringStatus.ACCEPTED
    assert list(sent.reviews.values_list("outcome", flat=True)) == ["changes_requested", "accepted"]
    assert [m.subject for m in mail.outbox][1:] == [
        f"Your monitoring return for {application.reference} has been accepted"
    ]


def test_accepting_releases_an_instalment_waiting_for_the_return(sent, officer, client_as):
    instalment = Instalment.objects.create(
        award=sent.award,
        number=2,
        due_date=date(2020, 1, 1),
        amount=500,
        condition=InstalmentCondition.AFTER_MONITORING,
        after_return=sent,
    )
    payment = Payment.objects.create(instalment=instalment, amount=500)
    assert payment not in payable_payments()
    assert selectors.accepted_return_for(award_id=sent.award_id) is None

    review(client_as(officer), sent, "accept", "Thank you.")
    sent.refresh_from_db()
    assert sent.accepted_at is not None and sent.accepted_by == officer
    assert selectors.accepted_return_for(award_id=sent.award_id) == sent
    assert payment in payable_payments()


def test_a_return_cannot_be_reviewed_twice(sent, officer, client_as):
    client = client_as(officer)
    review(client, sent, "accept")
    response = review(client, sent, "changes", "Too late")
    assert response.status_code == 200
    assert MonitoringReview.objects.filter(monitoring_return=sent).count() == 1


def test_only_officers_open_the_review_page(sent, member, make_user, client_as):
    url = reverse("grants:monitoring_review", args=[sent.pk])
    assert client_as(member.user).get(url).status_code == 403
    assert client_as(make_user(Role.ASSESSOR)).post(url, {"outcome": "accept"}).status_code == 403
    sent.refresh_from_db()
    assert sent.status == MonitoringStatus.SUBMITTED


def test_the_case_officer_is_set_from_the_return_page(sent, officer, client_as):
    response = client_as(officer).post(
        reverse("grants:monitoring_case_officer", args=[sent.pk]), {"officer": officer.pk}
    )
    assert response.status_code == 302
    sent.award.application.refresh_from_db()
    assert sent.award.application.case_officer == officer
