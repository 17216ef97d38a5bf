"""The group hears the decision by email and reads it, with feedback, in the portal."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from grants import services
from grants.models import Recommendation
from notifications.models import Notification
from tests.applicants.factories import MembershipFactory
from tests.grants.decision_helpers import page_text, recommended
from tests.rounds.factories import RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER)


def with_member(application):
    return MembershipFactory(organisation=application.organisation, user__email="group@example.org")


def detail(client_as, member, application):
    return page_text(client_as(member.user).get(reverse("grants:detail", args=[application.pk])))


def test_a_full_award_is_emailed_and_shown(approver, client_as, django_capture_on_commit_callbacks):
    application = recommended(RoundFactory(), 80, "5000.00")
    member = with_member(application)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_application(
            application=application, actor=approver, amount=Decimal("5000.00")
        )
    [email] = mail.outbox
    assert email.to == ["group@example.org"]
    assert email.subject == f"Good news: a grant offer for {application.reference}"
    assert "a grant of £5,000.00" in email.body
    assert email.alternatives[0][1] == "text/html"

    text = detail(client_as, member, application)
    assert "Decision Funded" in text
    assert "Amount £5,000.00 of the £5,000.00 you asked for" in text
    assert "Next step Read and accept your offer" in text


def test_a_part_award_gives_the_amount_and_the_reason(
    approver, client_as, django_capture_on_commit_callbacks
):
    application = recommended(
        RoundFactory(), 80, "6000.00", recommendation=Recommendation.FUND_IN_PART,
        recommended_amount="4000.00",
    )
    application.decision.reason = "The minibus hire is funded by the parish council."
    application.decision.save()
    member = with_member(application)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_applications(
            round=application.round, application_ids=[application.pk], actor=approver
        )
    [email] = mail.outbox
    assert email.subject == f"A grant offer of part of the amount for {application.reference}"
    assert "a grant of £4,000.00" in email.body
    assert "You asked for £6,000.00" in email.body
    assert "The minibus hire is funded by the parish council." in email.body
    assert Notification.objects.get().kind == "award_offered_in_part"

    text = detail(client_as, member, application)
    assert "Decision Funded in part" in text
    assert "Amount £4,000.00 of the £6,000.00 you asked for" in text
    assert "Why part of the amount The minibus hire is funded by the parish council." in text


def test_a_decline_sends_the_feedback(approver, client_as, django_capture_on_commit_callbacks):
    application = recommended(RoundFactory(), recommendation=Recommendation.DECLINE)
    application.decision.reason = "Internal: weak budget"
    application.decision.feedback = "Your budget did not show how the hall costs were worked out."
    application.decision.save()
    member = with_member(application)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_application(application=application, actor=approver)
    [email] = mail.outbox
    assert email.subject == f"Decision on your application {application.reference}"
    assert "Your budget did not show how the hall costs were worked out." in email.body
    # The officer's reason for the approvers is never sent to the group.
    assert "Internal: weak budget" not in email.body

    text = detail(client_as, member, application)
    assert "Decision Not funded" in text
    assert "Feedback Your budget did not show how the hall costs were worked out." in text
    assert "Next step Read the feedback on your application" in text
    assert "Internal: weak budget" not in text


def test_waitlisting_is_emailed_and_shown(approver, client_as, django_capture_on_commit_callbacks):
    application = recommended(RoundFactory(), recommendation=Recommendation.WAITLIST)
    member = with_member(application)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_application(
            application=application, actor=approver, waitlist=True,
            feedback="A strong bid: it is first on the list if money comes back.",
        )
    [email] = mail.outbox
    assert email.subject == f"Your application {application.reference} is on the waiting list"
    assert "A strong bid: it is first on the list if money comes back." in email.body
    text = detail(client_as, member, application)
    assert "Decision On the waiting list" in text
    assert "Next step We will contact you if money becomes available" in text


def test_nothing_is_sent_when_the_decision_is_undone(approver, django_capture_on_commit_callbacks):
    application = recommended(RoundFactory())
    with_member(application)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.approve_application(
            application=application, actor=approver, amount=Decimal("5000.00")
        )
        raise RuntimeError("the request failed after the decision")
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_recommendation_alone_tells_the_group_nothing(make_user, client_as):
    application = recommended(RoundFactory(), recommendation=Recommendation.DECLINE)
    member = with_member(application)
    text = detail(client_as, member, application)
    assert "Being assessed" in text
    assert "Our decision" not in text
    assert "Thank you for applying." not in text
