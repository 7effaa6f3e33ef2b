from django.urls import path

from redemption.views import catalogue, counter, resident, rounds

app_name = "redemption"

urlpatterns = [
    # Reward catalogue (views/catalogue.py)
    # -- catalogue patterns start --
    # -- catalogue patterns end --
    # Rounds, their items, opening, closing and settlement (views/rounds.py)
    # -- rounds patterns start --
    # -- rounds patterns end --
    # The counter, receipts and cancelling (views/counter.py)
    # -- counter patterns start --
    # -- counter patterns end --
    # Residents: the open round's catalogue and their redemptions (views/resident.py)
    # -- resident patterns start --
    # -- resident patterns end --
]
