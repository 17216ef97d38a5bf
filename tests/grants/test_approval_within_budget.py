"""Approvers decide singly or in bulk, never past the budget, never what they assessed."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import selectors, services
from grants.models import (
    ApplicationStatus,
    AssignmentStatus,
    Award,
    ConflictDeclaration,
    Recommendation,
)
from tests.applicants.factories import MembershipFactory
from tests.grants.decision_helpers import page_text, recommended, table_rows
from tests.grants.factories import AssignmentFactory
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER)


def queue_url(round):
    return f"{reverse('grants:approver_queue')}?round={round.pk}"


def approve_selected(client, round, applications, confirm=True):
    data = {"application": [a.pk for a in applications]}
    if confirm:
        data["confirm"] = "1"
    return client.post(
        reverse("grants:approve_selected", args=[round.pk]), data, follow=confirm
    )


def test_bulk_approval_goes_in_rank_order_and_stops_at_the_first_that_does_not_fit(approver):
    round = RoundFactory(budget=Decimal("10000.00"))
    best = recommended(round, 90, "4000.00")
    second = recommended(round, 80, "4000.00")
    third = recommended(round, 70, "4000.00")
    fourth = recommended(round, 60, "1000.00")

    result = services.approve_applications(
        round=round, application_ids=[fourth.pk, third.pk, best.pk, second.pk], actor=approver
    )

    assert [award.application for award in result.approved] == [best, second]
    assert result.total == Decimal("8000.00")
    assert result.refusal == (
        f"{third.reference} (£4,000.00) was not approved: Awarding £4,000.00 would exceed the "
        "round's budget: only £2,000.00 of £10,000.00 remains. The round has £2,000.00 left. "
        f"The 1 selected after it ({fourth.reference}) were not approved either."
    )
    for application, status in [
        (best, ApplicationStatus.APPROVED),
        (second, ApplicationStatus.APPROVED),
        (third, ApplicationStatus.RECOMMENDED),
        (fourth, ApplicationStatus.RECOMMENDED),
    ]:
        application.refresh_from_db()
        assert application.status == status
    assert selectors.budget_remaining(round) == Decimal("2000.00")


def test_part_awards_are_approved_at_the_recommended_amount(approver):
    round = RoundFactory()
    part = recommended(round, 80, "6000.00", recommendation=Recommendation.FUND_IN_PART,
                       recommended_amount="4500.00")
    [award] = services.approve_applications(
        round=round, application_ids=[part.pk], actor=approver
    ).approved
    assert award.amount == Decimal("4500.00")
    part.decision.refresh_from_db()
    assert (part.decision.approved_amount, part.decision.decided_by) == (award.amount, approver)


def test_a_decline_recommendation_is_not_approved_in_bulk(approver):
    round = RoundFactory()
    declined = recommended(round, 80, recommendation=Recommendation.DECLINE)
    result = services.approve_applications(
        round=round, application_ids=[declined.pk], actor=approver
    )
    assert result.approved == []
    assert "was recommended for declining: decide it on its own page" in result.refusal


def test_the_queue_shows_the_total_before_approving_and_the_refusal_after(approver, client_as):
    round = RoundFactory(budget=Decimal("10000.00"))
    applications = [recommended(round, 90 - i, "4000.00") for i in range(3)]
    client = client_as(approver)

    queue = client.get(queue_url(round))
    assert "Remaining budget: £10,000.00 of £10,000.00" in page_text(queue)
    assert [row[6] for row in table_rows(queue)] == [
        "£4,000.00", "£8,000.00", "£12,000.00 Over budget"
    ]

    check = approve_selected(client, round, applications, confirm=False)
    text = page_text(check)
    assert "Approve 3 applications" in text
    assert "Total £12,000.00" in text
    assert "The total is more than the remaining budget" in text

    done = approve_selected(client, round, applications)
    text = page_text(done)
    assert "2 applications approved, totalling £8,000.00. The offers have been sent." in text
    assert (
        f"{applications[2].reference} (£4,000.00) was not approved: Awarding £4,000.00 would "
        "exceed the round's budget: only £2,000.00 of £10,000.00 remains."
    ) in text
    assert Award.objects.filter(application__round=round).count() == 2


def test_nothing_selected_is_a_clear_message(approver, client_as):
    round = RoundFactory()
    recommended(round)
    response = client_as(approver).post(
        reverse("grants:approve_selected", args=[round.pk]), {"confirm": "1"}, follow=True
    )
    assert "Select at least one application to approve." in page_text(response)


def test_a_crafted_post_over_the_budget_is_refused(approver, client_as):
    round = RoundFactory(budget=Decimal("3000.00"))
    application = recommended(round, 80, "5000.00", recommendation=Recommendation.FUND_IN_PART,
                              recommended_amount="3000.00")
    response = client_as(approver).post(
        reverse("grants:decide", args=[application.pk]),
        {"decision": "approve", "amount": "£3,500"},
    )
    assert response.status_code == 200
    assert "only £3,000.00 of £3,000.00 remains" in page_text(response)
    assert not Award.objects.exists()
    # Nor more than was asked for, nor more than the round's maximum.
    for amount, message in [("5001", "more than the £5,000.00 requested"),
                            ("20000", "more than the £5,000.00 requested")]:
        response = client_as(approver).post(
            reverse("grants:decide", args=[application.pk]),
            {"decision": "approve", "amount": amount},
        )
        assert message in page_text(response)
    assert not Award.objects.exists()


def test_approval_is_capped_by_the_round_maximum(approver):
    round = RoundFactory(max_award=Decimal("4000.00"))
    application = recommended(round, 80, "6000.00", recommendation=Recommendation.FUND_IN_PART,
                              recommended_amount="4000.00")
    with pytest.raises(ValidationError, match="maximum of £4,000.00"):
        services.approve_application(
            application=application, actor=approver, amount=Decimal("4000.01")
        )


def test_a_crafted_bulk_post_cannot_reach_another_round(approver, client_as):
    round, other = RoundFactory(), RoundFactory()
    elsewhere = recommended(other)
    response = approve_selected(client_as(approver), round, [elsewhere])
    assert "Select applications in this round that are waiting for a decision." in page_text(
        response
    )
    check = approve_selected(client_as(approver), round, [elsewhere], confirm=False)
    assert check.status_code == 302
    assert not Award.objects.exists()


def test_an_approver_who_scored_or_declared_a_conflict_is_refused(make_user, client_as):
    person = make_user(Role.APPROVER, Role.ASSESSOR)
    round = RoundFactory()
    scored_it = recommended(round, 90)
    AssignmentFactory(application=scored_it, assessor=person, status=AssignmentStatus.SUBMITTED,
                      weighted_score=Decimal("90.0"))
    conflicted = recommended(round, 80)
    assignment = AssignmentFactory(
        application=conflicted, assessor=person, status=AssignmentStatus.CONFLICTED
    )
    ConflictDeclaration.objects.create(
        assignment=assignment, has_conflict=True, details="I chair their committee."
    )

    for application in (scored_it, conflicted):
        with pytest.raises(PermissionDenied, match="another approver must"):
            services.approve_application(
                application=application, actor=person, amount=Decimal("5000.00")
            )
        with pytest.raises(PermissionDenied):
            services.decline_application(application=application, actor=person, waitlist=True)
    result = services.approve_applications(
        round=round, application_ids=[scored_it.pk], actor=person
    )
    assert result.approved == [] and "another approver must" in result.refusal

    client = client_as(person)
    queue = client.get(queue_url(round))
    assert 'name="application"' not in queue.content.decode()
    assert page_text(queue).count("You scored or declared an interest") == 2
    page = client.get(reverse("grants:decide", args=[scored_it.pk]))
    assert "so you cannot decide it: another approver must" in page_text(page)
    assert 'name="decision"' not in page.content.decode()
    crafted = client.post(
        reverse("grants:decide", args=[scored_it.pk]), {"decision": "approve", "amount": "5000"}
    )
    assert crafted.status_code == 403
    assert not Award.objects.exists()


def test_a_waitlisted_application_is_approved_once_money_is_released(approver):
    round = RoundFactory(budget=Decimal("10000.00"))
    funded = recommended(round, 95, "8000.00")
    award = services.approve_application(
        application=funded, actor=approver, amount=Decimal("8000.00")
    )
    waiting = recommended(round, 70, "5000.00", recommendation=Recommendation.WAITLIST)
    services.decline_application(application=waiting, actor=approver, waitlist=True)
    with pytest.raises(ValidationError, match="only £2,000.00"):
        services.approve_application(
            application=waiting, actor=approver, amount=Decimal("5000.00")
        )

    # The group turns its offer down; the money goes back to the round.
    member = MembershipFactory(organisation=funded.organisation)
    services.decline_offer(award=award, actor=member.user, reason="We found other funding.")
    assert selectors.budget_remaining(round) == Decimal("10000.00")
    later = services.approve_application(
        application=waiting, actor=approver, amount=Decimal("5000.00")
    )
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.APPROVED
    event = AuditEvent.objects.filter(verb="approved").latest("pk")
    assert (event.from_state, event.to_state) == ("waitlisted", "approved")
    assert later.amount == Decimal("5000.00")


def test_rejecting_needs_feedback_for_the_applicant(approver, client_as):
    application = recommended(RoundFactory())  # fund in full: no feedback yet
    url = reverse("grants:decide", args=[application.pk])
    response = client_as(approver).post(url, {"decision": "reject", "reason": "Over-subscribed"})
    assert "Give feedback for the applicant explaining why it is not funded." in page_text(
        response
    )
    assert "Over-subscribed" in response.content.decode()
    client_as(approver).post(
        url, {"decision": "reject", "feedback": "Many strong bids this round."}
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision.feedback == "Many strong bids this round."


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPLICANT, Role.FINANCE, Role.GRANT_OFFICER])
def test_only_approvers_decide(role, make_user, client_as):
    round = RoundFactory()
    application = recommended(round)
    person = make_user(role)
    client = client_as(person)
    assert client.get(reverse("grants:approver_queue")).status_code == 403
    assert client.get(reverse("grants:decide", args=[application.pk])).status_code == 403
    response = client.post(
        reverse("grants:approve_selected", args=[round.pk]),
        {"application": [application.pk], "confirm": "1"},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.approve_applications(round=round, application_ids=[application.pk], actor=person)
    assert not Award.objects.exists()


def test_the_queue_query_count_does_not_grow_with_the_rows(approver, client_as):
    client = client_as(approver)
    small, large = RoundFactory(), RoundFactory()
    recommended(small, 50)
    for index in range(15):
        recommended(large, 50 + index)

    def measure(round):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(queue_url(round))
        return len(table_rows(response)), len(queries)

    few, many = measure(small), measure(large)
    assert (few[0], many[0]) == (1, 15)
    assert many[1] == few[1]
