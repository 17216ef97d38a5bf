"""
What people can see of the outbox: officers see the emails that could not
be sent, and a record's message history lists what was sent about it.
"""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from notifications.models import Notification, NotificationStatus
from notifications.selectors import messages_about
from notifications.services import notify_user
from tests.grants.factories import ApplicationFactory


def refused(person, application, n=0):
    notification = notify_user(
        kind="screening_passed", user=person, about=application,
        context={"application": application}, key=f"refused:{n}",
    )
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.FAILED, attempts=1, last_error="SMTPRecipientsRefused: 550 No such user"
    )
    return notification


def test_officers_see_the_emails_that_could_not_be_sent_and_why(make_user, client_as):
    officer = make_user(Role.GRANT_OFFICER)
    person = make_user(Role.APPLICANT, email="old.address@example.org", full_name="Sam Treasurer")
    refused(person, ApplicationFactory(status="in_assessment"))
    page = client_as(officer).get(reverse("notifications:failed"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1 class=\"govuk-heading-l\">Emails that could not be sent</h1>" in html
    assert "old.address@example.org" in html and "Sam Treasurer" in html
    assert "550 No such user" in html


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.FINANCE])
def test_only_officers_see_the_emails_not_sent(make_user, client_as, role):
    assert client_as(make_user(role)).get(reverse("notifications:failed")).status_code == 403


def test_the_failed_list_query_count_does_not_grow_with_rows(make_user, client_as):
    officer = make_user(Role.GRANT_OFFICER)
    client = client_as(officer)
    application = ApplicationFactory(status="in_assessment")
    refused(make_user(Role.APPLICANT), application, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:failed"))
    for n in range(1, 8):
        refused(make_user(Role.APPLICANT), application, n)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:failed"))
    assert len(many) == len(few)


def test_the_message_history_of_a_record_lists_what_was_sent_about_it(make_user):
    member, colleague = make_user(Role.APPLICANT), make_user(Role.APPLICANT)
    application = ApplicationFactory(status="in_assessment")
    other = ApplicationFactory(status="in_assessment")
    for person in (member, colleague):
        notify_user(kind="screening_passed", user=person, about=application,
                    context={"application": application}, key="passed")
    notify_user(kind="screening_passed", user=member, about=other, context={"application": other}, key="x")
    failed = refused(member, application, 1)

    assert messages_about(subject=application).count() == 3
    mine = messages_about(subject=application, recipient=member)
    assert {n.to_email for n in mine} == {member.email}

    html = render_to_string("notifications/includes/message_history.html", {"messages": mine})
    assert failed.subject in html
    assert "govuk-tag--red" in html and "Could not be sent" in html
