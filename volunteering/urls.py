from django.urls import path

from volunteering.views import activities, catalogue

app_name = "volunteering"

urlpatterns = [
    # Activities and attendance (views/activities.py)
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_log, name="activity_log"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path(
        "activities/<int:pk>/participants/",
        activities.activity_participants,
        name="activity_participants",
    ),
    path(
        "activities/<int:pk>/participants/<int:attendance_pk>/remove/",
        activities.attendance_remove,
        name="attendance_remove",
    ),
    path("activities/<int:pk>/sign-in-sheet/", activities.sign_in_sheet, name="sign_in_sheet"),
    path("activities/people/", activities.people_search, name="people_search"),
    path("activities/people/group/", activities.people_in_group, name="people_in_group"),
    path(
        "households/<int:pk>/activities/",
        activities.household_history,
        name="household_history",
    ),
    # Projects, claims and teams (views/catalogue.py)
    # -- catalogue patterns start --
    path("projects/", catalogue.project_list, name="project_list"),
    path("projects/new/", catalogue.project_create, name="project_create"),
    path("projects/categories/new/", catalogue.category_create, name="category_create"),
    path("projects/categories/<int:pk>/edit/", catalogue.category_edit, name="category_edit"),
    path("projects/<int:pk>/", catalogue.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", catalogue.project_edit, name="project_edit"),
    path("projects/<int:pk>/retire/", catalogue.project_retire, name="project_retire"),
    path("projects/<int:pk>/reactivate/", catalogue.project_reactivate, name="project_reactivate"),
    path("projects/<int:pk>/claims/", catalogue.project_claim, name="project_claim"),
    path(
        "projects/<int:pk>/claims/<int:claim_pk>/withdraw/",
        catalogue.claim_withdraw,
        name="claim_withdraw",
    ),
    path("teams/", catalogue.team_list, name="team_list"),
    path("teams/new/", catalogue.team_create, name="team_create"),
    path("teams/<int:pk>/", catalogue.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", catalogue.team_edit, name="team_edit"),
    path("teams/<int:pk>/retire/", catalogue.team_retire, name="team_retire"),
    path("teams/<int:pk>/reactivate/", catalogue.team_reactivate, name="team_reactivate"),
    path("teams/<int:pk>/members/", catalogue.team_add_members, name="team_add_members"),
    path(
        "teams/<int:pk>/members/<int:member_pk>/remove/",
        catalogue.team_remove_member,
        name="team_remove_member",
    ),
    path(
        "teams/<int:pk>/members/<int:member_pk>/leader/",
        catalogue.team_set_leader,
        name="team_set_leader",
    ),
    # -- catalogue patterns end --
]
