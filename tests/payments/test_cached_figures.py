"""
The award figures the finance summary and the officer home page show are
cached until a service changes awards, payments, repayments or the
organisations' district or legal structure: each change shows on the next
visit, and a visit with nothing changed does not add the awards up again.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from applicants import services as applicant_services
from applicants.choices import District, MembershipRole
from grants import services as grant_services
from grants.models import AwardStatus
from payments import services
from payments.models import Payment
from tests.applicants.factories import MembershipFactory
from tests.grants.decision_helpers import recommended
from tests.grants.factories import AwardFactory
from tests.rounds.factories import RoundFactory

SUMMARY = reverse("payments:summary")


def grand_totals(client) -> dict:
    response = client.get(SUMMARY)
    assert response.status_code == 200
    totals = response.context["grand_totals"]
    return {key: totals[key] for key in ("award_count", "awarded", "paid", "repaid")}


def district_row(client, label: str) -> dict | None:
    [breakdown] = [b for b in client.get(SUMMARY).context["breakdowns"] if b.key == "district"]
    return next((row for row in breakdown.rows if row["label"] == label), None)


@pytest.fixture
def finance(client_as, finance_user):
    return client_as(finance_user)


@pytest.fixture
def exported(finance_user, second_finance_user, make_award):
    """A £700 award whose unpaid payment is in an exported run."""
    award = make_award("700.00", paid="0")
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)
    services.export_payment_run(run=run, actor=second_finance_user)
    return run, award


def test_a_second_visit_does_not_add_the_awards_up_again(finance, make_award):
    make_award("100.00")
    finance.get(SUMMARY)

    with CaptureQueriesContext(connection) as queries:
        assert grand_totals(finance)["awarded"] == Decimal("100.00")

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "UNION ALL" not in sql
    assert "grants_application_outcomes" not in sql


def test_a_payment_run_marked_paid_shows_at_once(finance, finance_user, exported):
    run, _ = exported
    assert grand_totals(finance)["paid"] == Decimal("0.00")

    services.mark_payment_run_paid(run=run, actor=finance_user, paid_on=timezone.localdate(),
                                   reference="BACS-1")

    assert grand_totals(finance)["paid"] == Decimal("700.00")


def test_a_failed_payment_stops_counting_as_paid_at_once(finance, finance_user, exported):
    run, award = exported
    services.mark_payment_run_paid(run=run, actor=finance_user, paid_on=timezone.localdate(),
                                   reference="BACS-1")
    assert grand_totals(finance)["paid"] == Decimal("700.00")

    services.mark_payment_failed(payment=Payment.objects.get(instalment__award=award),
                                 actor=finance_user, reason="Returned by the bank")

    assert grand_totals(finance)["paid"] == Decimal("0.00")


def test_money_received_back_shows_at_once(finance, finance_user, make_award):
    award = make_award("1000.00")
    assert grand_totals(finance)["repaid"] == Decimal("0.00")

    repayment = services.request_repayment(award=award, actor=finance_user,
                                           amount=Decimal("100.00"), reason="Underspend")
    services.record_repayment_received(repayment=repayment, actor=finance_user,
                                       amount=Decimal("40.00"), received_on=timezone.localdate(),
                                       reference="R1")

    assert grand_totals(finance)["repaid"] == Decimal("40.00")


def test_an_approved_award_counts_at_once(finance, make_user):
    round = RoundFactory(budget=Decimal("10000.00"))
    application = recommended(round, 80, "5000.00")
    assert grand_totals(finance)["award_count"] == 0

    grant_services.approve_application(application=application, actor=make_user(Role.APPROVER),
                                       amount=Decimal("4500.00"))

    assert grand_totals(finance) == {"award_count": 1, "awarded": Decimal("4500.00"),
                                     "paid": Decimal("0.00"), "repaid": Decimal("0.00")}


def test_awards_approved_together_count_at_once(finance, make_user):
    round = RoundFactory(budget=Decimal("10000.00"))
    applications = [recommended(round, 80, "3000.00"), recommended(round, 70, "2000.00")]
    assert grand_totals(finance)["award_count"] == 0

    result = grant_services.approve_applications(
        round=round, application_ids=[a.pk for a in applications], actor=make_user(Role.APPROVER)
    )

    assert len(result.approved) == 2
    assert grand_totals(finance)["awarded"] == Decimal("5000.00")


def test_a_declined_offer_stops_counting_at_once(finance, make_user):
    award = AwardFactory(amount=Decimal("4000.00"), status=AwardStatus.OFFERED,
                         application__amount_requested=Decimal("4000.00"))
    services.create_instalment_schedule(award=award, actor=make_user(Role.APPROVER))
    owner = MembershipFactory(organisation=award.application.organisation,
                              role=MembershipRole.OWNER).user
    assert grand_totals(finance)["awarded"] == Decimal("4000.00")

    grant_services.decline_offer(award=award, actor=owner, reason="Found the money elsewhere")

    assert grand_totals(finance)["award_count"] == 0


def test_a_varied_amount_shows_at_once(finance, make_user, make_award):
    award = make_award("3000.00", paid="1000.00",
                       application__round=RoundFactory(budget=Decimal("10000.00"),
                                                       max_award=Decimal("10000.00")))
    assert grand_totals(finance)["awarded"] == Decimal("3000.00")

    variation = services.request_variation(award=award, actor=make_user(Role.GRANT_OFFICER),
                                           reason="Project changed",
                                           new_amount=Decimal("2000.00"))
    services.approve_variation(variation=variation, actor=make_user(Role.APPROVER))

    assert grand_totals(finance)["awarded"] == Decimal("2000.00")


def test_an_organisation_moving_district_moves_its_awards_at_once(finance, make_award):
    award = make_award("500.00", application__organisation__district=District.MELTON)
    organisation = award.application.organisation
    owner = MembershipFactory(organisation=organisation, role=MembershipRole.OWNER).user
    assert district_row(finance, "Melton")["awarded"] == Decimal("500.00")

    applicant_services.update_organisation_profile(
        organisation=organisation, actor=owner, data={"district": District.CHARNWOOD}
    )

    assert district_row(finance, "Melton") is None
    assert district_row(finance, "Charnwood")["awarded"] == Decimal("500.00")


def test_the_officer_home_shows_a_new_award_against_the_budget_at_once(client_as, make_user):
    officer = client_as(make_user(Role.GRANT_OFFICER))
    round = RoundFactory(budget=Decimal("10000.00"))
    application = recommended(round, 80, "5000.00")

    def committed() -> Decimal:
        [row] = [r for r in officer.get(reverse("grants:officer_home")).context["rounds"]
                 if r.pk == round.pk]
        return row.committed

    assert committed() == Decimal("0.00")

    grant_services.approve_application(application=application, actor=make_user(Role.APPROVER),
                                       amount=Decimal("5000.00"))

    assert committed() == Decimal("5000.00")


def test_an_administrator_moving_an_organisation_moves_its_awards_at_once(
    finance, client_as, make_user, make_award
):
    award = make_award("500.00", application__organisation__district=District.MELTON)
    organisation = award.application.organisation
    assert district_row(finance, "Melton")["awarded"] == Decimal("500.00")
    url = reverse("admin:applicants_organisation_change", args=[organisation.pk])
    admin = client_as(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    form = admin.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items()
            if name in form.fields and value is not None}
    data.update({"district": District.CHARNWOOD, "memberships-TOTAL_FORMS": 0,
                 "memberships-INITIAL_FORMS": 0})

    assert admin.post(url, data).status_code == 302

    assert district_row(finance, "Melton") is None
    assert district_row(finance, "Charnwood")["awarded"] == Decimal("500.00")
