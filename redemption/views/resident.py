"""What residents see of redemption, from their passbook page: the open round's items with
what is left and what their household may still take, and their own redemptions.

Reached only with the resident session the passbook's QR link starts (points.passbook),
exactly like the passbook page; no staff page is reachable from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from points.middleware import resident_page
from points.models import Account
from points.passbook import private, resident_household, unavailable
from redemption import selectors
from redemption.models import Round, RoundItem
from redemption.pictures import picture_response

HISTORY_LIMIT = 40  # ten years of quarterly visits; older receipts are on paper anyway


@dataclass
class Offer:
    """One item of the open round as a resident sees it."""

    item: RoundItem
    taken: int  # by this household in this round
    balance: int

    @property
    def left_for_household(self) -> int | None:
        return self.item.left_for_household(self.taken)

    @property
    def sold_out(self) -> bool:
        return self.item.remaining <= 0

    @property
    def affordable(self) -> bool:
        return self.balance >= self.item.point_price

    @property
    def shortfall(self) -> int:
        return max(self.item.point_price - self.balance, 0)


@resident_page
@require_GET
@private
def resident_rewards(request: HttpRequest) -> HttpResponse:
    """The open round's items for this household, and its redemptions of every round."""
    household = resident_household(request)
    if household is None:
        return unavailable(request)
    balance = Account.objects.balance_of(household)
    round_ = selectors.open_round(household.community_id)
    offers: list[Offer] = []
    last_closed = None
    if round_ is not None:
        taken = selectors.taken_by_household(round_, household)
        offers = [
            Offer(item=item, taken=taken.get(item.pk, 0), balance=balance)
            for item in selectors.round_items(round_)
        ]
    else:
        last_closed = (
            Round.objects.filter(community_id=household.community_id)
            .only("name", "closes_on")
            .last_closed()
        )
    history = list(
        selectors.household_redemptions(household).order_by("-created_at", "-pk")[
            : HISTORY_LIMIT + 1
        ]
    )
    return render(
        request,
        "redemption/resident/rewards.html",
        {
            "household": household,
            "balance": balance,
            "round": round_,
            "offers": offers,
            "last_closed": last_closed,
            "history": history[:HISTORY_LIMIT],
            "history_cut": len(history) > HISTORY_LIMIT,
            "history_limit": HISTORY_LIMIT,
        },
    )


@resident_page
@require_GET
@private
def resident_reward_picture(request: HttpRequest, item_pk: int) -> HttpResponse:
    """The picture of an item of the open round of the resident's community; anything
    else (another round, another community, no picture, not an image) is a 404."""
    household = resident_household(request)
    if household is None:
        return unavailable(request)
    item = (
        RoundItem.objects.filter(
            pk=item_pk,
            community_id=household.community_id,
            round__community_id=household.community_id,
            round__status=Round.Status.OPEN,
        )
        .select_related("reward")
        .first()
    )
    name = item.reward.picture.name if item is not None and item.reward.picture else ""
    if not name:
        raise Http404
    return picture_response(name)
