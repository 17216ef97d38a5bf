"""
Everything the service holds about one person, for a subject access
request under UK GDPR: their account, the organisations they belong to and
those organisations' applications, messages sent to them, and what the
audit log records them doing or records about them.

The export reads across every app by nature, so the other apps' models are
imported inside the function: `accounts` sits below them and must not
import them when Django loads it.
"""

from django.db.models import Q

from .models import AuditEvent, User
from .roles import role_names


def _audit_row(event: AuditEvent) -> dict:
    return {
        "at": event.at,
        "done_by": event.actor.email if event.actor else "the system",
        "what": event.verb,
        "record_type": event.content_type.model,
        "record_id": event.object_id,
        "record": event.object_repr,
        "from": event.from_state,
        "to": event.to_state,
        "details": event.data,
    }


def subject_access_data(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from applicants.models import Invitation, Membership, Organisation
    from grants.models import Application, Assignment
    from notifications.models import Notification

    memberships = Membership.objects.filter(user=user).select_related("organisation")
    organisation_ids = [membership.organisation_id for membership in memberships]
    applications = (
        Application.objects.filter(
            Q(organisation_id__in=organisation_ids) | Q(created_by=user) | Q(entered_by_officer=user)
        )
        .select_related("organisation", "round__programme")
        .order_by("created_at", "pk")
    )
    assignments = Assignment.objects.filter(assessor=user).select_related("application")
    notifications = Notification.objects.filter(
        Q(recipient=user) | Q(to_email__iexact=user.email)
    ).order_by("created_at", "pk")
    invitations = Invitation.objects.filter(
        Q(email__iexact=user.email) | Q(invited_by=user)
    ).select_related("organisation")
    done_by = AuditEvent.objects.filter(actor=user).select_related("actor", "content_type")
    about = AuditEvent.objects.filter(
        content_type__app_label="accounts", content_type__model="user", object_id=str(user.pk)
    ).select_related("actor", "content_type")

    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "active": user.is_active,
            "joined": user.date_joined,
            "last_signed_in": user.last_login,
            "roles": sorted(role_names(user)),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        # The kinds of second factor only: never their secrets.
        "two_step_verification": [
            {"type": authenticator.type, "set_up": authenticator.created_at}
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "memberships": [
            {
                "organisation_id": membership.organisation_id,
                "organisation": membership.organisation.name,
                "role": membership.role,
                "since": membership.created_at,
            }
            for membership in memberships
        ],
        "organisations": [
            _organisation(organisation)
            for organisation in Organisation.objects.filter(pk__in=organisation_ids).order_by("pk")
        ],
        "invitations": [
            {
                "organisation": invitation.organisation.name,
                "email": invitation.email,
                "role": invitation.role,
                "invited_by_this_person": invitation.invited_by_id == user.pk,
                "sent": invitation.created_at,
                "accepted": invitation.accepted_at,
                "revoked": invitation.revoked_at,
            }
            for invitation in invitations
        ],
        "applications": [_application(application) for application in applications],
        "assessments": [
            {
                "application": assignment.application.reference,
                "status": assignment.status,
                "assigned": assignment.assigned_at,
                "submitted": assignment.submitted_at,
            }
            for assignment in assignments
        ],
        "messages_sent_to_them": [
            {
                "kind": notification.kind,
                "to": notification.to_email,
                "subject": notification.subject,
                "body": notification.body_text,
                "status": notification.status,
                "created": notification.created_at,
                "sent": notification.sent_at,
            }
            for notification in notifications
        ],
        "audit_events_by_them": [_audit_row(event) for event in done_by],
        "audit_events_about_their_account": [_audit_row(event) for event in about],
    }


def _organisation(organisation) -> dict:
    return {
        "id": organisation.pk,
        "name": organisation.name,
        "legal_structure": organisation.legal_structure,
        "charity_number": organisation.charity_number,
        "company_number": organisation.company_number,
        "address": [
            organisation.address_line_1,
            organisation.address_line_2,
            organisation.town,
            organisation.postcode,
        ],
        "district": organisation.district,
        "contact_telephone": organisation.contact_telephone,
        "alternative_format_request": organisation.alternative_format_request,
        # Masked, as everywhere outside finance: a download may travel by
        # email, and the person can see their full details in their bank.
        "bank_account_name": organisation.bank_account_name,
        "bank_account_number": organisation.masked_account_number,
        "bank_sort_code": organisation.masked_sort_code,
    }


def _application(application) -> dict:
    return {
        "reference": application.reference,
        "organisation": application.organisation.name,
        "programme": application.round.programme.name,
        "round": application.round.name,
        "title": application.title,
        "summary": application.summary,
        "beneficiaries": application.beneficiaries,
        "amount_requested": application.amount_requested,
        "status": application.status,
        "contact_name": application.contact_name,
        "declaration_name": application.declaration_name,
        "submitted": application.submitted_at,
        "withdrawal_reason": application.withdrawal_reason,
    }


def organisation_data(organisation) -> dict:
    """
    Everything held about one organisation: its profile (bank details
    masked), members, invitations, applications with their budgets and
    files, awards with their payments, and the audit rows about any of them.
    """
    from django.contrib.contenttypes.models import ContentType

    from grants.models import Application, Award

    applications = (
        Application.objects.filter(organisation=organisation)
        .select_related("round__programme")
        .prefetch_related("budget_lines", "attachments")
        .order_by("created_at", "pk")
    )
    awards = (
        Award.objects.filter(application__organisation=organisation)
        .select_related("application")
        .prefetch_related("instalments__payments")
        .order_by("pk")
    )
    about = Q()
    for model, pks in [
        (type(organisation), [organisation.pk]),
        (Application, [application.pk for application in applications]),
        (Award, [award.pk for award in awards]),
    ]:
        about |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        )
    events = AuditEvent.objects.filter(about).select_related("actor", "content_type").order_by("at", "pk")
    return {
        "organisation": _organisation(organisation),
        "members": [
            {
                "email": membership.user.email,
                "name": membership.user.full_name,
                "role": membership.role,
                "since": membership.created_at,
            }
            for membership in organisation.memberships.select_related("user").order_by("pk")
        ],
        "invitations": [
            {"email": invitation.email, "role": invitation.role, "sent": invitation.created_at}
            for invitation in organisation.invitations.order_by("pk")
        ],
        "documents": [
            {"kind": document.kind, "name": document.original_name, "uploaded": document.uploaded_at}
            for document in organisation.documents.order_by("pk")
        ],
        "applications": [
            {
                **_application(application),
                "budget": [
                    {"item": line.item, "amount": line.amount} for line in application.budget_lines.all()
                ],
                "files": [attachment.original_name for attachment in application.attachments.all()],
            }
            for application in applications
        ],
        "awards": [
            {
                "reference": award.application.reference,
                "amount": award.amount,
                "status": award.status,
                "award_date": award.award_date,
                "signatory_name": award.signatory_name,
                "payments": [
                    {"amount": payment.amount, "status": payment.status, "paid_on": payment.paid_on}
                    for instalment in award.instalments.all()
                    for payment in instalment.payments.all()
                ],
            }
            for award in awards
        ],
        "audit_events": [_audit_row(event) for event in events],
    }
