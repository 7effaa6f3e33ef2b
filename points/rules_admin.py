"""Admins' writes to the point rules. Each function is one transaction.

Changing a rule never changes points already posted: a rule that has priced ledger entries
can only be ended (not before the last day it priced), and new amounts start as a new rule.
The database's exclusion constraint is the final word on overlapping rules; the checks here
exist to say which rule is in the way, in words an admin can act on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from points.models import PointRule
from residents.models import Community
from volunteering.models import Project, ProjectCategory

OVERLAP_CONSTRAINT = "points_pointrule_no_overlap"


@dataclass(frozen=True)
class RuleValues:
    """Everything an admin sets on a rule (the scope is a project, a category or neither)."""

    starts_on: datetime.date
    ends_on: datetime.date | None = None
    project: Project | None = None
    category: ProjectCategory | None = None
    points_per_session: int = 0
    points_per_hour: Decimal = Decimal(0)
    rounding: str = PointRule.Rounding.DOWN
    organiser_bonus: int = 0
    daily_cap: int | None = None
    monthly_cap: int | None = None
    note: str = ""

    @classmethod
    def of(cls, rule: PointRule) -> RuleValues:
        return cls(
            starts_on=rule.starts_on,
            ends_on=rule.ends_on,
            project=rule.project,
            category=rule.category,
            points_per_session=rule.points_per_session,
            points_per_hour=rule.points_per_hour,
            rounding=rule.rounding,
            organiser_bonus=rule.organiser_bonus,
            daily_cap=rule.daily_cap,
            monthly_cap=rule.monthly_cap,
            note=rule.note,
        )


def period_label(starts_on: datetime.date, ends_on: datetime.date | None) -> str:
    """“2026年1月1日起” or “2026年1月1日至2026年3月31日”."""
    start = date_format(starts_on, "DATE_FORMAT")
    if ends_on is None:
        return _("%(start)s起") % {"start": start}
    return _("%(start)s至%(end)s") % {"start": start, "end": date_format(ends_on, "DATE_FORMAT")}


def scope_label(project: Project | None, category: ProjectCategory | None) -> str:
    if project is not None:
        return _("项目“%(name)s”") % {"name": project.name}
    if category is not None:
        return _("类别“%(name)s”") % {"name": category.name}
    return _("全居民区默认")


def last_used_on(rule: PointRule) -> datetime.date | None:
    """The latest day this rule priced points on (None if it never did)."""
    return rule.entries.aggregate(last=Max("occurred_on"))["last"]


def _overlapping(
    community: Community, values: RuleValues, exclude_pk: int | None = None
) -> PointRule | None:
    """A rule of the same scope whose days meet `values`' days, if any."""
    rules = PointRule.objects.filter(
        community=community,
        project=values.project,
        category=values.category,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=values.starts_on))
    if values.ends_on is not None:
        rules = rules.filter(starts_on__lte=values.ends_on)
    if exclude_pk is not None:
        rules = rules.exclude(pk=exclude_pk)
    return rules.order_by("starts_on").first()


def _overlap_error(existing: PointRule | None, values: RuleValues) -> ValidationError:
    if existing is None:  # the rival was saved and removed again before we could look
        return ValidationError(
            _("刚刚有人保存了同一范围的规则，与这条规则的日期重叠。请刷新页面后再试。"),
            code="overlap",
        )
    return ValidationError(
        _(
            "日期与已有规则重叠：%(scope)s已有一条%(period)s的规则。"
            "同一范围同一天只能有一条规则，请调整日期，或先结束原有规则。"
        )
        % {
            "scope": scope_label(values.project, values.category),
            "period": period_label(existing.starts_on, existing.ends_on),
        },
        code="overlap",
    )


