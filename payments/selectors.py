"""
Reads about money that pages and exports share.

Every total here is computed by the database. Awards, instalments and
payments fan out (one award, many payments), so money from different levels
is never summed over one join: each figure is its own correlated subquery,
which keeps a sum from being counted once per joined row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.versions import AWARD_MONEY, current_version
from applicants.choices import District, LegalStructure
from applicants.models import mask_account_number, mask_sort_code, supplier_reference
from config.subqueries import count_per_row
from grants.models import (
    COMMITTED_AWARD_STATES,
    Application,
    Award,
    AwardStatus,
    MonitoringReturn,
    MonitoringStatus,
)
from rounds.models import Programme, Round, RoundStatus

from .financial_years import financial_year_bounds, financial_year_expression, financial_year_label
from .models import (
    AwardVariation,
    Instalment,
    InstalmentCondition,
    Payment,
    PaymentRule,
    PaymentRun,
    PaymentStatus,
    Repayment,
    RepaymentReceipt,
    VariationStatus,
)

PAYABLE_AWARD_STATES = [AwardStatus.ACCEPTED, AwardStatus.ACTIVE]

# Totals may exceed one award's max_digits, so they get room to grow.
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _has_accepted_return() -> Exists:
    """The instalment's award has at least one accepted monitoring return."""
    return Exists(
        MonitoringReturn.objects.filter(
            award_id=OuterRef("instalment__award_id"), status=MonitoringStatus.ACCEPTED
        )
    )


def _condition_met() -> Q:
    """
    The instalment's condition is met: paid on acceptance, or its monitoring
    return (the award's first accepted return, while none is linked) has
    been accepted. Needs the `has_accepted_return` annotation.

    Never NULL: with no return linked, the linked return's status is NULL,
    so that term asks first whether there is one. Otherwise the whole
    condition came out NULL, neither met nor unmet, and the payment was in
    neither the payable list nor the blocked one.
    """
    return (
        Q(instalment__condition=InstalmentCondition.ON_ACCEPTANCE)
        | Q(
            instalment__after_return__isnull=False,
            instalment__after_return__status=MonitoringStatus.ACCEPTED,
        )
        | Q(instalment__after_return__isnull=True, has_accepted_return=True)
    )


def _bank_details_checked() -> Q:
    """Finance has checked the organisation's bank details and they have not changed since."""
    organisation = "instalment__award__application__organisation__"
    return Q(**{f"{organisation}bank_details_verified_at__isnull": False}) & (
        Q(**{f"{organisation}bank_details_changed_at__isnull": True})
        | Q(**{f"{organisation}bank_details_changed_at__lte":
               F(f"{organisation}bank_details_verified_at")})
    )


def _scheduled_payments_on_paid_awards() -> QuerySet[Payment]:
    """Scheduled payments on awards being paid (and the `has_accepted_return` alias)."""
    return Payment.objects.filter(
        status=PaymentStatus.SCHEDULED,
        instalment__award__status__in=PAYABLE_AWARD_STATES,
    ).alias(has_accepted_return=_has_accepted_return())


def _checks() -> dict[str, ExpressionWrapper]:
    """Whether the payment's condition is met and its organisation's bank details checked."""
    return {
        "condition_met": ExpressionWrapper(_condition_met(), output_field=BooleanField()),
        "bank_checked": ExpressionWrapper(_bank_details_checked(), output_field=BooleanField()),
    }


def _due_scheduled_payments(today: date) -> QuerySet[Payment]:
    return (
        _scheduled_payments_on_paid_awards()
        .filter(instalment__due_date__lte=today, instalment__cancelled_at__isnull=True)
        .annotate(**_checks())
    )


def payable_payments(*, today: date | None = None) -> QuerySet[Payment]:
    """
    Scheduled payments that are due, on accepted awards, with any monitoring
    condition met and the organisation's bank details checked by finance.

    Whether the instalment is due and not cancelled is asked of each
    payment's own instalment by primary key, in a scalar subquery ("the
    payment's instalment is the due one with its id") that PostgreSQL runs
    once per scheduled payment and cannot turn into a join. Asked through
    the join, the planner took every scheduled payment for due and read all
    instalments and accepted monitoring returns into hash tables; told that
    few remain, it looks up each one's award, return and organisation by
    index (issue 9). Scheduled payments are few, instalments many.
    (blocked_payments keeps the join: its filter looks so selective to the
    planner that it would join every instalment first to avoid the
    subquery.)
    """
    today = today or timezone.localdate()
    due_instalment = Instalment.objects.filter(
        pk=OuterRef("instalment_id"), due_date__lte=today, cancelled_at__isnull=True
    ).order_by()
    return (
        _scheduled_payments_on_paid_awards()
        .filter(instalment=Subquery(due_instalment.values("pk")))
        # Filtered on, not selected: each copy of the accepted-return
        # subquery in the SELECT list is planned again.
        .alias(**_checks())
        .filter(condition_met=True, bank_checked=True)
        .select_related("instalment__award__application__organisation")
        .order_by("pk")
    )


