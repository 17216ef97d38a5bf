"""The officers' pages for setting up programmes and rounds, as people use them."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from rounds.models import Programme, Round, RoundStatus
from tests.rounds.factories import CriterionFactory, ProgrammeFactory, RoundFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 10, 12, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def browser(client_as, officer):
    return client_as(officer)


def text(response) -> str:
    return response.content.decode()


def date_parts(name: str, day: int, month: int, year: int) -> dict:
    return {f"{name}_0": str(day), f"{name}_1": str(month), f"{name}_2": str(year)}


def round_form(**overrides) -> dict:
    data = {
        "name": "Round 1: 2027/28",
        **date_parts("opens_on", 1, 4, 2027),
        "opens_time": "9am",
        **date_parts("closes_on", 30, 6, 2027),
        "closes_time": "12pm",
        "budget": "£150,000",
        "min_award": "£500",
        "max_award": "£5,000",
        "eligible_legal_structures": ["registered_charity", "cio"],
        "max_annual_income": "",
        "leicestershire_only": "yes",
        "required_documents": ["governing_document"],
        "assessors_per_application": "2",
        "moderation_threshold": "20",
        "scoring_scale_min": "0",
        "scoring_scale_max": "5",
    }
    data.update(overrides)
    return data


def setup_urls(round: Round) -> list[str]:
    programme = round.programme
    return [
        reverse("rounds:programmes"),
        reverse("rounds:programme_create"),
        reverse("rounds:programme", args=[programme.pk]),
        reverse("rounds:programme_edit", args=[programme.pk]),
        reverse("rounds:round_create", args=[programme.pk]),
        reverse("rounds:setup", args=[round.pk]),
        reverse("rounds:round_edit", args=[round.pk]),
        reverse("rounds:criteria", args=[round.pk]),
        reverse("rounds:publish", args=[round.pk]),
        reverse("rounds:archive", args=[round.pk]),
        reverse("rounds:copy", args=[round.pk]),
    ]


# --- Who may use the pages ----------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client):
    round = RoundFactory(status=RoundStatus.DRAFT)
    for url in setup_urls(round):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.FINANCE])
def test_other_roles_are_refused(client_as, make_user, role):
    round = RoundFactory(status=RoundStatus.DRAFT)
    visitor = client_as(make_user(role))
    for url in setup_urls(round):
        assert visitor.get(url).status_code == 403, url
        assert visitor.post(url, round_form()).status_code == 403, url
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT and round.name != "Round 1: 2027/28"


@pytest.mark.parametrize("role", [Role.GRANT_OFFICER, Role.ADMINISTRATOR])
def test_officers_and_administrators_may_use_every_page(client_as, make_user, role):
    round = RoundFactory(status=RoundStatus.DRAFT)
    visitor = client_as(make_user(role))
    for url in setup_urls(round):
        assert visitor.get(url).status_code == 200, url


def test_a_round_that_does_not_exist_is_not_found(browser):
    assert browser.get(reverse("rounds:setup", args=[999999])).status_code == 404
    assert browser.get(reverse("rounds:programme", args=[999999])).status_code == 404


def test_the_officer_home_links_to_programmes(browser):
    page = text(browser.get(reverse("grants:officer_home")))
    assert reverse("rounds:programmes") in page and "Set up programmes and rounds" in page


# --- Programmes ----------------------------------------------------------------


def test_the_programme_list_shows_each_programme_and_its_rounds(browser):
    programme = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    RoundFactory(programme=programme)
    RoundFactory(programme=programme, status=RoundStatus.DRAFT)
    page = text(browser.get(reverse("rounds:programmes")))
    assert "<caption" in page and "SHIRE Community Grants" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page


def programme_list_queries(browser) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(reverse("rounds:programmes")).status_code == 200
    return len(queries)


def test_the_programme_list_query_count_does_not_grow_with_rows(browser):
    ProgrammeFactory.create_batch(2)
    few = programme_list_queries(browser)
    for programme in ProgrammeFactory.create_batch(20):
        RoundFactory(programme=programme)
    assert programme_list_queries(browser) == few <= 15


def test_the_programme_list_is_paginated(browser):
    ProgrammeFactory.create_batch(30)
    page = text(browser.get(reverse("rounds:programmes")))
    assert "1 of 2" in page
    assert "2 of 2" in text(browser.get(reverse("rounds:programmes") + "?page=2"))


def test_the_programme_page_query_count_does_not_grow_with_rounds(browser):
    programme = ProgrammeFactory()
    RoundFactory(programme=programme)
    url = reverse("rounds:programme", args=[programme.pk])
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    for _ in range(15):
        CriterionFactory(round=RoundFactory(programme=programme))
    with CaptureQueriesContext(connection) as many:
        page = text(browser.get(url))
    assert len(many) == len(few) <= 15
    assert page.count('href="/rounds/setup/rounds/') == 16


def test_an_officer_adds_a_programme(browser):
    response = browser.post(
        reverse("rounds:programme_create"),
        {
            "name": "SHIRE Environment Grant",
            "code": "seg",
            "description": "Waste prevention by communities.",
            "eligible_legal_structures": ["registered_charity"],
            "cost_centre": "CC4410",
            "gl_code": "5120",
        },
        follow=True,
    )
    page = text(response)
    assert "You have added the programme SHIRE Environment Grant." in page
    assert "<h1 class=\"govuk-heading-l\">SHIRE Environment Grant</h1>" in page
    assert "SEG" in page and "Registered charity" in page
    assert Programme.objects.get(name="SHIRE Environment Grant").code == "SEG"


def test_a_bad_programme_code_is_explained_and_nothing_typed_is_lost(browser):
    ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    response = browser.post(
        reverse("rounds:programme_create"),
        {"name": "SHIRE Community Grants", "code": "1S", "description": "<b>Café</b> fund"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    assert "There is already a programme with this name" in page
    assert "The programme code must be 2 to 6 letters or numbers, starting with a letter" in page
    assert 'value="1S"' in page
    assert "&lt;b&gt;Café&lt;/b&gt; fund" in page
    assert Programme.objects.count() == 1


def test_an_officer_changes_a_programme(browser):
    programme = ProgrammeFactory(name="Communities Fund", code="CF", cost_centre="CC1")
    response = browser.post(
        reverse("rounds:programme_edit", args=[programme.pk]),
        {"name": "Communities Fund", "code": "CF", "cost_centre": "CC2", "gl_code": ""},
        follow=True,
    )
    assert "Your changes to the programme have been saved." in text(response)
    programme.refresh_from_db()
    assert programme.cost_centre == "CC2"


# --- Rounds ----------------------------------------------------------------------


def test_an_officer_adds_a_round_with_money_written_as_people_write_it(browser):
    programme = ProgrammeFactory(name="SHIRE Community Grants")
    response = browser.post(
        reverse("rounds:round_create", args=[programme.pk]),
        round_form(moderation_threshold="15"),
        follow=True,
    )
    page = text(response)
    assert "You have added Round 1: 2027/28 as a draft." in page
    round = Round.objects.get(name="Round 1: 2027/28")
    assert round.status == RoundStatus.DRAFT
    assert round.budget == Decimal("150000") and round.max_award == Decimal("5000")
    assert round.opens_at == datetime(2027, 4, 1, 9, tzinfo=LONDON)
    assert round.closes_at == datetime(2027, 6, 30, 12, tzinfo=LONDON)
    assert round.eligible_legal_structures == ["registered_charity", "cio"]
    assert round.required_documents == ["governing_document"]
    assert round.moderation_threshold == 15
    assert "Scores more than 15 percentage points apart are flagged" in page
    assert "£150,000.00" in page and "£500.00 to £5,000.00" in page
    assert "9:00 a.m., 1 April 2027" in page and "12:00 p.m., 30 June 2027" in page
    assert "This round has no criteria yet" in page


def test_times_are_read_as_people_write_them(browser):
    programme = ProgrammeFactory()
    browser.post(
        reverse("rounds:round_create", args=[programme.pk]),
        round_form(opens_time="midnight", closes_time="5:30 PM"),
    )
    round = Round.objects.get()
    assert round.opens_at == datetime(2027, 4, 1, 0, 0, tzinfo=LONDON)
    assert round.closes_at == datetime(2027, 6, 30, 17, 30, tzinfo=LONDON)


def test_a_time_the_clocks_skip_is_refused(browser):
    programme = ProgrammeFactory()
    response = browser.post(
        reverse("rounds:round_create", args=[programme.pk]),
        round_form(**date_parts("opens_on", 28, 3, 2027), opens_time="1:30am"),
    )
    assert "does not exist on that day because the clocks go forward" in text(response)
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (date_parts("closes_on", 1, 3, 2027), "The round must close after it opens"),
        ({"max_award": "£200,000"}, "The largest grant must be no more than the budget of £150,000"),
        ({"min_award": "6000"}, "The largest grant must be the same as or more than the smallest grant"),
        ({"scoring_scale_min": "5", "scoring_scale_max": "5"}, "must be more than the lowest score"),
        ({"budget": "lots"}, "Enter the budget in pounds and pence, like 1200 or 1200.50"),
        ({"opens_time": "25:00"}, "Enter the time the round opens as a real time"),
        ({"closes_time": "teatime"}, "Enter the time the round closes like 9am or 17:30"),
        (date_parts("opens_on", 31, 2, 2027), "The date the round opens must be a real date"),
        ({"opens_on_0": ""}, "The date the round opens must include a day"),
        ({"assessors_per_application": "two"}, "Enter the number of assessors as a whole number"),
        ({"name": ""}, "Enter the round name"),
    ],
)
def test_bad_round_details_are_explained_and_kept(browser, overrides, message):
    programme = ProgrammeFactory()
    data = round_form(**overrides)
    response = browser.post(reverse("rounds:round_create", args=[programme.pk]), data)
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    if data["name"]:
        assert 'value="Round 1: 2027/28"' in page
    assert 'value="£5,000"' in page or "max_award" in overrides
    assert not Round.objects.exists()


def test_a_closing_date_before_the_opening_links_to_the_day_input(browser):
    programme = ProgrammeFactory()
    page = text(browser.post(
        reverse("rounds:round_create", args=[programme.pk]),
        round_form(**date_parts("closes_on", 1, 3, 2027)),
    ))
    assert '<a href="#id_closes_on_0">The round must close after it opens</a>' in page


def test_the_round_form_starts_with_what_the_round_holds(browser):
    round = RoundFactory(
        status=RoundStatus.DRAFT,
        name="Spring round",
        opens_at=datetime(2027, 4, 1, 9, tzinfo=LONDON),
        closes_at=datetime(2027, 6, 30, 17, 30, tzinfo=LONDON),
        budget=Decimal("80000"),
    )
    page = text(browser.get(reverse("rounds:round_edit", args=[round.pk])))
    assert 'value="Spring round"' in page and 'value="17:30"' in page
    assert 'value="80000.00"' in page and 'value="2027"' in page


def test_an_officer_changes_a_round(browser):
    round = RoundFactory(status=RoundStatus.DRAFT, name="Old name")
    response = browser.post(
        reverse("rounds:round_edit", args=[round.pk]), round_form(name="New name"), follow=True
    )
    assert "Your changes to the round have been saved." in text(response)
    round.refresh_from_db()
    assert round.name == "New name" and round.budget == Decimal("150000")


def test_the_set_up_page_shows_weights_as_shares(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round, title="Need", weight=2, order=1)
    CriterionFactory(round=round, title="Value for money", weight=1, order=2)
    page = text(browser.get(reverse("rounds:setup", args=[round.pk])))
    assert page.index("Need") < page.index("Value for money")
    assert "66.7%" in page and "33.3%" in page
    assert reverse("rounds:publish", args=[round.pk]) in page


# --- Criteria ----------------------------------------------------------------------


def criteria_form(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": str(initial),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        data.update({f"criteria-{index}-{key}": value for key, value in row.items()})
    return data


def test_an_officer_adds_two_criteria(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    response = browser.post(
        reverse("rounds:criteria", args=[round.pk]),
        criteria_form([
            {"title": "Need", "guidance": "Evidence of need", "weight": "60", "max_score": "5",
             "ORDER": "1"},
            {"title": "Value for money", "guidance": "", "weight": "40", "max_score": "5",
             "ORDER": "2"},
        ]),
        follow=True,
    )
    page = text(response)
    assert "The round&#x27;s criteria have been saved." in page
    assert "60.0%" in page and "40.0%" in page
    assert list(round.criteria.values_list("title", flat=True)) == ["Need", "Value for money"]


def test_the_criteria_page_shows_each_saved_share(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round, weight=3, order=1)
    CriterionFactory(round=round, weight=1, order=2)
    page = text(browser.get(reverse("rounds:criteria", args=[round.pk])))
    assert "As saved, this criterion counts for 75.0% of the score." in page
    assert "As saved, this criterion counts for 25.0% of the score." in page


def test_criteria_are_reordered_and_removed_on_the_page(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    need = CriterionFactory(round=round, title="Need", order=1)
    value = CriterionFactory(round=round, title="Value", order=2)
    gone = CriterionFactory(round=round, title="Gone", order=3)
    rows = [
        {"id": need.pk, "round": round.pk, "title": "Need", "weight": "25", "max_score": "5",
         "ORDER": "2"},
        {"id": value.pk, "round": round.pk, "title": "Value", "weight": "25", "max_score": "5",
         "ORDER": "1"},
        {"id": gone.pk, "round": round.pk, "title": "Gone", "weight": "25", "max_score": "5",
         "ORDER": "3", "DELETE": "on"},
        {"title": "", "weight": "", "max_score": "", "ORDER": ""},
    ]
    browser.post(reverse("rounds:criteria", args=[round.pk]), criteria_form(rows, initial=3))
    assert list(round.criteria.order_by("order").values_list("title", flat=True)) == [
        "Value", "Need",
    ]


def test_add_another_criterion_keeps_what_was_typed(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    page = text(browser.post(
        reverse("rounds:criteria", args=[round.pk]),
        criteria_form([{"title": "Need", "weight": "3", "max_score": "5", "ORDER": ""}]) | {"add": "1"},
    ))
    assert 'value="Need"' in page and 'name="criteria-1-title"' in page
    assert not round.criteria.exists()


def test_a_criterion_beyond_the_scale_is_explained_and_kept(browser):
    round = RoundFactory(status=RoundStatus.DRAFT, scoring_scale_min=0, scoring_scale_max=3)
    page = text(browser.post(
        reverse("rounds:criteria", args=[round.pk]),
        criteria_form([{"title": "Need", "weight": "x", "max_score": "5", "ORDER": ""}]),
    ))
    assert "There is a problem" in page
    assert "Criterion 1: The maximum score must be more than 0 and no more than 3" in page
    assert "Criterion 1: Enter the weight as a whole number, like 25" in page
    assert 'value="Need"' in page
    assert not round.criteria.exists()


def test_saving_no_criteria_is_explained(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    page = text(browser.post(
        reverse("rounds:criteria", args=[round.pk]),
        criteria_form([{"title": "", "weight": "", "max_score": "", "ORDER": ""}]),
    ))
    assert "Add at least one criterion" in page


def test_a_post_without_the_formset_counts_is_explained(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    CriterionFactory(round=round, title="Need")
    page = text(browser.post(reverse("rounds:criteria", args=[round.pk]), {"save": ""}))
    assert "The criteria could not be read. Reload the page and try again" in page
    assert list(round.criteria.values_list("title", flat=True)) == ["Need"]


def test_more_than_thirty_criteria_are_refused(browser):
    round = RoundFactory(status=RoundStatus.DRAFT)
    rows = [{"title": f"C{n}", "weight": "1", "max_score": "5", "ORDER": ""} for n in range(31)]
    page = text(browser.post(reverse("rounds:criteria", args=[round.pk]), criteria_form(rows)))
    assert "A round can have up to 30 criteria" in page
    assert not round.criteria.exists()


# --- Publishing and archiving ------------------------------------------------------


def test_publishing_without_criteria_is_explained(browser):
    round = RoundFactory(
        status=RoundStatus.DRAFT, opens_at=NOW, closes_at=datetime(2027, 3, 1, tzinfo=LONDON)
    )
    page = text(browser.post(reverse("rounds:publish", args=[round.pk])))
    assert "There is a problem" in page
    assert "Add at least one scoring criterion before publishing the round." in page
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


def test_the_publish_page_says_what_is_missing_before_anything_is_pressed(browser):
    round = RoundFactory(
        status=RoundStatus.DRAFT, opens_at=NOW, closes_at=datetime(2027, 3, 1, tzinfo=LONDON)
    )
    page = text(browser.get(reverse("rounds:publish", args=[round.pk])))
    assert "You cannot publish this round yet." in page
    assert "Add at least one scoring criterion before publishing the round." in page
    assert "Publish the round</button>" not in page
    CriterionFactory(round=round)
    page = text(browser.get(reverse("rounds:publish", args=[round.pk])))
    assert "You cannot publish this round yet." not in page
    assert "Publish the round</button>" in page


def test_an_officer_publishes_a_round_and_applicants_can_see_it(browser, client):
    round = RoundFactory(
        status=RoundStatus.DRAFT, name="Spring round", opens_at=NOW,
        closes_at=datetime(2027, 3, 1, tzinfo=LONDON),
    )
    CriterionFactory(round=round)
    assert client.get(reverse("rounds:detail", args=[round.pk])).status_code == 404
    response = browser.post(reverse("rounds:publish", args=[round.pk]), follow=True)
    assert "Spring round is published." in text(response)
    round.refresh_from_db()
    assert round.status == RoundStatus.PUBLISHED
    assert "Spring round" in text(client.get(reverse("rounds:list")))


def test_the_archive_page_says_an_open_round_must_close_first(browser):
    round = RoundFactory()
    page = text(browser.get(reverse("rounds:archive", args=[round.pk])))
    assert "You cannot archive this round yet." in page
    assert "It can be archived once it has closed." in page
    assert "Archive the round</button>" not in page


def test_an_officer_archives_a_closed_round(browser):
    round = RoundFactory(closed=True, name="Old round")
    response = browser.post(reverse("rounds:archive", args=[round.pk]), follow=True)
    assert "Old round is archived." in text(response)
    round.refresh_from_db()
    assert round.status == RoundStatus.ARCHIVED
    page = text(browser.get(reverse("rounds:setup", args=[round.pk])))
    assert "Archived" in page and reverse("rounds:round_edit", args=[round.pk]) not in page


# --- The admin ----------------------------------------------------------------------


def admin_round_form(round: Round, **overrides) -> dict:
    """The admin's change form for `round`, as the browser would post it unchanged."""
    data = {
        "name": round.name,
        "opens_at_0": "2027-04-01", "opens_at_1": "09:00:00",
        "closes_at_0": "2027-06-30", "closes_at_1": "12:00:00",
        "assessment_deadline": "", "decision_date": "",
        "budget": str(round.budget), "min_award": str(round.min_award),
        "max_award": str(round.max_award), "max_annual_income": "",
        "leicestershire_only": "on", "earliest_project_start": "", "latest_project_end": "",
        "assessors_per_application": str(round.assessors_per_application),
        "scoring_scale_min": str(round.scoring_scale_min),
        "scoring_scale_max": str(round.scoring_scale_max),
        "moderation_threshold": str(round.moderation_threshold),
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client_as, make_user):
    return client_as(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))


def test_the_admin_applies_the_same_rules(admin_client):
    round = RoundFactory(status=RoundStatus.DRAFT, budget=Decimal("10000"))
    response = admin_client.post(
        reverse("admin:rounds_round_change", args=[round.pk]),
        admin_round_form(round, max_award="20000"),
    )
    assert "The largest grant must be no more than the budget of £10,000" in text(response)
    round.refresh_from_db()
    assert round.max_award == Decimal("10000.00")


def test_a_budget_changed_in_the_admin_is_audited(admin_client):
    round = RoundFactory(status=RoundStatus.DRAFT, budget=Decimal("100000"))
    response = admin_client.post(
        reverse("admin:rounds_round_change", args=[round.pk]),
        admin_round_form(round, budget="120000"),
    )
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.budget == Decimal("120000")
    event = AuditEvent.objects.get(verb="round_changed")
    assert event.data["budget"] == {"from": "100000.00", "to": "120000"}
