"""
Administrators manage people: roles granted and revoked, accounts
deactivated and reactivated, staff added. Every change is audited, and
the service never leaves it without an active administrator.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import Role, has_role, role_names
from accounts.services import (
    add_staff_member,
    deactivate_user,
    deactivation_problem,
    reactivate_user,
    set_roles,
)
from notifications.models import Notification
from tests.accounts.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-password-77"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMINISTRATOR, email="ada@example.org", full_name="Ada Admin")


@pytest.fixture
def second_admin(make_user):
    return make_user(Role.ADMINISTRATOR, email="bea@example.org", full_name="Bea Admin")


def fresh(user) -> User:
    """The user as stored now, without the cached roles of the object passed in."""
    return User.objects.get(pk=user.pk)


def audit_rows(user) -> list[tuple]:
    return [
        (event.verb, event.actor_id, event.data.get("role", ""), event.from_state, event.to_state)
        for event in AuditEvent.objects.filter(object_id=str(user.pk)).order_by("pk")
        if event.content_type.model == "user"
    ]


def signs_in(email, password=TEST_PASSWORD) -> bool:
    client = Client()
    client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session


# --- Roles ----------------------------------------------------------------------


def test_set_roles_grants_and_revokes_with_one_audit_row_for_each_change(make_user, admin):
    person = make_user(Role.APPLICANT, Role.FINANCE)
    before = len(audit_rows(person))

    changes = set_roles(user=person, roles=["applicant", "assessor", "approver"], actor=admin)

    assert changes.granted == [Role.ASSESSOR, Role.APPROVER]
    assert changes.revoked == [Role.FINANCE]
    assert role_names(fresh(person)) == {"applicant", "assessor", "approver"}
    assert audit_rows(person)[before:] == [
        ("role_granted", admin.pk, "assessor", "", ""),
        ("role_granted", admin.pk, "approver", "", ""),
        ("role_revoked", admin.pk, "finance", "", ""),
    ]


def test_setting_the_same_roles_changes_nothing_and_audits_nothing(make_user, admin):
    person = make_user(Role.GRANT_OFFICER)
    before = AuditEvent.objects.count()
    changes = set_roles(user=person, roles=[Role.GRANT_OFFICER], actor=admin)
    assert not changes
    assert AuditEvent.objects.count() == before


def test_the_administrator_role_brings_the_django_admin_and_takes_it_away(make_user, admin):
    person = make_user(Role.GRANT_OFFICER)
    set_roles(user=person, roles=["grant_officer", "administrator"], actor=admin)
    assert fresh(person).is_staff

    person.is_superuser = True  # as the demo's administrator is
    person.save(update_fields=["is_superuser"])
    set_roles(user=person, roles=["grant_officer"], actor=admin)
    person = fresh(person)
    assert not person.is_staff and not person.is_superuser
    assert role_names(person) == {"grant_officer"}


def test_an_administrator_cannot_remove_their_own_administrator_role(admin, second_admin):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        set_roles(user=admin, roles=["finance"], actor=admin)
    assert refused.value.messages == [
        "You cannot remove your own administrator role. Ask another administrator to do it."
    ]
    assert has_role(fresh(admin), Role.ADMINISTRATOR) and not has_role(fresh(admin), Role.FINANCE)
    assert AuditEvent.objects.count() == before


def test_the_last_active_administrator_keeps_the_role(admin, make_user):
    # Another administrator whose account is deactivated does not count.
    make_user(Role.ADMINISTRATOR, is_active=False)
    with pytest.raises(ValidationError) as refused:
        set_roles(user=admin, roles=[], actor=admin)
    assert refused.value.messages == [
        "You are the only active administrator, so the administrator role cannot be removed. "
        "Give someone else the administrator role first."
    ]
    assert has_role(fresh(admin), Role.ADMINISTRATOR)


def test_another_administrator_may_remove_the_administrator_role(admin, second_admin):
    set_roles(user=second_admin, roles=["approver"], actor=admin)
    assert role_names(fresh(second_admin)) == {"approver"}


def test_an_administrator_whose_role_was_just_removed_can_change_nothing(admin, second_admin):
    # Bea's page was open (her roles cached on her request's user) when Ada
    # removed her administrator role: her save must not remove Ada's.
    assert has_role(second_admin, Role.ADMINISTRATOR)
    set_roles(user=second_admin, roles=[], actor=admin)
    with pytest.raises(PermissionDenied):
        set_roles(user=admin, roles=[], actor=second_admin)
    assert has_role(fresh(admin), Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.ASSESSOR, Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE]
)
def test_only_administrators_may_change_roles(make_user, role):
    actor = make_user(role)
    person = make_user(Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        set_roles(user=person, roles=["administrator"], actor=actor)
    assert not has_role(fresh(person), Role.ADMINISTRATOR)


def test_a_role_that_does_not_exist_is_refused(make_user, admin):
    person = make_user(Role.APPLICANT)
    with pytest.raises(ValidationError, match="Choose roles from the list"):
        set_roles(user=person, roles=["superhero"], actor=admin)


# --- Deactivating and reactivating -----------------------------------------------


def test_a_deactivated_person_cannot_sign_in_until_reactivated(make_user, admin):
    person = make_user(Role.ASSESSOR, email="sam@example.org")
    assert signs_in("sam@example.org")

    deactivate_user(user=person, actor=admin)
    assert not fresh(person).is_active
    assert not signs_in("sam@example.org")
    assert audit_rows(person)[-1] == ("user_deactivated", admin.pk, "", "active", "inactive")
    # Roles are kept for when the account comes back.
    assert role_names(fresh(person)) == {"assessor"}

    reactivate_user(user=person, actor=admin)
    assert fresh(person).is_active
    assert signs_in("sam@example.org")
    assert audit_rows(person)[-1] == ("user_reactivated", admin.pk, "", "inactive", "active")


def test_a_signed_in_person_is_signed_out_at_their_next_page_once_deactivated(make_user, admin):
    person = make_user(Role.ASSESSOR)
    client = Client()
    client.force_login(person)
    assert client.get(reverse("grants:assessor_queue")).status_code == 200
    deactivate_user(user=person, actor=admin)
    response = client.get(reverse("grants:assessor_queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_deactivating_twice_leaves_one_audit_row(make_user, admin):
    person = make_user(Role.FINANCE)
    deactivate_user(user=person, actor=admin)
    deactivate_user(user=person, actor=admin)
    assert [row[0] for row in audit_rows(person)].count("user_deactivated") == 1


def test_an_administrator_cannot_deactivate_themselves(admin, second_admin):
    assert deactivation_problem(user=admin, actor=admin) == (
        "You cannot deactivate your own account. Ask another administrator to do it."
    )
    with pytest.raises(ValidationError, match="You cannot deactivate your own account"):
        deactivate_user(user=admin, actor=admin)
    assert fresh(admin).is_active


def test_an_administrator_may_deactivate_another_administrator(admin, second_admin):
    assert deactivation_problem(user=second_admin, actor=admin) is None
    deactivate_user(user=second_admin, actor=admin)
    assert not fresh(second_admin).is_active
    # Ada is now the only active administrator: she keeps her role.
    with pytest.raises(ValidationError, match="only active administrator"):
        set_roles(user=admin, roles=[], actor=admin)


def test_only_administrators_may_deactivate(make_user):
    officer = make_user(Role.GRANT_OFFICER)
    person = make_user(Role.ASSESSOR)
    with pytest.raises(PermissionDenied):
        deactivate_user(user=person, actor=officer)
    assert fresh(person).is_active


# --- Adding a staff member ---------------------------------------------------------


def test_adding_a_staff_member_emails_a_link_to_set_their_password(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = add_staff_member(
            email=" Nia.Officer@Leics.example ",
            full_name="  Nia   Officer ",
            roles=["grant_officer", "assessor"],
            actor=admin,
        )

    person = fresh(person)
    assert (person.email, person.full_name, person.is_active) == (
        "nia.officer@leics.example", "Nia Officer", True
    )
    assert not person.has_usable_password()
    assert role_names(person) == {"grant_officer", "assessor"}
    assert EmailAddress.objects.filter(user=person, verified=True, primary=True).exists()
    assert audit_rows(person) == [
        ("user_created", admin.pk, "", "", "active"),
        ("role_granted", admin.pk, "assessor", "", ""),
        ("role_granted", admin.pk, "grant_officer", "", ""),
    ]

    # The email goes through the outbox, like every other.
    notification = Notification.objects.get(kind="staff_account_created")
    assert notification.recipient == person
    [message] = mail.outbox
    assert message.to == ["nia.officer@leics.example"]
    assert message.subject.endswith("Your Community Grants staff account: set your password")
    assert "Ada Admin has set up a staff account for you" in message.body
    assert "as assessor and grant officer." in message.body

    # The link sets the password, once; then they sign in.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)
    client = Client()
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert signs_in("nia.officer@leics.example", NEW_PASSWORD)
    assert "This link has expired or is not valid" in Client().get(link).content.decode()


@pytest.mark.parametrize("email", ["sam@example.org", "SAM@Example.org ", "sam.alias@example.org"])
def test_an_email_address_already_in_use_is_refused(make_user, admin, email):
    person = make_user(Role.APPLICANT, email="sam@example.org")
    EmailAddress.objects.create(user=person, email="sam.alias@example.org", verified=True)
    users = User.objects.count()
    with pytest.raises(ValidationError) as refused:
        add_staff_member(email=email, full_name="Sam", roles=["finance"], actor=admin)
    assert refused.value.message_dict == {
        "email": [f"{email.strip().lower()} already has an account. Find them in People to change "
                  "their roles."]
    }
    assert User.objects.count() == users
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "roles,message",
    [
        ([], "Choose at least one role"),
        (["applicant"], "Choose staff roles only: applicants create their own accounts"),
    ],
)
def test_a_staff_member_needs_a_staff_role(admin, roles, message):
    with pytest.raises(ValidationError) as refused:
        add_staff_member(email="new@example.org", full_name="New", roles=roles, actor=admin)
    assert refused.value.message_dict == {"roles": [message]}
    assert not User.objects.filter(email="new@example.org").exists()


def test_only_administrators_may_add_staff(make_user):
    officer = make_user(Role.GRANT_OFFICER)
    with pytest.raises(PermissionDenied):
        add_staff_member(email="new@example.org", full_name="New", roles=["finance"], actor=officer)
    assert not User.objects.filter(email="new@example.org").exists()