BANK_NOT_CHECKED = "The organisation's bank details have not been checked since they were given"
NO_BANK_DETAILS = "The organisation has not given its bank details"
RETURN_NOT_ACCEPTED = "Waits for a monitoring return to be accepted"


def blocked_payments(*, today: date | None = None) -> QuerySet[Payment]:
    """
    Payments that are due on accepted awards but cannot go in a run yet,
    each with `blocked_reason`, the first thing that stops it.
    """
    today = today or timezone.localdate()
    return (
        _due_scheduled_payments(today)
        .filter(Q(condition_met=False) | Q(bank_checked=False))
        .annotate(
            blocked_reason=Case(
                # Details are only ever given through update_bank_details,
                # which records when: no date means none were given.
                When(
                    bank_checked=False,
                    instalment__award__application__organisation__bank_details_changed_at__isnull=True,
                    instalment__award__application__organisation__bank_details_verified_at__isnull=True,
                    then=Value(NO_BANK_DETAILS),
                ),
                When(bank_checked=False, then=Value(BANK_NOT_CHECKED)),
                default=Value(RETURN_NOT_ACCEPTED),
                output_field=CharField(),
            )
        )
        .select_related("instalment__award__application__organisation")
        .order_by("instalment__due_date", "pk")
    )


def why_not_payable(payment: Payment, *, today: date | None = None) -> str:
    """A sentence saying why this payment cannot go in a run, or "" when it can."""
    today = today or timezone.localdate()
    if payable_payments(today=today).filter(pk=payment.pk).exists():
        return ""
    blocked = blocked_payments(today=today).filter(pk=payment.pk).first()
    if blocked is not None:
        return blocked.blocked_reason
    return "It is not due yet, is already in a run, or its grant is not being paid"


def payable_totals(*, today: date | None = None) -> dict:
    """How many payments are due and payable now, and their total."""
    return payable_payments(today=today).aggregate(
        count=Count("pk"), total=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )


def payable_due_first(limit: int, *, today: date | None = None) -> tuple[list[Payment], dict]:
    """
    The `limit` payable payments due longest ago, and `payable_totals` of
    all of them, in one query: window functions count and sum every
    payable row before the limit applies.
    """
    listed = list(
        payable_payments(today=today)
        .annotate(
            payable_count=Window(Count("pk")),
            payable_total=Window(Sum("amount"), output_field=MONEY),
        )
        .order_by("instalment__due_date", "pk")[:limit]
    )
    if not listed:
        return listed, {"count": 0, "total": ZERO_AMOUNT}
    # SQLite sums decimals as floats (see _finish).
    return listed, {"count": listed[0].payable_count,
                    "total": Decimal(listed[0].payable_total).quantize(PENNY)}


# --- Which awards ------------------------------------------------------------

# Awards whose offer has been accepted (and may since have been paid or closed).
ACCEPTED_AWARD_STATES = [
    AwardStatus.ACCEPTED,
    AwardStatus.ACTIVE,
    AwardStatus.COMPLETED,
    AwardStatus.CLOSED_EARLY,
]

# DOMAIN: the Strategic Plan measures "Amount of SHIRE Community Grants
# awarded to VCSE organisations". Town and parish councils are not VCSE.
INDICATOR_PROGRAMME_CODE = "SCG"
NOT_VCSE = [LegalStructure.TOWN_OR_PARISH_COUNCIL]


@dataclass(frozen=True)
class AwardFilter:
    """
    Which committed awards a page, export or command is about. District is
    where the organisation is based (one per award, so nothing counts twice);
    a financial year selects awards made from 1 April to 31 March.
    """

    programme_id: int | None = None
    round_id: int | None = None
    district: str | None = None
    financial_year: int | None = None
    run_id: int | None = None

    def apply(self, awards: QuerySet[Award]) -> QuerySet[Award]:
        if self.programme_id is not None:
            awards = awards.filter(application__round__programme_id=self.programme_id)
        if self.round_id is not None:
            awards = awards.filter(application__round_id=self.round_id)
        if self.district:
            awards = awards.filter(application__organisation__district=self.district)
        if self.financial_year is not None:
            first, last = financial_year_bounds(self.financial_year)
            awards = awards.filter(award_date__gte=first, award_date__lte=last)
        if self.run_id is not None:
            awards = awards.filter(
                pk__in=Payment.objects.filter(run_id=self.run_id).values("instalment__award_id")
            )
        return awards


