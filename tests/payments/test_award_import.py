"""Importing historical awards from a spreadsheet: all rows or none, every problem reported."""

import io
import json
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import District, LegalStructure
from applicants.models import Organisation
from grants.models import Application, Award, AwardStatus, ReferenceSequence
from payments import selectors, services, threesixtygiving
from payments.imports import HEADINGS, ImportRejected, read_award_rows
from payments.models import Payment, PaymentRun, PaymentStatus
from rounds.models import RoundStatus
from tests.applicants.factories import OrganisationFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def rounds(db):
    cf = ProgrammeFactory(name="Communities Fund", code="CF")
    scg = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    return {
        "cf": RoundFactory(programme=cf, name="Round 1", status=RoundStatus.ARCHIVED,
                           closed=True),
        "scg": RoundFactory(programme=scg, name="2019/20 Round 2",
                            status=RoundStatus.ARCHIVED, closed=True),
    }


def good_row(**changes) -> dict:
    row = {
        "Programme code": "CF", "Round name": "Round 1",
        "Organisation name": "Oadby Men's Shed", "Legal structure": "Registered charity",
        "Charity number": "1191234", "Company number": "", "Postcode": "le2 5ab",
        "District": "Oadby and Wigston", "Award date": datetime(2020, 4, 20),
        "Amount": 2500.5, "Title": "Keeping the shed open", "Reference": "CF-2020-00001",
    }
    row.update(changes)
    return row


def workbook_file(rows: list[dict], headings=HEADINGS) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headings))
    for row in rows:
        sheet.append([row.get(heading) for heading in headings])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    output.name = "awards.xlsx"
    return output


