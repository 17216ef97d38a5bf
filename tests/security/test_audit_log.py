"""The audit log viewer: administrators only, filtered, paginated, constant queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from accounts.services import record_audit_event
from tests.applicants.factories import OrganisationFactory

URL = reverse("accounts:audit_log")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMINISTRATOR, email="admin@example.org")


def event(actor, verb, subject, at):
    row = record_audit_event(actor=actor, verb=verb, subject=subject, from_state="a", to_state="b")
    row.at = at
    row.save(update_fields=["at"])
    return row


@pytest.fixture
def history(make_user):
    alice = make_user(Role.FINANCE, email="alice@example.org")
    bob = make_user(Role.GRANT_OFFICER, email="bob@example.org")
    organisation = OrganisationFactory(name="Wigston Lunch Club")
    event(alice, "bank_details_viewed", organisation, datetime(2026, 3, 1, 10, tzinfo=UTC))
    event(bob, "application_screened", organisation, datetime(2026, 4, 2, 10, tzinfo=UTC))
    event(bob, "role_granted", alice, datetime(2026, 5, 3, 10, tzinfo=UTC))
    return {"alice": alice, "bob": bob, "organisation": organisation}


def rows(response):
    return response.content.decode().count('<tr class="govuk-table__row">') - 1


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.ASSESSOR, Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE]
)
def test_only_administrators_may_read_the_log(client_as, make_user, role):
    assert client_as(make_user(role)).get(URL).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_log_lists_every_event_newest_first(client_as, admin, history):
    html = client_as(admin).get(URL).content.decode()
    assert "3 events, newest first" in html
    html = html[html.index('id="audit-events"'):]
    assert html.index("role_granted") < html.index("application_screened") < html.index("bank_details_viewed")
    assert "alice@example.org" in html and "Wigston Lunch Club" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"actor": "bob@"}, 2),
        ({"actor": "ALICE"}, 1),
        ({"verb": "bank_details_viewed"}, 1),
        ({"from_date": "1/4/2026"}, 2),
        ({"from_date": "2026-04-01", "to_date": "30/04/2026"}, 1),
        ({"actor": "bob", "verb": "role_granted"}, 1),
    ],
)
def test_filters_narrow_the_log(client_as, admin, history, query, expected):
    response = client_as(admin).get(URL, query)
    assert response.status_code == 200
    assert f"{expected} event{'s' if expected != 1 else ''}, newest first" in response.content.decode()


def test_filtering_by_type_of_record(client_as, admin, history):
    from django.contrib.contenttypes.models import ContentType

    organisation_type = ContentType.objects.get(app_label="applicants", model="organisation")
    html = client_as(admin).get(URL, {"object_type": organisation_type.pk}).content.decode()
    assert "2 events, newest first" in html and "role_granted</td>" not in html


@pytest.mark.parametrize(
    "query,message",
    [
        ({"from_date": "31/2/2026"}, "Enter a real date, like 27/03/2026"),
        ({"from_date": "2/5/2026", "to_date": "1/5/2026"}, "must be the same as or after"),
        ({"object_type": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_filter_gets_a_clear_message_not_the_whole_log(client_as, admin, history, query, message):
    response = client_as(admin).get(URL, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert "<title>Error: Audit log" in html
    assert "0 events" in html


def test_filters_are_kept_when_moving_between_pages(client_as, admin, history, monkeypatch):
    from accounts import views

    monkeypatch.setattr(views.AuditLogView, "paginate_by", 1)
    html = client_as(admin).get(URL, {"actor": "bob"}).content.decode()
    assert "?actor=bob&amp;page=2" in html


def test_html_in_a_record_is_shown_as_text(client_as, admin, make_user):
    organisation = OrganisationFactory(name="<script>alert(1)</script> Club")
    event(admin, "organisation_updated", organisation, datetime(2026, 1, 1, tzinfo=UTC))
    html = client_as(admin).get(URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_the_number_of_queries_does_not_grow_with_the_rows(client_as, admin, make_user):
    client = client_as(admin)
    organisation = OrganisationFactory()

    def queries_for(extra):
        for n in range(extra):
            event(make_user(Role.FINANCE), f"verb_{n % 3}", organisation, datetime(2026, 1, 1, tzinfo=UTC))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    assert queries_for(3) == queries_for(30)
