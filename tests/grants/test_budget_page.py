"""The budget page: lines that add up to the amount, rows added and removed without JavaScript."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    return ApplicationFactory(
        organisation=member.organisation, amount_requested=Decimal("4000"), budget_lines=[]
    )


def url(application, **query):
    base = reverse("grants:section_budget", args=[application.pk])
    return f"{base}?rows={query['rows']}" if query else base


def lines(application):
    return [(line.item, line.amount) for line in application.budget_lines.all()]


def test_lines_that_add_up_are_saved_in_order_and_blank_rows_ignored(member, draft, client_as):
    response = client_as(member.user).post(
        url(draft),
        {
            "amount_requested": "£4,000",
            "item_0": "Chairs",
            "cost_0": "£1,500.50",
            "item_1": "",
            "cost_1": "",
            "item_2": "Tables",
            "cost_2": "2499.50",
            "continue": "",
        },
    )
    assert response.url == reverse("grants:task_list", args=[draft.pk])
    assert lines(draft) == [("Chairs", Decimal("1500.50")), ("Tables", Decimal("2499.50"))]


def test_lines_that_do_not_add_up_are_saved_and_both_totals_are_given(member, draft, client_as):
    response = client_as(member.user).post(
        url(draft),
        {"amount_requested": "4000", "item_0": "Chairs", "cost_0": "3500", "continue": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Budget" in page
    assert (
        "Your budget lines add up to £3,500.00 but you are asking for £4,000.00: change the "
        "lines or the amount so that they match" in page
    )
    assert 'href="#id_amount_requested"' in page
    assert "Your answers have been saved, but the budget is not finished yet." in page
    assert lines(draft) == [("Chairs", Decimal("3500"))]


def test_save_and_come_back_later_keeps_an_unfinished_budget(member, draft, client_as):
    response = client_as(member.user).post(
        url(draft),
        {"amount_requested": "4000", "item_0": "Chairs", "cost_0": "100", "save_and_return": ""},
    )
    assert response.url == reverse("grants:dashboard")
    assert lines(draft) == [("Chairs", Decimal("100"))]


def test_add_another_line_saves_and_shows_one_more_row(member, draft, client_as):
    client = client_as(member.user)
    response = client.post(
        url(draft),
        {
            "amount_requested": "4000",
            "item_0": "Chairs",
            "cost_0": "1000",
            "item_1": "",
            "cost_1": "",
            "item_2": "",
            "cost_2": "",
            "add_line": "",
        },
    )
    assert response.url == url(draft, rows=4)
    assert lines(draft) == [("Chairs", Decimal("1000"))]
    page = client.get(response.url).content.decode()
    assert 'name="item_3"' in page and 'name="item_4"' not in page
    assert "Budget line 4" in page


def test_remove_takes_out_that_line_and_keeps_the_others(member, draft, client_as):
    client = client_as(member.user)
    response = client.post(
        url(draft),
        {
            "amount_requested": "4000",
            "item_0": "Chairs",
            "cost_0": "1000",
            "item_1": "Tables",
            "cost_1": "3000",
            "item_2": "Cups",
            "cost_2": "50",
            "remove": "2",
        },
    )
    assert response.url == url(draft, rows=2)
    assert lines(draft) == [("Chairs", Decimal("1000")), ("Tables", Decimal("3000"))]


def test_a_line_with_an_item_but_no_cost_is_refused_and_nothing_is_lost(member, draft, client_as):
    response = client_as(member.user).post(
        url(draft),
        {"amount_requested": "4000", "item_0": "Chairs", "cost_0": "", "continue": ""},
    )
    page = response.content.decode()
    assert "Enter the cost of item 1" in page
    assert 'href="#id_cost_0"' in page
    assert 'value="Chairs"' in page
    assert lines(draft) == []


def test_a_cost_without_an_item_is_refused(member, draft, client_as):
    response = client_as(member.user).post(
        url(draft), {"amount_requested": "4000", "cost_0": "10", "continue": ""}
    )
    assert "Say what item 1 is" in response.content.decode()


@pytest.mark.parametrize(
    "typed,message",
    [
        ("twelve", "Enter the cost of item 1 in pounds and pence, like 1200 or 1200.50"),
        ("1.234", "Enter the cost of item 1 to the nearest penny"),
        ("-5", "Enter the cost of item 1 of £0 or more"),
    ],
)
def test_costs_that_make_no_sense_say_what_to_type(member, draft, client_as, typed, message):
    response = client_as(member.user).post(
        url(draft), {"item_0": "Chairs", "cost_0": typed, "continue": ""}
    )
    assert message in response.content.decode()


def test_the_page_shows_saved_lines_and_at_least_three_rows(member, client_as):
    draft = ApplicationFactory(
        organisation=member.organisation,
        amount_requested=Decimal("4000"),
        budget_lines=[("Chairs", Decimal("1000")), ("Tables", Decimal("3000"))],
    )
    page = client_as(member.user).get(url(draft)).content.decode()
    assert 'value="Chairs"' in page and 'value="Tables"' in page
    assert 'name="item_2"' in page and 'name="item_3"' not in page
    assert "2 budget lines adding up to <strong>£4,000.00</strong>" in page


def test_pressing_enter_saves_rather_than_removing_the_first_line(member, draft, client_as):
    page = client_as(member.user).get(url(draft)).content.decode()
    main = page[page.index('id="main-content"') :]
    first_button = main[main.index("<form") :].split("<button", 2)[1]
    assert 'name="continue"' in first_button


def test_no_more_than_fifty_lines_are_read(member, draft, client_as):
    data = {"amount_requested": "60", "continue": ""}
    for index in range(60):
        data[f"item_{index}"] = f"Item {index}"
        data[f"cost_{index}"] = "1"
    response = client_as(member.user).post(url(draft), data)
    assert response.status_code == 200
    assert draft.budget_lines.count() == 50