EVERY_AWARD = AwardFilter()


def committed_awards(filters: AwardFilter = EVERY_AWARD) -> QuerySet[Award]:
    """Awards whose money is committed (offered or beyond, not declined)."""
    return filters.apply(Award.objects.filter(status__in=COMMITTED_AWARD_STATES))


def award_financial_years() -> list[int]:
    """The financial years in which committed awards were made, latest first."""
    return list(
        committed_awards()
        .annotate(year=financial_year_expression("award_date"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- Money per award and per group ----------------------------------------------


class JoinedText(Aggregate):
    """
    The group's values joined with commas, in no particular order.
    Django 5.2 has StringAgg only for PostgreSQL; this is the same aggregate
    for SQLite (GROUP_CONCAT), which `make run` uses.
    """

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def _paid_on_committed_awards() -> QuerySet[Payment]:
    return Payment.objects.filter(
        status=PaymentStatus.PAID, instalment__award__status__in=COMMITTED_AWARD_STATES
    )


def _received_on_committed_awards() -> QuerySet[RepaymentReceipt]:
    return RepaymentReceipt.objects.filter(
        repayment__award__status__in=COMMITTED_AWARD_STATES
    )


def _sum_by(queryset: QuerySet, group: str, amount: str = "amount") -> Coalesce:
    """Correlated subquery: the sum of `amount` over rows whose `group` is the outer row."""
    totals = (
        queryset.filter(**{group: OuterRef("pk")})
        .order_by()
        .values(group)
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=MONEY), ZERO, output_field=MONEY)


def with_award_money(awards: QuerySet[Award]) -> QuerySet[Award]:
    """
    Each award with what it has paid, what has been repaid, what is
    outstanding and the net awarded: for pages and the ledger, one row per
    award. Outstanding is the amount awarded less the amount paid; net
    awarded is the amount awarded less the money repaid (so outstanding is
    also net awarded less net paid).

    Totals do not sum these (see `grouped`, `award_grand_totals`): Django
    5.2 leaves subquery annotations out of the inner query it builds for
    aggregate(), and SQLite then sums the missing column's name as text,
    giving 0 without an error.
    """
    return awards.annotate(
        paid=_sum_by(Payment.objects.filter(status=PaymentStatus.PAID), "instalment__award"),
        repaid=_sum_by(RepaymentReceipt.objects.all(), "repayment__award"),
    ).annotate(outstanding=F("amount") - F("paid"), net_awarded=F("amount") - F("repaid"))


FIGURES = ("award_count", "awarded", "accepted", "paid", "repaid", "outstanding", "net_awarded")
# The figures that add up; outstanding and net awarded follow from them.
ADDED_FIGURES = FIGURES[:5]
PENNY = Decimal("0.01")
ZERO_AMOUNT = Decimal("0.00")


def _finish(totals: dict) -> dict:
    # SQLite sums decimals as floats; a sum is exact to far less than a
    # penny, so rounding to pence gives the exact figure (PostgreSQL's
    # numeric sums are exact already).
    for key in ("awarded", "accepted", "paid", "repaid"):
        totals[key] = Decimal(totals[key]).quantize(PENNY)
    totals["outstanding"] = totals["awarded"] - totals["paid"]
    totals["net_awarded"] = totals["awarded"] - totals["repaid"]
    return totals


def award_grand_totals(filters: AwardFilter = EVERY_AWARD) -> dict:
    """
    The number of committed awards and the money awarded (offered),
    accepted, paid, repaid, outstanding and net of repayments, in one query.
    Each table is summed on its own (awards, payments, repayments), never
    over a join that would repeat a row (see `grouped`).
    """
    [totals] = grouped(committed_awards(filters))
    return totals


def column(path: str) -> Callable[[str], F]:
    """
    A key for `grouped`: the field at `path` from the award (such as
    "application__organisation__district"), as a function of the prefix by
    which each of grouped's queries reaches the award.
    """
    return lambda prefix: F(f"{prefix}{path}")


def grouped(awards: QuerySet[Award], **keys: Callable[[str], object]) -> list[dict]:
    """
    Totals of `awards` grouped by `keys`, one dictionary per group with the
    keys' values and the FIGURES, ordered by the keys (an empty key last).
    Each key is a function of the path by which a query reaches the award
    ("" from awards, "instalment__award__" from payments), returning the
    expression to group by; `column` makes one from a field.

    It is one query: awards, payments and repayments are each grouped on
    their own and the three stacked with UNION ALL, then joined by key here.
    Summing per-award correlated subqueries in one GROUP BY is far slower on
    SQLite, and summing money from different tables over one join would
    repeat rows.
    """
    names = list(keys)

    def part(queryset: QuerySet, prefix: str, kind: str, **figures) -> QuerySet:
        # The constant `kind` is never grouped by, so with no keys there is
        # no GROUP BY and each part is one row, even over no rows at all.
        return (
            queryset.annotate(
                **{name: make(prefix) for name, make in keys.items()},
                kind=Value(kind, output_field=CharField()),
            )
            .values("kind", *names)
            .annotate(**figures)
            .values(*names, "kind", *figures)
            .order_by()
        )

    award_ids = awards.values("pk")
    none = Value(0, output_field=IntegerField())
    nothing = Value(ZERO_AMOUNT, output_field=MONEY)
    stacked = part(
        awards, "", "awards",
        n=Count("pk"),
        total=Coalesce(Sum("amount"), ZERO, output_field=MONEY),
        accepted=Coalesce(
            Sum("amount", filter=Q(status__in=ACCEPTED_AWARD_STATES)), ZERO, output_field=MONEY
        ),
    ).union(
        part(
            Payment.objects.filter(status=PaymentStatus.PAID, instalment__award__in=award_ids),
            "instalment__award__", "paid",
            n=none, total=Coalesce(Sum("amount"), ZERO, output_field=MONEY), accepted=nothing,
        ),
        part(
            RepaymentReceipt.objects.filter(repayment__award__in=award_ids),
            "repayment__award__", "repaid",
            n=none, total=Coalesce(Sum("amount"), ZERO, output_field=MONEY), accepted=nothing,
        ),
        all=True,
    )
    groups: dict[tuple, dict] = {}
    money_by_kind: dict[str, dict[tuple, Decimal]] = {"paid": {}, "repaid": {}}
    for row in stacked:
        key = tuple(row[name] for name in names)
        if row["kind"] == "awards":
            groups[key] = {
                **{name: row[name] for name in names},
                "award_count": row["n"], "awarded": row["total"], "accepted": row["accepted"],
            }
        else:
            money_by_kind[row["kind"]][key] = row["total"]
    result = []
    for key in sorted(groups, key=_sortable):
        row = groups[key]
        row["paid"] = money_by_kind["paid"].get(key) or ZERO_AMOUNT
        row["repaid"] = money_by_kind["repaid"].get(key) or ZERO_AMOUNT
        result.append(_finish(row))
    return result


def _sortable(key: tuple) -> tuple:
    """Group keys in order, with an empty (None) value last."""
    return tuple((value is None, value if value is not None else "") for value in key)


def _outcome_sort_key(code: str | None) -> list:
    if code is None:
        return [float("inf")]
    return [int(part) if part.isdigit() else part for part in code.split(".")]


@dataclass(frozen=True)
class Breakdown:
    """Totals by one dimension, as the dashboard and the ledger both show them."""

    key: str
    title: str
    heading: str
    rows: list[dict]
    note: str = ""

    @property
    def caption(self) -> str:
        """ "Awards by district" from "By district"."""
        return f"Awards {self.title[0].lower()}{self.title[1:]}"


def totals_by_programme_and_round(filters: AwardFilter = EVERY_AWARD) -> list[dict]:
    return award_totals(filters).by_programme_and_round()


def totals_by_outcome(filters: AwardFilter = EVERY_AWARD) -> list[dict]:
    """
    An award tagged with several outcomes counts in the row of each, so these
    rows add up to more than the grand total, which is computed on its own.
    """
    rows = grouped(
        committed_awards(filters),
        outcome=column("application__outcomes__code"),
        outcome_title=column("application__outcomes__title"),
    )
    for row in rows:
        row["label"] = (
            f"{row['outcome']} {row['outcome_title']}" if row["outcome"] else "No outcome recorded"
        )
    return sorted(rows, key=lambda row: _outcome_sort_key(row["outcome"]))


def empty_figures() -> dict:
    """The FIGURES of a group with no awards."""
    return {"award_count": 0, **dict.fromkeys(FIGURES[1:], ZERO_AMOUNT)}


def add_up(rows: list[dict], *names: str) -> list[dict]:
    """
    Rows of `grouped` added up to groups of fewer keys, `names` (none: one
    row of grand totals), ordered as `grouped` orders them. Only rows whose
    groups split the awards without overlap may be added up this way.
    """
    groups: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in names)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {**dict(zip(names, key, strict=True)), **empty_figures()}
        for figure in ADDED_FIGURES:
            group[figure] += row[figure]
    return [_finish(groups[key]) for key in sorted(groups, key=_sortable)]


# What an award has exactly one of: grouping by all of them at once loses
# nothing that grouping by any one of them would give. The round is grouped
# by its id alone and its names are added after (`_with_round_keys`):
# grouping by four more text columns made PostgreSQL sort every award and
# payment row on disk (issue 9).
ONE_PER_AWARD = {
    "district": column("application__organisation__district"),
    "legal_structure": column("application__organisation__legal_structure"),
    "financial_year": lambda prefix: financial_year_expression(f"{prefix}award_date"),
    "round_id": column("application__round_id"),
}
# The round, by what the ledger's summary sheet shows and orders it by.
ROUND_KEYS = ("programme", "round_opens", "round_id", "round")


def _with_round_keys(rows: list[dict]) -> list[dict]:
    """
    Copies of rows grouped by ONE_PER_AWARD with the round's programme name
    and code, opening date and name, read now: the round decides them, so
    they add no groups.
    """
    rounds = {
        round["pk"]: round
        for round in Round.objects.filter(pk__in={row["round_id"] for row in rows}).values(
            "pk", "name", "opens_at",
            programme_name=F("programme__name"), programme_code=F("programme__code"),
        )
    }
    labelled = []
    for row in rows:
        round = rounds[row["round_id"]]
        labelled.append({
            **row,
            "programme": round["programme_name"],
            "programme_code": round["programme_code"],
            "round_opens": round["opens_at"],
            "round": round["name"],
        })
    return labelled


@dataclass(frozen=True)
class AwardTotals:
    """
    The totals of the committed awards that `filters` selects, grouped by
    district, legal structure, financial year and round at once. Each award
    is in exactly one of these groups, so adding them up by any one of the
    four, or by none, counts every award once: one query gives the grand
    totals, the VCSE indicator and every breakdown but the outcomes (where
    an award can be in several rows), which therefore always agree with one
    another.
    """

    filters: AwardFilter
    rows: list[dict]
    # The outcome breakdown when already read (it needs a query of its own).
    outcome_rows: list[dict] | None = None

    @property
    def grand_totals(self) -> dict:
        """The same figures as `award_grand_totals`."""
        return (add_up(self.rows) or [_finish(empty_figures())])[0]

    def by_programme_and_round(self) -> list[dict]:
        rows = add_up(self.rows, *ROUND_KEYS)
        for row in rows:
            row["label"] = f"{row['programme']}: {row['round']}"
        return rows

    def by_district(self) -> list[dict]:
        rows = add_up(self.rows, "district")
        labels = dict(District.choices)
        for row in rows:
            row["label"] = labels.get(row["district"], row["district"] or "Not recorded")
        return sorted(rows,
                      key=lambda row: (row["district"] == District.COUNTY_WIDE, row["label"]))

    def by_legal_structure(self) -> list[dict]:
        rows = add_up(self.rows, "legal_structure")
        labels = dict(LegalStructure.choices)
        for row in rows:
            row["label"] = labels.get(row["legal_structure"],
                                      row["legal_structure"] or "Not recorded")
        return sorted(rows, key=lambda row: row["label"])

    def by_financial_year(self) -> list[dict]:
        """Oldest first."""
        return _year_labels(add_up(self.rows, "financial_year"))

    def by_outcome(self) -> list[dict]:
        if self.outcome_rows is not None:
            return self.outcome_rows
        return totals_by_outcome(self.filters)

    def financial_years(self) -> list[int]:
        """The financial years in which the awards were made, latest first."""
        return sorted({row["financial_year"] for row in self.rows}, reverse=True)

    def vcse_indicator(self) -> list[dict]:
        """
        The Strategic Plan indicator "Amount of SHIRE Community Grants
        awarded to VCSE organisations", per financial year, oldest first.
        """
        return _year_labels(add_up(
            [row for row in self.rows if row["programme_code"] == INDICATOR_PROGRAMME_CODE
             and row["legal_structure"] not in NOT_VCSE],
            "financial_year",
        ))


def _year_labels(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["label"] = financial_year_label(row["financial_year"])
    return rows


def award_totals(filters: AwardFilter = EVERY_AWARD) -> AwardTotals:
    """The committed awards' totals that add up to the dashboard's figures, in two queries."""
    return AwardTotals(
        filters, _with_round_keys(grouped(committed_awards(filters), **ONE_PER_AWARD))
    )


# How long the cached award figures are kept at most. The version number
# (accounts.versions) is what keeps them right after a change made through a
# service; this limit is only for changes made past the services, such as
# an administrator's fix in the database shell.
AWARD_FIGURES_SECONDS = 10 * 60


def _cached_award_figures() -> dict:
    """
    The rows of `grouped(committed_awards(), **ONE_PER_AWARD)` and of
    `totals_by_outcome()`, cached under the award money version. At 25,000
    awards and 60,000 payments the two grouped reads take about a second on
    PostgreSQL, and the finance and officer home pages need them on every
    visit (issue 9).
    """
    key = f"payments:award-figures:{current_version(AWARD_MONEY)}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            "rows": grouped(committed_awards(), **ONE_PER_AWARD),
            "outcome_rows": totals_by_outcome(),
        }
        cache.set(key, figures, AWARD_FIGURES_SECONDS)
    return figures


def dashboard_award_totals() -> AwardTotals:
    """`award_totals()` with the outcome breakdown, from the cache when nothing has changed."""
    figures = _cached_award_figures()
    return AwardTotals(
        EVERY_AWARD, _with_round_keys(figures["rows"]), outcome_rows=figures["outcome_rows"]
    )


def committed_by_round() -> dict[int, Decimal]:
    """
    {round id: the money of its committed awards} for rounds with any, at
    their current (varied) amounts: `approved_total` of every round at once,
    from the cache when nothing has changed.
    """
    return {
        row["round_id"]: row["awarded"]
        for row in add_up(_cached_award_figures()["rows"], "round_id")
    }


OUTCOME_NOTE = (
    "An award that supports several outcomes counts in the row of each, so these rows add up "
    "to more than the total. The total counts every award once."
)


def breakdowns(filters: AwardFilter = EVERY_AWARD, *, totals: AwardTotals | None = None
               ) -> list[Breakdown]:
    """
    Every breakdown the dashboard and the ledger's summary sheets show: the
    outcomes in a query of their own, the others from `totals` (the
    awards' totals already read for the same filters, or read here).
    """
    totals = totals if totals is not None else award_totals(filters)
    return [
        Breakdown("district", "By district", "District", totals.by_district(),
                  "District is where the organisation is based."),
        Breakdown("outcome", "By Strategic Plan outcome", "Outcome",
                  totals.by_outcome(), OUTCOME_NOTE),
        Breakdown("legal-structure", "By legal structure", "Legal structure",
                  totals.by_legal_structure()),
        Breakdown("financial-year", "By financial year", "Financial year",
                  totals.by_financial_year(),
                  "Financial years run from 1 April to 31 March; an award counts in the year "
                  "of its award date."),
    ]


def vcse_indicator() -> list[dict]:
    """
    The Strategic Plan indicator "Amount of SHIRE Community Grants awarded
    to VCSE organisations", per financial year (see AwardTotals).
    """
    return award_totals().vcse_indicator()


# --- Programmes and rounds, including those with no awards yet -----------------


def _with_figures(objects: list, rows_by_key: dict, key: Callable[[object], object]) -> list:
    """Set each object's FIGURES from the row of its key (no awards: zeros)."""
    for obj in objects:
        row = rows_by_key.get(key(obj)) or _finish(empty_figures())
        for figure in FIGURES:
            setattr(obj, figure, row[figure])
    return objects


def award_totals_by_round(*, totals: AwardTotals | None = None) -> list[Round]:
    """
    Every round that has been published, with its number of committed
    awards, the money awarded, accepted, paid, repaid and still to pay.
    The figures are `totals` (the committed awards' totals, read here when
    not given) added up by round: one grouped read for every round instead
    of a correlated subquery per round and figure, which PostgreSQL ran in
    seconds at 25,000 awards (issue 9).
    """
    totals = totals if totals is not None else award_totals()
    by_round = {row["round_id"]: row for row in add_up(totals.rows, "round_id")}
    rounds = list(
        Round.objects.exclude(status=RoundStatus.DRAFT)
        .select_related("programme")
        .order_by("programme__name", "opens_at", "pk")
    )
    return _with_figures(rounds, by_round, lambda round: round.pk)


def programme_totals(*, totals: AwardTotals | None = None) -> list[Programme]:
    """Each programme with its number of rounds run and the award totals of all of them."""
    totals = totals if totals is not None else award_totals()
    by_programme = {row["programme_code"]: row for row in add_up(totals.rows, "programme_code")}
    programmes = list(
        Programme.objects.annotate(
            round_count=Count("rounds", filter=~Q(rounds__status=RoundStatus.DRAFT))
        ).order_by("name")
    )
    return _with_figures(programmes, by_programme, lambda programme: programme.code)


def programme_headline(*, code: str) -> Programme | None:
    """The totals of the programme with this code, or None when there is none."""
    return next((p for p in programme_totals() if p.code == code), None)


# --- The ledger ----------------------------------------------------------------------


def award_ledger_rows(filters: AwardFilter = EVERY_AWARD) -> QuerySet:
    """
    One dictionary per committed award, everything the ledger shows, in one
    query: iterate it with `.iterator()` to keep memory flat.
    """
    outcome_codes = Subquery(
        Application.outcomes.through.objects.filter(application_id=OuterRef("application_id"))
        .order_by()
        .values("application_id")
        .annotate(codes=JoinedText("outcome__code"))
        .values("codes"),
        output_field=CharField(),
    )
    return (
        with_award_money(committed_awards(filters))
        .annotate(outcome_codes=outcome_codes)
        .order_by(
            "application__round__programme__name",
            "application__round__opens_at",
            "application__reference",
            "pk",
        )
        .values(
            "pk",
            "award_date",
            "amount",
            "paid",
            "repaid",
            "outstanding",
            "net_awarded",
            "status",
            "outcome_codes",
            reference=F("application__reference"),
            organisation=F("application__organisation__name"),
            legal_structure=F("application__organisation__legal_structure"),
            charity_number=F("application__organisation__charity_number"),
            company_number=F("application__organisation__company_number"),
            district=F("application__organisation__district"),
            programme=F("application__round__programme__name"),
            round=F("application__round__name"),
            cost_centre=F("application__round__programme__cost_centre"),
            gl_code=F("application__round__programme__gl_code"),
        )
    )


# --- One award, for the finance award page -----------------------------------------


def finance_awards(*, search: str = "") -> QuerySet[Award]:
    """Committed awards, newest first, optionally matching a reference or name."""
    awards = committed_awards()
    search = search.strip()
    if search:
        awards = awards.filter(
            Q(application__reference__icontains=search)
            | Q(application__organisation__name__icontains=search)
        )
    return awards.order_by("-award_date", "-pk")


def award_list_rows(awards: QuerySet[Award]) -> list[dict]:
    """
    A page of `finance_awards` (a slice) with their money: one dictionary of
    the columns the award list shows per award, rather than the five model
    instances (award to programme) select_related would build for each,
    decrypting organisations' bank details for nothing. The money is
    summed for the page's awards only, also on later pages, where a
    correlated subquery in the paginated query ran for every award before
    the offset (issue 9).
    """
    rows = list(
        with_award_money(Award.objects.filter(pk__in=awards.values("pk")))
        .order_by("-award_date", "-pk")
        .values(
            "pk",
            "award_date",
            "amount",
            "status",
            "paid",
            "repaid",
            "net_awarded",
            reference=F("application__reference"),
            organisation_name=F("application__organisation__name"),
            programme_name=F("application__round__programme__name"),
        )
    )
    for row in rows:
        row["status_label"] = AwardStatus(row["status"]).label
    return rows


def finance_award(*, pk: int) -> Award:
    """One award (declined ones too) with its money; raises Award.DoesNotExist."""
    awards = Award.objects.select_related(
        "application__organisation", "application__round__programme"
    )
    return with_award_money(awards).annotate(
        requested_back=_sum_by(Repayment.objects.all(), "award")
    ).get(pk=pk)


def award_payments(award: Award) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(instalment__award=award)
        .select_related("instalment", "run", "failed_by", "replaces")
        .annotate(replaced_by_id=F("replaced_by__pk"))
        .order_by("instalment__number", "pk")
    )


