from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["full_name", "phone"]}),
        ("Roles and access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ReadOnlyAdmin(admin.ModelAdmin):
    """
    For records that change only through services (which check and audit
    every change): the admin may list and read them, never edit them.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log is read-only for everyone, administrators included."""

    list_display = ["at", "actor", "verb", "object_repr", "from_state", "to_state"]
    list_filter = ["verb", "content_type"]
    search_fields = ["object_repr", "actor__email", "verb"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
