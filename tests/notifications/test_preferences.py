"""Who receives what: members' preferences, owners' essential messages, new-round alerts, history."""

import pytest
from django.core import mail
from django.urls import reverse

from applicants.choices import MembershipRole
from grants import services
from grants.models import ApplicationStatus
from notifications.models import Notification
from notifications.services import notify_round_opened
from tests.applicants.factories import MembershipFactory, OrganisationFactory
from tests.grants.factories import ApplicationFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def owner(db):
    return MembershipFactory()


@pytest.fixture
def editor(owner):
    return MembershipFactory(organisation=owner.organisation, role=MembershipRole.EDITOR)


def save_preferences(client, data):
    return client.post(reverse("notifications:preferences"), data)


def test_a_member_switches_off_and_gets_no_updates(
    owner, editor, client_as, django_capture_on_commit_callbacks
):
    response = save_preferences(client_as(editor.user), {})  # every box unticked
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.receives_notifications is False
    draft = ApplicationFactory(organisation=owner.organisation, outcomes=["5.5"])
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_application(application=draft, actor=owner.user, reason="No longer needed")
    assert [m.to for m in mail.outbox] == [[owner.user.email]]


def test_an_owner_who_switches_off_still_gets_essential_messages(owner, editor, client_as):
    save_preferences(client_as(owner.user), {})
    save_preferences(client_as(editor.user), {})
    draft = ApplicationFactory(organisation=owner.organisation)
    services.withdraw_application(application=draft, actor=owner.user, reason="No longer needed")
    assert list(Notification.objects.values_list("to_email", flat=True)) == [owner.user.email]


def test_the_page_shows_ones_own_choices_and_changes_only_them(owner, editor, client_as):
    page = client_as(editor.user).get(reverse("notifications:preferences")).content.decode()
    assert f"Email me reminders and updates about {owner.organisation.name}" in page
    assert f"Tell {owner.organisation.name} when a new grant round opens" in page
    save_preferences(client_as(editor.user), {f"rounds_{owner.organisation.pk}": "on"})
    owner.refresh_from_db()
    owner.organisation.refresh_from_db()
    assert owner.receives_notifications is True
    assert owner.organisation.notify_new_rounds is True


def test_a_viewer_cannot_change_the_organisations_round_alerts(owner, client_as):
    viewer = MembershipFactory(organisation=owner.organisation, role=MembershipRole.VIEWER)
    page = client_as(viewer.user).get(reverse("notifications:preferences")).content.decode()
    assert "when a new grant round opens" not in page
    save_preferences(client_as(viewer.user), {f"rounds_{owner.organisation.pk}": "on"})
    owner.organisation.refresh_from_db()
    assert owner.organisation.notify_new_rounds is False


def test_round_opened_goes_once_to_organisations_that_opted_in(owner, django_capture_on_commit_callbacks):
    owner.organisation.notify_new_rounds = True
    owner.organisation.save()
    MembershipFactory(organisation=OrganisationFactory(notify_new_rounds=False))
    round = RoundFactory(name="Spring 2027")
    with django_capture_on_commit_callbacks(execute=True):
        notify_round_opened(round=round)
        notify_round_opened(round=round)
    (message,) = mail.outbox
    assert message.to == [owner.user.email]
    assert "Spring 2027" in message.subject
    assert owner.organisation.name in message.body
    assert f"/applications/check/{round.pk}/" in message.body


def test_message_history_shows_only_the_organisations_own_messages(owner, client_as, make_user):
    from accounts.roles import Role

    application = ApplicationFactory(organisation=owner.organisation, status=ApplicationStatus.SUBMITTED)
    other = MembershipFactory()
    theirs = ApplicationFactory(organisation=other.organisation, status=ApplicationStatus.SUBMITTED)
    services.withdraw_application(application=application, actor=owner.user, reason="Not needed")
    services.withdraw_application(application=theirs, actor=other.user, reason="Their secret reason")
    page = client_as(owner.user).get(reverse("grants:detail", args=[application.pk])).content.decode()
    assert "Messages" in page and owner.user.email in page
    assert other.user.email not in page
    assert client_as(other.user).get(reverse("grants:detail", args=[application.pk])).status_code == 404
    officer_page = client_as(make_user(Role.GRANT_OFFICER)).get(
        reverse("grants:officer_application", args=[application.pk])
    ).content.decode()
    assert owner.user.email in officer_page