def award_repayments(award: Award) -> list[Repayment]:
    """The award's repayments, each with its receipts and what is still to come."""
    repayments = list(
        award.repayments.select_related("requested_by")
        .annotate(received=_sum_by(RepaymentReceipt.objects.all(), "repayment"))
        .annotate(still_due=F("amount") - F("received"))
        .prefetch_related(
            Prefetch("receipts", queryset=RepaymentReceipt.objects.select_related("recorded_by"))
        )
        .order_by("requested_at", "pk")
    )
    return repayments


def repayment_with_totals(*, pk: int) -> Repayment:
    return (
        Repayment.objects.select_related("award__application__organisation")
        .annotate(received=_sum_by(RepaymentReceipt.objects.all(), "repayment"))
        .annotate(still_due=F("amount") - F("received"))
        .get(pk=pk)
    )


def paid_on_award(award_id: int) -> Decimal:
    return Payment.objects.filter(
        instalment__award_id=award_id, status=PaymentStatus.PAID
    ).aggregate(total=Coalesce(Sum("amount"), ZERO, output_field=MONEY))["total"]


def asked_back_on_award(award_id: int) -> Decimal:
    return Repayment.objects.filter(award_id=award_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )["total"]


def received_on_repayment(repayment_id: int) -> Decimal:
    return RepaymentReceipt.objects.filter(repayment_id=repayment_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )["total"]


