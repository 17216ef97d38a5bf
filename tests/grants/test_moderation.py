"""Moderation: scores side by side, disagreements flagged, a moderated score with its reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import selectors, services
from grants.models import ApplicationStatus, AssignmentStatus
from tests.grants.factories import ApplicationFactory, AssignmentFactory, ScoreFactory
from tests.rounds.factories import CriterionFactory, RoundFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def round(db):
    return RoundFactory(assessors_per_application=2, moderation_threshold=20)


def scored(round, *scores, status=ApplicationStatus.SCORED, **kwargs):
    application = ApplicationFactory(round=round, status=status, **kwargs)
    for n, score in enumerate(scores):
        AssignmentFactory(
            application=application,
            status=AssignmentStatus.SUBMITTED,
            weighted_score=Decimal(score),
            assessor__full_name=f"Assessor {application.pk}-{n}",
        )
    return application


def test_the_final_score_is_the_average_until_moderated(officer, round):
    application = scored(round, "60.0", "75.5")
    [row] = selectors.final_scores(round)
    assert row.average_score == Decimal("67.8")  # 67.75 rounded half up
    assert row.final_score == Decimal("67.8")
    services.moderate_score(
        application=application, actor=officer, score=Decimal("70"), reason="Panel agreed 70."
    )
    [row] = selectors.final_scores(round)
    assert row.final_score == Decimal("70.0")
    assert row.average_score == Decimal("67.8")
    # The assessors' own scores are kept.
    assert sorted(application.assignments.values_list("weighted_score", flat=True)) == [
        Decimal("60.0"), Decimal("75.5")
    ]


def test_final_scores_rank_by_final_score(officer, round):
    low = scored(round, "40.0", "50.0")
    high = scored(round, "80.0", "90.0")
    ApplicationFactory(round=round, status=ApplicationStatus.IN_ASSESSMENT)  # no scores
    assert list(selectors.final_scores(round)) == [high, low]
    services.moderate_score(application=low, actor=officer, score=Decimal("95"), reason="Re-read.")
    assert list(selectors.final_scores(round)) == [low, high]


def test_moderating_is_audited_with_before_after_reason_and_originals(officer, round):
    application = scored(round, "50.0", "90.0")
    services.moderate_score(
        application=application, actor=officer, score=Decimal("64.5"), reason="Outlier."
    )
    services.moderate_score(
        application=application, actor=officer, score=Decimal("66"), reason="Second look."
    )
    first, second = AuditEvent.objects.filter(verb="score_moderated").order_by("pk")
    assert first.data["from"] is None and first.data["to"] == "64.5"
    assert second.data["from"] == "64.5" and second.data["to"] == "66.0"
    assert second.data["reason"] == "Second look."
    assert sorted(second.data["assessors"].values()) == ["50.0", "90.0"]
    assert second.actor == officer


def test_moderation_is_refused_without_a_reason_or_off_the_scale(officer, round):
    application = scored(round, "50.0")
    with pytest.raises(ValidationError, match="Give a reason"):
        services.moderate_score(application=application, actor=officer, score=Decimal("50"),
                                reason=" ")
    with pytest.raises(ValidationError, match="from 0 to 100"):
        services.moderate_score(application=application, actor=officer, score=Decimal("101"),
                                reason="Too high")


def test_moderation_is_refused_after_a_recommendation(officer, round):
    application = scored(round, "50.0", status=ApplicationStatus.RECOMMENDED)
    with pytest.raises(ValidationError, match="before a recommendation"):
        services.moderate_score(application=application, actor=officer, score=Decimal("60"),
                                reason="Late change")


def test_only_grant_officers_moderate(make_user, round):
    application = scored(round, "50.0")
    with pytest.raises(PermissionDenied):
        services.moderate_score(application=application, actor=make_user(Role.ASSESSOR),
                                score=Decimal("99"), reason="Mine")


def test_the_round_page_flags_disagreement_beyond_the_threshold(officer, round, client_as):
    agree = scored(round, "60.0", "75.0")  # 15 points apart
    disagree = scored(round, "40.0", "70.5")  # 30.5 points apart
    page = client_as(officer).get(reverse("grants:round_moderation", args=[round.pk]))
    text = page.content.decode()
    assert "2 applications with scores" in text
    assert text.count("Assessors disagree") == 1
    # Flagged applications come first.
    assert text.index(disagree.reference) < text.index(agree.reference)
    assert "30.5" in text and "40.0%" in text and "70.5%" in text
    flagged = client_as(officer).get(
        reverse("grants:round_moderation", args=[round.pk]), {"flagged": "1"}
    ).content.decode()
    assert disagree.reference in flagged and agree.reference not in flagged


def test_the_moderate_page_shows_criteria_side_by_side_and_saves(officer, round, client_as):
    criterion = CriterionFactory(round=round, title="Community need")
    application = scored(round, "40.0", "80.0")
    for assignment, value in zip(application.assignments.order_by("pk"), (2, 4), strict=True):
        ScoreFactory(assignment=assignment, criterion=criterion, score=value,
                     justification=f"Reason {value}")
    client = client_as(officer)
    url = reverse("grants:moderate", args=[application.pk])
    page = client.get(url).content.decode()
    assert "Community need" in page and "Reason 2" in page and "Reason 4" in page
    response = client.post(url, {"score": "abc", "reason": "Typed reason"})
    text = response.content.decode()
    assert "Enter the moderated score as a number, for example 64.5" in text
    assert "Typed reason" in text
    response = client.post(url, {"score": "62.5%", "reason": "Panel discussion."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.moderated_score == Decimal("62.5")
    assert application.moderation_reason == "Panel discussion."


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_other_roles_cannot_use_the_moderation_pages(make_user, round, client_as, role):
    application = scored(round, "50.0")
    client = client_as(make_user(role))
    assert client.get(reverse("grants:round_moderation", args=[round.pk])).status_code == 403
    url = reverse("grants:moderate", args=[application.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"score": "99", "reason": "x"}).status_code == 403
    application.refresh_from_db()
    assert application.moderated_score is None
