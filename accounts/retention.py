"""
Retention: personal data is anonymised once the service no longer needs it
(periods in settings, RETENTION_*; docs/security.md explains them).

- Unsuccessful applications (not eligible, not funded, withdrawn), some
  years after that outcome.
- Closed awards (completed, closed early, offer declined), some years after
  closing: the application's personal text, the signatory, the monitoring
  answers, and the organisation's bank details once nothing of theirs is
  still open.
- Applicant accounts not used for some years.

Money figures, references, statuses and dates are kept, so ledgers,
360Giving and the audit log still add up; free text that may name people is
cleared, names and contact details are replaced, files are deleted. Each
record anonymised leaves an audit row ("personal_data_anonymised"), which
also stops it being done twice.

Retention reads and changes every app's records by nature, so their models
are imported inside the functions (`accounts` sits below the other apps).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from .models import AuditEvent, User
from .roles import STAFF_ROLES
from .services import record_audit_event

VERB = "personal_data_anonymised"
ANONYMISED_TEXT = "Removed under the council's retention policy"
ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid"
# Awards still running (grants.models.AwardStatus values).
OPEN_AWARD_STATES = ["offered", "accepted", "active"]


def _years(n: int) -> timedelta:
    return timedelta(days=365 * n + n // 4)


def _not_yet_anonymised(model) -> Exists:
    done = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=Cast(OuterRef("pk"), CharField()),
        verb=VERB,
    )
    return ~Exists(done)


def _last_audit_at(model, states) -> Subquery:
    """When the record last moved into one of `states`, from its audit rows."""
    return Subquery(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=Cast(OuterRef("pk"), CharField()),
            to_state__in=[str(state) for state in states],
        )
        .order_by("-at")
        .values("at")[:1]
    )


def unsuccessful_applications_due(now: datetime) -> QuerySet:
    from grants.models import Application, ApplicationStatus

    states = [ApplicationStatus.INELIGIBLE, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]
    cutoff = now - _years(settings.RETENTION_UNSUCCESSFUL_APPLICATION_YEARS)
    return (
        Application.objects.filter(status__in=states)
        .annotate(
            outcome_at=Coalesce(
                _last_audit_at(Application, states),
                "decision__decided_at",
                "withdrawn_at",
                "updated_at",
            )
        )
        .filter(outcome_at__lt=cutoff)
        .filter(_not_yet_anonymised(Application))
        .order_by("pk")
    )


def closed_awards_due(now: datetime) -> QuerySet:
    from grants.models import Award, AwardStatus

    states = [AwardStatus.COMPLETED, AwardStatus.CLOSED_EARLY, AwardStatus.DECLINED]
    cutoff = now - _years(settings.RETENTION_CLOSED_AWARD_YEARS)
    return (
        Award.objects.filter(status__in=states)
        .annotate(ended_at=Coalesce("closed_at", _last_audit_at(Award, states), "offered_at"))
        .filter(ended_at__lt=cutoff)
        .filter(_not_yet_anonymised(Award))
        .select_related("application")
        .order_by("pk")
    )


def inactive_accounts_due(now: datetime) -> QuerySet:
    """
    Applicant accounts unused for the period, except members of an
    organisation with an open application or award: the group still needs
    the people who speak for it.
    """
    from grants.models import OPEN_APPLICATION_STATES

    cutoff = now - _years(settings.RETENTION_INACTIVE_ACCOUNT_YEARS)
    applications = "memberships__organisation__applications"
    return (
        User.objects.annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff, is_superuser=False)
        .exclude(groups__name__in=[str(role) for role in STAFF_ROLES])
        .exclude(**{f"{applications}__status__in": OPEN_APPLICATION_STATES})
        .exclude(**{f"{applications}__award__status__in": OPEN_AWARD_STATES})
        .exclude(email__endswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .order_by("pk")
    )


@dataclass
class RetentionResult:
    applications: list[str] = field(default_factory=list)
    awards: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)


def _anonymise_application(application, *, rule: str) -> None:
    cleared = {
        "summary": "",
        "beneficiaries": "",
        "contact_name": "",
        "declaration_name": "",
        "withdrawal_reason": "",
    }
    for name, value in cleared.items():
        setattr(application, name, value)
    application.title = ANONYMISED_TEXT
    application.save(update_fields=[*cleared, "title"])
    # Amounts stay; what each line was for may name people.
    for number, line in enumerate(application.budget_lines.order_by("pk"), start=1):
        line.item = f"Budget line {number}"
        line.save(update_fields=["item"])
    files = 0
    for attachment in application.attachments.all():
        attachment.file.delete(save=False)
        attachment.delete()
        files += 1
    record_audit_event(
        actor=None,
        verb=VERB,
        subject=application,
        data={"rule": rule, "cleared": ["title", *cleared, "budget line items"], "files_deleted": files},
    )


def _organisation_still_active(organisation) -> bool:
    from grants.models import OPEN_APPLICATION_STATES

    return organisation.applications.filter(
        Q(status__in=OPEN_APPLICATION_STATES) | Q(award__status__in=OPEN_AWARD_STATES)
    ).exists()


def _anonymise_organisation_bank_details(organisation) -> bool:
    if _organisation_still_active(organisation) or not organisation.has_bank_details:
        return False
    organisation.bank_account_name = ""
    organisation.bank_sort_code = ""
    organisation.bank_account_number = ""
    organisation.contact_telephone = ""
    organisation.alternative_format_request = ""
    organisation.save(
        update_fields=[
            "bank_account_name",
            "bank_sort_code",
            "bank_account_number",
            "contact_telephone",
            "alternative_format_request",
        ]
    )
    record_audit_event(
        actor=None,
        verb=VERB,
        subject=organisation,
        data={"rule": "closed_award", "cleared": ["bank details", "contact telephone", "access needs"]},
    )
    return True


def _anonymise_account(user: User) -> None:
    from allauth.account.models import EmailAddress

    from applicants.models import Invitation, Membership
    from notifications.models import Notification

    old_email = user.email
    anonymous_email = f"anonymised-{user.pk}@{ANONYMISED_EMAIL_DOMAIN}"
    user.email = anonymous_email
    user.full_name = ""
    user.first_name = ""
    user.last_name = ""
    user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(email__iexact=old_email).update(email=anonymous_email)
    Notification.objects.filter(Q(recipient=user) | Q(to_email__iexact=old_email)).update(
        to_email=anonymous_email, body_text="", body_html=""
    )
    record_audit_event(
        actor=None,
        verb=VERB,
        subject=user,
        data={"rule": "inactive_account", "cleared": ["email", "name", "phone", "memberships", "messages"]},
    )


def apply_retention(*, now: datetime | None = None, apply: bool = False) -> RetentionResult:
    """
    What is due for anonymisation at `now`; with `apply=True`, anonymise it
    too, all in one transaction (a failure part way leaves nothing half done).
    """
    from applicants.models import Organisation
    from grants.models import Application, Award

    now = now or timezone.now()
    result = RetentionResult()
    with transaction.atomic():
        applications = list(unsuccessful_applications_due(now).values_list("pk", flat=True))
        awards = list(closed_awards_due(now).values_list("pk", flat=True))
        accounts = list(inactive_accounts_due(now).values_list("pk", flat=True))
        for application in Application.objects.select_for_update().filter(pk__in=applications).order_by("pk"):
            result.applications.append(application.reference)
            if apply:
                _anonymise_application(application, rule="unsuccessful_application")
        organisation_ids = set()
        for award in (
            Award.objects.select_for_update().filter(pk__in=awards).select_related("application").order_by("pk")
        ):
            result.awards.append(award.application.reference)
            organisation_ids.add(award.application.organisation_id)
            if apply:
                _anonymise_application(award.application, rule="closed_award")
                award.signatory_name = ""
                award.save(update_fields=["signatory_name"])
                award.monitoring_returns.update(answers={})
                record_audit_event(
                    actor=None,
                    verb=VERB,
                    subject=award,
                    data={"rule": "closed_award", "cleared": ["signatory", "monitoring answers"]},
                )
        for organisation in (
            Organisation.objects.select_for_update().filter(pk__in=organisation_ids).order_by("pk")
        ):
            if not apply:
                if not _organisation_still_active(organisation) and organisation.has_bank_details:
                    result.organisations.append(organisation.name)
            elif _anonymise_organisation_bank_details(organisation):
                result.organisations.append(organisation.name)
        for user in User.objects.select_for_update().filter(pk__in=accounts).order_by("pk"):
            result.accounts.append(user.pk)
            if apply:
                _anonymise_account(user)
    return result
