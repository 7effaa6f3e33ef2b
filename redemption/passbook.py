"""What redemption shows on the resident's passbook page: the round card, a panel of the
page (points.panels) registered in RedemptionConfig.ready(), so that `points` never names
redemption."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from points.entry_details import EntryDetail
from points.models import LedgerEntry
from points.panels import PassbookPanel
from redemption.models import RedemptionLine, Round, RoundItem
from residents.caching import forget, remembered
from residents.models import Household

# The card is the same for every household of a community: kept in the cache for a minute
# per community (one query a minute instead of one per page), and forgotten in this process
# as soon as a round or its list of items changes (other server processes see the change
# within the minute).
CARD_CACHE_SECONDS = 60


def _card_key(community_id: int) -> str:
    return f"redemption.round_card.{community_id}"


def round_card(household: Household) -> dict:
    """The open round of the household's community (name, dates, where, how many items,
    what happens to points at closing) and its phase — “正在兑换” only on its days, before
    them from which day — else the last settled round's name, else nothing. One query (a
    minute, per community): the open round sorts before every settled one. The phase is
    worked out from the round on every page, so a cached round still turns from “early” to
    “正在兑换” on its first day."""
    shown = remembered(
        _card_key(household.community_id),
        CARD_CACHE_SECONDS,
        lambda: (
            Round.objects.filter(community_id=household.community_id)
            .annotate(item_count=Count("items"))
            .open_or_last_closed()
        ),
    )
    is_open = shown is not None and shown.status == Round.Status.OPEN
    return {
        "round": shown if is_open else None,
        "phase": shown.phase if is_open else None,
        "last_closed": shown if shown is not None and not is_open else None,
    }


ROUND_PANEL = PassbookPanel(
    name="redemption.round",
    order=10,
    template="redemption/resident/includes/_open_round_card.html",
    context=round_card,
)


# A passbook row names at most this many goods, so it stays within two lines on a phone.
GOODS_NAMED = 2


def goods_taken(entries: list[LedgerEntry]) -> Mapping[int, str]:
    """What each redeem entry paid for, by entry id: “青菜 2斤、肥皂 1块”, or with more
    goods “青菜 2斤、肥皂 1块等 4 样”. One query for the page."""
    lines = (
        RedemptionLine.objects.filter(redemption__entry_id__in=[entry.pk for entry in entries])
        .order_by("redemption_id", "pk")
        .values_list("redemption__entry_id", "item__reward__name", "quantity", "item__reward__unit")
    )
    goods: dict[int, list[str]] = {}
    for entry_id, name, quantity, unit in lines:
        goods.setdefault(entry_id, []).append(f"{name} {quantity}{unit}")
    texts = {}
    for entry_id, names in goods.items():
        text = "、".join(names[:GOODS_NAMED])
        if len(names) > GOODS_NAMED:
            text = _("%(goods)s等 %(count)s 样") % {"goods": text, "count": len(names)}
        texts[entry_id] = text
    return texts


GOODS_DETAIL = EntryDetail(
    name="redemption.goods",
    order=10,
    kinds=frozenset({LedgerEntry.Kind.REDEEM}),
    details=goods_taken,
)


def _forget_card(sender, instance, **kwargs) -> None:
    forget([_card_key(instance.community_id)])


for _model in (Round, RoundItem):
    post_save.connect(_forget_card, sender=_model, dispatch_uid=f"round_card_{_model.__name__}")
    post_delete.connect(_forget_card, sender=_model, dispatch_uid=f"round_card_{_model.__name__}")
