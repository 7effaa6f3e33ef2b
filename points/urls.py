from django.urls import path

from points.views import ledger, review, rules, standings

app_name = "points"

urlpatterns = [
    # Review queue (views/review.py)
    # -- review patterns start --
    path("review/", review.review_queue, name="review_queue"),
    path("review/decide/", review.review_decide, name="review_decide"),
    # -- review patterns end --
    # Household ledger and adjustments (views/ledger.py)
    # -- ledger patterns start --
    path("households/<int:pk>/points/", ledger.household_ledger, name="household_ledger"),
    path("households/<int:pk>/points/adjust/", ledger.ledger_adjust, name="ledger_adjust"),
    path(
        "households/<int:pk>/points/<int:entry_pk>/undo/",
        ledger.ledger_undo,
        name="ledger_undo",
    ),
    # -- ledger patterns end --
    # Point rules (views/rules.py)
    # -- rules patterns start --
    path("points/rules/", rules.rule_list, name="rule_list"),
    path("points/rules/new/", rules.rule_create, name="rule_create"),
    path("points/rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("points/rules/<int:pk>/end/", rules.rule_end, name="rule_end"),
    path("points/rules/<int:pk>/supersede/", rules.rule_supersede, name="rule_supersede"),
    path("points/rules/<int:pk>/delete/", rules.rule_delete, name="rule_delete"),
    # -- rules patterns end --
    # Standings (views/standings.py)
    # -- standings patterns start --
    path("standings/", standings.standings, name="standings"),
    path("standings/notice/", standings.standings_notice, name="standings_notice"),
    # -- standings patterns end --
]
