"""The header shows each role its own pages and marks the current one."""

import re

from accounts.roles import Role


def current_links(page: str) -> list[str]:
    """The text of every link marked as the current page."""
    links = re.findall(r'aria-current="page"[^>]*>(.*?)</a>', page, flags=re.S)
    return [re.sub(r"<[^>]+>", "", link).strip() for link in links]


def test_finance_sees_finance_links_and_one_current_page(make_user, client_as):
    client = client_as(make_user(Role.FINANCE))
    page = client.get("/finance/runs/").content.decode()
    assert "Payment runs" in page and "Your applications" not in page
    assert current_links(page) == ["Payment runs"]
    assert current_links(client.get("/finance/").content.decode()) == ["Finance"]


def test_an_applicant_sees_no_staff_links(make_user, client_as):
    page = client_as(make_user(Role.APPLICANT)).get("/applications/").content.decode()
    assert "Your applications" in page
    for staff_link in ["Payment runs", "Scoring", "Decisions"]:
        assert staff_link not in page
