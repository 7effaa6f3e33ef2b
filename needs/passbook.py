"""The resident's own wishes on their passbook page: a panel of the page (points.panels),
registered in NeedsConfig.ready()."""

from __future__ import annotations

from needs.models import Need
from points.panels import PassbookPanel
from residents.models import Household

SHOWN = 5


def wishes_card(household: Household) -> dict:
    """The household's latest wishes and where each has got to: one query."""
    wishes = list(
        Need.objects.filter(community_id=household.community_id, household=household)
        .only("text", "state", "created_at", "confirmed")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    return {"wishes": wishes}


WISHES_PANEL = PassbookPanel(
    name="needs.wishes",
    order=20,
    template="needs/resident/_wishes_card.html",
    context=wishes_card,
)
