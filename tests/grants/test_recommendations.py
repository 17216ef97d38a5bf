"""Officers recommend: in full, in part, decline or waitlist, changeable until decided."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import ApplicationStatus, Decision, Recommendation
from tests.grants.decision_helpers import page_text, recommended, scored
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def application():
    round = RoundFactory(min_award=Decimal("500.00"), max_award=Decimal("8000.00"))
    return scored(round, 75, amount="6000.00")


def recommend(application, actor, recommendation, **kwargs):
    return services.recommend_application(
        application=application, actor=actor, recommendation=recommendation, **kwargs
    )


def test_fund_in_full_recommends_the_amount_requested(
    application, officer, make_user, django_capture_on_commit_callbacks
):
    approver = make_user(Role.APPROVER)
    with django_capture_on_commit_callbacks(execute=True):
        decision = recommend(application, officer, Recommendation.FUND_IN_FULL)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECOMMENDED
    assert decision.recommended_amount == Decimal("6000.00")
    event = AuditEvent.objects.get(verb="recommended")
    assert (event.actor, event.from_state, event.to_state) == (officer, "scored", "recommended")
    assert event.data["before"] is None
    assert event.data["after"]["recommendation"] == "fund_in_full"
    [email] = mail.outbox
    assert email.to == [approver.email]
    assert application.reference in email.subject


def test_fund_in_part_needs_an_amount_within_the_limits_and_a_reason(application, officer):
    cases = [
        ({}, "Enter the amount you recommend."),
        ({"amount": Decimal("6000.00"), "reason": "x"}, "A part award must be less than the "
         "£6,000.00 requested: to award it all, choose fund in full."),
        ({"amount": Decimal("400.00"), "reason": "x"},
         "The amount cannot be less than this round's minimum award of £500.00."),
        ({"amount": Decimal("3000.00")}, "Give the reason for funding in part; the applicant "
         "is told it."),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as refused:
            recommend(application, officer, Recommendation.FUND_IN_PART, **kwargs)
        assert message in refused.value.messages
    decision = recommend(
        application, officer, Recommendation.FUND_IN_PART, amount=Decimal("4500.00"),
        reason="The equipment line is covered by another funder.",
    )
    assert decision.recommended_amount == Decimal("4500.00")


def test_no_amount_may_exceed_the_round_maximum(officer):
    round = RoundFactory(max_award=Decimal("5000.00"))
    application = scored(round, 80, amount="9000.00")
    with pytest.raises(ValidationError, match="maximum award of £5,000.00"):
        recommend(application, officer, Recommendation.FUND_IN_FULL)
    with pytest.raises(ValidationError, match="maximum award of £5,000.00"):
        recommend(application, officer, Recommendation.FUND_IN_PART,
                  amount=Decimal("5000.01"), reason="Too much")
    assert not Decision.objects.exists()


def test_declining_needs_a_reason_and_feedback_for_the_applicant(application, officer):
    with pytest.raises(ValidationError) as refused:
        recommend(application, officer, Recommendation.DECLINE)
    assert refused.value.message_dict == {
        "reason": ["Give the reason for declining."],
        "feedback": ["Give feedback for the applicant explaining the decision."],
    }
    decision = recommend(
        application, officer, Recommendation.DECLINE, reason="Outside the priorities",
        feedback="Your project is strong but serves few people in the county.",
    )
    assert decision.recommended_amount is None


def test_a_recommendation_can_be_changed_until_it_is_decided(
    application, officer, make_user, django_capture_on_commit_callbacks
):
    make_user(Role.APPROVER)
    changed_by = make_user(Role.GRANT_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        recommend(application, officer, Recommendation.WAITLIST)
    with django_capture_on_commit_callbacks(execute=True):
        recommend(application, changed_by, Recommendation.FUND_IN_PART,
                  amount=Decimal("5000.00"), reason="Budget line 3 is not eligible.")

    decision = Decision.objects.get(application=application)
    assert (decision.recommendation, decision.recommended_amount, decision.recommended_by) == (
        "fund_in_part", Decimal("5000.00"), changed_by,
    )
    event = AuditEvent.objects.get(verb="recommendation_changed")
    assert event.data["before"]["recommendation"] == "waitlist"
    assert event.data["after"]["amount"] == "5000.00"
    assert event.data["reason"] == "Budget line 3 is not eligible."
    # The approvers were told once, when it was first recommended.
    assert len(mail.outbox) == 1


def test_a_decided_recommendation_cannot_be_changed(officer):
    application = recommended(RoundFactory(), status=ApplicationStatus.APPROVED)
    with pytest.raises(ValidationError, match="already decided"):
        recommend(application, officer, Recommendation.DECLINE, reason="r", feedback="f")


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPLICANT, Role.FINANCE, Role.APPROVER])
def test_only_grant_officers_recommend(application, role, make_user, client_as):
    person = make_user(role)
    with pytest.raises(PermissionDenied):
        recommend(application, person, Recommendation.FUND_IN_FULL)
    url = reverse("grants:recommend", args=[application.pk])
    assert client_as(person).get(url).status_code == 403
    response = client_as(person).post(url, {"recommendation": "fund_in_full"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCORED


def test_the_page_shows_each_problem_and_keeps_what_was_typed(application, officer, client_as):
    url = reverse("grants:recommend", args=[application.pk])
    response = client_as(officer).post(
        url,
        {"recommendation": "fund_in_part", "amount": "£9,500", "reason": "Only the hall <b>hire</b>"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert text.startswith("There is a problem")
    assert "A part award must be less than the £6,000.00 requested" in text
    html = response.content.decode()
    assert 'value="£9,500"' in html
    assert "Only the hall &lt;b&gt;hire&lt;/b&gt;" in html
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCORED


def test_the_page_saves_a_recommendation_and_returns_to_the_ranking(
    application, officer, client_as
):
    url = reverse("grants:recommend", args=[application.pk])
    response = client_as(officer).post(
        url, {"recommendation": "fund_in_part", "amount": "£4,000.00", "reason": "Part only"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("grants:ranking", args=[application.round_id])
    assert f"Your recommendation on {application.reference} has been saved." in page_text(response)
    # Coming back shows the recommendation ready to change.
    again = client_as(officer).get(url)
    assert "Current recommendation Fund in part: £4,000.00" in page_text(again)
    assert 'value="4000.00"' in again.content.decode()
