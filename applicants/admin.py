from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from accounts.versions import AWARD_MONEY, raise_version

from .models import Invitation, Membership, Organisation, OrganisationDocument


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "legal_structure", "district", "postcode", "charity_number"]
    list_filter = ["legal_structure", "district"]
    search_fields = ["name", "charity_number", "company_number", "postcode"]
    # Bank details change only through the service that records and
    # re-verifies them, never in the admin.
    exclude = ["bank_sort_code", "bank_account_number"]
    readonly_fields = ["bank_account_name", "bank_details_verified_at", "bank_details_changed_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # As when the group changes them itself (update_organisation_profile).
        if change and Organisation.AWARD_TOTALS_FIELDS & set(form.changed_data):
            raise_version(AWARD_MONEY)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are sent, accepted and cancelled by the organisation's owners."""

    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organisation__name"]
    exclude = ["token_hash"]


@admin.register(OrganisationDocument)
class OrganisationDocumentAdmin(ReadOnlyAdmin):
    """Listed for support; files are downloaded through the permission-checked view."""

    list_display = ["organisation", "kind", "original_name", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["organisation__name", "original_name"]
    exclude = ["file"]
