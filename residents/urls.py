from django.urls import path

from residents.views import audit, exports, home, households, imports, settings

app_name = "residents"

urlpatterns = [
    path("", home.home, name="home"),
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path("households/<int:pk>/move-out/", households.household_move_out, name="household_move_out"),
    path("households/<int:pk>/move-in/", households.household_move_in, name="household_move_in"),
    path("households/<int:pk>/phone/", households.household_phone, name="household_phone"),
    path("settings/", settings.community_settings, name="settings"),
    path("settings/review/", settings.review_rule, name="review_rule"),
    path("settings/<slug:kind>/new/", settings.setting_create, name="setting_create"),
    path("settings/<slug:kind>/<int:pk>/edit/", settings.setting_edit, name="setting_edit"),
    path("community/switch/", home.switch_community, name="switch_community"),
    # Roster import (views/imports.py)
    # -- import patterns start --
    path("households/import/", imports.import_start, name="import_start"),
    path(
        "households/import/template.<str:file_format>",
        imports.import_template,
        name="import_template",
    ),
    path("households/import/<int:pk>/", imports.import_preview, name="import_preview"),
    path(
        "households/import/<int:pk>/problems.csv",
        imports.import_problems,
        name="import_problems",
    ),
    path("households/import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("households/import/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    # -- import patterns end --
    # Household and member exports (views/exports.py)
    # -- exports patterns start --
    path("households/export/", exports.household_export, name="household_export"),
    path("exports/", exports.export_log, name="export_log"),
    # -- exports patterns end --
    # Audit trail (views/audit.py)
    # -- audit patterns start --
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/<str:table>/<int:object_id>/", audit.audit_object, name="audit_object"),
    # -- audit patterns end --
]
