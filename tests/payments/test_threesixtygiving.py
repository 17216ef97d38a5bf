"""The 360Giving export: the JSON package, its spreadsheet and the official schema."""

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from applicants.choices import District, LegalStructure
from grants.models import AwardStatus
from payments import threesixtygiving
from payments.selectors import AwardFilter
from payments.threesixtygiving import XLSX_TITLES, missing_required_fields
from rounds.models import RoundStatus
from tests.grants.factories import AwardFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

# ../shared/reference/360giving beside the project (DOMAIN.md).
SCHEMA_DIR = Path(settings.BASE_DIR).parent / "shared" / "reference" / "360giving"

STANDARD_TITLES = [
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Charity Number",
    "Recipient Org:Company Number", "Recipient Org:Postal Code", "Funding Org:Identifier",
    "Funding Org:Name", "Grant Programme:Title", "Planned Dates:Start Date",
    "Planned Dates:End Date", "Beneficiary Location:Name",
    "Beneficiary Location:Geographic Code", "Beneficiary Location:Geographic Code Type",
    "Last Modified", "Data Source",
]


@pytest.fixture
def grants_data(make_award):
    programme = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    round = RoundFactory(programme=programme, name="2026/27 Round 1")
    charity = make_award(
        "2500.50", award_date=date(2026, 5, 1), application__round=round,
        application__reference="SCG-2026-00001", application__title="Lunch club",
        application__summary="Hot lunches for older people.",
        application__project_start=date(2026, 6, 1), application__project_end=date(2027, 5, 31),
        application__districts_served=[District.CHARNWOOD, District.MELTON],
        application__organisation__name="Shepshed Lunch Club",
        application__organisation__charity_number="1187654",
        application__organisation__postcode="LE12 9AB",
    )
    company = make_award(
        "1000.00", award_date=date(2026, 5, 2), application__round=round,
        application__reference="SCG-2026-00002",
        application__districts_served=[District.COUNTY_WIDE],
        application__organisation__legal_structure=LegalStructure.CIC,
        application__organisation__charity_number="",
        application__organisation__company_number="1234567",
    )
    group = make_award(
        "300.00", award_date=date(2026, 5, 3), application__round=round,
        application__reference="SCG-2026-00003", application__summary="",
        application__districts_served=[],
        application__organisation__legal_structure=LegalStructure.UNINCORPORATED,
        application__organisation__charity_number="",
        application__organisation__district=District.HARBOROUGH,
    )
    AwardFactory(status=AwardStatus.DECLINED, application__reference="SCG-2026-00004")
    return {"charity": charity, "company": company, "group": group}


def package(filters: AwardFilter = AwardFilter()) -> dict:
    output = io.BytesIO()
    threesixtygiving.write_json(output, filters)
    return json.loads(output.getvalue().decode())


def by_id(data: dict) -> dict:
    return {grant["id"]: grant for grant in data["grants"]}


def test_every_committed_award_is_a_grant_with_the_standards_fields(grants_data):
    grants = by_id(package())

    assert set(grants) == {"360G-LEC-SCG-2026-00001", "360G-LEC-SCG-2026-00002",
                           "360G-LEC-SCG-2026-00003"}
    grant = grants["360G-LEC-SCG-2026-00001"]
    assert grant["title"] == "Lunch club"
    assert grant["description"] == "Hot lunches for older people."
    assert grant["currency"] == "GBP"
    assert Decimal(str(grant["amountAwarded"])) == Decimal("2500.50")
    assert grant["awardDate"] == "2026-05-01"
    assert grant["recipientOrganization"] == [{
        "id": "GB-CHC-1187654", "name": "Shepshed Lunch Club", "charityNumber": "1187654",
        "postalCode": "LE12 9AB",
    }]
    assert grant["fundingOrganization"] == [
        {"id": "GB-LAE-LEC", "name": "Leicestershire County Council"}
    ]
    assert grant["grantProgramme"] == [{"code": "SCG", "title": "SHIRE Community Grants"}]
    assert grant["plannedDates"] == [{"startDate": "2026-06-01", "endDate": "2027-05-31"}]
    assert grant["beneficiaryLocation"] == [
        {"name": "Charnwood", "geoCode": "E07000130", "geoCodeType": "LAD"},
        {"name": "Melton", "geoCode": "E07000133", "geoCodeType": "LAD"},
    ]
    assert datetime.fromisoformat(grant["dateModified"]).tzinfo is not None
    assert grant["dataSource"].startswith("http")


