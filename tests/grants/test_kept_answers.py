"""A section posted after the session has run out is kept, and put back after signing in."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import TEST_PASSWORD
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory

KEPT = "We kept what you typed. Check it and save."


@pytest.fixture
def member(db):
    return MembershipFactory(user__email="volunteer@example.org")


@pytest.fixture
def draft(member):
    return ApplicationFactory(organisation=member.organisation, title="Old title", summary="Old")


def signed_in_browser(email) -> Client:
    """A client that signs in through the real sign-in page and checks CSRF like a browser."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, email)
    return client


def sign_in(client, email, next_url=""):
    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login") + (f"?next={next_url}" if next_url else ""),
        {
            "login": email,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def let_the_session_expire(client):
    Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).delete()


def post_section(client, url, data):
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_answers_posted_after_the_session_ran_out_are_put_back_after_signing_in(draft):
    browser = signed_in_browser("volunteer@example.org")
    url = reverse("grants:section_project", args=[draft.pk])
    browser.get(url)
    let_the_session_expire(browser)

    response = post_section(
        browser, url, {"title": "A new title", "summary": "Three hours of typing", "continue": ""}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    draft.refresh_from_db()
    assert draft.title == "Old title"  # nothing saved while signed out

    login_page = browser.get(response.url).content.decode()
    assert "Sign in and we will put back what you typed" in login_page
    response = sign_in(browser, "volunteer@example.org", next_url=url)
    assert response.url == url
    page = browser.get(url).content.decode()
    assert KEPT in page
    assert 'value="A new title"' in page
    assert "Three hours of typing" in page
    draft.refresh_from_db()
    assert draft.title == "Old title"  # put back in the form, not saved until they press Save

    post_section(
        browser, url, {"title": "A new title", "summary": "Three hours of typing", "continue": ""}
    )
    draft.refresh_from_db()
    assert draft.title == "A new title" and draft.summary == "Three hours of typing"
    assert KEPT not in browser.get(url).content.decode()  # put back once only


def test_a_kept_budget_comes_back_with_all_its_rows(member):
    draft = ApplicationFactory(organisation=member.organisation, budget_lines=[])
    browser = signed_in_browser("volunteer@example.org")
    url = reverse("grants:section_budget", args=[draft.pk])
    let_the_session_expire(browser)
    data = {"amount_requested": "900", "continue": ""}
    for index in range(5):
        data |= {f"item_{index}": f"Thing {index}", f"cost_{index}": "180"}
    post_section(browser, url, data)
    sign_in(browser, "volunteer@example.org", next_url=url)
    page = browser.get(url).content.decode()
    assert KEPT in page
    assert 'value="Thing 4"' in page
    assert draft.budget_lines.count() == 0


def test_someone_else_signing_in_on_the_same_browser_does_not_see_them(draft):
    browser = signed_in_browser("volunteer@example.org")
    url = reverse("grants:section_project", args=[draft.pk])
    let_the_session_expire(browser)
    post_section(browser, url, {"title": "Private words", "continue": ""})
    stranger = MembershipFactory(user__email="stranger@example.org")
    sign_in(browser, stranger.user.email, next_url=url)
    response = browser.get(url)
    assert response.status_code == 404
    assert "Private words" not in response.content.decode()


def test_kept_answers_are_dropped_after_a_day(draft):
    browser = signed_in_browser("volunteer@example.org")
    url = reverse("grants:section_project", args=[draft.pk])
    let_the_session_expire(browser)
    post_section(browser, url, {"title": "Yesterday's words", "continue": ""})
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        sign_in(browser, "volunteer@example.org", next_url=url)
        page = browser.get(url).content.decode()
    assert KEPT not in page and "Yesterday&#x27;s words" not in page


def test_a_post_with_nothing_typed_keeps_nothing(draft, client):
    url = reverse("grants:section_project", args=[draft.pk])
    response = client.post(url, {"continue": ""})
    assert response.url.startswith(reverse("account_login"))
    assert "grants_kept_answers" not in client.session
