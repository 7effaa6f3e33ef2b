"""Pricing attendance with the point rules: which rule applies, and how many points."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from points.models import LedgerEntry, PointRule
from residents.models import Community
from volunteering.models import Attendance, Project

ROUNDING = {
    PointRule.Rounding.DOWN: ROUND_FLOOR,
    PointRule.Rounding.NEAREST: ROUND_HALF_UP,
    PointRule.Rounding.UP: ROUND_CEILING,
}


@dataclass(frozen=True)
class Quote:
    """What an attendance earns: points, the rule and the working in words."""

    points: int
    rule: PointRule | None
    calculation: str


def rules_in_force(community: Community, days: Iterable[datetime.date]) -> list[PointRule]:
    """Every rule of the community that is in force on any of `days` (one query)."""
    days = list(days)
    if not days:
        return []
    return list(
        PointRule.objects.filter(community=community, starts_on__lte=max(days))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=min(days)))
        .order_by("starts_on")
    )


def pick_rule(rules: Sequence[PointRule], project: Project, day: datetime.date) -> PointRule | None:
    """The project's own rule beats its category's, which beats the community default."""
    in_force = [rule for rule in rules if rule.covers(day)]
    for matches in (
        lambda r: r.project_id == project.pk,
        lambda r: r.category_id == project.category_id and r.project_id is None,
        lambda r: r.project_id is None and r.category_id is None,
    ):
        found = [rule for rule in in_force if matches(rule)]
        if found:
            return found[-1]
    return None


def price(rule: PointRule, hours: Decimal, role: str) -> tuple[int, str]:
    """Points before caps, and how they were worked out."""
    parts, total = [], 0
    if rule.points_per_session:
        total += rule.points_per_session
        parts.append(_("每次 %(n)s 分") % {"n": rule.points_per_session})
    if rule.points_per_hour:
        hourly = int((rule.points_per_hour * hours).to_integral_value(ROUNDING[rule.rounding]))
        total += hourly
        parts.append(
            _("每小时 %(rate)s 分 × %(hours)s 小时 = %(n)s 分（%(rounding)s）")
            % {
                "rate": rule.points_per_hour.normalize(),
                "hours": hours.normalize(),
                "n": hourly,
                "rounding": rule.get_rounding_display(),
            }
        )
    if role == Attendance.Role.ORGANISER and rule.organiser_bonus:
        total += rule.organiser_bonus
        parts.append(_("组织/带队 +%(n)s 分") % {"n": rule.organiser_bonus})
    return total, " + ".join(parts)


def _already_earned(community: Community, attendances: Sequence[Attendance]):
    """Net points each member already has per (rule, day), from entries in the months
    concerned (one query)."""
    months = {a.activity.date.replace(day=1) for a in attendances}
    if not months:
        return {}
    first = min(months)
    last_month = max(months)
    # The last day of the last month (the first of the next would not exist after 9999-12).
    last = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
    rows = (
        LedgerEntry.objects.filter(
            community=community,
            member__in={a.member_id for a in attendances},
            kind__in=[LedgerEntry.Kind.EARN, LedgerEntry.Kind.REVERSE],
            rule__isnull=False,
            occurred_on__gte=first,
            occurred_on__lte=last,
        )
        .values("member_id", "rule_id", "occurred_on")
        .annotate(points=Sum("amount"))
    )
    return {(r["member_id"], r["rule_id"], r["occurred_on"]): r["points"] for r in rows}


def quote_attendances(community: Community, attendances: Sequence[Attendance]) -> dict[int, Quote]:
    """Points for each attendance under the rules in force on its activity's date, with
    the per-member daily and monthly caps applied in date order. Attendances need
    activity__project and member loaded. Three queries, whatever the number of records."""
    rules = rules_in_force(community, {a.activity.date for a in attendances})
    earned = _already_earned(community, attendances)
    day_totals: dict[tuple, int] = defaultdict(int)
    month_totals: dict[tuple, int] = defaultdict(int)
    for (member_id, rule_id, day), points in earned.items():
        day_totals[member_id, rule_id, day] += points
        month_totals[member_id, rule_id, day.replace(day=1)] += points

    quotes: dict[int, Quote] = {}
    for attendance in sorted(attendances, key=lambda a: (a.activity.date, a.pk)):
        day = attendance.activity.date
        rule = pick_rule(rules, attendance.activity.project, day)
        if rule is None:
            quotes[attendance.pk] = Quote(0, None, _("没有适用的积分规则"))
            continue
        points, calculation = price(rule, attendance.hours, attendance.role)
        day_key = (attendance.member_id, rule.pk, day)
        month_key = (attendance.member_id, rule.pk, day.replace(day=1))
        room = points
        if rule.daily_cap is not None:
            room = min(room, max(rule.daily_cap - day_totals[day_key], 0))
        if rule.monthly_cap is not None:
            room = min(room, max(rule.monthly_cap - month_totals[month_key], 0))
        if room < points:
            calculation += " " + _("（已达上限，计 %(n)s 分）") % {"n": room}
            points = room
        day_totals[day_key] += points
        month_totals[month_key] += points
        quotes[attendance.pk] = Quote(points, rule, calculation)
    return quotes


def plain_words(rule: PointRule) -> str:
    """A rule as a resident would say it: “每次 1 分，每小时再加 1 分，带队加 1 分”."""
    parts = []
    if rule.points_per_session:
        parts.append(_("每次 %(n)s 分") % {"n": rule.points_per_session})
    if rule.points_per_hour:
        parts.append(_("每小时 %(n)s 分") % {"n": rule.points_per_hour.normalize()})
    if rule.organiser_bonus:
        parts.append(_("带队加 %(n)s 分") % {"n": rule.organiser_bonus})
    if rule.daily_cap:
        parts.append(_("每天最多 %(n)s 分") % {"n": rule.daily_cap})
    return _("，").join(parts)