def rejected_messages(rows, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        read_award_rows(workbook_file(rows, **kwargs))
    return rejected.value.messages


def test_a_good_file_imports_completed_paid_awards(rounds, finance_user):
    existing = OrganisationFactory(name="Wigston Young Carers", charity_number="1100999")
    rows = read_award_rows(workbook_file([
        good_row(),
        good_row(**{"Programme code": "scg", "Round name": "2019/20 round 2",
                    "Organisation name": "Wigston Young Carers", "Charity number": "1100999",
                    "Amount": "£1,250.00", "Award date": "03/02/2020",
                    "Reference": "SCG-2020-00042", "District": "E07000135"}),
        good_row(**{"Organisation name": "Syston Allotments", "Legal structure": "cic",
                    "Charity number": None, "Company number": 1234567,
                    "District": "County-wide", "Reference": "CF-2020-00002", "Amount": 75}),
    ]))

    run = services.import_historical_awards(rows=rows, actor=finance_user)

    assert run.imported and run.status == "paid"
    awards = {a.application.reference: a for a in Award.objects.select_related(
        "application__organisation")}
    assert set(awards) == {"CF-2020-00001", "SCG-2020-00042", "CF-2020-00002"}
    shed = awards["CF-2020-00001"]
    assert (shed.amount, shed.award_date, shed.status) == (
        Decimal("2500.50"), date(2020, 4, 20), AwardStatus.COMPLETED
    )
    organisation = shed.application.organisation
    assert (organisation.name, organisation.postcode, organisation.district,
            organisation.legal_structure) == (
        "Oadby Men's Shed", "LE2 5AB", District.OADBY_AND_WIGSTON,
        LegalStructure.REGISTERED_CHARITY,
    )
    # A known organisation (same charity number) is used, not copied.
    assert awards["SCG-2020-00042"].application.organisation == existing
    assert awards["CF-2020-00002"].application.organisation.company_number == "01234567"
    assert Organisation.objects.count() == 3
    payments = Payment.objects.filter(run=run)
    assert payments.count() == 3
    assert set(payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
    assert Payment.objects.get(instalment__award=shed).paid_on == date(2020, 4, 20)
    event = AuditEvent.objects.get(verb="historical_awards_imported")
    assert event.data["awards"] == 3 and event.data["total"] == "3825.50"
    # Future references never collide with an imported one.
    assert ReferenceSequence.objects.get(key="SCG-2020").last_value == 42
    assert ReferenceSequence.objects.get(key="CF-2020").last_value == 2


def test_imported_awards_appear_in_the_ledger_totals_and_360giving(rounds, finance_user):
    rows = read_award_rows(workbook_file([good_row()]))
    services.import_historical_awards(rows=rows, actor=finance_user)

    totals = selectors.award_grand_totals()
    assert (totals["award_count"], totals["awarded"], totals["paid"], totals["outstanding"]) == (
        1, Decimal("2500.50"), Decimal("2500.50"), Decimal("0.00")
    )
    assert [row["reference"] for row in selectors.award_ledger_rows()] == ["CF-2020-00001"]
    output = io.BytesIO()
    threesixtygiving.write_json(output)
    [grant] = json.loads(output.getvalue())["grants"]
    assert grant["id"] == "360G-LEC-CF-2020-00001"
    assert grant["recipientOrganization"][0]["id"] == "GB-CHC-1191234"
    assert grant["beneficiaryLocation"] == [
        {"name": "Oadby and Wigston", "geoCode": "E07000135", "geoCodeType": "LAD"}
    ]


def test_every_problem_is_reported_row_by_row_and_nothing_is_imported(rounds, finance_user):
    OrganisationFactory(name="Taken", charity_number="1100001")
    Application.objects.create(
        round=rounds["cf"], organisation=Organisation.objects.get(name="Taken"),
        reference="CF-2020-00077", created_by=finance_user,
    )
    messages = rejected_messages([
        good_row(),                                                             # row 2: fine
        good_row(**{"Reference": "CF-2020-00003", "Amount": "12,5o0"}),        # row 3
        good_row(**{"Reference": "CF-2020-00001"}),                             # row 4
        good_row(**{"Reference": "CF-2020-00077", "Programme code": "XX"}),    # row 5
        good_row(**{"Reference": "CF-2020-00004", "Round name": "Round 9",
                    "Award date": "31/02/2020", "District": "Leicester"}),     # row 6
        good_row(**{"Reference": "CF 2020/5", "Legal structure": "Charity-ish",
                    "Charity number": "12", "Postcode": "NOWHERE"}),           # row 7
        good_row(**{"Reference": "CF-2020-00006", "Amount": "-5", "Title": "",
                    "Organisation name": ""}),                                 # row 8
        good_row(**{"Reference": "CF-2020-00008", "Amount": 10.005,
                    "Award date": datetime(2999, 1, 1)}),                      # row 9
        good_row(**{"Reference": "CF-2020-00009", "Legal structure": "CIC",
                    "Charity number": "", "Company number": ""}),              # row 10
    ])

    assert messages == [
        "Row 3: amount '12,5o0' is not a number",
        "Row 4: reference CF-2020-00001 is also on row 2",
        "Row 5: programme code 'XX' is not a programme (the codes are CF, SCG)",
        "Row 5: reference CF-2020-00077 is already used by another grant",
        "Row 6: Communities Fund has no round called 'Round 9'",
        "Row 6: district 'Leicester' is not one of Leicestershire's districts or County-wide",
        "Row 6: award date '31/02/2020' is not a real date (write it like 20/04/2020)",
        "Row 7: legal structure 'Charity-ish' is not one this service knows (use a name from "
        "the organisation form, like 'Registered charity')",
        "Row 7: charity number '12' is not 6 or 7 digits",
        "Row 7: postcode 'NOWHERE' is not a real postcode",
        "Row 7: reference 'CF 2020/5' must be up to 20 letters, numbers and hyphens, like "
        "CF-2020-00001",
        "Row 8: organisation name is missing",
        "Row 8: amount '-5' must be more than £0",
        "Row 8: title is missing",
        "Row 9: award date 01/01/2999 is in the future",
        "Row 9: amount '10.005' must be in pounds and pence (at most 2 decimal places)",
        "Row 10: a community interest company (cic) needs a company number",
    ]
    assert not Award.objects.exists()


def test_one_organisation_has_one_award_per_round(rounds, finance_user):
    known = OrganisationFactory(name="Known Group", charity_number="1100002")
    Application.objects.create(round=rounds["cf"], organisation=known,
                               reference="CF-2020-00050", created_by=finance_user)
    messages = rejected_messages([
        good_row(),
        good_row(**{"Reference": "CF-2020-00002"}),
        good_row(**{"Reference": "CF-2020-00003", "Organisation name": "Known Group",
                    "Charity number": "1100002"}),
    ])
    assert messages == [
        "Row 3: Oadby Men's Shed already has an award in Communities Fund Round 1 on row 2; "
        "one organisation may have one award per round",
        "Row 4: Known Group already has an application in Communities Fund Round 1 "
        "(CF-2020-00050)",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a spreadsheet", "The file must be an Excel workbook (.xlsx)"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(db, content, message):
    with pytest.raises(ImportRejected, match=re.escape(message)):
        read_award_rows(io.BytesIO(content))


def test_missing_headings_and_empty_files_are_explained(rounds):
    assert rejected_messages([good_row()], headings=HEADINGS[:-2]) == [
        "The first row must hold the column headings. Missing: 'Title', 'Reference'."
    ]
    assert rejected_messages([]) == ["The file has no awards below the column headings."]
    # Headings in any order and any case; blank rows skipped.
    shuffled = [heading.upper() for heading in reversed(HEADINGS)]
    workbook = openpyxl.Workbook()
    workbook.active.append(shuffled)
    workbook.active.append([])
    row = good_row()
    workbook.active.append([row[h] for h in reversed(HEADINGS)])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    assert [r.row_number for r in read_award_rows(output)] == [3]


# --- The page and the command ------------------------------------------------------


def upload(client, rows):
    file = workbook_file(rows)
    return client.post(reverse("payments:award_import"), {
        "file": SimpleUploadedFile("awards.xlsx", file.getvalue(), content_type=XLSX)
    }, follow=True)


def test_finance_imports_through_the_page(client_as, finance_user, rounds):
    client = client_as(finance_user)
    html = client.get(reverse("payments:award_import")).content.decode()
    assert "<h1 class=\"govuk-heading-l\">Import historical awards</h1>" in html
    assert 'enctype="multipart/form-data"' in html
    for heading in HEADINGS:
        assert heading in html

    response = upload(client, [good_row(), good_row(**{"Reference": "CF-2020-00002",
                                                        "Organisation name": "Other",
                                                        "Charity number": "1191235"})])
    run = PaymentRun.objects.get(imported=True)
    assert response.redirect_chain[-1][0] == reverse("payments:run_detail", args=[run.pk])
    html = " ".join(response.content.decode().split())
    assert "2 awards totalling £5,001.00 imported" in html
    assert "Imported from historical records" in html


def test_a_bad_file_shows_the_report_and_imports_nothing(client_as, finance_user, rounds):
    response = upload(client_as(finance_user), [
        good_row(), good_row(**{"Reference": "CF-2020-00002", "Amount": "12,5o0",
                                "Organisation name": "Other", "Charity number": "1191235"}),
    ])

    html = response.content.decode()
    assert "<title>Error: Import historical awards" in html
    assert 'href="#id_file"' in html
    assert "The file has 1 problem, listed below. Nothing has been imported." in html
    assert "Row 3: amount &#x27;12,5o0&#x27; is not a number" in html
    assert not Award.objects.exists()


def test_the_page_refuses_files_that_are_not_workbooks(client_as, finance_user, db):
    response = client_as(finance_user).post(reverse("payments:award_import"), {
        "file": SimpleUploadedFile("awards.xlsx", b"%PDF-1.4 not really", content_type=XLSX)
    })
    html = response.content.decode()
    assert "<title>Error: Import historical awards" in html
    assert "The selected file must be a" in html
    response = client_as(finance_user).post(reverse("payments:award_import"), {})
    assert "Select a spreadsheet of awards" in response.content.decode()


def test_an_administrator_cannot_import(client_as, make_user, rounds):
    response = upload(client_as(make_user(Role.ADMINISTRATOR)), [good_row()])
    assert "Only finance staff" in response.content.decode()
    assert not Award.objects.exists()


def test_the_import_command_imports_or_reports(tmp_path, finance_user, rounds):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook_file([good_row()]).getvalue())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_file([good_row(**{"Amount": "12,5o0"})]).getvalue())
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: the file has 1 problem."):
        call_command("import_awards", str(bad), user=finance_user.email, stdout=out, stderr=err)
    assert "Row 2: amount '12,5o0' is not a number" in err.getvalue()
    assert not Award.objects.exists()

    call_command("import_awards", str(good), user=finance_user.email, stdout=out)
    assert "Imported 1 award totalling £2,500.50" in out.getvalue()
    assert Award.objects.count() == 1

    with pytest.raises(CommandError, match="No active user"):
        call_command("import_awards", str(good), user="nobody@example.org")
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_awards", str(tmp_path / "missing.xlsx"), user=finance_user.email)


def test_an_import_that_fails_part_way_leaves_nothing_behind(rounds, finance_user):
    rows = read_award_rows(workbook_file([
        good_row(),
        good_row(**{"Reference": "CF-2020-00002", "Organisation name": "New Group",
                    "Charity number": "1191235"}),
    ]))
    # Someone else takes a reference after the file was checked.
    Application.objects.create(round=rounds["scg"], organisation=OrganisationFactory(),
                               reference="CF-2020-00002", created_by=finance_user)
    organisations = Organisation.objects.count()

    with pytest.raises(ValidationError, match="Nothing has been imported"):
        services.import_historical_awards(rows=rows, actor=finance_user)

    assert Organisation.objects.count() == organisations
    assert not Award.objects.exists()
    assert not PaymentRun.objects.exists()
    assert not AuditEvent.objects.filter(verb="historical_awards_imported").exists()
