"""The scoring page: the round's scale, drafts that keep everything, submission and blind scores."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from grants import services
from grants.models import ApplicationStatus, AssignmentStatus, Score
from tests.grants.factories import ApplicationFactory, AssignmentFactory
from tests.rounds.factories import CriterionFactory, RoundFactory


@pytest.fixture
def round(db):
    return RoundFactory(assessors_per_application=2, scoring_scale_min=1, scoring_scale_max=5)


@pytest.fixture
def criteria(round):
    need = CriterionFactory(round=round, title="Need", weight=40, max_score=5, order=1,
                            guidance="Is there clear evidence of local need?")
    plan = CriterionFactory(round=round, title="Plan", weight=60, max_score=3, order=2)
    return need, plan


@pytest.fixture
def application(round):
    return ApplicationFactory(round=round, status=ApplicationStatus.IN_ASSESSMENT)


@pytest.fixture
def assignment(application):
    return AssignmentFactory(application=application, status=AssignmentStatus.IN_PROGRESS)


def url(assignment):
    return reverse("grants:score", args=[assignment.pk])


def answers(criteria, need=("4", "Clear need."), plan=("2", "Sound plan."), **extra):
    first, second = criteria
    return {
        f"score_{first.pk}": need[0], f"justification_{first.pk}": need[1],
        f"score_{second.pk}": plan[0], f"justification_{second.pk}": plan[1],
        **extra,
    }


def test_the_page_shows_the_application_beside_criteria_with_guidance(
    assignment, criteria, client_as
):
    page = client_as(assignment.assessor).get(url(assignment)).content.decode()
    assert assignment.application.title in page
    assert "Is there clear evidence of local need?" in page
    assert "How the weighted score is worked out" in page
    assert "rounded to one decimal place, with halves rounded up" in page
    # The scale is the round's 1 to 5, capped at Plan's maximum of 3.
    first, second = criteria
    assert f'name="score_{first.pk}"' in page and page.count(f'name="score_{second.pk}"') == 3
    assert "1 to 3" in page
    assert 'src="/static/js/scoring-total.js"' in page


def test_a_draft_keeps_partial_answers_and_shows_the_total_after_saving(
    assignment, criteria, client_as
):
    need, plan = criteria
    client = client_as(assignment.assessor)
    response = client.post(
        url(assignment),
        {f"score_{need.pk}": "5", f"justification_{plan.pk}": "Half written", "save_draft": ""},
    )
    assert response.status_code == 302
    saved = {s.criterion_id: (s.score, s.justification) for s in assignment.scores.all()}
    assert saved == {need.pk: (5, ""), plan.pk: (None, "Half written")}
    page = client.get(url(assignment)).content.decode()
    # 5/5 x 40 = 40 of 100 so far.
    assert "Weighted total of your saved scores: 40.0% (1 of 2 criteria scored)" in page
    assert "Half written" in page


def test_a_score_off_the_scale_is_refused_clearly_and_nothing_typed_is_lost(
    assignment, criteria, client_as
):
    need, plan = criteria
    response = client_as(assignment.assessor).post(
        url(assignment), answers(criteria, plan=("9", "Typed with care"), save_draft="")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a score from 1 to 3 for Plan" in page
    assert "Typed with care" in page
    # The valid half of the draft was saved; the bad score was not.
    assert Score.objects.get(assignment=assignment, criterion=need).score == 4
    assert "We saved the scores that were valid" in page
    assert not Score.objects.filter(assignment=assignment, criterion=plan, score=9).exists()


def test_the_service_refuses_scores_off_the_scale(assignment, criteria):
    need, plan = criteria
    with pytest.raises(Exception, match="must be a whole number from 1 to 3"):
        services.save_scores(
            assignment=assignment, actor=assignment.assessor, scores={plan.pk: (0, "x")}
        )
    assert not assignment.scores.exists()


def test_submitting_needs_every_score_and_justification(assignment, criteria, client_as):
    need, plan = criteria
    response = client_as(assignment.assessor).post(
        url(assignment), answers(criteria, plan=("", ""), submit_scores="")
    )
    page = response.content.decode()
    assert "Give a score for Plan" in page and "Explain your score for Plan" in page
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS


def test_each_field_is_labelled_and_its_hint_and_errors_are_tied_to_it(
    assignment, criteria, client_as
):
    need, plan = criteria
    CriterionFactory(round=assignment.application.round, title="Fish & chips", order=3)
    response = client_as(assignment.assessor).post(
        url(assignment), answers(criteria, need=("4", ""), plan=("", "Kept <b>text</b>"),
                                 submit_scores="")
    )
    page = " ".join(response.content.decode().split())

    # The radios are a group whose legend names the criterion, with its
    # guidance and its error read out with it.
    assert (f'<fieldset class="govuk-fieldset" aria-describedby="id_score_{need.pk}_hint">'
            f' <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Score for Need'
            '</legend>') in page
    assert ('<fieldset class="govuk-fieldset" '
            f'aria-describedby="id_score_{plan.pk}_hint id_score_{plan.pk}_1_error">') in page
    assert (f'<span id="id_score_{plan.pk}_1_error" class="govuk-error-message">'
            '<span class="govuk-visually-hidden">Error:</span> Give a score for Plan</span>') in page
    assert f'<div id="div_id_score_{plan.pk}" class="govuk-form-group govuk-form-group--error">' in page
    assert (f'<input type="radio" name="score_{need.pk}" class="govuk-radios__input" '
            f'id="id_score_{need.pk}_4" value="4" checked="checked"><label class="govuk-label '
            f'govuk-radios__label" for="id_score_{need.pk}_4">4</label>') in page
    # The justification box keeps what was typed (escaped) and names its error.
    assert (f'<label for="id_justification_{need.pk}" class="govuk-label">Why did you give this '
            "score for Need?</label>") in page
    assert (f'class="govuk-textarea govuk-textarea--error" id="id_justification_{need.pk}" '
            f'aria-describedby="id_justification_{need.pk}_1_error">') in page
    assert "Kept &lt;b&gt;text&lt;/b&gt;</textarea>" in page
    # A title is escaped once, not twice.
    assert "Score for Fish &amp; chips</legend>" in page
    # The error summary links to the fields.
    assert f'<a href="#id_justification_{need.pk}">Explain your score for Need</a>' in page


def test_submitting_locks_the_scores_and_records_the_weighted_score(
    assignment, criteria, client_as
):
    client = client_as(assignment.assessor)
    response = client.post(url(assignment), answers(criteria, submit_scores=""))
    assert response.status_code == 302
    assignment.refresh_from_db()
    # 4/5 x 40 + 2/3 x 60 = 32 + 40 = 72 of 100.
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert assignment.weighted_score == Decimal("72.0")
    event = AuditEvent.objects.get(verb="scores_submitted")
    assert event.data["weighted_score"] == "72.0" and event.actor == assignment.assessor
    page = client.get(url(assignment)).content.decode()
    assert "Your weighted score: 72.0%" in page
    # A second post changes nothing.
    client.post(url(assignment), answers(criteria, need=("1", "Changed"), submit_scores=""))
    assert assignment.scores.get(criterion=criteria[0]).score == 4


def test_scores_are_blind_until_the_assessor_submits(application, criteria, client_as):
    mine = AssignmentFactory(application=application, status=AssignmentStatus.IN_PROGRESS)
    theirs = AssignmentFactory(
        application=application,
        status=AssignmentStatus.IN_PROGRESS,
        assessor__full_name="Other Assessor",
    )
    services.save_scores(
        assignment=theirs, actor=theirs.assessor, submit=True,
        scores={criteria[0].pk: (2, "Their secret reason"), criteria[1].pk: (1, "Weak plan")},
    )
    client = client_as(mine.assessor)
    page = client.get(url(mine)).content.decode()
    assert "Their secret reason" not in page and "Other Assessor" not in page
    assert "Other assessors' scores are shown once you have submitted your own" in page
    client.post(url(mine), answers(criteria, submit_scores=""))
    page = client.get(url(mine)).content.decode()
    assert "Scores from every assessor who has submitted" in page
    assert "Other Assessor" in page and "Their secret reason" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCORED


def test_an_assessor_cannot_open_or_score_an_application_not_assigned_to_them(
    assignment, criteria, make_user, client_as
):
    stranger = make_user(Role.ASSESSOR)
    client = client_as(stranger)
    assert client.get(url(assignment)).status_code == 404
    assert client.post(url(assignment), answers(criteria, submit_scores="")).status_code == 404
    assert not assignment.scores.exists()


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_other_roles_cannot_use_the_scoring_page(assignment, make_user, client_as, role):
    assert client_as(make_user(role)).get(url(assignment)).status_code == 403


def test_the_pages_queries_do_not_grow_with_criteria_and_saved_scores(
    assignment, criteria, client_as
):
    def queries_with_every_criterion_scored() -> int:
        services.save_scores(
            assignment=assignment, actor=assignment.assessor,
            scores={c.pk: (1, f"Reason {c.pk}") for c in assignment.application.round.criteria.all()},
        )
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url(assignment)).content.decode()
        for criterion in assignment.application.round.criteria.all():
            assert f"Reason {criterion.pk}" in page
        return len(captured)

    client = client_as(assignment.assessor)
    client.get(url(assignment))  # the session's first page reads a little more
    two = queries_with_every_criterion_scored()
    for order in range(3, 9):
        CriterionFactory(round=assignment.application.round, title=f"Extra {order}", order=order)
    assert queries_with_every_criterion_scored() == two
