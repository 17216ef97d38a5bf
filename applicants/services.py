"""
Changes to organisations, their bank details, documents and members. Each
service checks who is acting, locks the rows it changes, and leaves an audit
row; bank details never appear in the audit or in an email unmasked.
"""

import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import grant_role, record_audit_event
from accounts.versions import AWARD_MONEY, raise_version
from notifications.services import notify_organisation, queue_notification

from .choices import MembershipRole
from .models import (
    INVITATION_LIFETIME,
    DocumentKind,
    Invitation,
    InvitationStatus,
    Membership,
    Organisation,
    OrganisationDocument,
    hash_invitation_token,
)
from .permissions import (
    can_change_bank_details,
    can_edit_organisation,
    can_invite_members,
    can_manage_members,
)
from .uploads import check_upload


def _lock(model: type[Model], pk: int):
    return model.objects.select_for_update().get(pk=pk)


@transaction.atomic
def create_organisation(*, actor: User, data: dict, actor_is_owner: bool = True) -> Organisation:
    """
    Register an organisation. The person creating it becomes its owner,
    unless an officer is entering it for a group (assisted digital), in
    which case nobody is a member until the group is invited.
    """
    fields = Organisation.PROFILE_FIELDS + Organisation.ACCESS_NEEDS_FIELDS
    organisation = Organisation.objects.create(**{field: data[field] for field in fields if field in data})
    if actor_is_owner:
        Membership.objects.create(user=actor, organisation=organisation, role=MembershipRole.OWNER)
    record_audit_event(
        actor=actor,
        verb="organisation_created",
        subject=organisation,
        data={"name": organisation.name, "entered_by_officer": not actor_is_owner},
    )
    return organisation


