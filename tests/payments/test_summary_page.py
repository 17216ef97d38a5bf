from decimal import Decimal

from django.urls import reverse

from grants.models import AwardStatus
from payments import selectors
from rounds.models import RoundStatus
from tests.grants.factories import AwardFactory
from tests.payments.factories import PaymentFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory


def test_round_totals_count_committed_awards_and_paid_money(make_award):
    round = RoundFactory(name="Round A")
    make_award("1000.00", application__round=round)
    make_award("2500.50", paid="500.25", application__round=round)
    make_award("300.00", paid="0", status=AwardStatus.ACCEPTED, application__round=round)
    AwardFactory(amount=Decimal("9999.00"), status=AwardStatus.DECLINED, application__round=round)

    [row] = selectors.award_totals_by_round()

    assert row.award_count == 3
    assert row.awarded == Decimal("3800.50")
    assert row.paid == Decimal("1500.25")
    assert row.outstanding == Decimal("2300.25")


def test_a_failed_payment_is_not_counted_as_paid(make_award):
    award = make_award("800.00", paid="0")
    PaymentFactory(instalment=award.instalments.get(), status="failed")

    [row] = selectors.award_totals_by_round()

    assert row.paid == Decimal("0.00")
    assert row.outstanding == Decimal("800.00")


def test_programme_totals_add_up_their_rounds(make_award):
    programme = ProgrammeFactory(name="Communities Fund", code="CF")
    first = RoundFactory(programme=programme, status=RoundStatus.ARCHIVED, closed=True)
    second = RoundFactory(programme=programme)
    RoundFactory(programme=programme, status=RoundStatus.DRAFT)
    make_award("1000.00", application__round=first)
    make_award("2000.00", application__round=first)
    make_award("4000.00", paid="1000.00", application__round=second)
    make_award("50.00")  # another programme

    totals = {p.code: p for p in selectors.programme_totals()}

    cf = totals["CF"]
    assert (cf.round_count, cf.award_count) == (2, 3)
    assert (cf.awarded, cf.paid, cf.outstanding) == (
        Decimal("7000.00"), Decimal("4000.00"), Decimal("3000.00")
    )
    grand = selectors.award_grand_totals()
    assert grand == {
        "award_count": 4, "awarded": Decimal("7050.00"), "accepted": Decimal("7050.00"),
        "paid": Decimal("4050.00"), "repaid": Decimal("0.00"), "outstanding": Decimal("3000.00"),
        "net_awarded": Decimal("7050.00"),
    }


def test_summary_page_shows_the_communities_fund_headline(client_as, finance_user, make_award):
    programme = ProgrammeFactory(name="Communities Fund", code="CF")
    rounds = [RoundFactory(programme=programme, status=RoundStatus.ARCHIVED, closed=True)
              for _ in range(3)]
    for index, round in enumerate(rounds):
        make_award(f"{1000 * (index + 1)}.25", application__round=round)

    response = client_as(finance_user).get(reverse("payments:summary"))

    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert "Communities Fund:</strong> 3 rounds, 3 grants, £6,000.75 awarded" in html
    assert reverse("payments:ledger") in html
    assert "Download award ledger (.xlsx)" in html


def test_summary_page_lists_payable_payments_with_a_button_to_build_a_run(
    client_as, finance_user
):
    first = PaymentFactory(amount=Decimal("1200.00"), instalment__amount=Decimal("1200.00"))
    PaymentFactory(amount=Decimal("300.50"), instalment__amount=Decimal("300.50"))

    response = client_as(finance_user).get(reverse("payments:summary"))

    html = " ".join(response.content.decode().split())
    assert "2 payments are due and payable, totalling <strong>£1,500.50</strong>" in html
    assert f'action="{reverse("payments:run_create")}"' in html
    assert "Build a payment run" in html
    application = first.instalment.award.application
    assert application.reference in html
    assert application.organisation.name in html


def test_summary_page_counts_and_totals_every_payable_payment_beyond_those_listed(
    client_as, finance_user
):
    for _ in range(26):
        PaymentFactory(amount=Decimal("10.05"), instalment__amount=Decimal("10.05"))

    html = " ".join(client_as(finance_user).get(reverse("payments:summary")).content
                    .decode().split())

    assert "26 payments are due and payable, totalling <strong>£261.30</strong>" in html
    assert "Payments due and payable (the 25 due longest ago of 26)" in html


def test_summary_page_query_count_does_not_grow_with_rows(
    client_as, finance_user, make_award, django_assert_max_num_queries
):
    client = client_as(finance_user)
    url = reverse("payments:summary")
    make_award("100.00")
    client.get(url)  # warm the session and content-type caches
    # A fixed number per table on the page (awards, payments and repayments
    # are each summed in their own query), however many rows there are.
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for _ in range(3):
        round = RoundFactory()
        for _ in range(5):
            make_award("100.00", paid="40.00", application__round=round)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
