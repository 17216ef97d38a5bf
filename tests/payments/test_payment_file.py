"""The payment file (CSV) for the council's finance system, and the run's ledger."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from payments import services
from payments.exports import PAYMENT_FILE_HEADINGS
from payments.models import PaymentRunStatus, PaymentStatus
from tests.applicants.factories import OrganisationFactory
from tests.payments.factories import PaymentFactory
from tests.rounds.factories import ProgrammeFactory, RoundFactory


def payable(amount: str, **fields):
    amount = Decimal(amount)
    return PaymentFactory(amount=amount, instalment__amount=amount, **fields)


@pytest.fixture
def approved_run(finance_user, second_finance_user):
    programme = ProgrammeFactory(code="SCG", name="SHIRE Community Grants",
                                 cost_centre="CS4410", gl_code="54100")
    round = RoundFactory(programme=programme)
    cafe = OrganisationFactory(name="Coalville Community Café", bank_account_name="Café account",
                               bank_sort_code="401234", bank_account_number="12345678")
    first = payable("1250.50", instalment__award__application__organisation=cafe,
                    instalment__award__application__round=round,
                    instalment__award__application__reference="SCG-2026-00001")
    second = payable("99.99", instalment__award__application__round=round,
                     instalment__award__application__reference="SCG-2026-00002")
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)
    return {"run": run, "first": first, "second": second, "cafe": cafe}


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_downloading_the_payment_file_of_an_approved_run_marks_it_exported(
    client_as, second_finance_user, approved_run
):
    run = approved_run["run"]
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 23, 10)),
                             tick=False):
        response = client_as(second_finance_user).post(
            reverse("payments:run_payment_file", args=[run.pk])
        )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="payment-run-{run.reference}.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == PAYMENT_FILE_HEADINGS == [
        "Supplier reference", "Grant reference", "Cost centre", "GL code", "Amount",
        "Payment date", "Bank account name", "Sort code", "Account number", "Supplier name",
    ]
    cafe = approved_run["cafe"]
    assert rows[1] == [
        cafe.supplier_reference, "SCG-2026-00001", "CS4410", "54100", "1250.50", "23/11/2026",
        "Café account", "**-**-**", "*****678", "Coalville Community Café",
    ]
    assert rows[2][1:5] == ["SCG-2026-00002", "CS4410", "54100", "99.99"]
    assert len(rows) == 3
    assert "12345678" not in response.content.decode()
    assert "401234" not in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.EXPORTED
    assert run.exported_by == second_finance_user
    assert set(run.payments.values_list("status", flat=True)) == {PaymentStatus.EXPORTED}
    assert AuditEvent.objects.filter(verb="payment_run_exported").count() == 1


def test_downloading_again_changes_nothing_and_gives_the_same_file(
    client_as, finance_user, approved_run
):
    run = approved_run["run"]
    client = client_as(finance_user)
    url = reverse("payments:run_payment_file", args=[run.pk])
    first = client.post(url).content
    run.refresh_from_db()
    exported_at = run.exported_at

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        # A session lasts a working day: sign in again three days later.
        client = client_as(finance_user)
        assert client.post(url).content == first
        assert client.get(url).content == first

    run.refresh_from_db()
    assert (run.status, run.exported_at) == (PaymentRunStatus.EXPORTED, exported_at)
    assert AuditEvent.objects.filter(verb="payment_run_exported").count() == 1


def test_a_paid_runs_file_carries_the_payment_date(client_as, finance_user, approved_run):
    run = approved_run["run"]
    services.export_payment_run(run=run, actor=finance_user)
    services.mark_payment_run_paid(run=run, actor=finance_user, paid_on=timezone.localdate(),
                                   reference="BACS-1")
    services.export_payment_run(run=run, actor=finance_user)  # still idempotent when paid

    rows = read_csv(client_as(finance_user).get(
        reverse("payments:run_payment_file", args=[run.pk])
    ))
    assert {row[5] for row in rows[1:]} == {f"{timezone.localdate():%d/%m/%Y}"}


def test_a_draft_run_has_no_payment_file(client_as, finance_user):
    payable("10.00")
    run = services.create_payment_run(actor=finance_user)
    client = client_as(finance_user)

    response = client.get(reverse("payments:run_payment_file", args=[run.pk]))
    assert response.status_code == 200
    assert "Approve the run, then use the button" in response.content.decode()
    response = client.post(reverse("payments:run_payment_file", args=[run.pk]))
    assert "Only an approved payment run can be exported." in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT


def test_an_administrator_may_not_export_a_run_by_downloading(client_as, make_user,
                                                              approved_run):
    run = approved_run["run"]
    response = client_as(make_user(Role.ADMINISTRATOR)).post(
        reverse("payments:run_payment_file", args=[run.pk])
    )
    assert "Only finance staff manage payments." in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","y")', "+44 1234", "-2+3", "@SUM(A1:A2)", "\tTab", "\rCR"]
)
def test_payment_file_text_that_looks_like_a_formula_is_made_text(
    client_as, finance_user, second_finance_user, name
):
    organisation = OrganisationFactory(name=name, bank_account_name=name)
    programme = ProgrammeFactory(cost_centre="=1+1", gl_code="@A1")
    payable("10.00", instalment__award__application__organisation=organisation,
             instalment__award__application__round__programme=programme)
    run = services.create_payment_run(actor=finance_user)
    services.approve_payment_run(run=run, actor=second_finance_user)

    rows = read_csv(client_as(finance_user).post(
        reverse("payments:run_payment_file", args=[run.pk])
    ))
    row = dict(zip(rows[0], rows[1], strict=True))

    assert row["Supplier name"] == f"'{name}"
    assert row["Bank account name"] == f"'{name}"
    assert row["Cost centre"] == "'=1+1"
    assert row["GL code"] == "'@A1"
    assert row["Amount"] == "10.00"


def test_run_page_offers_the_payment_file_and_the_runs_ledger(
    client_as, second_finance_user, approved_run
):
    run = approved_run["run"]
    client = client_as(second_finance_user)
    html = client.get(reverse("payments:run_detail", args=[run.pk])).content.decode()
    assert "Download payment file (CSV)" in html
    assert f'action="{reverse("payments:run_payment_file", args=[run.pk])}"' in html
    assert reverse("payments:run_ledger", args=[run.pk]) in html

    response = client.get(reverse("payments:run_ledger", args=[run.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[
        "Award ledger"
    ]
    references = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert references == ["Grant reference", "SCG-2026-00001", "SCG-2026-00002",
                          "Total (2 awards)"]


def test_the_runs_ledger_holds_only_the_awards_it_pays(client_as, finance_user, approved_run):
    payable("5.00", instalment__award__application__reference="SCG-2026-00099")
    other = services.create_payment_run(actor=finance_user)

    response = client_as(finance_user).get(reverse("payments:run_ledger", args=[other.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[
        "Award ledger"
    ]
    assert [row[0] for row in sheet.iter_rows(values_only=True)][1:-1] == ["SCG-2026-00099"]
