"""
"A new round is open" reaches the groups that asked, once, when the round
actually opens: straight away for a round published after its opening
time, and from the hourly job for a round published ahead of it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from accounts.roles import Role
from notifications.reminders import run_reminder_job
from rounds.models import RoundStatus
from rounds.services import publish_round
from tests.applicants.factories import MembershipFactory, OrganisationFactory
from tests.notifications.helpers import london
from tests.rounds.factories import CriterionFactory, RoundFactory


@pytest.fixture
def subscriber(db):
    return MembershipFactory(organisation=OrganisationFactory(notify_new_rounds=True))


def draft_round(**fields):
    round = RoundFactory(status=RoundStatus.DRAFT, name="Spring 2027", **fields)
    CriterionFactory(round=round)
    return round


def test_a_round_published_after_it_opened_is_announced_at_once(
    subscriber, make_user, django_capture_on_commit_callbacks
):
    round = draft_round()
    with django_capture_on_commit_callbacks(execute=True):
        publish_round(round=round, actor=make_user(Role.GRANT_OFFICER))
    (message,) = mail.outbox
    assert message.to == [subscriber.user.email]
    assert "Spring 2027" in message.subject


def test_a_round_published_ahead_is_announced_by_the_job_once_it_opens(
    subscriber, make_user, django_capture_on_commit_callbacks
):
    opens = london(2027, 4, 1, 9, 0)
    with time_machine.travel(opens - timedelta(days=10), tick=False):
        round = draft_round(opens_at=opens, closes_at=opens + timedelta(days=30))
        with django_capture_on_commit_callbacks(execute=True):
            publish_round(round=round, actor=make_user(Role.GRANT_OFFICER))
    assert mail.outbox == []

    def run_at(moment):
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            return [n.kind for n in run_reminder_job(name="rounds_opened")]

    assert run_at(opens - timedelta(seconds=1)) == []
    assert run_at(opens + timedelta(minutes=5)) == ["round_opened"]
    assert run_at(opens + timedelta(hours=1, minutes=5)) == []
    assert run_at(opens + timedelta(days=2)) == []
    assert [m.to for m in mail.outbox] == [[subscriber.user.email]]


def test_groups_that_did_not_ask_are_not_told(db, make_user, django_capture_on_commit_callbacks):
    MembershipFactory(organisation=OrganisationFactory(notify_new_rounds=False))
    with django_capture_on_commit_callbacks(execute=True):
        publish_round(round=draft_round(), actor=make_user(Role.GRANT_OFFICER))
    assert mail.outbox == []