def test_recipient_identifiers_come_from_the_registers_or_our_own_prefix(grants_data):
    grants = by_id(package())

    company = grants["360G-LEC-SCG-2026-00002"]["recipientOrganization"][0]
    assert company["id"] == "GB-COH-01234567"
    assert "charityNumber" not in company
    group_award = grants_data["group"]
    group = grants["360G-LEC-SCG-2026-00003"]["recipientOrganization"][0]
    assert group["id"] == f"360G-LEC-ORG-{group_award.application.organisation_id}"


def test_county_wide_is_the_county_code_and_no_district_means_the_organisations(grants_data):
    grants = by_id(package())

    assert grants["360G-LEC-SCG-2026-00002"]["beneficiaryLocation"] == [
        {"name": "Leicestershire", "geoCode": "E10000018", "geoCodeType": "CTY"}
    ]
    assert grants["360G-LEC-SCG-2026-00003"]["beneficiaryLocation"] == [
        {"name": "Harborough", "geoCode": "E07000131", "geoCodeType": "LAD"}
    ]
    # A grant without a summary is described by its title.
    group = grants["360G-LEC-SCG-2026-00003"]
    assert group["description"] == group["title"]


@override_settings(GRANT_ID_PREFIX="360G-TEST")
def test_the_grant_identifier_prefix_comes_from_settings(grants_data):
    assert "360G-TEST-SCG-2026-00001" in by_id(package())


def test_the_projects_own_check_finds_every_required_field(grants_data):
    for grant in package()["grants"]:
        assert missing_required_fields(grant) == []

    broken = package()["grants"][0]
    broken.pop("title")
    broken["currency"] = "EUR"
    broken["amountAwarded"] = "2500.50"
    broken["recipientOrganization"][0]["id"] = ""
    broken["id"] = "LEC-1"
    assert missing_required_fields(broken) == [
        "title is missing", "id does not start with the 360G- prefix", "currency is not GBP",
        "amountAwarded is not a number", "recipientOrganization id is missing",
    ]


