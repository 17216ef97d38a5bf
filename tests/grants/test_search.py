"""Staff search across applications, awards and organisations."""

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from applicants.choices import LegalStructure
from grants.models import ApplicationStatus, AwardStatus
from rounds.models import Outcome, RoundStatus
from tests.applicants.factories import OrganisationFactory
from tests.grants.factories import ApplicationFactory, AwardFactory
from tests.grants.report_helpers import STAFF_ROLES, body_rows
from tests.rounds.factories import ProgrammeFactory, RoundFactory

URL = reverse("grants:search")
REFERENCE = re.compile(r"[A-Z]+-\d{4}-\d{5}")


@pytest.fixture
def officer(make_user):
    return make_user(Role.GRANT_OFFICER)


@pytest.fixture
def larder(db):
    organisation = OrganisationFactory(
        name="Shepshed Community Larder", charity_number="1123456", postcode="LE12 9AB",
        district="E07000130",
    )
    return ApplicationFactory(
        organisation=organisation, status=ApplicationStatus.SUBMITTED,
        reference="SCG-2026-00042", title="Fresh food for families", outcomes=["8.2"],
    )


@pytest.fixture
def shed(db):
    organisation = OrganisationFactory(
        name="Hinckley Men's Shed", legal_structure=LegalStructure.COMPANY_LIMITED_BY_GUARANTEE,
        charity_number="", company_number="01234567", postcode="LE10 1AA", district="E07000132",
    )
    return ApplicationFactory(
        organisation=organisation, status=ApplicationStatus.IN_ASSESSMENT,
        reference="SCG-2026-00043", outcomes=["8.3"], amount_requested=Decimal("900.00"),
    )


def references(client, **query) -> list[str]:
    response = client.get(URL, query)
    assert response.status_code == 200
    if "Nothing matches. Check the spelling, or remove a filter." in response.content.decode():
        return []
    return [REFERENCE.match(label)[0] for label in body_rows(response.content, "results")]


@pytest.mark.parametrize("typed", [
    "SCG-2026-00042", "scg-2026-00042", "00042", "community larder", "Fresh food",
    "1123456", "112 3456", "le12 9ab", "LE129AB", " LE12  9AB ", "le12",
])
def test_an_application_is_found_however_its_identifiers_are_typed(
    client_as, officer, larder, shed, typed
):
    assert references(client_as(officer), q=typed) == ["SCG-2026-00042"]


def test_company_numbers_are_matched_with_their_leading_zeros(client_as, officer, larder, shed):
    assert references(client_as(officer), q="1234567") == ["SCG-2026-00043"]


def test_drafts_are_not_found(client_as, officer, larder):
    ApplicationFactory(title="Fresh food draft", organisation=larder.organisation)

    assert references(client_as(officer), q="Fresh food") == ["SCG-2026-00042"]


def test_filters_by_programme_round_status_district_and_outcome(client_as, officer, larder, shed):
    client = client_as(officer)

    assert references(client, programme=larder.round.programme.pk) == ["SCG-2026-00042"]
    assert references(client, round=shed.round.pk) == ["SCG-2026-00043"]
    assert references(client, status="in_assessment") == ["SCG-2026-00043"]
    assert references(client, district="E07000130") == ["SCG-2026-00042"]
    outcome = shed.outcomes.get()
    assert references(client, outcome=outcome.pk) == ["SCG-2026-00043"]
    assert references(client, status="in_assessment", district="E07000130") == []


