"""
The demo data behind `make run`. Loading it takes a few seconds, so it is
loaded once for the module and rolled back at the end.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import Role, has_role
from applicants.choices import District
from applicants.models import Membership, Organisation
from grants.models import Application, Award, AwardStatus, Decision
from payments import selectors
from payments.demo import CLAWBACK_RECEIVED, CLAWBACK_REFERENCE, DEMO_PASSWORD, DEMO_USERS
from payments.models import (
    Instalment,
    Payment,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
    Repayment,
    RepaymentReceipt,
)
from rounds.models import Criterion, Programme, Round, RoundStatus

MODELS = [User, EmailAddress, Organisation, Membership, Programme, Round, Criterion,
          Application, Decision, Award, Instalment, Payment, PaymentRun, AuditEvent, Repayment,
          RepaymentReceipt]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        output = io.StringIO()
        call_command("load_demo_data", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def cf(demo_output, db):
    return Programme.objects.get(code="CF")


def test_communities_fund_has_379_paid_grants_over_three_closed_rounds(cf):
    rounds = Round.objects.filter(programme=cf)
    assert rounds.count() == 3
    assert set(rounds.values_list("status", flat=True)) == {RoundStatus.ARCHIVED}
    first = rounds.order_by("opens_at").first()
    assert (first.opens_at.year, first.opens_at.month, first.budget) == (
        2020, 3, Decimal("1000000.00")
    )
    awards = Award.objects.filter(application__round__programme=cf)
    assert awards.count() == 379
    assert set(awards.values_list("status", flat=True)) == {AwardStatus.COMPLETED}
    headline = selectors.programme_headline(code="CF")
    assert (headline.round_count, headline.award_count) == (3, 379)
    assert Decimal("2550000.00") <= headline.awarded <= Decimal("2599999.99")
    assert headline.paid == headline.awarded
    assert headline.outstanding == 0
    payments = Payment.objects.filter(instalment__award__application__round__programme=cf)
    assert payments.count() == 379
    assert set(payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
    for payment in payments.select_related("instalment__award__application__round"):
        round = payment.instalment.award.application.round
        assert round.opens_at.date() <= payment.paid_on <= round.closes_at.date()
    assert not Application.objects.filter(round__programme=cf).exclude(status="approved")
    assert Application.objects.filter(reference="CF-2020-00001").exists()


def test_one_communities_fund_grant_was_partly_repaid(cf):
    repayment = Repayment.objects.get()
    assert repayment.award.application.reference == CLAWBACK_REFERENCE
    assert repayment.receipts.get().amount == CLAWBACK_RECEIVED
    headline = selectors.programme_headline(code="CF")
    assert headline.repaid == CLAWBACK_RECEIVED
    assert headline.net_awarded == headline.awarded - CLAWBACK_RECEIVED


def test_historical_runs_were_built_and_approved_by_different_people(cf):
    runs = PaymentRun.objects.filter(payments__instalment__award__application__round__programme=cf)
    assert runs.exists()
    assert set(runs.values_list("status", flat=True)) == {PaymentRunStatus.PAID}
    for created_by, approved_by in runs.values_list("created_by", "approved_by"):
        assert approved_by and approved_by != created_by


def test_ledger_for_the_communities_fund_agrees_to_the_penny(client, cf):
    client.force_login(User.objects.get(email="finance@example.org"))
    response = client.get(reverse("payments:ledger"), {"programme": cf.pk})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Award ledger"].iter_rows(values_only=True))

    headings, body, totals = rows[0], rows[1:-1], dict(zip(rows[0], rows[-1], strict=True))
    assert len(body) == 379
    awarded = sum(Decimal(str(row[headings.index("Amount awarded")])) for row in body)
    expected = selectors.programme_headline(code="CF").awarded
    assert awarded.quantize(Decimal("0.01")) == expected
    assert Decimal(str(totals["Amount awarded"])).quantize(Decimal("0.01")) == expected
    assert Decimal(str(totals["Paid to date"])).quantize(Decimal("0.01")) == expected
    assert totals["Outstanding"] == 0
    assert Decimal(str(totals["Repaid"])) == CLAWBACK_RECEIVED
    assert Decimal(str(totals["Net awarded"])).quantize(Decimal("0.01")) == (
        expected - CLAWBACK_RECEIVED
    )
    summary_total = list(workbook["Summary"].iter_rows(values_only=True))[-1]
    assert summary_total[2] == 379
    assert Decimal(str(summary_total[3])).quantize(Decimal("0.01")) == expected


def test_programmes_and_open_rounds(demo_output, db):
    programmes = {p.code: p for p in Programme.objects.all()}
    assert set(programmes) >= {"SCG", "CF", "SEG"}
    assert programmes["SCG"].name == "SHIRE Community Grants"
    assert "parish_council" not in programmes["SCG"].eligible_legal_structures
    assert all(p.cost_centre and p.gl_code for p in programmes.values())
    scg = Round.objects.get(programme__code="SCG")
    assert scg.is_open()
    assert (scg.budget, scg.min_award, scg.max_award, scg.assessors_per_application) == (
        Decimal("250000.00"), Decimal("500.00"), Decimal("10000.00"), 1
    )
    assert sum(scg.criteria.values_list("weight", flat=True)) == 100
    assert Round.objects.get(programme__code="SEG").is_open()


def test_organisations_are_spread_across_every_district(demo_output, db):
    organisations = Organisation.objects.all()
    assert {o.district for o in organisations} == set(District.values)
    for organisation in organisations:
        assert organisation.postcode[:2] in {"LE", "NG", "DE"}
        assert len(organisation.bank_sort_code) == 6 and organisation.bank_sort_code.isdigit()
        assert len(organisation.bank_account_number) == 8
        if organisation.legal_structure in ("registered_charity", "cio"):
            assert 6 <= len(organisation.charity_number) <= 7
        if organisation.legal_structure in ("clg", "cic"):
            assert len(organisation.company_number) == 8


def test_finance_has_payments_to_run_and_a_run_to_approve(demo_output, db):
    assert selectors.payable_totals()["count"] >= 1
    draft = PaymentRun.objects.get(status=PaymentRunStatus.DRAFT)
    assert draft.created_by.email == "finance@example.org"


def test_every_demo_user_has_their_role_and_a_verified_address(client, demo_output, db):
    for demo in DEMO_USERS:
        user = User.objects.get(email=demo.email)
        assert has_role(user, demo.role)
        assert EmailAddress.objects.filter(user=user, email=demo.email, verified=True,
                                           primary=True).exists()
        assert demo.email in demo_output
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff and admin.is_superuser
    applicant = User.objects.get(email="applicant@example.org")
    assert Membership.objects.get(user=applicant).organisation.name == (
        "Braunstone Town Lunch Club"
    )
    assert has_role(User.objects.get(email="finance2@example.org"), Role.FINANCE)
    assert DEMO_PASSWORD in demo_output

    response = client.post(
        reverse("account_login"), {"login": "applicant@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert "confirm-email" not in response["Location"]
    assert client.session.get("_auth_user_id") == str(applicant.pk)


def test_loading_again_adds_nothing_and_prints_the_sign_ins(demo_output, db):
    before = {model: model.objects.count() for model in MODELS}
    output = io.StringIO()

    call_command("load_demo_data", stdout=output)

    assert {model: model.objects.count() for model in MODELS} == before
    assert "nothing was added" in output.getvalue()
    for demo in DEMO_USERS:
        assert demo.email in output.getvalue()

