"""Each eligibility rule, with the exact sentence the applicant reads."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applicants.choices import LegalStructure
from grants.eligibility import Answers, History, OtherApplication, eligibility_reasons
from grants.models import ApplicationStatus, MonitoringStatus
from grants.selectors import check_eligibility
from tests.applicants.factories import OrganisationFactory
from tests.grants.factories import ApplicationFactory, MonitoringReturnFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

ANY_BUT_PARISH_COUNCILS = [
    s.value for s in LegalStructure if s != LegalStructure.TOWN_OR_PARISH_COUNCIL
]


@pytest.fixture
def shire_round(db):
    programme = ProgrammeFactory(
        name="SHIRE Community Grants",
        code="SCG",
        eligible_legal_structures=ANY_BUT_PARISH_COUNCILS,
    )
    return RoundFactory(
        programme=programme,
        name="2026/27 Round 1",
        min_award=Decimal("500.00"),
        max_award=Decimal("10000.00"),
        max_annual_income=Decimal("250000.00"),
        earliest_project_start=date(2027, 4, 1),
        latest_project_end=date(2028, 3, 31),
    )


@pytest.fixture
def group(db):
    return OrganisationFactory(name="Glenfield Lunch Club", annual_income=Decimal("25000.00"))


GOOD = Answers(
    amount=Decimal("4000"),
    project_start=date(2027, 4, 1),
    project_end=date(2028, 3, 31),
    based_in="leicestershire",
    serves_leicestershire=True,
)


def reasons(round, organisation, answers=GOOD, history=History()):
    return eligibility_reasons(
        round=round,
        organisation=organisation,
        answers=answers,
        history=history,
        now=timezone.now(),
    )


def with_answers(**changes) -> Answers:
    return Answers(**{**GOOD.__dict__, **changes})


def test_a_group_meeting_every_rule_can_apply(shire_round, group):
    assert reasons(shire_round, group) == []


def test_income_above_the_rounds_limit_gives_both_figures(shire_round, group):
    group.annual_income = Decimal("312000.00")
    assert reasons(shire_round, group) == [
        "Your annual income of £312,000 is above this round's limit of £250,000"
    ]


def test_income_at_the_limit_is_allowed_and_pence_are_shown(shire_round, group):
    group.annual_income = Decimal("250000.00")
    assert reasons(shire_round, group) == []
    group.annual_income = Decimal("250000.50")
    assert reasons(shire_round, group) == [
        "Your annual income of £250,000.50 is above this round's limit of £250,000"
    ]


def test_a_round_without_an_income_limit_takes_any_income(shire_round, group):
    shire_round.max_annual_income = None
    group.annual_income = Decimal("9000000")
    assert reasons(shire_round, group) == []


def test_a_parish_council_cannot_apply_to_shire_community_grants(shire_round, group):
    group.legal_structure = LegalStructure.TOWN_OR_PARISH_COUNCIL
    assert reasons(shire_round, group) == [
        "Town or parish councils cannot apply to SHIRE Community Grants"
    ]


def test_a_rounds_own_structures_replace_the_programmes(shire_round, group):
    shire_round.eligible_legal_structures = [LegalStructure.CIO]
    group.legal_structure = LegalStructure.UNINCORPORATED
    assert reasons(shire_round, group) == [
        "Unincorporated associations and community groups cannot apply to SHIRE Community Grants"
    ]


def test_empty_lists_of_structures_mean_any_structure(shire_round, group):
    shire_round.programme.eligible_legal_structures = []
    group.legal_structure = LegalStructure.TOWN_OR_PARISH_COUNCIL
    assert reasons(shire_round, group) == []


@pytest.mark.parametrize(
    "based_in,message",
    [
        (
            "leicester_city",
            "Organisations based in Leicester City or Rutland cannot apply unless the project "
            "serves people in Leicestershire",
        ),
        (
            "rutland",
            "Organisations based in Leicester City or Rutland cannot apply unless the project "
            "serves people in Leicestershire",
        ),
        (
            "elsewhere",
            "Organisations based outside Leicestershire cannot apply unless the project serves "
            "people in Leicestershire",
        ),
    ],
)
def test_groups_based_outside_the_county_must_serve_it(shire_round, group, based_in, message):
    answers = with_answers(based_in=based_in, serves_leicestershire=False)
    assert reasons(shire_round, group, answers) == [message]
    assert reasons(shire_round, group, with_answers(based_in=based_in)) == []


def test_a_county_group_may_apply_and_a_round_may_drop_the_county_rule(shire_round, group):
    assert reasons(shire_round, group, with_answers(serves_leicestershire=False)) == []
    shire_round.leicestershire_only = False
    answers = with_answers(based_in="rutland", serves_leicestershire=False)
    assert reasons(shire_round, group, answers) == []


@pytest.mark.parametrize(
    "amount,allowed",
    [("499.99", False), ("500", True), ("10000", True), ("10000.01", False)],
)
def test_the_amount_must_be_within_the_rounds_minimum_and_maximum(
    shire_round, group, amount, allowed
):
    found = reasons(shire_round, group, with_answers(amount=Decimal(amount)))
    assert (found == []) is allowed


def test_an_amount_too_large_says_the_range_and_the_amount(shire_round, group):
    assert reasons(shire_round, group, with_answers(amount=Decimal("12000"))) == [
        "The amount you ask for must be between £500 and £10,000; you asked for £12,000"
    ]


def test_a_project_starting_too_early_is_refused(shire_round, group):
    answers = with_answers(project_start=date(2027, 3, 1))
    assert reasons(shire_round, group, answers) == [
        "Your project must start on or after 1 April 2027; you said it starts on 1 March 2027"
    ]


def test_a_project_ending_too_late_is_refused(shire_round, group):
    answers = with_answers(project_end=date(2028, 6, 30))
    assert reasons(shire_round, group, answers) == [
        "Your project must end by 31 March 2028; you said it ends on 30 June 2028"
    ]


def test_a_project_ending_before_it_starts_is_refused(shire_round, group):
    answers = with_answers(project_start=date(2027, 6, 1), project_end=date(2027, 5, 1))
    assert reasons(shire_round, group, answers) == [
        "The project's end date must be on or after its start date"
    ]


def test_a_round_without_a_window_takes_any_dates(shire_round, group):
    shire_round.earliest_project_start = shire_round.latest_project_end = None
    answers = with_answers(project_start=date(2026, 1, 1), project_end=date(2031, 1, 1))
    assert reasons(shire_round, group, answers) == []


def test_a_second_live_application_is_refused(shire_round, group):
    history = History(live_application=OtherApplication(reference="SCG-2026-00042", title="x"))
    assert reasons(shire_round, group, history=history) == [
        "Glenfield Lunch Club already has an application for 2026/27 Round 1 (SCG-2026-00042): "
        "each organisation can make only one application to a round"
    ]


def test_a_closed_round_says_when_it_closed(group):
    closed = RoundFactory(closed=True, name="Spring round")
    [reason] = reasons(closed, group, answers=None)
    assert reason.startswith("Spring round closed at ")
    assert reason.endswith(" and no longer takes applications")


def test_every_reason_is_given_at_once(shire_round, group):
    group.annual_income = Decimal("312000")
    group.legal_structure = LegalStructure.TOWN_OR_PARISH_COUNCIL
    answers = with_answers(amount=Decimal("20"), based_in="rutland", serves_leicestershire=False)
    assert len(reasons(shire_round, group, answers)) == 4


# --- The facts the rules need, read from the database -------------------------


def test_an_existing_draft_in_the_round_is_found(shire_round, group):
    ApplicationFactory(round=shire_round, organisation=group)
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == [
        "Glenfield Lunch Club already has an application for 2026/27 Round 1 (a draft you have "
        "not submitted): each organisation can make only one application to a round"
    ]


@pytest.mark.parametrize("status", [ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE])
def test_a_withdrawn_or_ineligible_application_does_not_stop_a_new_one(shire_round, group, status):
    ApplicationFactory(round=shire_round, organisation=group, status=status)
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == []


def test_another_rounds_or_organisations_application_does_not_count(shire_round, group):
    ApplicationFactory(organisation=group, status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(round=shire_round, status=ApplicationStatus.SUBMITTED)
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == []


def overdue_return(group, **fields):
    fields.setdefault("due", timezone.localdate() - timedelta(days=1))
    fields.setdefault("status", MonitoringStatus.DUE)
    return MonitoringReturnFactory(
        award__application__organisation=group,
        award__application__reference="SCG-2025-00012",
        **fields,
    )


def test_an_overdue_monitoring_return_stops_a_new_application(shire_round, group):
    late = overdue_return(group, due=date(2026, 3, 1), period="End of grant")
    assert late.due < timezone.localdate()
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == [
        "Your end of grant monitoring return for grant SCG-2025-00012 was due on 1 March 2026: "
        "send it before you apply again"
    ]


@pytest.mark.parametrize(
    "status",
    [MonitoringStatus.SCHEDULED, MonitoringStatus.DUE, MonitoringStatus.CHANGES_REQUESTED],
)
def test_a_return_not_sent_by_its_due_date_is_overdue(shire_round, group, status):
    overdue_return(group, status=status)
    assert len(check_eligibility(round=shire_round, organisation=group, answers=None)) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": MonitoringStatus.SUBMITTED},
        {"status": MonitoringStatus.ACCEPTED},
        {"due": timezone.localdate()},
    ],
)
def test_a_sent_return_or_one_not_yet_due_does_not_count(shire_round, group, fields):
    overdue_return(group, **fields)
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == []


def test_another_organisations_overdue_return_does_not_count(shire_round, group):
    overdue_return(OrganisationFactory())
    assert check_eligibility(round=shire_round, organisation=group, answers=None) == []
