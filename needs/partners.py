"""Partner units (共建单位): writing them and their people, and a unit's quarter (people,
hours, needs done) for its printable statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from needs.models import Need, PartnerPerson, PartnerUnit
from residents.models import Community, Member
from residents.reporting import Period
from residents.services import save_non_resident
from residents.transactions import retry_on_conflict
from volunteering.models import Attendance

UNIT_FIELDS = ("name", "contact", "phone", "party_branch", "commitments")


@retry_on_conflict
def save_unit(
    *, community: Community, by, fields: dict[str, Any], unit: PartnerUnit | None = None
) -> PartnerUnit:
    """Register a partner unit, or change one."""
    if unit is None:
        unit = PartnerUnit(community=community)
    else:
        unit = PartnerUnit.objects.select_for_update().get(pk=unit.pk, community=community)
    for name in UNIT_FIELDS:
        if name in fields:
            setattr(unit, name, fields[name])
    if not unit.name.strip():
        raise ValidationError({"name": _("请填写单位名称。")})
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        raise ValidationError({"name": _("已有同名的共建单位。")}) from None
    return unit


@retry_on_conflict
def add_person(
    *,
    unit: PartnerUnit,
    by,
    member: Member | None = None,
    new_person: dict[str, Any] | None = None,
) -> PartnerPerson:
    """Put someone on the unit's list: a member already on the register, or a new
    non-resident (报到) registered here with the unit as employer."""
    if (member is None) == (new_person is None):
        raise ValidationError(_("请选择一位已登记的人员，或填写新人员的姓名（二选一）。"))
    if member is None:
        fields = {"employer": unit.name, **new_person}
        member = save_non_resident(community=unit.community, fields=fields, by=by)
    elif member.community_id != unit.community_id or not member.is_active:
        raise ValidationError(_("此人不在本居民区的名册上。"))
    person = PartnerPerson(
        community_id=unit.community_id,
        unit=unit,
        member=member,
        joined_on=timezone.localdate(),
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s 已在本单位名单中。") % {"name": member.name}) from None
    return person


@retry_on_conflict
def remove_person(*, person: PartnerPerson, by) -> None:
    """Take someone off the unit's list; what they did stays on record."""
    PartnerPerson.objects.filter(pk=person.pk).delete()


@dataclass
class Statement:
    unit: PartnerUnit
    period: Period
    needs: list[Need] = field(default_factory=list)
    people: list[tuple[Member, Decimal, int]] = field(default_factory=list)  # hours, times

    @property
    def hours(self) -> Decimal:
        return sum((hours for _m, hours, _n in self.people), Decimal(0))

    @property
    def unit_hours(self) -> Decimal:
        """Hours of needs the unit did without naming its people (人数 × 每人时长)."""
        return sum(
            (n.hours * (n.people or 1) for n in self.needs if n.activity_id is None), Decimal(0)
        )


def statement(unit: PartnerUnit, period: Period) -> Statement:
    """The unit's period: the needs it finished, and its people's service hours (every
    activity they attended, needs included), in three queries."""
    first, last = period.start, period.end
    result = Statement(unit=unit, period=period)
    result.needs = list(
        Need.objects.filter(
            community_id=unit.community_id,
            partner=unit,
            state__in=Need.FINISHED_STATES,
            done_on__range=(first, last),
        )
        .select_related("household__compound")
        .order_by("done_on", "pk")
    )
    members = PartnerPerson.objects.filter(community_id=unit.community_id, unit=unit).values(
        "member"
    )
    rows = (
        Attendance.objects.filter(
            community_id=unit.community_id,
            member__in=members,
            activity__date__range=(first, last),
        )
        .exclude(status=Attendance.Status.REJECTED)
        .values("member")
        .annotate(hours=Sum("hours"), times=Count("pk"))
    )
    people = {m.pk: m for m in Member.objects.filter(pk__in=[r["member"] for r in rows])}
    result.people = sorted(
        ((people[r["member"]], r["hours"], r["times"]) for r in rows),
        key=lambda row: (-row[1], row[0].name),
    )
    return result