# --- Payment runs -----------------------------------------------------------


def payment_runs_with_totals() -> QuerySet[PaymentRun]:
    """
    Runs, newest first, each with its number of payments and their total.
    Each figure is a correlated subquery rather than a join and GROUP BY:
    PostgreSQL evaluates such subqueries after ORDER BY and LIMIT, so a
    page of the run list adds up only the runs it shows, where grouping
    sorted every payment of every run first (issue 9).
    """
    payments = Payment.objects.all()
    return (
        PaymentRun.objects.select_related("created_by", "approved_by")
        .annotate(payment_count=count_per_row(payments, "run"), total=_sum_by(payments, "run"))
        .order_by("-created_at", "-pk")
    )


def payment_run_with_totals(*, pk: int) -> PaymentRun:
    """
    One run with its totals, and the number and total of its failed
    payments; raises PaymentRun.DoesNotExist.
    """
    failed = Payment.objects.filter(status=PaymentStatus.FAILED)
    return payment_runs_with_totals().annotate(
        failed_count=count_per_row(failed, "run"), failed_total=_sum_by(failed, "run")
    ).get(pk=pk)


def payments_in_run(run: PaymentRun) -> QuerySet[Payment]:
    """The run's payments with what the run page shows about each, in one query."""
    return (
        run.payments.select_related(
            "instalment__award__application__organisation",
            "instalment__award__application__round__programme",
        )
        .annotate(replaced_by_id=F("replaced_by__pk"))
        .order_by("instalment__award__application__reference", "pk")
    )


