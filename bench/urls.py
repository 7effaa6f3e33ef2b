"""The production URLs plus the floor view (bench/floor.py)."""

from django.urls import path

from bench import floor
from config.urls import urlpatterns as production
from points.middleware import resident_page

# The floor is opened with the resident's session, like the page it is compared with; the
# resident-session guard lets such a session reach only pages marked as resident pages.
urlpatterns = [
    path(
        "bench/floor/passbook/",
        resident_page(floor.passbook_floor),
        name="bench_passbook_floor",
    ),
    *production,
]
