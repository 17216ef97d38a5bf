"""
Reads about organisations, scoped to what the user may see: anything outside
that scope is a 404, never a hint that it exists.
"""

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.roles import has_role

from .choices import MembershipRole
from .models import (
    DocumentKind,
    Invitation,
    Membership,
    Organisation,
    OrganisationDocument,
    hash_invitation_token,
)
from .permissions import DOCUMENT_READER_ROLES


def organisations_for_user(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def get_organisation_for_member(*, user: User, pk: int) -> Organisation:
    """The organisation if the user belongs to it; otherwise 404, never a hint it exists."""
    return get_object_or_404(organisations_for_user(user), pk=pk)


def memberships_for_user(user: User) -> QuerySet[Membership]:
    """The user's memberships with their organisations, by organisation name."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation__pk")
    )


def get_membership(*, user: User, organisation_pk: int) -> Membership:
    """The user's membership of the organisation (with it loaded), or 404."""
    return get_object_or_404(memberships_for_user(user), organisation_id=organisation_pk)


CURRENT_ORGANISATION_SESSION_KEY = "current_organisation_id"


def current_organisation(request) -> Organisation | None:
    """
    The organisation the person is acting for now: the one they last switched
    to, if they still belong to it, otherwise their first; None if they
    belong to none.
    """
    organisations = organisations_for_user(request.user)
    chosen = request.session.get(CURRENT_ORGANISATION_SESSION_KEY)
    if chosen is not None:
        organisation = organisations.filter(pk=chosen).first()
        if organisation is not None:
            return organisation
    return organisations.first()


def member_organisations(request) -> tuple[list[Organisation], Organisation | None]:
    """
    The person's organisations and the current one (as current_organisation
    chooses it) from one query, for a page that shows both. A member belongs
    to a handful of groups, so reading them all costs less than a second
    query.
    """
    organisations = list(organisations_for_user(request.user))
    chosen = request.session.get(CURRENT_ORGANISATION_SESSION_KEY)
    current = next((o for o in organisations if str(o.pk) == str(chosen)), None)
    return organisations, current or (organisations[0] if organisations else None)


def organisations_awaiting_bank_check() -> QuerySet[Organisation]:
    """
    Organisations whose bank details changed and have not been checked since:
    finance's list to check, and the ones nothing may be paid to until then.
    """
    return Organisation.objects.filter(
        bank_details_verified_at__isnull=True, bank_details_changed_at__isnull=False
    ).order_by("bank_details_changed_at", "pk")


# --- Members and invitations ----------------------------------------------------

_ROLE_ORDER = Case(
    *(When(role=role, then=Value(index)) for index, role in enumerate(MembershipRole.values)),
    output_field=IntegerField(),
)


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    """Owners first, then editors, then viewers; by name within each."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(role_order=_ROLE_ORDER)
        .order_by("role_order", "user__full_name", "user__email")
    )


def is_only_owner(membership: Membership) -> bool:
    """True if removing or demoting this member would leave the organisation without an owner."""
    return (
        membership.role == MembershipRole.OWNER
        and not Membership.objects.filter(
            organisation_id=membership.organisation_id, role=MembershipRole.OWNER
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def get_member(*, organisation: Organisation, pk: int) -> Membership:
    return get_object_or_404(members_of(organisation), pk=pk)


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            organisation=organisation,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("expires_at", "pk")
    )


def get_invitation(*, organisation: Organisation, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.filter(organisation=organisation), pk=pk)


def get_invitation_by_token(token: str) -> Invitation:
    """The invitation a link is for (whatever its state), or 404."""
    return get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by"),
        token_hash=hash_invitation_token(token or ""),
    )


# --- Documents ------------------------------------------------------------------

_KIND_ORDER = Case(
    *(When(kind=kind, then=Value(index)) for index, kind in enumerate(DocumentKind.values)),
    output_field=IntegerField(),
)


def documents_of(organisation: Organisation) -> QuerySet[OrganisationDocument]:
    """Every version of every document, newest first within each kind."""
    return (
        OrganisationDocument.objects.filter(organisation=organisation)
        .select_related("uploaded_by")
        .annotate(kind_order=_KIND_ORDER)
        .order_by("kind_order", "-uploaded_at", "-pk")
    )


def current_documents(organisation: Organisation) -> QuerySet[OrganisationDocument]:
    """
    The newest document of each kind (at most one per kind), in the order of
    DocumentKind; one query. Applications use these, so a group uploads its
    governing document once and every application it makes has it.
    """
    newest_of_kind = (
        OrganisationDocument.objects.filter(organisation=OuterRef("organisation"), kind=OuterRef("kind"))
        .order_by("-uploaded_at", "-pk")
        .values("pk")[:1]
    )
    return documents_of(organisation).filter(pk=Subquery(newest_of_kind))


def current_document_names(organisation: Organisation) -> list[OrganisationDocument]:
    """
    The current documents as `current_documents` gives them, with their kinds
    and file names only, for an application's summary (which the scoring
    page shows beside the form). Every version is read, a handful per group,
    and the newest of each kind kept here: the query that picks them in SQL
    took longer for Django to build than for the database to run.
    """
    versions = (
        OrganisationDocument.objects.filter(organisation=organisation)
        .only("organisation_id", "kind", "original_name")
        .order_by("-uploaded_at", "-pk")
    )
    newest = {}
    for document in versions:
        newest.setdefault(document.kind, document)
    return [newest[kind] for kind in DocumentKind.values if kind in newest]


def group_documents(documents) -> list[dict]:
    """
    Documents (newest first within each kind) as one entry per kind:
    {"kind", "label", "current", "earlier"}; kinds with no upload have
    current None.
    """
    by_kind: dict[str, list[OrganisationDocument]] = {kind: [] for kind in DocumentKind.values}
    for document in documents:
        by_kind[document.kind].append(document)
    return [
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "current": versions[0] if versions else None,
            "earlier": versions[1:],
        }
        for kind, versions in by_kind.items()
    ]


def get_document_for_user(*, user: User, pk: int) -> OrganisationDocument:
    """
    A document for its organisation's members, and for the staff who read
    applications (grant officers, approvers, finance, administrators).
    Anyone else gets a 404, whether or not the document exists.
    """
    if not user.is_authenticated:
        raise Http404
    documents = OrganisationDocument.objects.all()
    if not has_role(user, *DOCUMENT_READER_ROLES):
        documents = documents.filter(organisation__memberships__user=user)
    return get_object_or_404(documents, pk=pk)
