"""The operator's view of redemption in /admin/. Rounds are opened and closed, and
redemptions made and cancelled, only through the services (the staff pages and the
counter): here stock, money and status are read-only, and a redemption only reads."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from redemption.models import Redemption, RedemptionLine, Reward, Round, RoundItem


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "point_price", "cost_yuan", "is_active", "community"]
    list_filter = ["is_active", "community"]
    search_fields = ["name", "note"]
    list_select_related = ["community"]
    # Pictures are uploaded on the catalogue page, which checks the file's content.
    readonly_fields = ["picture", "created_at"]


class RoundItemInline(admin.TabularInline):
    model = RoundItem
    extra = 0
    fields = ["reward", "point_price", "cost_yuan", "stock", "taken", "per_household_limit"]
    readonly_fields = ["taken"]
    raw_id_fields = ["reward"]

    # Once a round is open, its items change only through the round pages, under the
    # round's lock (stock below what was taken, or a new price mid-round, is refused there).
    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        if obj is not None and obj.status != Round.Status.DRAFT:
            return self.fields
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return obj is None or obj.status == Round.Status.DRAFT

    def has_delete_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return obj is None or obj.status == Round.Status.DRAFT


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "opens_on",
        "closes_on",
        "status",
        "budget_yuan",
        "spent_yuan",
        "balance_policy",
        "community",
    ]
    list_filter = ["status", "balance_policy", "community"]
    search_fields = ["name", "code"]
    date_hierarchy = "opens_on"
    list_select_related = ["community"]
    raw_id_fields = ["created_by"]
    readonly_fields = [
        "status",
        "spent_yuan",
        "receipt_serial",
        "created_at",
        "opened_by",
        "opened_at",
        "closed_by",
        "closed_at",
        "expired_households",
        "expired_points",
    ]
    inlines = [RoundItemInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        # Open: only the wording may change here; dates, budget and policy go through the
        # round pages, which check them against what was already redeemed.
        if obj is not None and obj.status != Round.Status.DRAFT:
            editable = {"name", "note"}
            return [
                f.name
                for f in Round._meta.concrete_fields
                if f.name not in editable and not f.primary_key
            ]
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        # A settled round does not change (a database trigger refuses it too).
        if obj is not None and obj.status == Round.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        if obj is not None and obj.status != Round.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


class RedemptionLineInline(admin.TabularInline):
    model = RedemptionLine
    extra = 0
    fields = ["item", "quantity", "point_price", "cost_yuan"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    """Made only at the counter (redeem), undone only by cancelling there: read-only."""

    list_display = [
        "number",
        "created_at",
        "household",
        "round",
        "points",
        "cost_yuan",
        "cancelled_at",
        "community",
    ]
    # By code (2026Q4), not by round: every community has a round of that name.
    list_filter = ["community", "round__code", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["number", "household__passbook_number", "cancel_reason"]
    date_hierarchy = "created_at"
    list_select_related = ["household", "round", "community"]
    inlines = [RedemptionLineInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False
