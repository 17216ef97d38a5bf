"""
A member of one organisation cannot read, change, download or invite for
another by guessing ids or tokens: every attempt is a 404 and changes nothing.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import MembershipRole
from applicants.models import Invitation, Membership, Organisation
from applicants.services import invite_member
from tests.applicants.factories import PDF_BYTES, OrganisationDocumentFactory


@pytest.fixture
def target(other_owner, add_member):
    """Organisation B, with a document, a second member and a pending invitation."""
    organisation = other_owner.organisation
    member = add_member(organisation, MembershipRole.EDITOR)
    invitation = invite_member(
        organisation=organisation, actor=other_owner.user, email="b.invitee@example.org", role="viewer"
    )
    document = OrganisationDocumentFactory(organisation=organisation)
    return {"organisation": organisation, "member": member, "invitation": invitation, "document": document}


def urls_of(target):
    pk = target["organisation"].pk
    member_pk = target["member"].pk
    return {
        "get": [
            reverse("applicants:detail", args=[pk]),
            reverse("applicants:edit", args=[pk]),
            reverse("applicants:access_needs", args=[pk]),
            reverse("applicants:bank_details", args=[pk]),
            reverse("applicants:documents", args=[pk]),
            reverse("applicants:upload_document", args=[pk, "accounts"]),
            reverse("applicants:download_document", args=[target["document"].pk]),
            reverse("applicants:members", args=[pk]),
            reverse("applicants:invite", args=[pk]),
            reverse("applicants:change_role", args=[pk, member_pk]),
            reverse("applicants:remove_member", args=[pk, member_pk]),
        ],
        "post": [
            (reverse("applicants:edit", args=[pk]), {"name": "Hijacked"}),
            (reverse("applicants:access_needs", args=[pk]), {"alternative_format_request": "Hijacked"}),
            (
                reverse("applicants:bank_details", args=[pk]),
                {"account_name": "Thief", "sort_code": "111111", "account_number": "22222222"},
            ),
            (reverse("applicants:upload_document", args=[pk, "accounts"]), {"file": PDF_BYTES}),
            (reverse("applicants:invite", args=[pk]), {"email": "thief@example.org", "role": "owner"}),
            (reverse("applicants:change_role", args=[pk, member_pk]), {"role": "owner"}),
            (reverse("applicants:remove_member", args=[pk, member_pk]), {}),
            (reverse("applicants:revoke_invitation", args=[pk, target["invitation"].pk]), {}),
            (reverse("applicants:switch", args=[pk]), {}),
        ],
    }


def assert_b_unchanged(target, snapshot):
    organisation = Organisation.objects.get(pk=target["organisation"].pk)
    assert organisation.name == snapshot["name"]
    assert organisation.alternative_format_request == ""
    assert organisation.bank_account_number == snapshot["account_number"]
    assert not organisation.documents.filter(kind="accounts").exists()
    assert (
        set(Membership.objects.filter(organisation=organisation).values_list("pk", "role"))
        == snapshot["members"]
    )
    assert not Invitation.objects.filter(email="thief@example.org").exists()
    assert Invitation.objects.get(pk=target["invitation"].pk).revoked_at is None


def snapshot_of(target):
    organisation = target["organisation"]
    return {
        "name": organisation.name,
        "account_number": organisation.bank_account_number,
        "members": set(Membership.objects.filter(organisation=organisation).values_list("pk", "role")),
    }


def test_an_owner_of_another_organisation_gets_404_everywhere(client_as, owner, target):
    snapshot = snapshot_of(target)
    audit_rows = AuditEvent.objects.count()
    client = client_as(owner.user)
    pages = urls_of(target)
    for url in pages["get"]:
        assert client.get(url).status_code == 404, url
    for url, data in pages["post"]:
        assert client.post(url, data).status_code == 404, url
    assert_b_unchanged(target, snapshot)
    assert AuditEvent.objects.count() == audit_rows


def test_guessing_ids_of_members_and_invitations_through_ones_own_organisation_is_404(
    client_as, owner, target
):
    """Own organisation in the URL, the other organisation's membership or invitation id after it."""
    snapshot = snapshot_of(target)
    client = client_as(owner.user)
    own = owner.organisation.pk
    member_pk = target["member"].pk
    assert client.get(reverse("applicants:change_role", args=[own, member_pk])).status_code == 404
    assert (
        client.post(reverse("applicants:change_role", args=[own, member_pk]), {"role": "viewer"}).status_code
        == 404
    )
    assert client.post(reverse("applicants:remove_member", args=[own, member_pk])).status_code == 404
    revoke = reverse("applicants:revoke_invitation", args=[own, target["invitation"].pk])
    assert client.post(revoke).status_code == 404
    assert_b_unchanged(target, snapshot)


def test_staff_without_a_document_role_and_applicants_without_organisations_get_404(
    client_as, make_user, target
):
    for user in (make_user(Role.APPLICANT), make_user(Role.ASSESSOR)):
        client = client_as(user)
        assert (
            client.get(reverse("applicants:download_document", args=[target["document"].pk])).status_code
            == 404
        )
    # Staff are not members: the applicant pages are not theirs.
    officer = client_as(make_user(Role.GRANT_OFFICER))
    assert officer.get(reverse("applicants:detail", args=[target["organisation"].pk])).status_code == 403


def test_someone_signed_out_is_sent_to_sign_in_and_sees_nothing(client, target):
    for url in urls_of(target)["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
