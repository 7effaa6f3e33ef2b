from django.contrib import admin

from points.models import Account, LedgerEntry, PointRule


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = [
        "scope_label",
        "starts_on",
        "ends_on",
        "points_per_session",
        "points_per_hour",
        "organiser_bonus",
        "community",
    ]
    list_filter = ["community"]
    raw_id_fields = ["project", "category", "created_by"]
    list_select_related = ["project", "category", "community"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Balances and entries change only by posting (services); the admin only reads."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["household", "balance", "updated_at", "community"]
    list_filter = ["community"]
    search_fields = ["household__passbook_number"]
    list_select_related = ["household", "community"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "balance_after",
        "member",
        "occurred_on",
        "community",
    ]
    list_filter = ["kind", "stream", "community"]
    search_fields = ["account__household__passbook_number", "member__name", "reason"]
    list_select_related = ["account__household", "member", "community"]
    show_full_result_count = False
