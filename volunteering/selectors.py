"""Reads of volunteering that pages share: the claim rate (认领率) of Party members, shown on
the project menu and offered to the pages of later apps, and how many records wait for
review (the menu's and the dashboard's count)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, Expression, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from residents.models import Member
from residents.reporting import Period
from volunteering.models import Attendance, ProjectClaim


def waiting_for_review(community: Expression) -> Expression:
    """The number of the community's attendance records waiting for review, as a subquery
    on `community` (an OuterRef): an index-only count on (community, status)."""
    pending = (
        Attendance.objects.filter(community=community, status=Attendance.Status.PENDING)
        .order_by()
        .values("community")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(pending, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class ClaimRate:
    claimed: int
    total: int

    @property
    def percent(self) -> str:
        if not self.total:
            return ""
        share = Decimal(self.claimed * 100) / Decimal(self.total)
        return str(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    @property
    def share(self) -> Decimal | None:
        """The percentage as a number (one decimal), None without party members."""
        return Decimal(self.percent) if self.total else None

    # Written 2,638 as in the committees' reports (zh-Hans formats would print 2638).
    @property
    def claimed_display(self) -> str:
        return f"{self.claimed:,}"

    @property
    def total_display(self) -> str:
        return f"{self.total:,}"

    def __add__(self, other: ClaimRate) -> ClaimRate:
        return ClaimRate(self.claimed + other.claimed, self.total + other.total)


def claim_rates(
    *, communities: Sequence[int], quarter: Period | None = None
) -> dict[int, dict[str, ClaimRate]]:
    """Party members (current residents, and non-residents who reported here: 报到) who
    hold at least one claim on a project in use, out of all of them; and the same for
    in-service party members. Claims are held now, whatever the quarter. One query."""
    holds_a_post = Exists(
        ProjectClaim.objects.filter(member=OuterRef("pk"), project__is_active=True)
    )
    counts = {
        row["community_id"]: row
        for row in Member.objects.filter(community_id__in=communities, is_party_member=True)
        .current()
        .alias(claimed=holds_a_post)
        .values("community_id")
        .annotate(
            party=Count("pk"),
            party_claimed=Count("pk", filter=Q(claimed=True)),
            in_service=Count("pk", filter=Q(is_in_service_party_member=True)),
            in_service_claimed=Count("pk", filter=Q(is_in_service_party_member=True, claimed=True)),
        )
        .order_by()
    }
    values = {}
    for community in communities:
        row = counts.get(community, {})
        values[community] = {
            "party": ClaimRate(row.get("party_claimed", 0), row.get("party", 0)),
            "in_service": ClaimRate(row.get("in_service_claimed", 0), row.get("in_service", 0)),
        }
    return values
