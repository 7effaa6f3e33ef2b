"""Reads of volunteering that pages share: the claim rate (认领率) of Party members, shown on
the project menu and offered to the pages of later apps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest

from residents.models import Household, Member
from residents.tenancy import scoped
from volunteering.models import ProjectClaim


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

    # Written 2,638 as in the committees' reports (zh-Hans formats would print 2638).
    @property
    def claimed_display(self) -> str:
        return f"{self.claimed:,}"

    @property
    def total_display(self) -> str:
        return f"{self.total:,}"


def claim_rates(request: HttpRequest) -> dict[str, ClaimRate]:
    """Party members (current residents) who hold at least one claim on a project in use,
    out of all of them; and the same for in-service party members. One query."""
    holds_a_post = Exists(
        ProjectClaim.objects.filter(member=OuterRef("pk"), project__is_active=True)
    )
    counts = (
        scoped(request, Member)
        .filter(
            is_party_member=True,
            is_active=True,
            household__status=Household.Status.ACTIVE,
        )
        .alias(claimed=holds_a_post)
        .aggregate(
            party=Count("pk"),
            party_claimed=Count("pk", filter=Q(claimed=True)),
            in_service=Count("pk", filter=Q(is_in_service_party_member=True)),
            in_service_claimed=Count("pk", filter=Q(is_in_service_party_member=True, claimed=True)),
        )
    )
    return {
        "party": ClaimRate(counts["party_claimed"], counts["party"]),
        "in_service": ClaimRate(counts["in_service_claimed"], counts["in_service"]),
    }