def test_the_filter_lists_name_every_programme_and_each_published_round_and_outcome(
    client_as, officer, larder
):
    programme = ProgrammeFactory(name="Arts Fund")
    older = RoundFactory(programme=programme, name="Spring", closed=True)
    newer = RoundFactory(programme=programme, name="Autumn",
                         opens_at=older.opens_at + timedelta(days=180))
    RoundFactory(programme=programme, name="Not yet published", status=RoundStatus.DRAFT)
    ProgrammeFactory(name="Zoo Fund")
    chosen = Outcome.objects.get(code="8.2")

    response = client_as(officer).get(URL, {"round": newer.pk, "outcome": chosen.pk})

    tree = lxml.html.fromstring(response.content)

    def options(name):
        [select] = tree.xpath(f'//select[@name="{name}"]')
        return [(option.get("value"), option.text, option.get("selected") is not None)
                for option in select.xpath("./option")]

    programmes = options("programme")
    assert programmes[0] == ("", "All programmes", True)
    assert [label for _, label, _ in programmes[1:]] == sorted(
        ["Arts Fund", larder.round.programme.name, "Zoo Fund"]
    )
    # Each programme's rounds newest first; drafts are nobody's to search yet.
    assert options("round")[:3] == [
        ("", "All rounds", False),
        (str(newer.pk), "Arts Fund: Autumn", True),
        (str(older.pk), "Arts Fund: Spring", False),
    ]
    assert "Arts Fund: Not yet published" not in [label for _, label, _ in options("round")]
    outcomes = options("outcome")
    assert (str(chosen.pk), f"8.2 {chosen.title}", True) in outcomes
    assert [label.split()[0] for _, label, _ in outcomes[1:]] == list(
        Outcome.objects.filter(parent__isnull=False).order_by("code").values_list("code", flat=True)
    )
    assert [selected for *_, selected in outcomes].count(True) == 1


def test_each_result_shows_its_application_and_only_officers_get_a_link_to_it(
    client_as, officer, make_user, shed
):
    def row(user):
        tree = lxml.html.fromstring(client_as(user).get(URL, {"q": "SCG-2026-00043"}).content)
        [row] = tree.xpath('//table[@id="results"]/tbody/tr')
        return row

    opened = row(officer)
    [link] = opened.xpath("./th/a")
    assert link.get("href") == reverse("grants:officer_application", args=[shed.pk])
    assert link.text == "SCG-2026-00043"
    cells = [" ".join(" ".join(cell.itertext()).split()) for cell in opened.xpath("./td")]
    assert cells == [
        "Hinckley Men's Shed LE10 1AA, Hinckley and Bosworth",
        f"{shed.round.programme.name}: {shed.round.name}",
        "Being assessed",
        shed.submitted_at.astimezone(ZoneInfo("Europe/London")).strftime("%-d %b %Y"),
        "£900.00",
    ]
    seen_by_finance = row(make_user(Role.FINANCE))
    assert not seen_by_finance.xpath(".//a")
    assert seen_by_finance.xpath("./th")[0].text == "SCG-2026-00043"


def test_results_can_be_sorted(client_as, officer, larder, shed):
    client = client_as(officer)

    assert references(client, sort="amount") == ["SCG-2026-00043", "SCG-2026-00042"]
    assert references(client, sort="-amount") == ["SCG-2026-00042", "SCG-2026-00043"]
    assert references(client, sort="organisation") == ["SCG-2026-00043", "SCG-2026-00042"]