def _check(community: Community, values: RuleValues, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if values.project is not None and values.category is not None:
        add(NON_FIELD_ERRORS, _("规则只能适用于一个项目或一个类别，不能同时选。"))
    for scope in (values.project, values.category):
        if scope is not None and scope.community_id != community.pk:
            add(NON_FIELD_ERRORS, _("所选项目或类别不属于本居民区。"))
    if values.points_per_session <= 0 and values.points_per_hour <= 0:
        add("points_per_session", _("每次积分和每小时积分至少要有一项大于 0。"))
    if values.points_per_hour < 0:
        add("points_per_hour", _("每小时积分不能为负数。"))
    if values.ends_on is not None and values.ends_on < values.starts_on:
        add("ends_on", _("截止日期不能早于生效日期。"))
    for field in ("daily_cap", "monthly_cap"):
        cap = getattr(values, field)
        if cap is not None and cap < 1:
            add(field, _("上限至少为 1 分；不设上限请留空。"))
    if (
        values.daily_cap is not None
        and values.monthly_cap is not None
        and values.monthly_cap < values.daily_cap
    ):
        add("monthly_cap", _("每月上限不能小于每日上限。"))
    if errors:
        raise ValidationError(errors)
    existing = _overlapping(community, values, exclude_pk)
    if existing is not None:
        raise _overlap_error(existing, values)


def _is_overlap(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT


def _save(rule: PointRule, values: RuleValues, **save_kwargs) -> None:
    """Save in a savepoint; a rule saved by someone else a moment ago (the exclusion
    constraint) is refused with the same message as the check before."""
    try:
        with transaction.atomic():
            rule.save(**save_kwargs)
    except IntegrityError as exc:
        if not _is_overlap(exc):
            raise
        raise _overlap_error(
            _overlapping(rule.community, values, exclude_pk=rule.pk), values
        ) from exc


def _apply(rule: PointRule, values: RuleValues) -> None:
    for name, value in vars(values).items():
        setattr(rule, name, value)


def _locked(rule: PointRule) -> PointRule:
    """The rule's row, locked: FOR UPDATE waits for an approval that is posting entries
    against it (their foreign key holds a share lock), so "unused" stays true to the end."""
    return (
        PointRule.objects.select_for_update(of=("self",))
        .select_related("community", "project", "category")
        .get(pk=rule.pk)
    )


def refuse_if_used(rule: PointRule) -> None:
    if rule.entries.exists():
        raise ValidationError(
            _(
                "这条规则已用于计分，不能修改或删除（已入账的积分不会因改规则而变）。"
                "可以结束这条规则，或从某天起改用新标准。"
            ),
            code="used",
        )


@transaction.atomic
def create_rule(*, community: Community, values: RuleValues, by) -> PointRule:
    _check(community, values)
    rule = PointRule(community=community, created_by=by)
    _apply(rule, values)
    _save(rule, values)
    return rule


@transaction.atomic
def update_rule(*, rule: PointRule, values: RuleValues, by) -> PointRule:
    """Edit a rule that has not priced anything yet (scope, dates and amounts)."""
    rule = _locked(rule)
    refuse_if_used(rule)
    _check(rule.community, values, exclude_pk=rule.pk)
    _apply(rule, values)
    _save(rule, values)
    return rule


@transaction.atomic
def delete_rule(*, rule: PointRule, by) -> None:
    """Remove a rule that has not priced anything (e.g. entered by mistake)."""
    rule = _locked(rule)
    refuse_if_used(rule)
    rule.delete()


@transaction.atomic
def end_rule(*, rule: PointRule, ends_on: datetime.date, by) -> PointRule:
    """Give a rule its last day. Not before its start, nor before the last day it priced
    (the points it posted stay as they are)."""
    rule = _locked(rule)
    if ends_on < rule.starts_on:
        raise ValidationError(
            {
                "ends_on": _("结束日期不能早于这条规则的生效日期（%(date)s）。")
                % {"date": date_format(rule.starts_on, "DATE_FORMAT")}
            },
            code="before_start",
        )
    last = last_used_on(rule)
    if last is not None and ends_on < last:
        raise ValidationError(
            {
                "ends_on": _("这条规则已用于 %(date)s 的活动计分，结束日期不能早于这一天。")
                % {"date": date_format(last, "DATE_FORMAT")}
            },
            code="used_after",
        )
    values = replace(RuleValues.of(rule), ends_on=ends_on)
    existing = _overlapping(rule.community, values, exclude_pk=rule.pk)
    if existing is not None:  # only when the end moves later, into another rule's days
        raise ValidationError({"ends_on": _overlap_error(existing, values).messages})
    rule.ends_on = ends_on
    _save(rule, values, update_fields=["ends_on"])
    return rule


@transaction.atomic
def supersede_rule(*, rule: PointRule, values: RuleValues, by) -> PointRule:
    """New amounts for the same scope from `values.starts_on`: the old rule ends the day
    before (if it ran that long) and a new rule starts. The old rule's points stay."""
    rule = _locked(rule)
    values = replace(values, project=rule.project, category=rule.category)
    if values.starts_on <= rule.starts_on:
        raise ValidationError(
            {
                "starts_on": _("新标准的生效日期须晚于原规则的生效日期（%(date)s）。")
                % {"date": date_format(rule.starts_on, "DATE_FORMAT")}
            },
            code="too_early",
        )
    day_before = values.starts_on - datetime.timedelta(days=1)
    last = last_used_on(rule)
    if last is not None and last > day_before:
        raise ValidationError(
            {
                "starts_on": _("原规则已用于 %(date)s 的活动计分，新标准最早从 %(next)s 起生效。")
                % {
                    "date": date_format(last, "DATE_FORMAT"),
                    "next": date_format(
                        min(last, datetime.date.max - datetime.timedelta(days=1))
                        + datetime.timedelta(days=1),
                        "DATE_FORMAT",
                    ),
                }
            },
            code="used_after",
        )
    if rule.ends_on is None or rule.ends_on > day_before:
        rule.ends_on = day_before
        rule.save(update_fields=["ends_on"])
    return create_rule(community=rule.community, values=values, by=by)
