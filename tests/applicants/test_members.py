"""Members and invitations: owners invite by email, links expire, only the invited person can join."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role, has_role
from applicants.choices import MembershipRole
from applicants.models import Invitation, InvitationStatus, Membership, hash_invitation_token
from applicants.services import (
    accept_invitation,
    change_member_role,
    invite_member,
    remove_member,
    revoke_invitation,
)
from tests.accounts.factories import UserFactory


def invite(owner, email="new.volunteer@example.org", role=MembershipRole.EDITOR):
    return invite_member(organisation=owner.organisation, actor=owner.user, email=email, role=role)


def accept_url(token):
    return reverse("applicants:accept_invitation", args=[token])


# --- Inviting -------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_link_is_emailed_not_stored(
    client_as, owner, django_capture_on_commit_callbacks
):
    organisation = owner.organisation
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(owner.user).post(
            reverse("applicants:invite", args=[organisation.pk]),
            {"email": " New.Volunteer@Example.org ", "role": "editor"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.volunteer@example.org"
    assert invitation.role == MembershipRole.EDITOR
    assert invitation.invited_by == owner.user
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert invitation.status == InvitationStatus.PENDING

    [message] = mail.outbox
    assert message.to == ["new.volunteer@example.org"]
    assert organisation.name in message.subject
    token = re.search(r"/organisations/invitations/([\w-]+)/", message.body).group(1)
    assert "http://" in message.body or "https://" in message.body
    assert invitation.token_hash == hash_invitation_token(token)
    assert token not in invitation.token_hash
    event = AuditEvent.objects.get(verb="member_invited")
    assert event.data["email"] == "new.volunteer@example.org"
    assert token not in str(event.data)


def test_the_members_page_lists_pending_invitations_for_owners_only(client_as, owner, add_member):
    invite(owner)
    organisation = owner.organisation
    url = reverse("applicants:members", args=[organisation.pk])
    owner_html = client_as(owner.user).get(url).content.decode()
    assert "new.volunteer@example.org" in owner_html
    assert "Invite someone" in owner_html
    editor = add_member(organisation, MembershipRole.EDITOR)
    editor_html = client_as(editor.user).get(url).content.decode()
    assert "new.volunteer@example.org" not in editor_html
    assert "Invite someone" not in editor_html
    assert editor.user.email in editor_html and owner.user.email in editor_html


@pytest.mark.parametrize(
    "data,message",
    [
        ({"email": "", "role": "editor"}, "Enter their email address"),
        (
            {"email": "not an email", "role": "editor"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "a@example.org"}, "Choose what they will be able to do"),
        ({"email": "a@example.org", "role": "king"}, "Choose what they will be able to do"),
    ],
)
def test_a_bad_invitation_gets_a_clear_message_and_keeps_what_was_typed(client_as, owner, data, message):
    response = client_as(owner.user).post(reverse("applicants:invite", args=[owner.organisation.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "<title>Error: Invite someone to" in html
    if data["email"]:
        assert f'value="{data["email"]}"' in html
    assert not Invitation.objects.exists()


def test_inviting_a_member_or_someone_already_invited_is_refused(client_as, owner, add_member):
    organisation = owner.organisation
    member = add_member(organisation, MembershipRole.VIEWER, email="already@example.org")
    with pytest.raises(ValidationError, match="already a member"):
        invite(owner, email=member.user.email.upper())
    invite(owner, email="twice@example.org")
    response = client_as(owner.user).post(
        reverse("applicants:invite", args=[organisation.pk]), {"email": "twice@example.org", "role": "viewer"}
    )
    assert "twice@example.org has already been invited" in response.content.decode()
    assert Invitation.objects.filter(email="twice@example.org").count() == 1


def test_an_expired_invitation_does_not_block_a_new_one(owner):
    first = invite(owner)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        second = invite(owner)
    assert first.pk != second.pk


def test_editors_viewers_and_strangers_cannot_invite(client_as, organisation, add_member, make_user):
    for role in (MembershipRole.EDITOR, MembershipRole.VIEWER):
        member = add_member(organisation, role)
        response = client_as(member.user).post(
            reverse("applicants:invite", args=[organisation.pk]), {"email": "x@example.org", "role": "owner"}
        )
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            invite_member(organisation=organisation, actor=member.user, email="x@example.org", role="owner")
    with pytest.raises(PermissionDenied):
        invite_member(
            organisation=organisation, actor=make_user(Role.APPLICANT), email="x@example.org", role="owner"
        )
    assert not Invitation.objects.exists()


def test_an_officer_may_invite_the_first_owner_of_an_organisation_they_entered(make_user):
    from applicants.services import create_organisation
    from tests.applicants.factories import OrganisationFactory

    officer = make_user(Role.GRANT_OFFICER)
    template = OrganisationFactory.build()
    data = {field: getattr(template, field) for field in template.PROFILE_FIELDS}
    organisation = create_organisation(actor=officer, data=data, actor_is_owner=False)
    invitation = invite_member(
        organisation=organisation, actor=officer, email="chair@example.org", role=MembershipRole.OWNER
    )
    assert invitation.role == MembershipRole.OWNER
    user = UserFactory(email="chair@example.org")
    accept_invitation(token=invitation.token, actor=user)
    # Once the group has an owner, it manages its own members.
    with pytest.raises(PermissionDenied):
        invite_member(organisation=organisation, actor=officer, email="y@example.org", role="viewer")


# --- Accepting ------------------------------------------------------------------


def test_a_visitor_is_told_to_sign_in_or_create_an_account_with_that_email(client, owner):
    invitation = invite(owner)
    response = client.get(accept_url(invitation.token))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Join {owner.organisation.name}" in html
    assert "new.volunteer@example.org" in html
    path = accept_url(invitation.token)
    assert f'href="/accounts/login/?next={path}"' in html
    assert f'href="/accounts/signup/?next={path}"' in html
    # A visitor posting is sent to sign in, and nothing is accepted.
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Invitation.objects.get().accepted_at is None


def test_the_invited_person_accepts_joins_with_the_role_and_becomes_an_applicant(client_as, owner):
    invitation = invite(owner, email="staffer@example.org", role=MembershipRole.VIEWER)
    # Someone with no applicant role yet (for example a council assessor who volunteers).
    person = UserFactory(email="Staffer@example.org", roles=[Role.ASSESSOR])
    client = client_as(person)
    page = client.get(accept_url(invitation.token)).content.decode()
    assert "Accept the invitation" in page
    response = client.post(accept_url(invitation.token))
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:detail", args=[owner.organisation.pk])
    membership = Membership.objects.get(user=person, organisation=owner.organisation)
    assert membership.role == MembershipRole.VIEWER
    person.__dict__.pop("_role_names", None)
    assert has_role(person, Role.APPLICANT)
    invitation.refresh_from_db()
    assert invitation.accepted_by == person and invitation.accepted_at is not None
    assert client.session["current_organisation_id"] == owner.organisation.pk
    assert AuditEvent.objects.filter(verb="invitation_accepted", actor=person).exists()
    assert AuditEvent.objects.filter(verb="role_granted", data__role="applicant").exists()
    # The link cannot be used twice.
    page = client.get(accept_url(invitation.token)).content.decode()
    assert "This invitation has already been used." in page
    assert "Accept the invitation" not in page


def test_someone_signed_in_with_another_email_is_refused_plainly(client_as, owner, make_user):
    invitation = invite(owner)
    intruder = make_user(Role.APPLICANT, email="intruder@example.org")
    client = client_as(intruder)
    page = client.get(accept_url(invitation.token)).content.decode()
    assert "This invitation was sent to a different email address" in page
    assert "You are signed in as intruder@example.org" in page
    assert "Accept the invitation" not in page
    assert "Sign out" in page
    response = client.post(accept_url(invitation.token))
    assert "This invitation was sent to a different email address" in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_expires_after_14_days(client_as, owner):
    invitation = invite(owner)
    person = UserFactory(email="new.volunteer@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert invitation.status == InvitationStatus.PENDING
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        page = client_as(person).get(accept_url(invitation.token)).content.decode()
        assert "This invitation expired on" in page
        assert "Invitations last 14 days" in page
        with pytest.raises(ValidationError, match="expired"):
            accept_invitation(token=invitation.token, actor=person)
        assert (
            "new.volunteer@example.org"
            not in client_as(owner.user)
            .get(reverse("applicants:members", args=[owner.organisation.pk]))
            .content.decode()
        )
    assert not Membership.objects.filter(user=person).exists()


def test_a_cancelled_invitation_cannot_be_used(client_as, owner):
    invitation = invite(owner)
    response = client_as(owner.user).post(
        reverse("applicants:revoke_invitation", args=[owner.organisation.pk, invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert invitation.revoked_by == owner.user
    person = UserFactory(email="new.volunteer@example.org")
    page = client_as(person).get(accept_url(invitation.token)).content.decode()
    assert "This invitation has been cancelled" in page
    assert AuditEvent.objects.filter(verb="invitation_revoked").exists()


def test_an_accepted_invitation_cannot_be_cancelled(owner):
    invitation = invite(owner)
    accept_invitation(token=invitation.token, actor=UserFactory(email="new.volunteer@example.org"))
    with pytest.raises(ValidationError, match="already accepted"):
        revoke_invitation(invitation=invitation, actor=owner.user)


def test_an_unknown_or_guessed_token_is_not_found(client, owner):
    invite(owner)
    assert client.get(accept_url("made-up-token")).status_code == 404
    assert client.post(accept_url("made-up-token")).status_code == 404
    with pytest.raises(ValidationError, match="not valid"):
        accept_invitation(token="made-up-token", actor=owner.user)


def test_an_existing_member_cannot_accept_again(owner, add_member):
    member = add_member(owner.organisation, MembershipRole.VIEWER, email="dup@example.org")
    invitation = Invitation.objects.create(
        organisation=owner.organisation,
        email="dup@example.org",
        role=MembershipRole.OWNER,
        token_hash=hash_invitation_token("dup-token"),
        invited_by=owner.user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="already a member"):
        accept_invitation(token="dup-token", actor=member.user)
    member.refresh_from_db()
    assert member.role == MembershipRole.VIEWER
    assert invitation.pk


# --- Roles and removal --------------------------------------------------------------


def test_an_owner_changes_a_members_role(client_as, owner, add_member):
    editor = add_member(owner.organisation, MembershipRole.EDITOR)
    url = reverse("applicants:change_role", args=[owner.organisation.pk, editor.pk])
    page = client_as(owner.user).get(url).content.decode()
    assert page.count("<h1") == 1 and f"What can {editor.user.display_name} do?" in page
    response = client_as(owner.user).post(url, {"role": "owner"})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.role == MembershipRole.OWNER
    event = AuditEvent.objects.get(verb="member_role_changed")
    assert (event.from_state, event.to_state) == ("editor", "owner")


def test_the_last_owner_cannot_step_down_or_be_removed(client_as, owner, add_member):
    organisation = owner.organisation
    add_member(organisation, MembershipRole.EDITOR)
    client = client_as(owner.user)
    response = client.post(
        reverse("applicants:change_role", args=[organisation.pk, owner.pk]), {"role": "viewer"}
    )
    assert f"{organisation.name} must always have at least one owner" in response.content.decode()
    remove_page = client.get(reverse("applicants:remove_member", args=[organisation.pk, owner.pk]))
    assert "must always have at least one owner" in remove_page.content.decode()
    response = client.post(reverse("applicants:remove_member", args=[organisation.pk, owner.pk]), follow=True)
    assert "must always have at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == MembershipRole.OWNER
    with pytest.raises(ValidationError, match="at least one owner"):
        change_member_role(membership=owner, actor=owner.user, role=MembershipRole.EDITOR)
    with pytest.raises(ValidationError, match="at least one owner"):
        remove_member(membership=owner, actor=owner.user)


def test_with_a_second_owner_an_owner_may_leave(client_as, owner, add_member):
    organisation = owner.organisation
    add_member(organisation, MembershipRole.OWNER)
    response = client_as(owner.user).post(
        reverse("applicants:remove_member", args=[organisation.pk, owner.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:list")
    assert not Membership.objects.filter(pk=owner.pk).exists()


def test_an_owner_removes_a_member_who_then_sees_nothing(client_as, owner, add_member):
    organisation = owner.organisation
    editor = add_member(organisation, MembershipRole.EDITOR)
    response = client_as(owner.user).post(
        reverse("applicants:remove_member", args=[organisation.pk, editor.pk])
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=editor.pk).exists()
    assert AuditEvent.objects.get(verb="member_removed").data["member"] == editor.user.email
    assert client_as(editor.user).get(reverse("applicants:detail", args=[organisation.pk])).status_code == 404


def test_non_owners_cannot_change_roles_or_remove_members(client_as, owner, add_member):
    organisation = owner.organisation
    editor = add_member(organisation, MembershipRole.EDITOR)
    viewer = add_member(organisation, MembershipRole.VIEWER)
    client = client_as(editor.user)
    assert client.get(reverse("applicants:change_role", args=[organisation.pk, viewer.pk])).status_code == 403
    assert (
        client.post(
            reverse("applicants:change_role", args=[organisation.pk, editor.pk]), {"role": "owner"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("applicants:remove_member", args=[organisation.pk, owner.pk])).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        change_member_role(membership=editor, actor=editor.user, role=MembershipRole.OWNER)
    with pytest.raises(PermissionDenied):
        remove_member(membership=owner, actor=editor.user)
    editor.refresh_from_db()
    assert editor.role == MembershipRole.EDITOR
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_the_members_page_query_count_does_not_grow_with_the_members(
    client_as, owner, add_member, django_assert_max_num_queries
):
    organisation = owner.organisation
    client = client_as(owner.user)
    url = reverse("applicants:members", args=[organisation.pk])
    hub = reverse("applicants:detail", args=[organisation.pk])
    add_member(organisation, MembershipRole.EDITOR)
    invite(owner, email="first@example.org")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    with django_assert_max_num_queries(30) as few_hub:
        client.get(hub)
    for n in range(8):
        add_member(organisation, [MembershipRole.EDITOR, MembershipRole.VIEWER][n % 2])
        invite_member(
            organisation=organisation,
            actor=owner.user,
            email=f"more{n}@example.org",
            role=MembershipRole.VIEWER,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(few_hub.captured_queries)):
        assert client.get(hub).status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "email": st.one_of(st.text(max_size=300), st.emails()),
            "role": st.one_of(st.sampled_from(MembershipRole.values), st.text(max_size=20)),
        },
    )
)
def test_random_invitations_never_cause_a_server_error(client_as, owner, data):
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    members_before = set(Membership.objects.values_list("pk", "role"))
    response = client_as(owner.user).post(reverse("applicants:invite", args=[owner.organisation.pk]), clean)
    assert response.status_code in (200, 302)
    assert set(Membership.objects.values_list("pk", "role")) == members_before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.one_of(st.sampled_from(MembershipRole.values), st.text(max_size=30)), target=st.booleans())
def test_random_role_changes_never_cause_a_server_error_or_leave_no_owner(
    client_as, owner, add_member, role, target
):
    organisation = owner.organisation
    if not Membership.objects.filter(organisation=organisation, role=MembershipRole.EDITOR).exists():
        add_member(organisation, MembershipRole.EDITOR)
    member = (
        owner if target else Membership.objects.filter(organisation=organisation).exclude(pk=owner.pk).first()
    )
    response = client_as(owner.user).post(
        reverse("applicants:change_role", args=[organisation.pk, member.pk]),
        {"role": role.replace("\x00", "")},
    )
    assert response.status_code in (200, 302, 403)
    assert Membership.objects.filter(organisation=organisation, role=MembershipRole.OWNER).exists()
    assert Membership.objects.filter(organisation=organisation).count() >= 2
