from django.contrib import admin

from volunteering.models import (
    Activity,
    Attendance,
    Project,
    ProjectCategory,
    ProjectClaim,
    Team,
    TeamMembership,
)


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "community"]
    list_filter = ["community"]
    search_fields = ["name"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "default_hours", "is_active", "community"]
    list_filter = ["is_active", "community", "category"]
    search_fields = ["name", "description"]
    list_select_related = ["category", "community"]


@admin.register(ProjectClaim)
class ProjectClaimAdmin(admin.ModelAdmin):
    list_display = ["member", "project", "claimed_on", "community"]
    list_filter = ["community", "project"]
    search_fields = ["member__name", "project__name"]
    raw_id_fields = ["member", "project", "created_by"]
    list_select_related = ["member", "project", "community"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["member"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "leader", "is_active", "community"]
    list_filter = ["is_active", "community"]
    search_fields = ["name", "leader__name"]
    raw_id_fields = ["leader"]
    inlines = [TeamMembershipInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["member", "recorded_by"]
    fields = ["member", "hours", "role", "status", "rejection_reason", "note"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "project", "hours", "place", "community"]
    list_filter = ["community", "project", "date"]
    search_fields = ["title", "place", "organiser"]
    date_hierarchy = "date"
    raw_id_fields = ["created_by"]
    list_select_related = ["project", "community"]
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["member", "activity", "hours", "role", "status", "community"]
    list_filter = ["status", "role", "community"]
    search_fields = ["member__name", "activity__title"]
    raw_id_fields = ["member", "activity", "recorded_by"]
    list_select_related = ["member", "activity", "community"]
