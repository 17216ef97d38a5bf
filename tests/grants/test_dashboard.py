"""The applicant's dashboard and application page: plain words, what next and by when."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from applicants.selectors import CURRENT_ORGANISATION_SESSION_KEY
from grants.models import ApplicationStatus, AwardStatus
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import (
    ApplicationFactory,
    AwardFactory,
    DecisionFactory,
    MonitoringReturnFactory,
)
from tests.rounds.factories import RoundFactory


@pytest.fixture
def member(db):
    return MembershipFactory(organisation__name="Aardvark Lunch Club")


def dashboard(client):
    return client.get(reverse("grants:dashboard")).content.decode()


@pytest.mark.parametrize(
    "status,label,next_step",
    [
        (ApplicationStatus.DRAFT, "Not submitted yet", "Finish your application and submit it"),
        (ApplicationStatus.SUBMITTED, "Received", "We are checking that your application is"),
        (ApplicationStatus.IN_ASSESSMENT, "Being assessed", "Our assessors are scoring"),
        (ApplicationStatus.SCORED, "Being assessed", "Our assessors are scoring"),
        # A recommendation is not a decision, so the group sees no hint of it.
        (ApplicationStatus.RECOMMENDED, "Being assessed", "Our assessors are scoring"),
        (ApplicationStatus.WAITLISTED, "On the waiting list", "We will contact you if money"),
        (ApplicationStatus.REJECTED, "Not funded", "Read the feedback on your application"),
        (ApplicationStatus.INELIGIBLE, "Not eligible", "Read why your application was not"),
        (ApplicationStatus.WITHDRAWN, "Withdrawn", "Nothing more to do"),
    ],
)
def test_each_status_is_in_plain_words_with_what_happens_next(
    member, client_as, status, label, next_step
):
    ApplicationFactory(organisation=member.organisation, status=status)
    page = dashboard(client_as(member.user))
    assert f">{label}</strong>" in page
    assert next_step in page


def test_a_draft_says_when_the_round_closes(member, client_as):
    round = RoundFactory()
    ApplicationFactory(round=round, organisation=member.organisation)
    closes = timezone.localtime(round.closes_at)
    assert f"on {closes.day} {closes:%B %Y}, when the round closes" in dashboard(
        client_as(member.user)
    )


def test_a_submitted_application_says_when_we_aim_to_decide(member, client_as):
    round = RoundFactory(decision_date=date(2027, 6, 30))
    ApplicationFactory(round=round, organisation=member.organisation, status="submitted")
    assert "We aim to tell you our decision by 30 June 2027" in dashboard(client_as(member.user))


def test_an_offer_links_to_accepting_it(member, client_as):
    award = AwardFactory(application__organisation=member.organisation)
    page = dashboard(client_as(member.user))
    assert ">Grant offered</strong>" in page
    assert reverse("grants:offer", args=[award.application.pk]) in page


def test_a_funded_group_is_told_its_next_monitoring_return(member, client_as):
    award = AwardFactory(application__organisation=member.organisation, accepted=True)
    MonitoringReturnFactory(award=award, period="End of grant", due=date(2028, 4, 30))
    page = dashboard(client_as(member.user))
    assert ">Funded</strong>" in page
    assert "Send your end of grant monitoring return" in page
    assert "By 30 April 2028" in page


def test_only_the_current_organisations_applications_are_listed(member, client_as):
    ApplicationFactory(organisation=member.organisation, title="Aardvark project")
    other = MembershipFactory(user=member.user, organisation__name="Zebra Club")
    ApplicationFactory(organisation=other.organisation, title="Zebra project")
    client = client_as(member.user)
    page = dashboard(client)
    assert "Aardvark project" in page and "Zebra project" not in page
    assert "Switch to another organisation" in page

    session = client.session
    session[CURRENT_ORGANISATION_SESSION_KEY] = other.organisation.pk
    session.save()
    page = dashboard(client)
    assert "Zebra project" in page and "Aardvark project" not in page


def test_an_organisation_the_person_has_left_gives_way_to_their_first(member, client_as):
    ApplicationFactory(organisation=member.organisation, title="Aardvark project")
    left = MembershipFactory(user=member.user, organisation__name="Zebra Club")
    ApplicationFactory(organisation=left.organisation, title="Zebra project")
    client = client_as(member.user)
    session = client.session
    session[CURRENT_ORGANISATION_SESSION_KEY] = left.organisation.pk
    session.save()
    left.delete()

    page = dashboard(client)

    assert "Aardvark project" in page and "Zebra project" not in page
    # One organisation left: nothing to switch to.
    assert "Add another organisation" in page and "Switch to another organisation" not in page


def test_someone_without_an_organisation_is_asked_to_set_one_up(make_user, client_as):
    page = dashboard(client_as(make_user(Role.APPLICANT)))
    assert "Set up your organisation" in page


def test_the_dashboard_takes_the_same_queries_for_one_application_or_twenty(member, client_as):
    client = client_as(member.user)

    def count():
        client.get(reverse("grants:dashboard"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("grants:dashboard"))
        return len(queries.captured_queries)

    AwardFactory(application__organisation=member.organisation, accepted=True)
    few = count()
    for index in range(19):
        if index % 3 == 0:
            award = AwardFactory(application__organisation=member.organisation, accepted=True)
            MonitoringReturnFactory(award=award)
        else:
            ApplicationFactory(organisation=member.organisation, status="submitted")
    assert count() == few


# --- The application page ---------------------------------------------------------


def test_a_rejected_application_shows_the_decision_and_feedback(member, client_as):
    decision = DecisionFactory(
        application__organisation=member.organisation,
        application__status=ApplicationStatus.REJECTED,
        recommendation="decline",
        feedback="Your budget did not show <b>value</b> for money.",
        decided_at=timezone.now() - timedelta(days=1),
    )
    page = (
        client_as(member.user)
        .get(reverse("grants:detail", args=[decision.application.pk]))
        .content.decode()
    )
    assert "we cannot fund your project this time" in page
    assert "Your budget did not show &lt;b&gt;value&lt;/b&gt; for money." in page


def test_an_undecided_recommendation_is_not_shown_to_the_group(member, client_as):
    decision = DecisionFactory(
        application__organisation=member.organisation, reason="Strong.", feedback="Secret."
    )
    page = (
        client_as(member.user)
        .get(reverse("grants:detail", args=[decision.application.pk]))
        .content.decode()
    )
    assert "Being assessed" in page
    assert "Secret." not in page and "Fund in full" not in page


def test_an_approved_application_shows_the_grant(member, client_as):
    award = AwardFactory(
        application__organisation=member.organisation,
        amount=Decimal("4200.00"),
        status=AwardStatus.OFFERED,
    )
    page = (
        client_as(member.user)
        .get(reverse("grants:detail", args=[award.application.pk]))
        .content.decode()
    )
    assert "£4,200.00" in page
    assert "Read and accept your offer" in page
