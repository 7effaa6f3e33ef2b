from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    Member,
    StaffMembership,
    SubDistrict,
)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SubDistrict)
class SubDistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "street", "passbook_prefix", "passbook_serial"]
    search_fields = ["name", "slug", "subdistrict__name"]
    list_filter = ["subdistrict__name"]
    readonly_fields = ["passbook_serial", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffMembershipInline]

    @admin.display(description=_("所属街道"))
    def street(self, community: Community) -> str:
        return str(community.subdistrict or "")


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "created_at"]
    list_filter = ["role", "community"]
    search_fields = ["user__username", "user__first_name", "community__name"]
    autocomplete_fields = ["user", "community"]


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]
    search_fields = ["name"]


@admin.register(BuildingGroup)
class BuildingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "leader", "community"]
    list_filter = ["community", "compound"]
    search_fields = ["name", "leader__name"]
    raw_id_fields = ["leader"]
    list_select_related = ["compound", "leader", "community"]


@admin.register(HouseholdType)
class HouseholdTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "community"]
    list_filter = ["community"]
    search_fields = ["name"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = [
        "name",
        "gender",
        "birth_year",
        "relation",
        "phone",
        "specialties",
        "is_party_member",
        "is_in_service_party_member",
        "is_active",
    ]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = [
        "passbook_number",
        "compound",
        "building",
        "unit",
        "room",
        "building_group",
        "status",
        "community",
    ]
    list_filter = ["status", "community", "compound", "types"]
    search_fields = ["passbook_number", "room", "phone", "members__name"]
    list_select_related = ["compound", "building_group", "community"]
    readonly_fields = ["passbook_number", "created_at", "updated_at"]
    filter_horizontal = ["types"]
    inlines = [MemberInline]
    show_full_result_count = False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "gender",
        "birth_year",
        "relation",
        "household",
        "is_party_member",
        "is_in_service_party_member",
        "is_active",
    ]
    list_filter = [
        "is_party_member",
        "is_in_service_party_member",
        "is_active",
        "gender",
        "relation",
        "community",
    ]
    search_fields = ["name", "phone", "household__passbook_number", "employer"]
    raw_id_fields = ["household"]
    list_select_related = ["household", "household__compound"]
