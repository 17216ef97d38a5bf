"""
The officer's round list and the assessor's queue: filtered, sorted and
paginated, with a query count that does not grow with the rows. The
moderation and declarations pages are checked for query counts too.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from applicants.choices import District
from grants.models import ApplicationStatus, AssignmentStatus, ConflictDeclaration
from tests.grants.factories import ApplicationFactory, AssignmentFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def round(db):
    return RoundFactory(assessors_per_application=2, closed=True)


def rows(page: str) -> int:
    return page.count('<tr class="govuk-table__row">') - 1  # less the header row


def test_filters_by_status_district_screening_and_text(officer, round, client_as):
    lunch = ApplicationFactory(
        round=round, status=ApplicationStatus.SUBMITTED, title="Lunch club",
        districts_served=[District.MELTON.value],
    )
    choir = ApplicationFactory(
        round=round, status=ApplicationStatus.IN_ASSESSMENT, title="Choir",
        organisation__name="Wigston Singers", screening_result="passed",
        districts_served=[District.OADBY_AND_WIGSTON.value, District.BLABY.value],
    )
    ApplicationFactory(round=round, status=ApplicationStatus.DRAFT, title="Hidden draft")
    client = client_as(officer)
    url = reverse("grants:round_applications", args=[round.pk])

    def listed(**query):
        page = client.get(url, query).content.decode()
        return {a.title for a in (lunch, choir) if a.reference in page}, page

    assert listed()[0] == {"Lunch club", "Choir"}
    assert "Hidden draft" not in listed()[1]
    assert listed(status="submitted")[0] == {"Lunch club"}
    assert listed(district=District.BLABY.value)[0] == {"Choir"}
    assert listed(screening="passed")[0] == {"Choir"}
    assert listed(screening="not_screened")[0] == {"Lunch club"}
    assert listed(q="wigston")[0] == {"Choir"}
    assert listed(q=lunch.reference)[0] == {"Lunch club"}
    assert listed(needs_assessors="true")[0] == {"Choir"}
    # A crafted value is ignored rather than failing the page.
    assert listed(status="nonsense", sort="password")[0] == {"Lunch club", "Choir"}


def test_each_row_links_the_application_and_shows_its_money_assessors_and_score(
    officer, round, client_as
):
    application = ApplicationFactory(
        round=round, status=ApplicationStatus.SCORED, amount_requested=Decimal("12500.50"),
        organisation__name="Melton Food Bank",
    )
    AssignmentFactory(application=application, status=AssignmentStatus.SUBMITTED,
                      weighted_score=Decimal("61.0"))
    AssignmentFactory(application=application, status=AssignmentStatus.SUBMITTED,
                      weighted_score=Decimal("70.0"))
    AssignmentFactory(application=application, status=AssignmentStatus.REMOVED)

    page = " ".join(client_as(officer).get(
        reverse("grants:round_applications", args=[round.pk])
    ).content.decode().split())

    link = reverse("grants:officer_application", args=[application.pk])
    assert (f'<a class="govuk-link" href="{link}">{application.reference}</a></td> '
            '<td class="govuk-table__cell">Melton Food Bank</td>') in page
    # Two active assessors of the two the round asks for; the average to one place.
    assert ('£12,500.50</td> <td class="govuk-table__cell govuk-table__cell--numeric">2 of 2</td>'
            ' <td class="govuk-table__cell govuk-table__cell--numeric">65.5%</td>') in page


def test_sorts_by_score_and_keeps_filters_across_pages(officer, round, client_as, make_user):
    for score in ("50.0", "90.0", "70.0"):
        application = ApplicationFactory(round=round, status=ApplicationStatus.SCORED)
        AssignmentFactory(application=application, status=AssignmentStatus.SUBMITTED,
                          weighted_score=Decimal(score))
    url = reverse("grants:round_applications", args=[round.pk])
    page = client_as(officer).get(url, {"sort": "-score"}).content.decode()
    assert page.index("90.0%") < page.index("70.0%") < page.index("50.0%")
    page = client_as(officer).get(url, {"sort": "score"}).content.decode()
    assert page.index("50.0%") < page.index("70.0%") < page.index("90.0%")


def test_the_round_list_is_paginated_with_its_filters(officer, round, client_as, monkeypatch):
    from grants import views

    monkeypatch.setattr(views.RoundApplicationsView, "paginate_by", 2)
    for _ in range(3):
        ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)
    url = reverse("grants:round_applications", args=[round.pk])
    page = client_as(officer).get(url, {"status": "submitted"}).content.decode()
    assert rows(page) == 2 and "1 of 2" in page
    assert "?status=submitted&amp;page=2" in page
    page = client_as(officer).get(url, {"status": "submitted", "page": "2"}).content.decode()
    assert rows(page) == 1


def test_the_assessor_queue_filters_and_sorts(make_user, client_as, round):
    assessor = make_user(Role.ASSESSOR)
    early = AssignmentFactory(
        assessor=assessor, application__round=round, application__title="Early",
        due="2026-01-10", status=AssignmentStatus.IN_PROGRESS,
    )
    late = AssignmentFactory(
        assessor=assessor, application__round=round, application__title="Late",
        application__organisation__name="Melton Men's Shed", due="2026-03-10",
    )
    AssignmentFactory(application__round=round)  # someone else's
    client = client_as(assessor)
    url = reverse("grants:assessor_queue")
    page = client.get(url).content.decode()
    assert "Your assignments (2)" in page
    assert page.index(early.application.reference) < page.index(late.application.reference)
    page = client.get(url, {"sort": "-due"}).content.decode()
    assert page.index(late.application.reference) < page.index(early.application.reference)
    page = client.get(url, {"status": "in_progress"}).content.decode()
    assert early.application.reference in page and late.application.reference not in page
    page = client.get(url, {"q": "men's shed"}).content.decode()
    assert late.application.reference in page and early.application.reference not in page


# --- Query counts: two data sizes, the same number of queries ---------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_round_rows(round, n):
    for _ in range(n):
        application = ApplicationFactory(round=round, status=ApplicationStatus.SCORED)
        for score in ("50.0", "80.0"):
            assignment = AssignmentFactory(
                application=application, status=AssignmentStatus.SUBMITTED,
                weighted_score=Decimal(score),
            )
            ConflictDeclaration.objects.create(assignment=assignment, has_conflict=False)


@pytest.mark.parametrize(
    "name", ["grants:round_applications", "grants:round_moderation", "grants:round_declarations"]
)
def test_officer_round_pages_make_the_same_queries_for_more_rows(
    officer, round, client_as, name
):
    client = client_as(officer)
    url = reverse(name, args=[round.pk])
    add_round_rows(round, 2)
    few = count_queries(client, url)
    add_round_rows(round, 6)
    assert count_queries(client, url) == few


def test_the_assessor_queue_makes_the_same_queries_for_more_rows(make_user, client_as, round):
    assessor = make_user(Role.ASSESSOR)
    client = client_as(assessor)
    url = reverse("grants:assessor_queue")
    AssignmentFactory.create_batch(2, assessor=assessor, application__round=round)
    few = count_queries(client, url)
    AssignmentFactory.create_batch(6, assessor=assessor, application__round=round)
    assert count_queries(client, url) == few


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.APPLICANT])
def test_other_roles_cannot_see_the_round_list(make_user, client_as, round, role):
    url = reverse("grants:round_applications", args=[round.pk])
    assert client_as(make_user(role)).get(url).status_code == 403