def _apply_changes(organisation: Organisation, data: dict, fields: tuple[str, ...]) -> dict:
    """Set the fields that differ; return {field: {"from": old, "to": new}}."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(organisation, field), data[field]
        if old != new:
            changes[field] = {"from": old, "to": new}
            setattr(organisation, field, new)
    return changes


@transaction.atomic
def update_organisation_profile(*, organisation: Organisation, actor: User, data: dict) -> Organisation:
    """Change what the organisation says about itself; the audit row lists what changed."""
    organisation = _lock(Organisation, organisation.pk)
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied("You cannot change this organisation's details.")
    changes = _apply_changes(organisation, data, Organisation.PROFILE_FIELDS)
    if changes:
        organisation.save(update_fields=list(changes))
        record_audit_event(
            actor=actor,
            verb="organisation_profile_updated",
            subject=organisation,
            data={"changed": list(changes), "changes": changes},
        )
    if Organisation.AWARD_TOTALS_FIELDS & changes.keys():
        raise_version(AWARD_MONEY)
    return organisation


@transaction.atomic
def update_access_needs(*, organisation: Organisation, actor: User, data: dict) -> Organisation:
    """Record the formats the group needs information in and how it prefers to be contacted."""
    organisation = _lock(Organisation, organisation.pk)
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied("You cannot change this organisation's details.")
    data = dict(data)
    for field in ("alternative_formats", "contact_methods"):
        if field in data:
            data[field] = sorted(set(data[field]))
    changes = _apply_changes(organisation, data, Organisation.ACCESS_NEEDS_FIELDS)
    if changes:
        organisation.save(update_fields=list(changes))
        record_audit_event(
            actor=actor,
            verb="access_needs_updated",
            subject=organisation,
            data={"changed": list(changes), "changes": changes},
        )
    return organisation


# --- Bank details -------------------------------------------------------------


def _masked_account_number(number: str) -> str:
    return f"*****{number[-3:]}" if number else ""


def _masked_sort_code(sort_code: str) -> str:
    return "**-**-**" if sort_code else ""


@transaction.atomic
def update_bank_details(
    *,
    organisation: Organisation,
    actor: User,
    account_name: str,
    sort_code: str,
    account_number: str,
    now: datetime | None = None,
) -> Organisation:
    """
    Store new bank details (encrypted by their fields). Details the council
    had checked lose that check, so no payment goes to them until finance
    checks them again, and every member is told by email: a change nobody
    expected is how payment fraud shows itself.
    """
    now = now or timezone.now()
    organisation = _lock(Organisation, organisation.pk)
    if not can_change_bank_details(actor, organisation):
        raise PermissionDenied("Only the organisation's owners and editors can change its bank details.")
    account_name = " ".join(account_name.split())
    if not account_name:
        raise ValidationError("Enter the name on the account")
    if len(account_name) > 100:
        raise ValidationError("The name on the account must be 100 characters or fewer")
    if not (len(sort_code) == 6 and sort_code.isascii() and sort_code.isdigit()):
        raise ValidationError("Enter a sort code of 6 digits, like 30-94-30")
    if not (len(account_number) == 8 and account_number.isascii() and account_number.isdigit()):
        raise ValidationError("Enter an account number of 8 digits, like 00733445")
    old = {
        "account_name": organisation.bank_account_name,
        "sort_code": organisation.bank_sort_code or "",
        "account_number": organisation.bank_account_number or "",
    }
    new = {"account_name": account_name, "sort_code": sort_code, "account_number": account_number}
    changed = [field for field in new if old[field] != new[field]]
    if not changed:
        return organisation
    was_verified = organisation.bank_details_verified_at is not None
    organisation.bank_account_name = account_name
    organisation.bank_sort_code = sort_code
    organisation.bank_account_number = account_number
    organisation.bank_details_verified_at = None
    organisation.bank_details_changed_at = now
    organisation.save(
        update_fields=[
            "bank_account_name",
            "bank_sort_code",
            "bank_account_number",
            "bank_details_verified_at",
            "bank_details_changed_at",
        ]
    )
    event = record_audit_event(
        actor=actor,
        verb="bank_details_changed",
        subject=organisation,
        from_state="verified" if was_verified else "",
        to_state="awaiting_check",
        data={
            "changed": changed,
            "account_name": {"from": old["account_name"], "to": account_name},
            "sort_code": {
                "from": _masked_sort_code(old["sort_code"]),
                "to": _masked_sort_code(sort_code),
            },
            "account_number": {
                "from": _masked_account_number(old["account_number"]),
                "to": _masked_account_number(account_number),
            },
            "verification_cleared": was_verified,
        },
    )
    notify_organisation(
        kind="bank_details_changed",
        organisation=organisation,
        about=organisation,
        context={
            "changed_by": actor,
            "changed_at": now,
            "account_name": account_name,
            "masked_account_number": _masked_account_number(account_number),
            "was_verified": was_verified,
        },
        key=f"bank_details_changed:{event.pk}",
    )
    return organisation


def reveal_bank_details(*, organisation: Organisation, actor: User) -> dict:
    """
    The organisation's full bank details, for finance checking them against
    a bank letter or setting up a supplier. Everyone else sees them masked.
    Every look is recorded, so an unexpected one can be questioned later.
    """
    if not has_role(actor, Role.FINANCE):
        raise PermissionDenied("Only finance staff can see full bank details.")
    record_audit_event(
        actor=actor,
        verb="bank_details_viewed",
        subject=organisation,
        data={"account_number": _masked_account_number(organisation.bank_account_number or "")},
    )
    return {
        "account_name": organisation.bank_account_name,
        "sort_code": organisation.bank_sort_code or "",
        "account_number": organisation.bank_account_number or "",
    }


@transaction.atomic
def verify_bank_details(
    *, organisation: Organisation, actor: User, checked_change_at: datetime | None
) -> Organisation:
    """
    Record that finance has checked the organisation's current bank details
    (with the organisation, by a call to a number already held), so payments
    may be made to them. `checked_change_at` is the change the checker saw on
    the page: if the details changed again meanwhile, the check is refused.
    Only finance checks them, as only finance sees them in full, and never
    someone who belongs to the organisation.
    """
    if not has_role(actor, Role.FINANCE):
        raise PermissionDenied("Only finance staff can check bank details.")
    organisation = _lock(Organisation, organisation.pk)
    if organisation.memberships.filter(user=actor).exists():
        raise PermissionDenied(
            "You belong to this organisation, so another member of finance must check its "
            "bank details."
        )
    if not organisation.has_bank_details:
        raise ValidationError(f"{organisation.name} has not given any bank details to check.")
    if not organisation.bank_details_awaiting_check:
        raise ValidationError(f"{organisation.name}'s bank details have already been checked.")
    if checked_change_at != organisation.bank_details_changed_at:
        raise ValidationError(
            f"{organisation.name}'s bank details changed while you were checking them. "
            "Check the new details."
        )
    organisation.bank_details_verified_at = timezone.now()
    organisation.save(update_fields=["bank_details_verified_at"])
    record_audit_event(
        actor=actor,
        verb="bank_details_verified",
        subject=organisation,
        from_state="awaiting_check",
        to_state="verified",
        data={
            "account_name": organisation.bank_account_name,
            "account_number": _masked_account_number(organisation.bank_account_number or ""),
            "changed_at": organisation.bank_details_changed_at,
        },
    )
    return organisation


# --- Documents ----------------------------------------------------------------


@transaction.atomic
def upload_organisation_document(
    *, organisation: Organisation, actor: User, kind: str, uploaded
) -> OrganisationDocument:
    """
    Add a new version of one of the organisation's documents. Earlier
    versions are kept; the newest is the one applications use.
    """
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied("You cannot add documents for this organisation.")
    if kind not in DocumentKind.values:
        raise ValidationError("Choose which document this is")
    checked = check_upload(uploaded)
    document = OrganisationDocument(
        organisation=organisation,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    # The storage name is generated (see organisation_document_path).
    document.file.save("upload", uploaded, save=False)
    stored_name = document.file.name
    try:
        document.save()
        record_audit_event(
            actor=actor,
            verb="document_uploaded",
            subject=organisation,
            data={"kind": kind, "name": checked.name, "size": checked.size, "document": document.pk},
        )
    except Exception:
        # A stored file without its row would be an orphan nobody can reach.
        document.file.storage.delete(stored_name)
        raise
    return document


# --- Members and invitations --------------------------------------------------


def _lock_memberships(organisation: Organisation) -> list[Membership]:
    """Lock every membership of the organisation, in pk order, so owner counts stay true."""
    return list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation)
        .order_by("pk")
    )


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def invite_member(
    *, organisation: Organisation, actor: User, email: str, role: str, now: datetime | None = None
) -> Invitation:
    """
    Invite someone by email. The returned invitation carries the secret
    `token` (only its hash is stored); the email holds the acceptance link.
    """
    now = now or timezone.now()
    organisation = _lock(Organisation, organisation.pk)
    if not can_invite_members(actor, organisation):
        raise PermissionDenied("Only the organisation's owners can invite people.")
    email = _normalise_email(email)
    if not email:
        raise ValidationError("Enter the email address of the person you want to invite")
    if role not in MembershipRole.values:
        raise ValidationError("Choose what they will be able to do")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of {organisation.name}")
    pending = Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if pending.exists():
        raise ValidationError(
            f"{email} has already been invited. Cancel that invitation first if you want "
            "to send a new one."
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_invitation_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.token = token
    record_audit_event(
        actor=actor,
        verb="member_invited",
        subject=organisation,
        to_state=role,
        data={"email": email, "role": role, "invitation": invitation.pk},
    )
    queue_notification(
        kind="organisation_invitation",
        to_email=email,
        recipient=User.objects.filter(email__iexact=email).first(),
        about=invitation,
        context={
            "invitation": invitation,
            "organisation": organisation,
            "invited_by": actor,
            "role_label": MembershipRole(role).label.lower(),
            "accept_path": reverse("applicants:accept_invitation", args=[token]),
        },
        idempotency_key=f"invitation:{invitation.pk}",
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User, now: datetime | None = None) -> Invitation:
    now = now or timezone.now()
    invitation = _lock(Invitation, invitation.pk)
    if not can_invite_members(actor, invitation.organisation):
        raise PermissionDenied("Only the organisation's owners can cancel invitations.")
    if invitation.accepted_at:
        raise ValidationError(f"{invitation.email} has already accepted this invitation")
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = now
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    record_audit_event(
        actor=actor,
        verb="invitation_revoked",
        subject=invitation.organisation,
        data={"email": invitation.email, "role": invitation.role, "invitation": invitation.pk},
    )
    return invitation


def invitation_problem(invitation: Invitation, user: User | None = None) -> str:
    """Why this invitation cannot be accepted (by this user), or "" if it can."""
    status = invitation.status
    inviter = invitation.invited_by.display_name
    if status == InvitationStatus.ACCEPTED:
        return "This invitation has already been used."
    if status == InvitationStatus.REVOKED:
        return (
            f"This invitation has been cancelled. If you still need to join "
            f"{invitation.organisation.name}, ask {inviter} to invite you again."
        )
    if status == InvitationStatus.EXPIRED:
        expired = timezone.localtime(invitation.expires_at)
        return (
            f"This invitation expired on {expired:%-d %B %Y}. Invitations last 14 days. "
            f"Ask {inviter} to invite you again."
        )
    if user is not None and _normalise_email(user.email) != _normalise_email(invitation.email):
        return (
            f"This invitation was sent to a different email address. You are signed in as "
            f"{user.email}. Sign out, then sign in or create an account with the email "
            "address the invitation was sent to."
        )
    return ""


@transaction.atomic
def accept_invitation(*, token: str, actor: User, now: datetime | None = None) -> Membership:
    """
    Join the organisation the invitation is for. Only the person it was sent
    to (by email address) may accept it, once, before it expires.
    """
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=hash_invitation_token(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError("This invitation link is not valid. Check it is the full link from the email.")
    problem = invitation_problem(invitation, actor)
    if problem:
        raise ValidationError(problem)
    organisation = invitation.organisation
    _lock_memberships(organisation)
    if Membership.objects.filter(organisation=organisation, user=actor).exists():
        raise ValidationError(f"You are already a member of {organisation.name}.")
    membership = Membership.objects.create(user=actor, organisation=organisation, role=invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if not has_role(actor, Role.APPLICANT):
        grant_role(user=actor, role=Role.APPLICANT, actor=actor)
        actor.__dict__.pop("_role_names", None)
    record_audit_event(
        actor=actor,
        verb="invitation_accepted",
        subject=organisation,
        to_state=invitation.role,
        data={"email": invitation.email, "role": invitation.role, "invitation": invitation.pk},
    )
    return membership


def _owner_count(memberships: list[Membership]) -> int:
    return sum(1 for m in memberships if m.role == MembershipRole.OWNER)


def _no_owner_left_message(organisation: Organisation) -> str:
    return (
        f"{organisation.name} must always have at least one owner. "
        "Make someone else an owner first."
    )


@transaction.atomic
def change_member_role(*, membership: Membership, actor: User, role: str) -> Membership:
    organisation = membership.organisation
    if not can_manage_members(actor, organisation):
        raise PermissionDenied("Only the organisation's owners can change what members can do.")
    if role not in MembershipRole.values:
        raise ValidationError("Choose what they will be able to do")
    memberships = _lock_memberships(organisation)
    membership = next((m for m in memberships if m.pk == membership.pk), None)
    if membership is None:
        raise ValidationError("This person is no longer a member.")
    old_role = membership.role
    if old_role == role:
        return membership
    if old_role == MembershipRole.OWNER and _owner_count(memberships) <= 1:
        raise ValidationError(_no_owner_left_message(organisation))
    membership.role = role
    membership.save(update_fields=["role"])
    record_audit_event(
        actor=actor,
        verb="member_role_changed",
        subject=organisation,
        from_state=old_role,
        to_state=role,
        data={"member": membership.user.email, "membership": membership.pk},
    )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, actor: User) -> None:
    organisation = membership.organisation
    if not can_manage_members(actor, organisation):
        raise PermissionDenied("Only the organisation's owners can remove members.")
    memberships = _lock_memberships(organisation)
    membership = next((m for m in memberships if m.pk == membership.pk), None)
    if membership is None:
        return
    if membership.role == MembershipRole.OWNER and _owner_count(memberships) <= 1:
        raise ValidationError(_no_owner_left_message(organisation))
    email, role = membership.user.email, membership.role
    membership.delete()
    record_audit_event(
        actor=actor,
        verb="member_removed",
        subject=organisation,
        from_state=role,
        data={"member": email, "role": role},
    )