def run_page_payments(run: PaymentRun) -> list[dict]:
    """
    What the run page shows of each of the run's payments, in one query of
    the columns it shows: a run holds hundreds of payments and the approver
    reads every one, so the rows are dicts rather than the seven model
    instances (payment to programme) that payments_in_run loads for each.
    Bank details come masked; the decrypted numbers go no further.
    """
    application = "instalment__award__application__"
    organisation = f"{application}organisation__"
    rows = list(
        run.payments.order_by(f"{application}reference", "pk").values(
            "pk",
            "status",
            "amount",
            "failure_reason",
            award_id=F("instalment__award_id"),
            instalment_number=F("instalment__number"),
            grant_reference=F(f"{application}reference"),
            organisation_id=F(f"{application}organisation_id"),
            organisation_name=F(f"{organisation}name"),
            sort_code=F(f"{organisation}bank_sort_code"),
            account_number=F(f"{organisation}bank_account_number"),
            replaced_by_id=F("replaced_by__pk"),
        )
    )
    for row in rows:
        row["masked_sort_code"] = mask_sort_code(row.pop("sort_code"))
        row["masked_account_number"] = mask_account_number(row.pop("account_number") or "")
        row["supplier_reference"] = supplier_reference(row["organisation_id"])
    return rows


# --- Offers, payment rules, variations and closing ---------------------------------


