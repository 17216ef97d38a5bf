"""Each award's returns come from its round's rule; the window opens by itself on time."""

from datetime import date
from decimal import Decimal

import time_machine

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import (
    ApplicationStatus,
    AwardStatus,
    MonitoringReturn,
    MonitoringRule,
    MonitoringStatus,
    ReturnKind,
)
from notifications.reminders import run_reminder_job
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AwardFactory
from tests.notifications.helpers import london


def award_of(amount: str, *, start=date(2027, 4, 1), end=date(2028, 3, 31), **fields):
    application = ApplicationFactory(
        status=ApplicationStatus.APPROVED,
        amount_requested=Decimal(amount),
        project_start=start,
        project_end=end,
        **fields,
    )
    return AwardFactory(application=application, accepted=True)


def schedule(award, today=date(2027, 1, 1)):
    return services.schedule_monitoring_returns(award=award, actor=None, today=today)


def test_a_small_award_reports_once_8_weeks_after_the_project_ends(db):
    (only,) = schedule(award_of("5000"))
    assert (only.kind, only.period, only.due) == (ReturnKind.END_OF_GRANT, "End of grant", date(2028, 5, 26))
    assert only.opens_on == date(2028, 4, 28)
    assert only.status == MonitoringStatus.SCHEDULED


def test_an_award_at_the_threshold_also_sends_a_six_month_interim_return(db):
    interim, final = schedule(award_of("10000"))
    assert (interim.kind, interim.period, interim.due) == (
        ReturnKind.INTERIM, "Six-month interim", date(2027, 10, 1)
    )
    assert final.kind == ReturnKind.END_OF_GRANT


def test_the_rounds_own_rule_is_followed(db):
    award = award_of("3000")
    MonitoringRule.objects.create(
        round=award.application.round,
        end_of_grant_weeks=4,
        interim_threshold=Decimal("2000"),
        interim_months=3,
        opens_days_before=14,
    )
    interim, final = schedule(award)
    assert interim.due == date(2027, 7, 1) and interim.opens_on == date(2027, 6, 17)
    assert final.due == date(2028, 4, 28)


def test_a_project_shorter_than_six_months_reports_only_at_the_end(db):
    award = award_of("20000", start=date(2027, 4, 1), end=date(2027, 8, 31))
    assert [r.kind for r in schedule(award)] == [ReturnKind.END_OF_GRANT]


def test_scheduling_twice_creates_nothing_more(db):
    award = award_of("12000")
    assert len(schedule(award)) == 2
    assert schedule(award) == []
    assert MonitoringReturn.objects.filter(award=award).count() == 2
    assert AuditEvent.objects.filter(verb="monitoring_return_scheduled").count() == 2


def test_a_return_whose_window_is_already_open_starts_due(db):
    # Due 7 March 2027, so open from 7 February.
    (only,) = schedule(award_of("1000", end=date(2027, 1, 10)), today=date(2027, 2, 7))
    assert only.status == MonitoringStatus.DUE


def test_accepting_the_offer_schedules_the_returns(db):
    member = MembershipFactory()
    application = ApplicationFactory(
        organisation=member.organisation, status=ApplicationStatus.APPROVED,
        amount_requested=Decimal("15000"),
    )
    award = AwardFactory(application=application)
    services.accept_offer(award=award, actor=member.user, signatory_name="Sam Signatory")
    services.accept_offer(award=award, actor=member.user, signatory_name="Sam Signatory")
    assert sorted(award.monitoring_returns.values_list("kind", flat=True)) == [
        ReturnKind.END_OF_GRANT, ReturnKind.INTERIM
    ]
    award.refresh_from_db()
    assert award.status == AwardStatus.ACCEPTED


def test_the_reminder_job_opens_returns_on_the_london_day_their_window_opens(make_user):
    make_user(Role.GRANT_OFFICER)
    (only,) = schedule(award_of("5000"))  # opens 28 April 2028 (BST)

    def status_at(moment):
        with time_machine.travel(moment, tick=False):
            run_reminder_job(name="monitoring")
        only.refresh_from_db()
        return only.status

    assert status_at(london(2028, 4, 27, 23, 59, 59)) == MonitoringStatus.SCHEDULED
    assert status_at(london(2028, 4, 28, 0, 0, 0)) == MonitoringStatus.DUE
    # A second run the same day finds nothing to open, and audits nothing twice.
    assert status_at(london(2028, 4, 28, 9)) == MonitoringStatus.DUE
    assert AuditEvent.objects.filter(verb="monitoring_return_opened").count() == 1


def test_opening_twice_opens_each_return_once(db):
    schedule(award_of("5000"))
    schedule(award_of("6000"))
    with time_machine.travel(london(2028, 5, 1, 9), tick=False):
        assert services.open_due_returns() == 2
        assert services.open_due_returns() == 0
