"""
Money is read in the admin but moved only through the finance pages, so that
every change is checked (four eyes on payment runs) and audited.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import (
    AwardVariation,
    Instalment,
    Payment,
    PaymentRule,
    PaymentRun,
    Repayment,
    RepaymentReceipt,
)


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "due_date", "amount", "after_return"]
    list_select_related = ["award__application", "after_return__award__application"]
    search_fields = ["award__application__reference"]
    date_hierarchy = "due_date"


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["instalment", "amount", "status", "paid_on", "reference"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instalment__award__application")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "created_by", "created_at", "approved_by", "paid_on",
                    "payment_reference"]
    list_filter = ["status"]
    list_select_related = ["created_by", "approved_by"]
    search_fields = ["payment_reference"]
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "run", "amount", "status", "paid_on", "reference", "failure_reason"]
    list_filter = ["status"]
    list_select_related = ["instalment__award__application", "run"]
    search_fields = ["instalment__award__application__reference", "reference"]


class RepaymentReceiptInline(admin.TabularInline):
    model = RepaymentReceipt
    fields = ["amount", "received_on", "reference", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "award", "amount", "requested_by", "requested_at"]
    list_select_related = ["award__application", "requested_by"]
    search_fields = ["award__application__reference"]
    inlines = [RepaymentReceiptInline]


@admin.register(PaymentRule)
class PaymentRuleAdmin(admin.ModelAdmin):
    """
    How a round's awards are paid. Changing it changes only the schedules of
    awards offered afterwards: schedules already made stay as offered.
    """

    list_display = ["round", "full_payment_up_to", "first_instalment_percent", "updated_at"]
    list_select_related = ["round__programme"]
    search_fields = ["round__name", "round__programme__name"]


@admin.register(AwardVariation)
class AwardVariationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "award", "status", "new_amount", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["award__application", "requested_by", "decided_by"]
    search_fields = ["award__application__reference"]