def offers_awaiting_acceptance(*, now=None) -> QuerySet[Award]:
    """
    Offers not yet accepted or declined, oldest first, each with
    `days_waiting` and `is_late` (waiting longer than OFFER_ACCEPTANCE_DAYS).
    Days are counted in Python by the page from `offered_at`; the late ones
    are those offered before the cut-off instant.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OFFER_ACCEPTANCE_DAYS)
    return (
        Award.objects.filter(status=AwardStatus.OFFERED)
        .select_related("application__organisation", "application__round__programme")
        .annotate(
            is_late=ExpressionWrapper(Q(offered_at__lt=cutoff), output_field=BooleanField())
        )
        .order_by("offered_at", "pk")
    )


def late_offer_count(*, now=None) -> int:
    return offers_awaiting_acceptance(now=now).filter(is_late=True).count()


def payment_rules() -> QuerySet[Round]:
    """Published rounds with their payment rule (None when the default applies)."""
    return (
        Round.objects.exclude(status=RoundStatus.DRAFT)
        .select_related("programme", "payment_rule")
        .order_by("programme__name", "-opens_at", "pk")
    )


def payment_rule_for(round: Round) -> PaymentRule | None:
    return PaymentRule.objects.filter(round=round).first()


def variations(*, status: str | None = None) -> QuerySet[AwardVariation]:
    queryset = AwardVariation.objects.select_related(
        "award__application__organisation", "requested_by", "decided_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-requested_at", "-pk")


def award_variations(award: Award) -> QuerySet[AwardVariation]:
    return variations().filter(award=award)


def variations_awaiting_decision() -> QuerySet[AwardVariation]:
    return variations(status=VariationStatus.REQUESTED).order_by("requested_at", "pk")


def live_instalments(award: Award) -> QuerySet:
    """The award's instalments that have not been cancelled."""
    return award.instalments.filter(cancelled_at__isnull=True)


def last_bank_check(organisation) -> AuditEvent | None:
    """Who last checked the organisation's bank details, and when (from the audit log)."""
    return (
        AuditEvent.objects.filter(
            verb="bank_details_verified",
            content_type__app_label="applicants",
            content_type__model="organisation",
            object_id=str(organisation.pk),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
