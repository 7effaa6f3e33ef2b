from django.urls import path

from party.views import members, register, report, roll_call, settings, standings

app_name = "party"

urlpatterns = [
    path("party/", register.register, name="register"),
    path("party/export/", register.register_export, name="register_export"),
    path("party/standings/", standings.standings, name="standings"),
    path("party/standings/notice/", standings.standings_notice, name="standings_notice"),
    path("party/report/", report.report, name="report"),
    path("party/members/<int:pk>/", members.member_account, name="member"),
    path("party/members/<int:pk>/profile/", members.member_profile, name="member_profile"),
    path("party/roll-call/", roll_call.roll_call, name="roll_call"),
    path("party/settings/", settings.party_settings, name="settings"),
]
