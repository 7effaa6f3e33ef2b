"""What redemption shows on the resident's passbook page: the round card, a panel of the
page (points.panels) registered in RedemptionConfig.ready(), so that `points` never names
redemption."""

from __future__ import annotations

from django.db.models import Count

from points.panels import PassbookPanel
from redemption.models import Round
from residents.models import Household


def round_card(household: Household) -> dict:
    """The open round of the household's community (name, dates, how many items, what
    happens to points at closing), else the last settled round's name, else nothing.
    One query: the open round sorts before every settled one."""
    shown = (
        Round.objects.filter(community_id=household.community_id)
        .annotate(item_count=Count("items"))
        .open_or_last_closed()
    )
    is_open = shown is not None and shown.status == Round.Status.OPEN
    return {
        "round": shown if is_open else None,
        "last_closed": shown if shown is not None and not is_open else None,
    }


ROUND_PANEL = PassbookPanel(
    name="redemption.round",
    order=10,
    template="redemption/resident/includes/_open_round_card.html",
    context=round_card,
)
