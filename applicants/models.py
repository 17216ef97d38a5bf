import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedCharField

from config.postgres import upper_trigram_index

from .choices import AlternativeFormat, ContactMethod, District, LegalStructure, MembershipRole


def supplier_reference(organisation_pk: int) -> str:
    """An organisation's reference in the council's finance system."""
    return f"ORG-{organisation_pk:06d}"


def mask_account_number(number: str) -> str:
    """The last three digits of a bank account number, or "" when there is none."""
    return f"*****{number[-3:]}" if number else ""


def mask_sort_code(sort_code: str) -> str:
    return "**-**-**" if sort_code else ""


def join_words(words: list[str], conjunction: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


class Organisation(models.Model):
    """A voluntary, community or social enterprise group that applies for grants."""

    name = models.CharField(max_length=200)
    legal_structure = models.CharField(max_length=30, choices=LegalStructure.choices)
    charity_number = models.CharField(max_length=8, blank=True, db_index=True)
    company_number = models.CharField(max_length=8, blank=True, db_index=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8, db_index=True)
    district = models.CharField(max_length=9, choices=District.choices)
    parish = models.CharField(max_length=100, blank=True)
    annual_income = models.DecimalField(max_digits=12, decimal_places=2)
    communities_served = models.TextField(blank=True)
    volunteers_count = models.PositiveIntegerField(default=0)
    # Access needs and contact preferences. Lists of choice values are JSON
    # rather than a join table: they are read whole, with the organisation,
    # and never queried by value.
    alternative_formats = models.JSONField(
        default=list, blank=True, help_text="Values from AlternativeFormat."
    )
    alternative_format_language = models.CharField(max_length=100, blank=True)
    contact_methods = models.JSONField(
        default=list, blank=True, help_text="Values from ContactMethod, in no particular order."
    )
    contact_telephone = models.CharField(max_length=30, blank=True)
    # Free text: "anything else we should know" about reaching the group or
    # the formats it needs (it held all format requests before the
    # structured fields above existed).
    alternative_format_request = models.CharField(max_length=500, blank=True)
    bank_account_name = models.CharField(max_length=100, blank=True)
    bank_sort_code = EncryptedCharField(max_length=6, blank=True)
    bank_account_number = EncryptedCharField(max_length=8, blank=True)
    bank_details_verified_at = models.DateTimeField(null=True, blank=True)
    bank_details_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the organisation last changed its bank details. A change clears "
        "bank_details_verified_at, so nothing is paid until finance checks them again.",
    )
    # "Tell us when a new round opens" (notifications.services.notify_round_opened).
    notify_new_rounds = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # What the organisation tells us about itself (bank details are separate,
    # changed only through their own recorded service).
    PROFILE_FIELDS = (
        "name", "legal_structure", "charity_number", "company_number", "address_line_1",
        "address_line_2", "town", "postcode", "district", "parish", "annual_income",
        "communities_served", "volunteers_count",
    )
    ACCESS_NEEDS_FIELDS = (
        "alternative_formats", "alternative_format_language", "contact_methods",
        "contact_telephone", "alternative_format_request",
    )
    # The award totals are grouped by these (payments.selectors.ONE_PER_AWARD):
    # changing one raises the award money version (accounts.versions).
    AWARD_TOTALS_FIELDS = frozenset({"district", "legal_structure"})

    class Meta:
        ordering = ["name"]
        indexes = [
            # In name order (the default, and search's sort by organisation)
            # a page is read from the index instead of sorting every row.
            models.Index(fields=["name", "id"], name="organisation_name_idx"),
            # Staff search finds organisations by any part of their name.
            upper_trigram_index("name", "organisation_name_trgm"),
            # Finance's "bank details to check" (the summary counts them on
            # every visit): the few waiting, without reading every organisation.
            models.Index(
                fields=["bank_details_changed_at"],
                condition=models.Q(
                    bank_details_changed_at__isnull=False, bank_details_verified_at__isnull=True
                ),
                name="organisation_bank_check_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def supplier_reference(self) -> str:
        return supplier_reference(self.pk)

    @property
    def masked_account_number(self) -> str:
        return mask_account_number(self.bank_account_number or "")

    @property
    def masked_sort_code(self) -> str:
        return mask_sort_code(self.bank_sort_code)

    @property
    def has_bank_details(self) -> bool:
        return bool(self.bank_account_number)

    @property
    def bank_details_awaiting_check(self) -> bool:
        """
        True while finance has not checked the current bank details (new, or
        changed since they were checked). Payments must wait until it is False.
        """
        return self.has_bank_details and self.bank_details_verified_at is None

    @property
    def alternative_formats_display(self) -> str:
        """ "large print, Braille and Polish" (lower case, as in a sentence)."""
        labels = dict(AlternativeFormat.choices)
        words = []
        for value in AlternativeFormat.values:  # the list's order, not the order stored
            if value not in (self.alternative_formats or []):
                continue
            if value == AlternativeFormat.ANOTHER_LANGUAGE and self.alternative_format_language:
                words.append(self.alternative_format_language)
            elif value == AlternativeFormat.BRAILLE:
                words.append("Braille")
            else:
                words.append(labels[value].lower())
        return join_words(words)

    @property
    def contact_methods_display(self) -> str:
        """ "telephone (0116 496 0123) or post" """
        words = []
        for value in ContactMethod.values:
            if value not in (self.contact_methods or []):
                continue
            word = ContactMethod(value).label.lower()
            if value == ContactMethod.TELEPHONE and self.contact_telephone:
                word = f"{word} ({self.contact_telephone})"
            words.append(word)
        return join_words(words, "or")

    @property
    def has_access_needs(self) -> bool:
        return bool(
            self.alternative_formats or self.contact_methods or self.alternative_format_request
        )


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=MembershipRole.choices)
    # Reminders and news about the organisation's grants by email. Owners
    # still receive essential messages (decisions, offers, payments, requests
    # for changes) when this is off; see notifications.services.
    receives_notifications = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) of {self.organisation}"


class DocumentKind(models.TextChoices):
    GOVERNING_DOCUMENT = "governing_document", "Governing document"
    ACCOUNTS = "accounts", "Latest accounts"
    SAFEGUARDING_POLICY = "safeguarding_policy", "Safeguarding policy"


def organisation_document_path(instance: "OrganisationDocument", filename: str) -> str:
    # A generated name: the person's file name is kept in `original_name`
    # and used only in the download header.
    return f"organisations/{instance.organisation_id}/{uuid.uuid4().hex}"


class OrganisationDocument(models.Model):
    """A document uploaded once and used by every application the organisation makes."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    file = models.FileField(upload_to=organisation_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "kind", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


INVITATION_LIFETIME = timedelta(days=14)


class InvitationStatus(models.TextChoices):
    """Derived from the dates, never stored: an invitation expires by itself."""

    PENDING = "pending", "Waiting to be accepted"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Cancelled"
    EXPIRED = "expired", "Expired"


def hash_invitation_token(token: str) -> str:
    # Only the hash is stored, so the invitations table alone cannot be used
    # to join an organisation. The token has 256 bits, so no salt is needed.
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation by email to join an organisation, accepted through a secret link."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=MembershipRole.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING
