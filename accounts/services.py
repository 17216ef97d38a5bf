from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent, User
from .roles import Role


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
