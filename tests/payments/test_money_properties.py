"""
Property tests: for random awards, payments (some failing and paid again)
and repayments, made through the services, the ledger, the dashboard and
the payment runs agree with each other and with the money that moved, to
the penny.
"""

import csv
import io
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from applicants.choices import District, LegalStructure
from grants.models import COMMITTED_AWARD_STATES, AwardStatus
from payments import selectors, services
from payments.exports import write_award_ledger, write_payment_file
from payments.models import Payment, PaymentRun, PaymentStatus
from tests.accounts.factories import UserFactory
from tests.grants.factories import AwardFactory
from tests.payments.factories import InstalmentFactory, PaymentFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")

# What happens to one instalment's payment.
PLANS = ["scheduled", "draft_run", "exported", "paid", "failed", "failed_requeued",
         "failed_paid_again", "paid_then_failed"]

award_specs = st.lists(
    st.fixed_dictionaries({
        "pence": st.integers(min_value=1, max_value=99_999_999),
        "status": st.sampled_from(["accepted", "accepted", "accepted", "offered", "declined"]),
        "plans": st.lists(st.sampled_from(PLANS), min_size=1, max_size=3),
        "district": st.sampled_from(list(District)),
        "structure": st.sampled_from(list(LegalStructure)),
        "programme": st.integers(min_value=0, max_value=1),
        "outcomes": st.lists(st.sampled_from(["4.1", "5.5", "8.3"]), max_size=2, unique=True),
        "year": st.integers(min_value=2019, max_value=2026),
        "month": st.integers(min_value=1, max_value=12),
        "asked_percent": st.integers(min_value=0, max_value=100),
        "received_percent": st.integers(min_value=0, max_value=100),
    }),
    min_size=1, max_size=5,
)


def split(pence: int, parts: int) -> list[Decimal]:
    parts = min(parts, pence)
    share = pence // parts
    amounts = [share] * (parts - 1) + [pence - share * (parts - 1)]
    return [Decimal(amount) / 100 for amount in amounts]


def run_of(payments, builder, checker, *, export=False, pay=False) -> PaymentRun | None:
    if not payments:
        return None
    run = services.create_payment_run(actor=builder, payment_ids=[p.pk for p in payments])
    if export or pay:
        services.approve_payment_run(run=run, actor=checker)
        services.export_payment_run(run=run, actor=checker)
    if pay:
        services.mark_payment_run_paid(run=run, actor=builder, paid_on=timezone.localdate(),
                                       reference="BACS")
    return run


def build(specs, builder, checker):
    """Make the awards and move their money through the services; return what is expected."""
    programmes = [ProgrammeFactory(code="SCG", name="SHIRE Community Grants"),
                  ProgrammeFactory(code="CF", name="Communities Fund")]
    rounds = [RoundFactory(programme=programme) for programme in programmes]
    by_plan = defaultdict(list)
    awards = []
    for spec in specs:
        amount = Decimal(spec["pence"]) / 100
        plans = spec["plans"] if spec["status"] == "accepted" else ["scheduled"]
        award = AwardFactory(
            amount=amount, status=spec["status"],
            award_date=timezone.localdate().replace(year=spec["year"], month=spec["month"], day=1),
            application__amount_requested=amount, application__round=rounds[spec["programme"]],
            application__outcomes=spec["outcomes"],
            application__organisation__district=spec["district"],
            application__organisation__legal_structure=spec["structure"],
        )
        awards.append((spec, award))
        for number, (plan, part) in enumerate(zip(plans, split(spec["pence"], len(plans)),
                                                  strict=False), start=1):
            instalment = InstalmentFactory(award=award, number=number, amount=part,
                                           due_date=timezone.localdate())
            by_plan[plan].append(PaymentFactory(instalment=instalment, amount=part))

    run_of(by_plan["draft_run"], builder, checker)
    run_of(by_plan["exported"] + by_plan["failed"] + by_plan["failed_requeued"]
           + by_plan["failed_paid_again"], builder, checker, export=True)
    run_of(by_plan["paid"] + by_plan["paid_then_failed"], builder, checker, pay=True)
    again = []
    for plan in ("failed", "failed_requeued", "failed_paid_again", "paid_then_failed"):
        for payment in by_plan[plan]:
            services.mark_payment_failed(payment=payment, actor=builder, reason="Returned")
            if plan in ("failed_requeued", "failed_paid_again"):
                requeued = services.requeue_failed_payment(payment=payment, actor=checker)
                if plan == "failed_paid_again":
                    again.append(requeued)
    run_of(again, builder, checker, pay=True)

    expected = {}
    for spec, award in awards:
        paid = sum((p.amount for p in Payment.objects.filter(instalment__award=award,
                                                             status=PaymentStatus.PAID)),
                   start=ZERO)
        asked = (paid * spec["asked_percent"] / 100).quantize(PENNY)
        received = (asked * spec["received_percent"] / 100).quantize(PENNY)
        if asked > 0:
            repayment = services.request_repayment(award=award, actor=builder, amount=asked,
                                                   reason="Underspend")
            if received > 0:
                services.record_repayment_received(
                    repayment=repayment, actor=checker, amount=received,
                    received_on=timezone.localdate(), reference="R",
                )
        else:
            received = ZERO
        award.refresh_from_db()
        if award.status in COMMITTED_AWARD_STATES:
            expected[award.application.reference] = {
                "awarded": award.amount, "paid": paid, "repaid": received,
                "accepted": award.amount if award.status != AwardStatus.OFFERED else ZERO,
            }
    return expected


