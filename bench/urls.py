"""The production URLs plus the floor view (bench/floor.py)."""

from django.urls import path

from bench import floor
from config.urls import urlpatterns as production

urlpatterns = [
    path("bench/floor/passbook/<int:household_id>/", floor.passbook_floor),
    *production,
]
