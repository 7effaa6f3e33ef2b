from django.urls import path

from residents import audit_views, export_views, import_views, views

app_name = "residents"

urlpatterns = [
    path("", views.home, name="home"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/move-out/", views.household_move_out, name="household_move_out"),
    path("households/<int:pk>/move-in/", views.household_move_in, name="household_move_in"),
    path("settings/", views.community_settings, name="settings"),
    path("settings/<slug:kind>/new/", views.setting_create, name="setting_create"),
    path("settings/<slug:kind>/<int:pk>/edit/", views.setting_edit, name="setting_edit"),
    path("community/switch/", views.switch_community, name="switch_community"),
    # Roster import (import_views.py)
    # -- import patterns start --
    path("households/import/", import_views.import_start, name="import_start"),
    path(
        "households/import/template.<str:file_format>",
        import_views.import_template,
        name="import_template",
    ),
    path("households/import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path(
        "households/import/<int:pk>/problems.csv",
        import_views.import_problems,
        name="import_problems",
    ),
    path("households/import/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("households/import/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
    # -- import patterns end --
    # Household and member exports (export_views.py)
    # -- exports patterns start --
    path("households/export/", export_views.household_export, name="household_export"),
    path("exports/", export_views.export_log, name="export_log"),
    # -- exports patterns end --
    # Audit trail (audit_views.py)
    # -- audit patterns start --
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<str:table>/<int:object_id>/", audit_views.audit_object, name="audit_object"),
    # -- audit patterns end --
]
