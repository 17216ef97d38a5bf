"""
The administrators' People pages: the list, a person's roles, adding a
staff member and deactivating an account, as an administrator sees them.
"""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import Role, role_names

pytestmark = pytest.mark.django_db

PEOPLE = reverse("accounts:people")
ADD = reverse("accounts:add_staff_member")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMINISTRATOR, email="ada@example.org", full_name="Ada Admin")


@pytest.fixture
def client(client_as, admin):
    return client_as(admin)


def html_of(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The text of each body cell of the table, row by row."""
    table = html[html.index(f'id="{table_id}"'):]
    body = table[table.index("<tbody"):table.index("</tbody>")]
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def error_summary(html: str) -> list[str]:
    if "govuk-error-summary" not in html:
        return []
    summary = html[html.index("govuk-error-summary"):]
    summary = summary[:summary.index("</ul>")]
    return [text(item) for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]


def banner(html: str) -> str:
    found = re.findall(r'class="govuk-notification-banner__heading">(.*?)</p>', html, re.S)
    return " ".join(" ".join(text.split()) for text in found)


def checked_roles(html: str) -> set[str]:
    inputs = re.findall(r"<input([^>]*)>", html)
    return {
        re.search(r'value="(\w+)"', attributes).group(1)
        for attributes in inputs
        if 'name="roles"' in attributes and "checked" in attributes
    }


# --- The list ---------------------------------------------------------------------


@pytest.fixture
def staff(make_user):
    sam = make_user(Role.ASSESSOR, Role.FINANCE, email="sam.scorer@example.org", full_name="Sam Scorer")
    sam.last_login = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    sam.save(update_fields=["last_login"])
    gone = make_user(Role.APPROVER, email="gone@example.org", full_name="Gil Gone", is_active=False)
    applicant = make_user(Role.APPLICANT, email="zoe@lunchclub.example", full_name="Zoe Applicant")
    return {"sam": sam, "gone": gone, "applicant": applicant}


def test_the_list_shows_name_email_roles_last_sign_in_and_status(client, staff):
    html = html_of(client.get(PEOPLE))
    assert "4 people" in html
    rows = table_rows(html, "people")
    # Ada signed in for this test: her last sign-in is now.
    assert rows[0][3] != "Never"
    rows[0][3] = "today"
    assert rows == [
        ["Ada Admin (you)", "ada@example.org", "Administrator", "today", "Active"],
        ["Gil Gone", "gone@example.org", "Approver", "Never", "Inactive"],
        ["Sam Scorer", "sam.scorer@example.org", "Assessor Finance", "4 May 2026 10:30", "Active"],
        ["Zoe Applicant", "zoe@lunchclub.example", "Applicant", "Never", "Active"],
    ]
    assert f'href="{reverse("accounts:person", args=[staff["sam"].pk])}"' in html


@pytest.mark.parametrize(
    "query,names",
    [
        ({"q": "scorer"}, ["Sam Scorer"]),
        ({"q": "LUNCHCLUB"}, ["Zoe Applicant"]),
        ({"q": "sam example"}, ["Sam Scorer"]),
        ({"role": "approver"}, ["Gil Gone"]),
        ({"role": "finance"}, ["Sam Scorer"]),
        ({"status": "inactive"}, ["Gil Gone"]),
        ({"status": "active", "role": "approver"}, []),
        ({"q": "nobody-like-this"}, []),
    ],
)
def test_people_are_found_by_name_or_email_role_and_status(client, staff, query, names):
    html = html_of(client.get(PEOPLE, query))
    found = [row[0] for row in table_rows(html, "people") if len(row) > 1]
    assert found == names
    if not names:
        assert "Nobody matches these filters." in html


def test_a_filter_value_not_on_the_list_is_explained(client, staff):
    html = html_of(client.get(PEOPLE, {"role": "superhero"}))
    assert error_summary(html) == ["Choose from the list"]
    assert "Nobody matches these filters." in html


def test_the_list_has_pages_of_50_that_keep_the_filters(client, make_user):
    for number in range(55):
        make_user(Role.ASSESSOR, email=f"scorer{number:02}@example.org", full_name=f"Scorer {number:02}")
    html = html_of(client.get(PEOPLE, {"role": "assessor"}))
    assert "55 people found" in html and len(table_rows(html, "people")) == 50
    assert "?role=assessor&amp;page=2" in html
    html = html_of(client.get(PEOPLE, {"role": "assessor", "page": 2}))
    assert [row[0] for row in table_rows(html, "people")] == [f"Scorer {n}" for n in range(50, 55)]


def test_only_administrators_see_people_in_the_header(client, client_as, make_user):
    nav = re.compile(
        r'class="govuk-service-navigation__link" href="([^"]+)"[^>]*>\s*(?:<strong[^>]*>)?People'
    )
    assert nav.findall(html_of(client.get(reverse("accounts:audit_log")))) == [PEOPLE]
    assert nav.findall(html_of(client.get(PEOPLE)))  # and marked as the current page there
    assert 'aria-current="page"' in html_of(client.get(PEOPLE)).split(f'href="{PEOPLE}"')[1][:40]
    for role in [Role.GRANT_OFFICER, Role.FINANCE]:
        html = html_of(client_as(make_user(role)).get(reverse("grants:search")))
        assert PEOPLE not in html


# --- A person's roles --------------------------------------------------------------


def test_an_administrator_gives_someone_the_assessor_role(client, admin, staff):
    person = staff["applicant"]
    url = reverse("accounts:person", args=[person.pk])
    html = html_of(client.get(url))
    assert "<h1" in html and "Zoe Applicant" in html
    assert checked_roles(html) == {"applicant"}

    response = client.post(url, {"roles": ["applicant", "assessor"]})
    assert response.status_code == 302 and response["Location"] == url
    assert role_names(User.objects.get(pk=person.pk)) == {"applicant", "assessor"}
    html = html_of(client.get(url))
    assert banner(html) == "Roles saved for Zoe Applicant: added assessor."
    assert checked_roles(html) == {"applicant", "assessor"}
    changes = table_rows(html, "account-changes")
    assert changes[0][1:] == ["ada@example.org", "Role granted: assessor"]


def test_adding_and_removing_roles_says_both(client, staff):
    url = reverse("accounts:person", args=[staff["sam"].pk])
    client.post(url, {"roles": ["grant_officer", "approver"]})
    assert banner(html_of(client.get(url))) == (
        "Roles saved for Sam Scorer: added grant officer and approver; removed assessor and finance."
    )


def test_removing_your_own_administrator_role_is_refused_and_keeps_the_ticks(client, admin, make_user):
    make_user(Role.ADMINISTRATOR)
    url = reverse("accounts:person", args=[admin.pk])
    response = client.post(url, {"roles": ["finance"]})
    assert response.status_code == 200
    html = html_of(response)
    message = "You cannot remove your own administrator role. Ask another administrator to do it."
    assert error_summary(html) == [message]
    assert html.count(message) == 2  # in the summary and beside the checkboxes
    assert html_of(response).startswith("<!DOCTYPE html>") and "<title>Error:" in html
    assert checked_roles(html) == {"finance"}
    assert role_names(User.objects.get(pk=admin.pk)) == {"administrator"}


def test_changing_roles_needs_a_recent_sign_in(client_as, admin, staff):
    url = reverse("accounts:person", args=[staff["applicant"].pk])
    response = client_as(admin, confirmed=False).post(url, {"roles": ["administrator"]})
    assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
    assert role_names(User.objects.get(pk=staff["applicant"].pk)) == {"applicant"}


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.GRANT_OFFICER, Role.FINANCE])
def test_others_may_not_post_roles(client_as, make_user, staff, role):
    url = reverse("accounts:person", args=[staff["applicant"].pk])
    assert client_as(make_user(role)).post(url, {"roles": ["administrator"]}).status_code == 403
    assert role_names(User.objects.get(pk=staff["applicant"].pk)) == {"applicant"}


def test_an_unknown_person_is_not_found(client):
    assert client.get(reverse("accounts:person", args=[999999])).status_code == 404


# --- Adding a staff member -----------------------------------------------------------


def test_adding_a_staff_member(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD, {"full_name": "Nia Officer", "email": "nia@leics.example", "roles": ["grant_officer"]}
        )
    person = User.objects.get(email="nia@leics.example")
    assert response["Location"] == reverse("accounts:person", args=[person.pk])
    html = html_of(client.get(response["Location"]))
    assert banner(html) == (
        "Nia Officer has been added. We have emailed nia@leics.example a link to set their password."
    )
    assert "Never: they have not set a password yet" in html
    [message] = mail.outbox
    assert message.to == ["nia@leics.example"]


def test_a_duplicate_email_is_explained_and_everything_typed_is_kept(client, staff):
    response = client.post(
        ADD, {"full_name": "Sam Again", "email": "Sam.Scorer@example.org", "roles": ["finance", "approver"]}
    )
    assert response.status_code == 200
    html = html_of(response)
    assert error_summary(html) == [
        "sam.scorer@example.org already has an account. Find them in People to change their roles."
    ]
    assert 'value="Sam Again"' in html and 'value="Sam.Scorer@example.org"' in html
    assert checked_roles(html) == {"finance", "approver"}
    assert User.objects.filter(email__iexact="sam.scorer@example.org").count() == 1


def test_an_empty_form_says_what_to_enter(client):
    html = html_of(client.post(ADD, {}))
    assert error_summary(html) == [
        "Enter their full name", "Enter their email address", "Choose at least one role"
    ]
    html = html_of(client.post(ADD, {"full_name": "<b>Bo</b>", "email": "not-an-email", "roles": ["x"]}))
    assert error_summary(html) == [
        "Enter an email address in the correct format, like name@example.com",
        "Choose roles from the list",
    ]
    assert "&lt;b&gt;Bo&lt;/b&gt;" in html and "<b>Bo</b>" not in html


def test_the_applicant_role_is_not_offered_for_new_staff(client):
    html = html_of(client.get(ADD))
    assert 'value="assessor"' in html and 'value="applicant"' not in html


# --- Deactivating and reactivating ---------------------------------------------------


def test_deactivating_asks_first_then_the_person_cannot_sign_in(client, staff):
    sam = staff["sam"]
    url = reverse("accounts:deactivate_person", args=[sam.pk])
    html = html_of(client.get(url))
    assert "Deactivate this account?" in html and "Sam Scorer will not be able to sign in" in html
    assert User.objects.get(pk=sam.pk).is_active  # nothing happens until confirmed

    response = client.post(url)
    assert response["Location"] == reverse("accounts:person", args=[sam.pk])
    html = html_of(client.get(response["Location"]))
    assert banner(html) == "Sam Scorer’s account has been deactivated. They cannot sign in."
    assert "This account is deactivated" in html and "Reactivate account" in html
    assert not User.objects.get(pk=sam.pk).is_active
    assert AuditEvent.objects.filter(verb="user_deactivated", object_id=str(sam.pk)).count() == 1

    client.post(reverse("accounts:reactivate_person", args=[sam.pk]))
    assert User.objects.get(pk=sam.pk).is_active


def test_your_own_account_cannot_be_deactivated(client, admin, make_user):
    make_user(Role.ADMINISTRATOR)
    url = reverse("accounts:deactivate_person", args=[admin.pk])
    html = html_of(client.get(url))
    assert "You cannot deactivate your own account. Ask another administrator to do it." in html
    assert 'type="submit"' not in html.split('id="main-content"')[1]
    response = client.post(url)
    html = html_of(client.get(response["Location"]))
    assert banner(html) == "You cannot deactivate your own account. Ask another administrator to do it."
    assert User.objects.get(pk=admin.pk).is_active
