"""Officers' lists of returns and the monitoring summary: right rows, constant queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from grants.models import MonitoringStatus
from tests.grants.factories import AwardFactory, MonitoringReturnFactory
from tests.rounds.factories import RoundFactory


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


def late(days, status=MonitoringStatus.DUE, **fields):
    return MonitoringReturnFactory(
        due=timezone.localdate() - timedelta(days=days), status=status, **fields
    )


def test_overdue_lists_days_overdue_most_overdue_first(officer, client_as):
    worst, mild = late(30), late(3)
    late(9, status=MonitoringStatus.SUBMITTED)
    page = client_as(officer).get(reverse("grants:monitoring_returns"), {"view": "overdue"})
    text = page.content.decode()
    assert "2 returns: overdue" in text
    assert text.index(worst.award.application.reference) < text.index(mild.award.application.reference)
    assert ">30<" in text and ">3<" in text


def test_filters_by_round_and_case_officer(officer, make_user, client_as):
    other_round = RoundFactory()
    mine = late(5, award__application__case_officer=officer)
    theirs = late(5, award__application__case_officer=make_user(Role.GRANT_OFFICER))
    elsewhere = late(5, award__application__round=other_round)
    client = client_as(officer)
    params = {"view": "overdue", "officer": officer.pk}
    text = client.get(reverse("grants:monitoring_returns"), params).content.decode()
    assert mine.award.application.reference in text
    assert theirs.award.application.reference not in text
    text = client.get(
        reverse("grants:monitoring_returns"), {"view": "overdue", "round": other_round.pk}
    ).content.decode()
    assert elsewhere.award.application.reference in text
    assert mine.award.application.reference not in text


def test_submitted_returns_wait_for_review(officer, client_as):
    waiting = MonitoringReturnFactory(status=MonitoringStatus.SUBMITTED, submitted_at=timezone.now())
    response = client_as(officer).get(reverse("grants:monitoring_returns"), {"view": "submitted"})
    text = response.content.decode()
    assert waiting.award.application.reference in text
    assert "Sent, waiting for review" in text


def test_each_row_links_its_review_and_names_group_round_and_case_officer(
    officer, make_user, client_as
):
    case_officer = make_user(Role.GRANT_OFFICER, full_name="Priya Case")
    overdue = late(4, award__application__case_officer=case_officer,
                   award__application__organisation__name="Shepshed Lunch Club")
    unassigned = late(2)

    text = " ".join(client_as(officer).get(
        reverse("grants:monitoring_returns"), {"view": "overdue"}
    ).content.decode().split())

    application = overdue.award.application
    review = reverse("grants:monitoring_review", args=[overdue.pk])
    assert f'<a class="govuk-link" href="{review}">{application.reference}</a>' in text
    assert reverse("grants:monitoring_review", args=[unassigned.pk]) in text
    assert "Shepshed Lunch Club" in text
    assert f'{overdue.period}<br><span class="govuk-body-s">{application.round.name}</span>' in text
    assert "Priya Case" in text and "Nobody" in text


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("view", ["overdue", "due", "submitted"])
def test_list_queries_do_not_grow_with_rows(officer, client_as, view):
    client = client_as(officer)
    url = reverse("grants:monitoring_returns")
    status = MonitoringStatus.SUBMITTED if view == "submitted" else MonitoringStatus.DUE
    days = 5 if view == "overdue" else -5
    for _ in range(2):
        late(days, status=status, award__application__case_officer=officer)
    few = count_queries(client, url, {"view": view})
    for _ in range(12):
        late(days, status=status, award__application__case_officer=officer)
    assert count_queries(client, url, {"view": view}) == few


def test_summary_adds_up_accepted_returns_in_the_round_and_year(officer, client_as):
    round = RoundFactory()

    def accepted(award_date, **figures):
        return MonitoringReturnFactory(
            award=AwardFactory(application__round=round, award_date=award_date, accepted=True),
            status=MonitoringStatus.ACCEPTED,
            submitted_at=timezone.now(),
            **figures,
        )

    accepted(date(2026, 4, 1), people_children=10, people_older=5, volunteers=3, volunteer_hours=40,
             challenges="Rising hall costs.", financially_viable="yes")
    accepted(date(2027, 3, 31), people_disabled=2, people_other=1, volunteers=4, volunteer_hours=60,
             challenges="Fewer volunteers.", financially_viable="unsure")
    accepted(date(2027, 4, 1), people_older=100, volunteers=50, volunteer_hours=1000,
             challenges="Next year's problem.")
    MonitoringReturnFactory(
        award__application__round=round, status=MonitoringStatus.SUBMITTED, volunteers=99
    )
    client = client_as(officer)
    url = reverse("grants:monitoring_summary")
    text = client.get(url, {"round": round.pk, "year": 2026}).content.decode()
    assert "from 2 accepted returns" in text
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"People reached in total</th>{cell}18<" in text
    assert f"Hours of volunteering</th>{cell}100<" in text
    assert "Rising hall costs." in text and "Fewer volunteers." in text
    assert "Next year&#x27;s problem." not in text
    few = count_queries(client, url, {"round": round.pk})
    for _ in range(5):
        accepted(date(2026, 5, 1), volunteers=1, challenges="More of the same.")
    assert count_queries(client, url, {"round": round.pk}) == few


def test_applicants_cannot_see_officer_lists(make_user, client_as):
    applicant = client_as(make_user(Role.APPLICANT))
    assert applicant.get(reverse("grants:monitoring_returns")).status_code == 403
    assert applicant.get(reverse("grants:monitoring_summary")).status_code == 403


def test_an_administrator_sets_a_rounds_monitoring_rule_in_the_admin(make_user, client_as):
    round = RoundFactory()
    # Model permissions in the admin are Django's; a superuser holds them all.
    admin = client_as(make_user(Role.ADMINISTRATOR, is_superuser=True))
    response = admin.post(
        reverse("admin:grants_monitoringrule_add"),
        {"round": round.pk, "end_of_grant_weeks": 6, "interim_threshold": "8000.00",
         "interim_months": 6, "opens_days_before": 21},
    )
    assert response.status_code == 302
    assert round.monitoring_rule.end_of_grant_weeks == 6
