"""Subject access: an administrator downloads everything held about a person; nobody else can."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import record_audit_event
from notifications.models import Notification
from tests.applicants.factories import MembershipFactory, OrganisationFactory
from tests.grants.factories import ApplicationFactory

URL = reverse("accounts:subject_access")


@pytest.fixture
def person(db):
    """An applicant with an organisation, an application, a message and an audit trail."""
    membership = MembershipFactory(
        user__email="sam.volunteer@example.org",
        user__full_name="Sam Volunteer",
        user__phone="01162 496000",
        organisation__name="Oadby Wellbeing Walks",
        organisation__bank_account_number="12345678",
    )
    user, organisation = membership.user, membership.organisation
    ApplicationFactory(organisation=organisation, title="Walks for carers", created_by=user)
    ApplicationFactory(title="Someone else's project")
    Notification.objects.create(
        kind="bank_details_changed", recipient=user, to_email=user.email, idempotency_key="sar-test",
        subject="Your organisation's bank details have changed", body_text="Account ending: 678",
    )
    record_audit_event(actor=user, verb="organisation_updated", subject=organisation)
    other = OrganisationFactory(name="Unrelated Group")
    record_audit_event(actor=None, verb="organisation_updated", subject=other)
    return user


def test_an_administrator_downloads_everything_held_about_the_person(client_as, make_user, person):
    admin = make_user(Role.ADMINISTRATOR)
    response = client_as(admin).post(URL, {"email": "  Sam.Volunteer@example.org "})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    data = json.loads(response.content)

    assert data["account"]["email"] == "sam.volunteer@example.org"
    assert data["account"]["full_name"] == "Sam Volunteer"
    assert data["account"]["phone"] == "01162 496000"
    assert data["account"]["roles"] == ["applicant"]
    assert [m["organisation"] for m in data["memberships"]] == ["Oadby Wellbeing Walks"]
    assert data["organisations"][0]["bank_account_number"] == "*****678"
    assert [a["title"] for a in data["applications"]] == ["Walks for carers"]
    assert [m["kind"] for m in data["messages_sent_to_them"]] == ["bank_details_changed"]
    assert [e["what"] for e in data["audit_events_by_them"]] == ["organisation_updated"]
    text = response.content.decode()
    assert "12345678" not in text and "Unrelated Group" not in text
    assert "Someone else" not in text

    exported = AuditEvent.objects.get(verb="subject_access_exported")
    assert exported.actor == admin and exported.object_id == str(person.pk)
    assert exported.data["sections"]["applications"] == 1


def test_an_unknown_address_gets_a_clear_message(client_as, make_user, db):
    response = client_as(make_user(Role.ADMINISTRATOR)).post(URL, {"email": "nobody@example.org"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No account uses this email address" in html and "There is a problem" in html
    assert 'value="nobody@example.org"' in html
    assert not AuditEvent.objects.filter(verb="subject_access_exported").exists()


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.ASSESSOR, Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE]
)
def test_everyone_but_administrators_is_refused(client_as, make_user, person, role):
    client = client_as(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"email": person.email}).status_code == 403
    assert not AuditEvent.objects.filter(verb="subject_access_exported").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, person):
    response = client.post(URL, {"email": person.email})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_command_exports_the_same_data_and_is_audited(person, tmp_path, capsys):
    output = tmp_path / "sar.json"
    call_command("export_subject_data", email="SAM.volunteer@example.org", output=str(output))
    data = json.loads(output.read_text())
    assert data["account"]["email"] == "sam.volunteer@example.org"
    assert [a["title"] for a in data["applications"]] == ["Walks for carers"]
    assert AuditEvent.objects.get(verb="subject_access_exported").actor is None


def test_the_command_refuses_an_unknown_address(db):
    with pytest.raises(CommandError, match="No account uses the email address x@example.org"):
        call_command("export_subject_data", email="x@example.org")


def test_the_command_exports_everything_held_about_an_organisation(person, capsys):
    organisation = person.memberships.get().organisation
    call_command("export_subject_data", organisation=organisation.pk)
    data = json.loads(capsys.readouterr().out)
    assert data["organisation"]["name"] == "Oadby Wellbeing Walks"
    assert data["organisation"]["bank_account_number"] == "*****678"
    assert [m["email"] for m in data["members"]] == ["sam.volunteer@example.org"]
    assert [a["title"] for a in data["applications"]] == ["Walks for carers"]
    assert data["applications"][0]["budget"]
    assert "organisation_updated" in [e["what"] for e in data["audit_events"]]
    assert "Unrelated Group" not in json.dumps(data) and "12345678" not in json.dumps(data)
    exported = AuditEvent.objects.get(verb="organisation_data_exported")
    assert exported.actor is None and exported.object_id == str(organisation.pk)


def test_the_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="There is no organisation number 999999"):
        call_command("export_subject_data", organisation=999999)
