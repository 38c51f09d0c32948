"""The ledger in the admin: strictly read-only. Entries are facts; nothing here may add, change
or delete one (the ORM and the database triggers refuse too — this just offers no door)."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import LedgerCheckpoint, LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "problem", "action", "transition", "actor", "created_at")
    list_filter = ("action",)
    list_select_related = ("problem", "actor")
    search_fields = ("problem__code", "action", "comment")
    fields = (
        "seq",
        "problem",
        "actor",
        "action",
        "from_state",
        "to_state",
        "changes_pretty",
        "comment",
        "created_at",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    ordering = ("-seq",)
    show_full_result_count = False  # the ledger grows without bound; skip the extra COUNT(*)

    @admin.display(description=_("状态变化"))
    def transition(self, obj):
        if obj.from_state == obj.to_state:
            return obj.to_state or "—"
        return f"{obj.from_state or '∅'} → {obj.to_state}"

    @admin.display(description=_("变更内容"))
    def changes_pretty(self, obj):
        text = json.dumps(obj.changes, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(admin.ModelAdmin):
    """Signed checkpoints, read-only: they are taken by the daily job or the API, never here."""

    list_display = ("code", "seq", "created_at", "key_id", "witness_status")
    fields = (
        "code",
        "seq",
        "head_hash",
        "created_at",
        "key_id",
        "signature",
        "witness_status",
        "witness_error",
    )
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    @admin.display(description=_("台账校验码"))
    def code(self, obj):
        return obj.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
