"""Redemption's figure on the staff dashboard (residents.dashboard), registered in
RedemptionConfig.ready(): the open round and how much of its budget is used, from its
settlement's totals. Two queries, whatever the number of communities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from redemption.models import Round
from redemption.selectors import RoundTotals, round_totals
from residents.dashboard import Figure, Measure, Place
from residents.reporting import Period


@dataclass(frozen=True)
class OpenRound:
    round: Round | None = None
    settlement: RoundTotals | None = None


def open_rounds(
    *, communities: Sequence[int], quarter: Period | None = None
) -> dict[int, OpenRound]:
    """Each community's open round now (one at a time, PostgreSQL sees to it), whatever
    the quarter."""
    rounds = list(Round.objects.filter(community_id__in=communities).open())
    totals = round_totals(rounds)
    by_community = {r.community_id: OpenRound(r, totals[r.pk]) for r in rounds}
    return {community: by_community.get(community, OpenRound()) for community in communities}


FIGURES = [
    Figure(
        name="redemption.open_round",
        order=60,
        place=Place.HALF,
        template="redemption/dashboard/includes/_round.html",
        values=open_rounds,
        total=None,  # a round is a community's own
        measures=(
            Measure(_("当前兑换期预算（元）"), lambda v: v.round.budget_yuan if v.round else None),
            Measure(_("预算已用（元）"), lambda v: v.settlement.yuan if v.settlement else None),
            Measure(
                _("预算使用率"),
                lambda v: v.settlement.budget_share if v.settlement else None,
                percent=True,
            ),
        ),
    ),
]
