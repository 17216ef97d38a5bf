"""
Every reminder rule, by travelling in time. Days are Europe/London days, so
the boundaries are tested a second either side of local midnight, including
across the clock changes (29 March and 25 October 2026), where a rule
written as "24 hours before" would fire an hour early or late.
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.roles import Role
from grants.models import ApplicationStatus, AssignmentStatus, AwardStatus, MonitoringStatus
from notifications.models import Notification
from notifications.reminders import run_all_reminders, run_reminder_job
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AwardFactory,
    MonitoringReturnFactory,
)
from tests.notifications.helpers import london
from tests.rounds.factories import RoundFactory

ONE_SECOND = timedelta(seconds=1)


def run(job: str, at) -> list[str]:
    """Run one job at that moment; the kinds of the reminders it created."""
    with time_machine.travel(at, tick=False):
        return [n.kind for n in run_reminder_job(name=job)]


# --- Rounds closing -----------------------------------------------------------


@pytest.fixture
def spring_round():
    """Closes at 00:30 on Monday 30 March 2026, the day after the clocks go forward."""
    return RoundFactory(opens_at=london(2026, 3, 1, 9, 0), closes_at=london(2026, 3, 30, 0, 30))


def test_round_closing_reminders_follow_london_days_across_the_spring_clock_change(member, spring_round):
    ApplicationFactory(round=spring_round, organisation=member.organisation)
    assert spring_round.closes_at.utcoffset() == timedelta(hours=1)  # BST

    assert run("rounds_closing", london(2026, 3, 23) - ONE_SECOND) == []
    assert run("rounds_closing", london(2026, 3, 23)) == ["round_closing_7d"]
    assert run("rounds_closing", london(2026, 3, 25, 12)) == []
    # Saturday 23:59:59 GMT is 24.5 hours before closing, but not yet the day before.
    assert run("rounds_closing", london(2026, 3, 29) - ONE_SECOND) == []
    assert run("rounds_closing", london(2026, 3, 29)) == ["round_closing_1d"]
    assert run("rounds_closing", london(2026, 3, 29, 23, 0)) == []


def test_round_closing_reminders_follow_london_days_across_the_autumn_clock_change(member):
    autumn = RoundFactory(opens_at=london(2026, 10, 1, 9, 0), closes_at=london(2026, 10, 26, 0, 30))
    ApplicationFactory(round=autumn, organisation=member.organisation)
    assert autumn.closes_at.utcoffset() == timedelta(0)  # GMT again

    assert run("rounds_closing", london(2026, 10, 19) - ONE_SECOND) == []
    assert run("rounds_closing", london(2026, 10, 19)) == ["round_closing_7d"]
    # Midnight on Sunday 25 October is 23:00 UTC on the Saturday.
    day_before = london(2026, 10, 25)
    assert day_before.utcoffset() == timedelta(hours=1)
    assert run("rounds_closing", day_before - ONE_SECOND) == []
    assert run("rounds_closing", day_before) == ["round_closing_1d"]


def test_a_late_run_sends_only_the_reminder_for_the_time_left(member, spring_round):
    ApplicationFactory(round=spring_round, organisation=member.organisation)
    assert run("rounds_closing", london(2026, 3, 29, 18)) == ["round_closing_1d"]
    assert run("rounds_closing", london(2026, 3, 30, 0, 30)) == []  # closed


def test_every_member_of_an_organisation_with_a_draft_is_told_once(
    member, spring_round, django_capture_on_commit_callbacks
):
    colleague = MembershipFactory(organisation=member.organisation, role="editor")
    ApplicationFactory(round=spring_round, organisation=member.organisation, title="Lunch club minibus")
    with django_capture_on_commit_callbacks(execute=True):
        run("rounds_closing", london(2026, 3, 29, 9))
        run("rounds_closing", london(2026, 3, 29, 10))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.user.email, colleague.user.email])
    message = mail.outbox[0]
    assert message.subject == f"Last day: {spring_round.name} closes at 12:30am on Monday 30 March 2026"
    assert member.organisation.name in message.body
    assert "Lunch club minibus" in message.body
    assert "submit the application before the round closes" in message.body
    draft = member.organisation.applications.get()
    assert f"http://127.0.0.1:8000/applications/{draft.pk}/" in message.body


def test_organisations_without_a_draft_in_an_open_round_are_not_reminded(member, spring_round):
    ApplicationFactory(
        round=spring_round, organisation=member.organisation, status=ApplicationStatus.SUBMITTED
    )
    unpublished = RoundFactory(
        opens_at=london(2026, 3, 1), closes_at=london(2026, 3, 30, 0, 30), status="draft"
    )
    ApplicationFactory(round=unpublished, organisation=MembershipFactory().organisation)
    assert run("rounds_closing", london(2026, 3, 29, 9)) == []


# --- Assessors ----------------------------------------------------------------


def test_assessors_are_reminded_three_days_before_scores_are_due_and_once_overdue(db):
    assignment = AssignmentFactory(due=date(2026, 6, 12))
    assert run("scoring", london(2026, 6, 9) - ONE_SECOND) == []
    assert run("scoring", london(2026, 6, 9)) == ["scoring_due_soon"]
    assert run("scoring", london(2026, 6, 12, 17)) == []
    assert run("scoring", london(2026, 6, 13) - ONE_SECOND) == []
    assert run("scoring", london(2026, 6, 13)) == ["scoring_overdue"]
    assert run("scoring", london(2026, 6, 20)) == []
    assert Notification.objects.filter(recipient=assignment.assessor).count() == 2


def test_the_scoring_reminder_links_to_the_next_step(db, django_capture_on_commit_callbacks):
    undeclared = AssignmentFactory(due=date(2026, 6, 12))
    declared = AssignmentFactory(due=date(2026, 6, 12), status=AssignmentStatus.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        run("scoring", london(2026, 6, 10, 9))
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert f"/assess/{undeclared.pk}/declare/" in bodies[undeclared.assessor.email]
    assert f"/assess/{declared.pk}/score/" in bodies[declared.assessor.email]
    assert undeclared.application.reference in bodies[undeclared.assessor.email]
    assert "Wednesday 10 June" not in bodies[undeclared.assessor.email]
    assert "Friday 12 June 2026" in bodies[undeclared.assessor.email]


def test_assessors_who_scored_or_declared_a_conflict_are_not_reminded(db):
    AssignmentFactory(due=date(2026, 6, 12), status=AssignmentStatus.SUBMITTED)
    AssignmentFactory(due=date(2026, 6, 12), status=AssignmentStatus.CONFLICTED)
    AssignmentFactory(due=date(2026, 6, 12), application__status=ApplicationStatus.WITHDRAWN)
    assert run("scoring", london(2026, 6, 11)) == []
    assert run("scoring", london(2026, 6, 20)) == []


# --- Offers -------------------------------------------------------------------


def test_an_offer_not_accepted_is_reminded_once_after_the_set_number_of_days(member, settings):
    settings.NOTIFICATION_OFFER_REMINDER_DAYS = 14
    AwardFactory(
        application__organisation=member.organisation,
        offered_at=london(2026, 10, 20, 16, 0),  # BST; the reminder falls after the change
    )
    assert run("offers", london(2026, 11, 3) - ONE_SECOND) == []
    assert run("offers", london(2026, 11, 3)) == ["offer_reminder"]
    assert run("offers", london(2026, 11, 10)) == []


def test_the_offer_reminder_follows_the_setting_and_skips_accepted_offers(member, settings):
    settings.NOTIFICATION_OFFER_REMINDER_DAYS = 5
    AwardFactory(application__organisation=member.organisation, offered_at=london(2026, 6, 1, 9))
    AwardFactory(offered_at=london(2026, 6, 1, 9), accepted=True)
    AwardFactory(offered_at=london(2026, 6, 1, 9), status=AwardStatus.DECLINED)
    assert run("offers", london(2026, 6, 6) - ONE_SECOND) == []
    assert run("offers", london(2026, 6, 6)) == ["offer_reminder"]


def test_the_offer_reminder_says_what_to_do(member, django_capture_on_commit_callbacks):
    award = AwardFactory(application__organisation=member.organisation, offered_at=london(2026, 6, 1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        run("offers", london(2026, 7, 1, 9))
    (message,) = mail.outbox
    assert award.application.reference in message.subject
    assert member.organisation.name in message.body and "1 June 2026" in message.body
    assert f"/applications/{award.application.pk}/offer/" in message.body


# --- Monitoring returns -------------------------------------------------------


@pytest.fixture
def due_return(member):
    """Due on Friday 10 April 2026 (BST); its 14-day reminder falls in GMT."""
    return MonitoringReturnFactory(
        award__application__organisation=member.organisation, due=date(2026, 4, 10)
    )


def test_monitoring_reminders_14_days_before_on_the_day_and_7_days_after(due_return):
    assert run("monitoring", london(2026, 3, 27) - ONE_SECOND) == []
    assert run("monitoring", london(2026, 3, 27)) == ["monitoring_due_soon"]
    assert run("monitoring", london(2026, 4, 9, 12)) == []
    assert run("monitoring", london(2026, 4, 10) - ONE_SECOND) == []
    assert run("monitoring", london(2026, 4, 10)) == ["monitoring_due_today"]
    assert run("monitoring", london(2026, 4, 16, 23, 59, 59)) == []
    assert run("monitoring", london(2026, 4, 17)) == ["monitoring_overdue"]
    assert run("monitoring", london(2026, 5, 17)) == []


@pytest.mark.parametrize("status", [MonitoringStatus.SUBMITTED, MonitoringStatus.ACCEPTED])
def test_a_return_already_submitted_gets_no_reminder(member, status):
    MonitoringReturnFactory(
        award__application__organisation=member.organisation, due=date(2026, 4, 10), status=status
    )
    for moment in [london(2026, 3, 27, 9), london(2026, 4, 10, 9), london(2026, 4, 17, 9)]:
        assert run("monitoring", moment) == []


def test_a_return_submitted_after_the_first_reminder_gets_no_more(due_return):
    assert run("monitoring", london(2026, 3, 30, 9)) == ["monitoring_due_soon"]
    type(due_return).objects.filter(pk=due_return.pk).update(status=MonitoringStatus.SUBMITTED)
    assert run("monitoring", london(2026, 4, 10, 9)) == []
    assert run("monitoring", london(2026, 4, 17, 9)) == []


def test_returns_of_grants_that_ended_early_or_were_declined_are_not_chased(member):
    MonitoringReturnFactory(due=date(2026, 4, 10), award__status=AwardStatus.CLOSED_EARLY)
    MonitoringReturnFactory(due=date(2026, 4, 10), award__status=AwardStatus.DECLINED)
    assert run("monitoring", london(2026, 4, 10, 9)) == []


def test_the_overdue_reminder_names_the_grant_and_days_late(due_return, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("monitoring", london(2026, 4, 20, 9))
    (message,) = mail.outbox
    application = due_return.award.application
    assert message.subject == f"Overdue: monitoring return for {application.reference}"
    assert "was due on 10 April 2026, 10 days ago" in message.body
    assert application.organisation.name in message.body
    assert f"/applications/{application.pk}/" in message.body


# --- The weekly digest for grant officers -------------------------------------


def test_grant_officers_get_one_weekly_list_of_overdue_returns(make_user, django_capture_on_commit_callbacks):
    officers = [make_user(Role.GRANT_OFFICER), make_user(Role.GRANT_OFFICER)]
    make_user(Role.ASSESSOR)
    late = MonitoringReturnFactory(due=date(2026, 5, 1))
    later = MonitoringReturnFactory(due=date(2026, 5, 20), status=MonitoringStatus.CHANGES_REQUESTED)
    MonitoringReturnFactory(due=date(2026, 5, 1), status=MonitoringStatus.SUBMITTED)
    MonitoringReturnFactory(due=date(2026, 6, 30))

    monday = london(2026, 6, 1, 7, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert run("monitoring_digest", monday) == ["monitoring_overdue_digest"] * 2
    assert run("monitoring_digest", monday + timedelta(days=2)) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in officers)
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "2 overdue monitoring returns this week"
    assert body.index(late.award.application.reference) < body.index(later.award.application.reference)
    assert "due 1 May 2026, 31 days overdue" in body
    assert "(changes requested, not yet sent back)" in body
    assert f"/staff/monitoring/{late.pk}/" in body

    assert run("monitoring_digest", monday + timedelta(days=7)) == ["monitoring_overdue_digest"] * 2


def test_no_digest_when_nothing_is_overdue(make_user):
    make_user(Role.GRANT_OFFICER)
    MonitoringReturnFactory(due=date(2026, 6, 30))
    assert run("monitoring_digest", london(2026, 6, 1, 7, 30)) == []


# --- All jobs together --------------------------------------------------------


def test_running_every_job_twice_sends_nothing_the_second_time(member, spring_round, make_user):
    make_user(Role.GRANT_OFFICER)
    ApplicationFactory(round=spring_round, organisation=member.organisation)
    AssignmentFactory(due=date(2026, 3, 20))
    AwardFactory(application__organisation=member.organisation, offered_at=london(2026, 3, 1, 9))
    MonitoringReturnFactory(award__application__organisation=member.organisation, due=date(2026, 3, 25))
    with time_machine.travel(london(2026, 3, 23, 9), tick=False):
        first = run_all_reminders()
        second = run_all_reminders()
    assert {name: len(sent) for name, sent in first.items()} == {
        "rounds_opened": 0, "rounds_closing": 1, "scoring": 1, "offers": 1, "monitoring": 1,
        "monitoring_digest": 0,
    }
    assert all(sent == [] for sent in second.values())


def test_each_officer_digest_lists_their_cases_and_the_unassigned(
    make_user, django_capture_on_commit_callbacks
):
    alice, bob = make_user(Role.GRANT_OFFICER), make_user(Role.GRANT_OFFICER)
    alices = MonitoringReturnFactory(due=date(2026, 5, 1), award__application__case_officer=alice)
    nobodys = MonitoringReturnFactory(due=date(2026, 5, 2))
    with django_capture_on_commit_callbacks(execute=True):
        run("monitoring_digest", london(2026, 6, 1, 7, 30))
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert alices.award.application.reference in bodies[alice.email]
    assert alices.award.application.reference not in bodies[bob.email]
    assert nobodys.award.application.reference in bodies[alice.email]
    assert nobodys.award.application.reference in bodies[bob.email]
