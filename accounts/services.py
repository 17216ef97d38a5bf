from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from .models import AuditEvent, User
from .roles import STAFF_ROLES, Role


def record_audit_event(
    *,
    actor: User | None,
    verb: str,
    subject: models.Model,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit row; services call this inside their transaction."""
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        object_repr=str(subject)[:200],
        from_state=from_state or "",
        to_state=to_state or "",
        data=data or {},
    )


def grant_role(*, user: User, role: Role, actor: User | None) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    # Staff roles may use the Django admin for reference data.
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    record_audit_event(actor=actor, verb="role_granted", subject=user, data={"role": role.value})


def revoke_role(*, user: User, role: Role, actor: User | None) -> None:
    """The counterpart of grant_role; callers check that administrators remain."""
    user.groups.remove(*Group.objects.filter(name=role.value))
    # Someone who is no longer an administrator keeps no way into the
    # Django admin, including the superuser flag set up for the demo.
    if role == Role.ADMINISTRATOR and (user.is_staff or user.is_superuser):
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    record_audit_event(actor=actor, verb="role_revoked", subject=user, data={"role": role.value})


# --- Managing people (administrators) ------------------------------------------


@dataclass(frozen=True)
class RoleChanges:
    granted: list[Role] = field(default_factory=list)
    revoked: list[Role] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.granted or self.revoked)


def _roles_held(user: User) -> set[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return {role for role in Role if role.value in names}


def _lock_for_people_changes(*, user: User | None, actor: User) -> tuple[User | None, set[int]]:
    """
    Serialise every change to roles and accounts on the administrator
    group's row, so two administrators cannot each remove the other (or
    deactivate the last two administrators at once). Returns the target
    user, locked and fresh, and the active administrators as they are now.
    Refuses an actor who is no longer an active administrator: their page
    may have been opened before someone else changed their roles.
    """
    Group.objects.select_for_update().get_or_create(name=Role.ADMINISTRATOR.value)
    locked = User.objects.select_for_update().get(pk=user.pk) if user is not None else None
    administrators = _active_administrators()
    if actor is None or actor.pk not in administrators:
        raise PermissionDenied("Only administrators can manage people and roles.")
    return locked, administrators


def _is_last_administrator(user: User, administrators: set[int]) -> bool:
    return user.pk in administrators and not administrators - {user.pk}


def _parse_roles(roles) -> set[Role]:
    try:
        return {Role(str(role)) for role in roles}
    except ValueError:
        raise ValidationError({"roles": "Choose roles from the list"}) from None


@transaction.atomic
def set_roles(*, user: User, roles, actor: User) -> RoleChanges:
    """
    Give `user` exactly `roles`: grant the missing ones and revoke the rest,
    one audit row for each change. Nobody may remove their own
    administrator role, and the last active administrator keeps theirs.
    """
    wanted = _parse_roles(roles)
    user, administrators = _lock_for_people_changes(user=user, actor=actor)
    held = _roles_held(user)
    granted = [role for role in Role if role in wanted - held]
    revoked = [role for role in Role if role in held - wanted]
    if Role.ADMINISTRATOR in revoked:
        if _is_last_administrator(user, administrators):
            who = "You are" if user.pk == actor.pk else f"{user.display_name} is"
            raise ValidationError(
                f"{who} the only active administrator, so the administrator role cannot be "
                "removed. Give someone else the administrator role first."
            )
        if user.pk == actor.pk:
            raise ValidationError(
                "You cannot remove your own administrator role. Ask another administrator to do it."
            )
    for role in granted:
        grant_role(user=user, role=role, actor=actor)
    for role in revoked:
        revoke_role(user=user, role=role, actor=actor)
    return RoleChanges(granted=granted, revoked=revoked)


def _active_administrators() -> set[int]:
    return set(
        User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True).values_list(
            "pk", flat=True
        )
    )


def _deactivation_problem(user: User, actor: User, administrators: set[int]) -> str | None:
    if user.pk == actor.pk:
        return "You cannot deactivate your own account. Ask another administrator to do it."
    if _is_last_administrator(user, administrators):
        return (
            f"{user.display_name} is the only active administrator, so their account cannot be "
            "deactivated. Give someone else the administrator role first."
        )
    return None


def deactivation_problem(*, user: User, actor: User) -> str | None:
    """Why `actor` may not deactivate `user`, for the confirmation page to say before they try."""
    return _deactivation_problem(user, actor, _active_administrators())


@transaction.atomic
def deactivate_user(*, user: User, actor: User) -> User:
    """
    Stop someone signing in (`is_active` False); their records and history
    stay. Their open sessions end at their next request, because Django's
    authentication backends do not return inactive users.
    """
    user, administrators = _lock_for_people_changes(user=user, actor=actor)
    problem = _deactivation_problem(user, actor, administrators)
    if problem:
        raise ValidationError(problem)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor, verb="user_deactivated", subject=user, from_state="active", to_state="inactive"
        )
    return user


@transaction.atomic
def reactivate_user(*, user: User, actor: User) -> User:
    """Let a deactivated person sign in again, with the roles they still hold."""
    user, _ = _lock_for_people_changes(user=user, actor=actor)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor, verb="user_reactivated", subject=user, from_state="inactive", to_state="active"
        )
    return user


def _set_password_path(user: User) -> str:
    """
    django-allauth's password reset link for `user`: the same link that
    "Forgotten your password?" sends, so a new staff member sets their
    first password through the reset pages, and the link stops working once
    used (the token is tied to the password) or after PASSWORD_RESET_TIMEOUT.
    """
    from allauth.account import app_settings as allauth_settings
    from allauth.account.utils import user_pk_to_url_str

    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    return reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": token}
    )


def _already_used_message(email: str) -> str:
    return f"{email} already has an account. Find them in People to change their roles."


@transaction.atomic
def add_staff_member(*, email: str, full_name: str, roles, actor: User) -> User:
    """
    Create a staff account with no password and email the person a link to
    set one. Refusals name the field they are about (`error.message_dict`).
    The address counts as verified: the link reaches only whoever reads
    that mailbox, which is what verifying it would prove.
    """
    from allauth.account.models import EmailAddress

    # Notifications build on accounts, so the outbox is imported here, not
    # at the top: one of the few calls from accounts upwards.
    from notifications.services import notify_user

    _lock_for_people_changes(user=None, actor=actor)
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    wanted = _parse_roles(roles)
    if not email:
        raise ValidationError({"email": "Enter their email address"})
    if not full_name:
        raise ValidationError({"full_name": "Enter their full name"})
    if not wanted:
        raise ValidationError({"roles": "Choose at least one role"})
    if not wanted <= STAFF_ROLES:
        raise ValidationError({"roles": "Choose staff roles only: applicants create their own accounts"})
    if (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError({"email": _already_used_message(email)})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
    except IntegrityError:
        # Someone else created the same address a moment ago.
        raise ValidationError({"email": _already_used_message(email)}) from None
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    record_audit_event(
        actor=actor,
        verb="user_created",
        subject=user,
        to_state="active",
        data={"email": email, "roles": [role.value for role in Role if role in wanted]},
    )
    for role in Role:
        if role in wanted:
            grant_role(user=user, role=role, actor=actor)
    notify_user(
        kind="staff_account_created",
        user=user,
        about=user,
        context={
            "added_by": actor,
            "role_labels": [role.label for role in Role if role in wanted],
            "set_password_path": _set_password_path(user),
            "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)),
            "reset_password_path": reverse("account_reset_password"),
            "mfa_required": settings.STAFF_MFA_REQUIRED,
        },
        key="staff-account-created",
    )
    return user


def _record_export(*, verb: str, subject: models.Model, data: dict, actor: User | None) -> dict:
    """An export of personal data is itself data leaving the service: audit it."""
    record_audit_event(
        actor=actor,
        verb=verb,
        subject=subject,
        data={"sections": {name: len(rows) for name, rows in data.items() if isinstance(rows, list)}},
    )
    return data


def export_subject_data(*, subject: User, actor: User | None) -> dict:
    """Everything held about `subject` (see accounts/subject_access.py), audited."""
    from .subject_access import subject_access_data

    return _record_export(
        verb="subject_access_exported", subject=subject, data=subject_access_data(subject), actor=actor
    )


def export_organisation_data(*, organisation: models.Model, actor: User | None) -> dict:
    """Everything held about one organisation, audited."""
    from .subject_access import organisation_data

    return _record_export(
        verb="organisation_data_exported",
        subject=organisation,
        data=organisation_data(organisation),
        actor=actor,
    )