def totals_of(expected: dict) -> dict:
    totals = {key: sum((e[key] for e in expected.values()), start=ZERO)
              for key in ("awarded", "accepted", "paid", "repaid")}
    totals["award_count"] = len(expected)
    totals["outstanding"] = totals["awarded"] - totals["paid"]
    totals["net_awarded"] = totals["awarded"] - totals["repaid"]
    return totals


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(PENNY)


@pytest.fixture
def people(db):
    return (UserFactory(roles=[Role.FINANCE]), UserFactory(roles=[Role.FINANCE]))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=award_specs)
def test_ledger_dashboard_and_runs_agree_to_the_penny(people, specs):
    builder, checker = people
    with transaction.atomic():
        expected = build(specs, builder, checker)
        totals = totals_of(expected)

        # The dashboard's grand totals are the money that moved.
        assert selectors.award_grand_totals() == totals
        # The page's figures, added up from one grouped read, are the same.
        assert selectors.award_totals().grand_totals == totals

        # The ledger: each row, the sum of the rows and the totals row.
        output = io.BytesIO()
        write_award_ledger(output)
        rows = list(openpyxl.load_workbook(io.BytesIO(output.getvalue()))["Award ledger"]
                    .iter_rows(values_only=True))
        headings, body, total_row = rows[0], rows[1:-1], dict(zip(rows[0], rows[-1], strict=True))
        ledger = {row[0]: dict(zip(headings, row, strict=True)) for row in body}
        assert set(ledger) == set(expected)
        for reference, figures in expected.items():
            row = ledger[reference]
            assert money(row["Amount awarded"]) == figures["awarded"]
            assert money(row["Paid to date"]) == figures["paid"]
            assert money(row["Repaid"]) == figures["repaid"]
            assert money(row["Outstanding"]) == figures["awarded"] - figures["paid"]
            assert money(row["Net awarded"]) == figures["awarded"] - figures["repaid"]
        for heading, key in (("Amount awarded", "awarded"), ("Paid to date", "paid"),
                             ("Repaid", "repaid"), ("Outstanding", "outstanding"),
                             ("Net awarded", "net_awarded")):
            assert money(total_row[heading]) == totals[key]
            assert sum((money(row[heading]) for row in ledger.values()), start=ZERO) == \
                totals[key]

        # Every breakdown that splits awards without overlap adds up to the total.
        figures = ("award_count", "awarded", "accepted", "paid", "repaid", "outstanding",
                   "net_awarded")
        for breakdown in selectors.breakdowns():
            if breakdown.key == "outcome":
                continue
            for key in figures:
                assert sum(row[key] for row in breakdown.rows) == totals[key], (breakdown.key, key)
        for rows_by_model in (selectors.programme_totals(), selectors.award_totals_by_round()):
            for key in figures:
                assert money(sum(getattr(row, key) for row in rows_by_model)) == money(totals[key])
        # An award counts in every outcome it supports, and once in the total.
        outcome_rows = next(b for b in selectors.breakdowns() if b.key == "outcome").rows
        assert sum(row["award_count"] for row in outcome_rows) >= totals["award_count"]

        # A run's total is the sum of its payments, and so is its payment file.
        for run in selectors.payment_runs_with_totals():
            assert run.total == sum((p.amount for p in run.payments.all()), start=ZERO)
            text = io.StringIO()
            write_payment_file(text, run)
            amounts = [Decimal(row[4]) for row in list(csv.reader(io.StringIO(text.getvalue())))[1:]]
            assert sum(amounts, start=ZERO) == run.total

        # No instalment is ever paid twice, and repayments stay within payments.
        live = Payment.objects.exclude(status=PaymentStatus.FAILED)
        assert live.count() == live.values("instalment").distinct().count()
        for figures_of_award in expected.values():
            assert figures_of_award["repaid"] <= figures_of_award["paid"]
        transaction.set_rollback(True)
