"""Read-only admin pages for what went wrong in the reminder machinery (superusers only, as
the whole admin is): problems the scan could not process and escalations that failed."""

from django.contrib import admin

from .models import Escalation, ScanFailure


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanFailure)
class ScanFailureAdmin(_ReadOnly):
    list_display = ("problem", "attempts", "first_failed_at", "last_failed_at", "last_error")
    list_select_related = ("problem",)


@admin.register(Escalation)
class EscalationAdmin(_ReadOnly):
    list_display = ("problem", "target", "due_date", "state", "attempts", "done_at", "last_error")
    list_filter = ("state",)
    list_select_related = ("problem",)
