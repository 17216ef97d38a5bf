"""export_ledger and export_360giving, for scheduled jobs."""

import io
import json
from datetime import date

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from applicants.choices import District
from tests.rounds.factories import ProgrammeFactory, RoundFactory


@pytest.fixture
def awards(make_award):
    cf = ProgrammeFactory(name="Communities Fund", code="CF")
    scg = ProgrammeFactory(name="SHIRE Community Grants", code="SCG")
    cf_round = RoundFactory(programme=cf, name="Round 1")
    scg_round = RoundFactory(programme=scg, name="2026/27 Round 1")
    make_award("100.00", award_date=date(2020, 4, 1), application__round=cf_round,
               application__reference="CF-2020-00001")
    make_award("200.00", award_date=date(2021, 3, 31), application__round=cf_round,
               application__reference="CF-2021-00002",
               application__organisation__district=District.MELTON)
    make_award("300.00", award_date=date(2021, 4, 1), application__round=cf_round,
               application__reference="CF-2021-00003")
    make_award("400.00", award_date=date(2026, 5, 1), application__round=scg_round,
               application__reference="SCG-2026-00001")
    return {"cf_round": cf_round, "scg_round": scg_round}


def ledger_references(path) -> list[str]:
    sheet = openpyxl.load_workbook(path)["Award ledger"]
    return [row[0] for row in sheet.iter_rows(values_only=True)][1:-1]


def test_export_ledger_writes_every_award(tmp_path, awards):
    path = tmp_path / "ledger.xlsx"
    out = io.StringIO()

    call_command("export_ledger", output=str(path), stdout=out)

    assert ledger_references(path) == ["CF-2020-00001", "CF-2021-00002", "CF-2021-00003",
                                       "SCG-2026-00001"]
    assert "Wrote 4 awards to" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.xlsx"]  # no temporary file left


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"financial_year": "2020/21"}, ["CF-2020-00001", "CF-2021-00002"]),
        ({"financial_year": "2021/22", "programme": "cf"}, ["CF-2021-00003"]),
        ({"programme": "SCG"}, ["SCG-2026-00001"]),
        ({"district": "Melton"}, ["CF-2021-00002"]),
        ({"district": "E07000133"}, ["CF-2021-00002"]),
    ],
)
def test_export_ledger_filters(tmp_path, awards, options, expected):
    path = tmp_path / "ledger.xlsx"
    call_command("export_ledger", output=str(path), stdout=io.StringIO(), **options)
    assert ledger_references(path) == expected


def test_export_ledger_filters_by_round_id(tmp_path, awards):
    path = tmp_path / "ledger.xlsx"
    call_command("export_ledger", f"--output={path}", f"--round={awards['scg_round'].pk}",
                 "--financial-year=2026/27", stdout=io.StringIO())
    assert ledger_references(path) == ["SCG-2026-00001"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"financial_year": "2020-21"}, "--financial-year: Write the financial year like 2020/21"),
        ({"financial_year": "2020/22"}, "2020/22 is not a financial year: after 2020 comes 2020/21"),
        ({"financial_year": "20/21"}, "Write the financial year like 2020/21"),
        ({"programme": "XYZ"}, "No programme has the code 'XYZ'. The codes are: CF, SCG."),
        ({"round": "abc"}, "--round takes a round's number (id), like 12, not 'abc'."),
        ({"round": "999999"}, "There is no round number 999999."),
        ({"district": "Leicester"}, "No district is called 'Leicester'."),
    ],
)
def test_bad_options_get_a_clear_message(tmp_path, awards, options, message):
    path = tmp_path / "ledger.xlsx"
    with pytest.raises(CommandError) as error:
        call_command("export_ledger", output=str(path), **options)
    assert message in str(error.value)
    assert not path.exists()


def test_a_round_of_another_programme_is_refused(tmp_path, awards):
    with pytest.raises(CommandError, match="is a round of SHIRE Community Grants, not of"):
        call_command("export_ledger", output=str(tmp_path / "x.xlsx"), programme="CF",
                     round=str(awards["scg_round"].pk))


def test_a_missing_folder_is_refused(tmp_path, awards):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_ledger", output=str(tmp_path / "nowhere" / "x.xlsx"))


def test_the_output_option_is_required(awards):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_ledger")


def test_export_360giving_writes_json_by_default(tmp_path, awards):
    path = tmp_path / "grants.json"
    out = io.StringIO()

    call_command("export_360giving", output=str(path), financial_year="2020/21", stdout=out)

    data = json.loads(path.read_text())
    assert [g["id"] for g in data["grants"]] == ["360G-LEC-CF-2020-00001",
                                                 "360G-LEC-CF-2021-00002"]
    assert "Wrote 2 grants to" in out.getvalue()


def test_export_360giving_writes_a_spreadsheet(tmp_path, awards):
    path = tmp_path / "grants.xlsx"
    call_command("export_360giving", output=str(path), format="xlsx", programme="SCG",
                 stdout=io.StringIO())
    rows = list(openpyxl.load_workbook(path)["grants"].iter_rows(values_only=True))
    assert rows[0][0] == "Identifier"
    assert [row[0] for row in rows[1:]] == ["360G-LEC-SCG-2026-00001"]


def test_export_360giving_with_nothing_to_publish_fails_and_writes_nothing(tmp_path, awards):
    path = tmp_path / "grants.json"
    with pytest.raises(CommandError, match="There are no awards to publish"):
        call_command("export_360giving", output=str(path), financial_year="2010/11")
    assert list(tmp_path.iterdir()) == []


def test_export_360giving_refuses_an_unknown_format(tmp_path, awards):
    with pytest.raises(CommandError, match="invalid choice: 'csv'"):
        call_command("export_360giving", f"--output={tmp_path / 'x'}", "--format=csv")
    with pytest.raises(CommandError, match="--format is json or xlsx, not 'csv'"):
        call_command("export_360giving", output=str(tmp_path / "x"), format="csv")


def test_export_360giving_checks_the_same_filters(tmp_path, awards):
    with pytest.raises(CommandError, match="Write the financial year like 2020/21"):
        call_command("export_360giving", output=str(tmp_path / "x.json"),
                     financial_year="last year")