def test_the_json_validates_against_the_official_360giving_schema(grants_data):
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"The official 360Giving schema is not at {SCHEMA_DIR} "
                    "(../shared/reference/360giving); the project's own checks still ran.")
    import referencing.jsonschema
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    package_schema = json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text())
    grant_schema = json.loads((SCHEMA_DIR / "360-giving-schema.json").read_text())
    # The schemas say "http://json-schema.org/draft/2020-12/schema", which
    # `referencing` does not recognise, so the draft is given (SOURCE.md).
    grant_resource = Resource(contents=grant_schema,
                              specification=referencing.jsonschema.DRAFT202012)
    registry = Registry().with_resources([
        (package_schema["properties"]["grants"]["items"]["$ref"], grant_resource),
        (grant_schema["$id"], grant_resource),
    ])
    validator = Draft202012Validator(
        package_schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    data = package()
    assert [error.message for error in validator.iter_errors(data)] == []
    # The validator does catch a broken grant.
    data["grants"][0]["awardDate"] = "01/05/2026"
    assert list(validator.iter_errors(data))


def test_nothing_to_publish_is_an_error_not_an_empty_package(db):
    with pytest.raises(threesixtygiving.NothingToPublish):
        package()


def test_filters_select_awards_by_financial_year_and_district(grants_data, make_award):
    make_award("99.00", award_date=date(2026, 3, 31), application__reference="SCG-2026-00009")

    assert len(package(AwardFilter(financial_year=2026))["grants"]) == 3
    assert [g["id"] for g in package(AwardFilter(financial_year=2025))["grants"]] == [
        "360G-LEC-SCG-2026-00009"
    ]
    organisation = grants_data["group"].application.organisation
    assert [g["id"] for g in package(AwardFilter(district=organisation.district))["grants"]] == [
        "360G-LEC-SCG-2026-00003"
    ]


# --- The spreadsheet ---------------------------------------------------------------


def workbook_rows(filters: AwardFilter = AwardFilter()) -> list[tuple]:
    output = io.BytesIO()
    threesixtygiving.write_xlsx(output, filters)
    workbook = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
    return list(workbook["grants"].iter_rows())


def test_spreadsheet_has_the_standards_column_titles_and_the_same_grants(grants_data):
    rows = workbook_rows(AwardFilter(round_id=grants_data["charity"].application.round_id))
    titles = [cell.value for cell in rows[0]]

    assert titles[:len(STANDARD_TITLES)] == STANDARD_TITLES == XLSX_TITLES
    # The charity's project serves two districts: the second has numbered columns.
    assert titles[len(STANDARD_TITLES):] == [
        "Beneficiary Location:1:Name", "Beneficiary Location:1:Geographic Code",
        "Beneficiary Location:1:Geographic Code Type",
    ]
    first = dict(zip(titles, rows[1], strict=True))
    assert first["Identifier"].value == "360G-LEC-SCG-2026-00001"
    assert first["Amount Awarded"].value == pytest.approx(2500.50)
    assert first["Award Date"].value == datetime(2026, 5, 1)
    assert first["Recipient Org:Identifier"].value == "GB-CHC-1187654"
    assert first["Recipient Org:Charity Number"].value == "1187654"
    assert first["Funding Org:Identifier"].value == "GB-LAE-LEC"
    assert first["Grant Programme:Title"].value == "SHIRE Community Grants"
    assert first["Planned Dates:Start Date"].value == datetime(2026, 6, 1)
    assert first["Beneficiary Location:Geographic Code"].value == "E07000130"
    assert first["Beneficiary Location:Geographic Code Type"].value == "LAD"
    assert first["Beneficiary Location:1:Geographic Code"].value == "E07000133"
    assert len(rows) == 1 + 3


def test_spreadsheet_without_several_locations_has_exactly_the_standard_columns(make_award):
    make_award("10.00")
    rows = workbook_rows()
    assert [cell.value for cell in rows[0]] == STANDARD_TITLES


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-1"])
def test_spreadsheet_text_that_looks_like_a_formula_is_text(make_award, name):
    make_award("100.00", application__organisation__name=name,
               application__title=name, application__summary=name)

    rows = workbook_rows()
    row = dict(zip([cell.value for cell in rows[0]], rows[1], strict=True))

    for title in ("Recipient Org:Name", "Title", "Description"):
        assert row[title].value == name
        assert row[title].data_type == "s"
        assert row[title].quotePrefix is True


# --- Downloads --------------------------------------------------------------------


def test_finance_downloads_the_json_and_spreadsheet_from_the_summary(
    client_as, finance_user, grants_data
):
    client = client_as(finance_user)
    summary = client.get(reverse("payments:summary")).content.decode()
    assert reverse("payments:threesixtygiving_json") in summary
    assert reverse("payments:threesixtygiving_xlsx") in summary

    response = client.get(reverse("payments:threesixtygiving_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(b"".join(response.streaming_content))
    assert len(data["grants"]) == 3

    response = client.get(reverse("payments:threesixtygiving_xlsx"), {"district": "E07000131"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook["grants"].max_row == 2


def test_a_download_with_nothing_to_publish_says_so_on_the_summary(client_as, finance_user):
    ProgrammeFactory(name="Empty", code="EMP")
    response = client_as(finance_user).get(reverse("payments:threesixtygiving_json"),
                                           {"financial_year": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "There are no awards to publish for this selection." in html
    assert "<title>Error: Finance summary" in html


def test_json_query_count_does_not_grow_with_awards(
    client_as, finance_user, make_award, django_assert_max_num_queries
):
    client = client_as(finance_user)
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    make_award("10.00", application__round=round)
    client.get(reverse("payments:threesixtygiving_json"))
    with django_assert_max_num_queries(30) as small:
        b"".join(client.get(reverse("payments:threesixtygiving_xlsx")).streaming_content)
        b"".join(client.get(reverse("payments:threesixtygiving_json")).streaming_content)
    for _ in range(20):
        make_award("10.00", application__districts_served=[District.BLABY, District.MELTON])
    with django_assert_max_num_queries(len(small.captured_queries)):
        b"".join(client.get(reverse("payments:threesixtygiving_xlsx")).streaming_content)
        response = client.get(reverse("payments:threesixtygiving_json"))
    assert len(json.loads(b"".join(response.streaming_content))["grants"]) == 21
