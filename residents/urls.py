from django.urls import path

from residents import views

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
    # -- import patterns end --
    # Household and member exports (export_views.py)
    # -- exports patterns start --
    # -- exports patterns end --
    # Audit trail (audit_views.py)
    # -- audit patterns start --
    # -- audit patterns end --
]
