"""Every volunteer's service hours for a quarter or a year, in half-hour units as the
national volunteer systems record them (全国志愿服务信息系统: 0.5 小时为单位): each record's
hours are rounded down to the half hour before they are added up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Floor

from residents.models import Community, Member
from residents.reporting import Period
from volunteering.models import Attendance

TENTH = Decimal("0.1")
HALF_HOURS = ExpressionWrapper(
    Floor(F("hours") * 2) / 2, output_field=DecimalField(max_digits=8, decimal_places=1)
)


@dataclass(frozen=True)
class ServiceHours:
    member: Member
    times: int  # approved records
    hours: Decimal  # approved, in half hours
    pending: Decimal  # waiting for review, in half hours


def service_hours(community: Community, period: Period) -> list[ServiceHours]:
    """Everyone with approved or pending service in `period`, most hours first: two
    queries."""
    approved = Q(status=Attendance.Status.APPROVED)
    pending = Q(status=Attendance.Status.PENDING)
    rows = list(
        Attendance.objects.filter(
            community=community, activity__date__range=(period.start, period.end)
        )
        .filter(approved | pending)
        .values("member")
        .annotate(
            times=Count("pk", filter=approved),
            approved_hours=Sum(HALF_HOURS, filter=approved, default=Decimal(0)),
            pending_hours=Sum(HALF_HOURS, filter=pending, default=Decimal(0)),
        )
    )
    members = Member.objects.filter(pk__in=[r["member"] for r in rows]).select_related(
        "household__compound"
    )
    by_pk = {m.pk: m for m in members}
    result = [
        ServiceHours(
            by_pk[r["member"]],
            r["times"],
            Decimal(r["approved_hours"]).quantize(TENTH),
            Decimal(r["pending_hours"]).quantize(TENTH),
        )
        for r in rows
    ]
    result.sort(key=lambda row: (-row.hours, -row.pending, row.member.name, row.member.pk))
    return result
