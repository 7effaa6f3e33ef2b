from django.urls import path

from redemption.views import catalogue, counter, dashboard, resident, rounds

app_name = "redemption"

urlpatterns = [
    # Reward catalogue (views/catalogue.py)
    # -- catalogue patterns start --
    path("rewards/", catalogue.reward_list, name="reward_list"),
    path("rewards/new/", catalogue.reward_create, name="reward_create"),
    path("rewards/<int:pk>/", catalogue.reward_edit, name="reward_edit"),
    path("rewards/<int:pk>/active/", catalogue.reward_toggle, name="reward_toggle"),
    path("rewards/<int:pk>/picture/", catalogue.reward_picture, name="reward_picture"),
    # -- catalogue patterns end --
    # Rounds, their items, opening, closing and settlement (views/rounds.py)
    # -- rounds patterns start --
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:pk>/items/", rounds.round_item_add, name="round_item_add"),
    path("rounds/<int:pk>/items/<int:item_pk>/", rounds.round_item_edit, name="round_item_edit"),
    path(
        "rounds/<int:pk>/items/<int:item_pk>/remove/",
        rounds.round_item_remove,
        name="round_item_remove",
    ),
    path("rounds/<int:pk>/open/", rounds.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("rounds/<int:pk>/settlement/", rounds.round_settlement, name="round_settlement"),
    path(
        "rounds/<int:pk>/settlement.xlsx",
        rounds.round_settlement_xlsx,
        name="round_settlement_xlsx",
    ),
    path(
        "rounds/<int:pk>/settlement.csv",
        rounds.round_settlement_csv,
        name="round_settlement_csv",
    ),
    # -- rounds patterns end --
    # The counter, receipts and cancelling (views/counter.py)
    # -- counter patterns start --
    path("counter/", counter.counter, name="counter"),
    path("counter/households/<int:pk>/", counter.counter_household, name="counter_household"),
    path("redemptions/<int:pk>/", counter.receipt, name="receipt"),
    path("redemptions/<int:pk>/cancel/", counter.cancel, name="cancel"),
    # -- counter patterns end --
    # Residents: the open round's catalogue and their redemptions (views/resident.py)
    # -- resident patterns start --
    path("passbook/rewards/", resident.resident_rewards, name="resident_rewards"),
    path(
        "passbook/rewards/<int:item_pk>/picture/",
        resident.resident_reward_picture,
        name="resident_reward_picture",
    ),
    # -- resident patterns end --
    # The staff dashboard (views/dashboard.py)
    # -- dashboard patterns start --
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # -- dashboard patterns end --
]