def test_a_filter_that_is_not_in_the_list_gets_a_message(client_as, officer, larder):
    response = client_as(officer).get(URL, {"status": "lost", "sort": "colour"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a status from the list" in page
    assert "Choose how to sort the results from the list" in page
    tree = lxml.html.fromstring(page)
    # Each wrong choice is marked on its own list and linked from the summary.
    status = tree.get_element_by_id("id_status")
    assert status.get("aria-invalid") == "true"
    assert "govuk-select--error" in status.get("class")
    message = tree.get_element_by_id(status.get("aria-describedby"))
    assert "Choose a status from the list" in message.text_content()
    assert tree.xpath('//*[contains(@class, "govuk-error-summary")]//a[@href="#id_status"]')
    district = tree.get_element_by_id("id_district")
    assert district.get("class") == "govuk-select" and district.get("aria-invalid") is None


def test_the_filters_are_labelled_and_searching_puts_no_token_in_the_address(client_as, officer):
    tree = lxml.html.fromstring(client_as(officer).get(URL).content)
    form = tree.xpath('//form[@method="get"]')[0]
    labels = {label.get("for"): label.text_content().strip() for label in form.xpath(".//label")}
    assert labels["id_programme"] == "Programme"
    assert labels["id_sort"] == "Sort by"
    for name in ("q", "programme", "round", "status", "district", "outcome", "sort"):
        assert form.xpath(f'.//*[@name="{name}"]'), name
    # A GET form's fields all end up in the address bar, history and logs.
    assert not form.xpath('.//input[@name="csrfmiddlewaretoken"]')


def test_awards_lists_committed_awards_only(client_as, officer):
    programme = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    round = RoundFactory(programme=programme)
    AwardFactory(application__round=round, application__reference="SCG-2026-00100",
                 amount=Decimal("750.00"))
    AwardFactory(application__round=round, application__reference="SCG-2026-00101",
                 status=AwardStatus.DECLINED)
    ApplicationFactory(round=round, status=ApplicationStatus.SUBMITTED)

    response = client_as(officer).get(URL, {"within": "awards"})

    rows = body_rows(response.content, "results")
    [(label, cells)] = rows.items()
    assert label.startswith("SCG-2026-00100")
    assert cells[2] == "Offered" and cells[-1] == "£750.00"


def test_organisations_are_found_by_name_number_or_postcode(client_as, officer, larder, shed):
    client = client_as(officer)

    def names(**query):
        response = client.get(URL, {"within": "organisations", **query})
        return list(body_rows(response.content, "results"))

    assert names(q="shed") == ["Hinckley Men's Shed: see its applications",
                               "Shepshed Community Larder: see its applications"]
    assert names(q="LE10 1AA") == ["Hinckley Men's Shed: see its applications"]
    assert names(q="le10 1aa", district="E07000132") == [
        "Hinckley Men's Shed: see its applications"
    ]
    assert names(legal_structure="clg") == ["Hinckley Men's Shed: see its applications"]


def test_names_are_shown_as_text_not_markup(client_as, officer):
    ApplicationFactory(status=ApplicationStatus.SUBMITTED,
                       organisation__name="<script>alert(1)</script> Club")

    page = client_as(officer).get(URL, {"q": "<script>"}).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt; Club" in page
    assert "<script>alert(1)" not in page


def test_results_are_paginated_and_pages_keep_the_search(client_as, officer, larder):
    round = larder.round
    ApplicationFactory.create_batch(30, round=round, status=ApplicationStatus.SUBMITTED,
                                    title="Fresh food outreach")
    client = client_as(officer)

    first = client.get(URL, {"q": "fresh food"}).content.decode()
    second = client.get(URL, {"q": "fresh food", "page": 2}).content.decode()

    assert "31 results" in first
    assert len(body_rows(first, "results")) == 25
    assert len(body_rows(second, "results")) == 6
    assert "?q=fresh+food&amp;page=2" in first


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_may_search(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR])
def test_applicants_and_assessors_are_refused(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL, {"q": "SCG"}).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, db):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("within", ["applications", "awards", "organisations"])
def test_query_count_does_not_grow_with_the_number_of_results(client_as, officer, within):
    client = client_as(officer)

    def add(n):
        for _ in range(n):
            AwardFactory(application__outcomes=["5.5", "8.3"],
                         application__title="Fresh food")

    def queries() -> int:
        client.get(URL, {"within": within})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"within": within, "sort": "-reference"}).status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(8)
    assert queries() == few


def test_a_broad_search_says_there_are_more_than_it_lists(client_as, officer, larder, monkeypatch):
    monkeypatch.setattr("grants.search.COUNT_CAP", 30)
    ApplicationFactory.create_batch(31, round=larder.round, status=ApplicationStatus.SUBMITTED,
                                    title="Fresh food outreach")
    client = client_as(officer)

    first = client.get(URL, {"q": "fresh food"}).content.decode()
    second = client.get(URL, {"q": "fresh food", "page": 2}).content.decode()

    assert "More than 30 results" in first
    assert "Only the first 30 are listed. Type more of the reference or name, or choose a filter" in first
    assert "Applications found, the first 30 listed, page 1 of 2" in first
    listed = [*body_rows(first, "results"), *body_rows(second, "results")]
    # Thirty of the thirty-two, each once, on two pages of 25 and 5.
    assert len(body_rows(first, "results")) == 25
    assert len(set(listed)) == len(listed) == 30
    [pagination] = lxml.html.fromstring(second).xpath('//nav[@aria-label="Pagination"]')
    assert " ".join(pagination.text_content().split()) == "Previous page Page 2 of 2"


def test_a_search_with_exactly_as_many_results_as_are_listed_gives_the_number(
    client_as, officer, larder, monkeypatch
):
    monkeypatch.setattr("grants.search.COUNT_CAP", 3)
    ApplicationFactory.create_batch(2, round=larder.round, status=ApplicationStatus.SUBMITTED,
                                    title="Fresh food outreach")

    page = client_as(officer).get(URL, {"q": "fresh food"}).content.decode()

    assert "3 results" in page
    assert "More than" not in page
    assert len(body_rows(page, "results")) == 3
