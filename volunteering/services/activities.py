"""Logging activities and their participants. Each function is one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.models import Community, Household, Member
from volunteering.models import MAX_HOURS, Activity, Attendance, Project

ACTIVITY_FIELDS = (
    "project",
    "title",
    "date",
    "start_time",
    "end_time",
    "hours",
    "place",
    "organiser",
    "notes",
)


@dataclass(frozen=True)
class ParticipantRow:
    """One line of the participant list as staff entered it."""

    member_id: int
    hours: Decimal | None = None  # None: the activity's hours
    role: str = Attendance.Role.PARTICIPANT
    note: str = ""


class ParticipantErrors(ValidationError):
    """Some rows are wrong: `rows` maps member id to the message shown on that row."""

    def __init__(self, rows: dict[int, str]) -> None:
        self.rows = rows
        super().__init__(
            ngettext(
                "参与名单中有 %(count)s 行需要修改，未保存。",
                "参与名单中有 %(count)s 行需要修改，未保存。",
                len(rows),
            )
            % {"count": len(rows)},
            code="participants",
        )


def check_hours(hours: Decimal) -> str | None:
    """The message for impossible hours, or None."""
    if hours <= 0 or hours > MAX_HOURS:
        return _("时长应大于 0、不超过 24 小时。")
    if hours != hours.quantize(Decimal("0.1")):
        return _("时长最多保留一位小数，如 1.5。")
    return None


def _check_participants(
    community: Community,
    rows: Sequence[ParticipantRow],
    activity_hours: Decimal,
    already: set[int] = frozenset(),
    *,
    party_only: bool = False,
) -> None:
    """Read the rows' members in one query and check every row; raise ParticipantErrors.
    Only the facts the checks need are read (no model instances: for 200 people the
    instances were the largest single cost of logging an activity). A non-resident member
    (报到) has no household, so no household status."""
    wanted = Member.objects.filter(community=community, pk__in=[row.member_id for row in rows])
    members = {
        pk: (is_active, status, is_party_member)
        for pk, is_active, status, is_party_member in wanted.values_list(
            "pk", "is_active", "household__status", "is_party_member"
        )
    }
    errors: dict[int, str] = {}
    seen: set[int] = set()
    for row in rows:
        member = members.get(row.member_id)
        if row.member_id in seen:
            errors[row.member_id] = _("重复：此人已在名单中。")
        elif member is None:
            errors[row.member_id] = _("不是本居民区的居民。")
        elif member[1] is not None and member[1] != Household.Status.ACTIVE:
            errors[row.member_id] = _("该户已迁出，不能登记。")
        elif not member[0]:
            errors[row.member_id] = _("此人已不在该户，不能登记。")
        elif party_only and not member[2]:
            errors[row.member_id] = _("党员基础分项目只登记党员。")
        elif row.member_id in already:
            errors[row.member_id] = _("已在本次活动的名单中。")
        elif row.role not in Attendance.Role.values:
            errors[row.member_id] = _("角色无效。")
        else:
            message = check_hours(row.hours if row.hours is not None else activity_hours)
            if message:
                errors[row.member_id] = message
        seen.add(row.member_id)
    if errors:
        raise ParticipantErrors(errors)


def _attendances(activity: Activity, rows: Sequence[ParticipantRow], by) -> list[Attendance]:
    return [
        Attendance(
            community_id=activity.community_id,
            activity=activity,
            member_id=row.member_id,
            hours=row.hours if row.hours is not None else activity.hours,
            role=row.role,
            note=row.note,
            recorded_by=by,
        )
        for row in rows
    ]


@transaction.atomic
def log_activity(
    *,
    community: Community,
    by,
    submission_key: uuid.UUID,
    fields: dict[str, Any],
    participants: Sequence[ParticipantRow],
) -> tuple[Activity, bool]:
    """Create an activity with all its attendance, or nothing.

    Returns (activity, created). A form submitted again (double click, back and resubmit)
    carries the same submission key and gets the activity made the first time.
    """
    existing = Activity.objects.filter(community=community, submission_key=submission_key)
    if (found := existing.first()) is not None:
        return found, False
    project: Project = fields["project"]
    if project.community_id != community.pk or not project.is_active:
        raise ValidationError({"project": _("请选择本居民区在用的公益项目。")})
    if fields["date"] > timezone.localdate():
        raise ValidationError({"date": _("活动日期不能晚于今天。")})
    if message := check_hours(fields["hours"]):
        raise ValidationError({"hours": message})
    if not participants:
        raise ValidationError(_("请至少添加一位参与者。"), code="no_participants")
    _check_participants(
        community, participants, fields["hours"], party_only=project.category.is_base_points
    )

    activity = Activity(
        community=community,
        created_by=by,
        submission_key=submission_key,
        **{name: fields[name] for name in ACTIVITY_FIELDS if name in fields},
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        # The same form, saved a moment ago by a second click that won the race.
        return existing.get(), False
    Attendance.objects.bulk_create(_attendances(activity, participants, by))
    return activity, True


@transaction.atomic
def add_participants(
    *, activity: Activity, by, participants: Sequence[ParticipantRow]
) -> list[Attendance]:
    """Add people to an activity already saved; they start pending review."""
    if not participants:
        raise ValidationError(_("请至少添加一位参与者。"), code="no_participants")
    # Lock the activity so two staff adding the same person cannot both pass the check.
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    already = set(activity.attendances.values_list("member_id", flat=True))
    _check_participants(
        activity.community,
        participants,
        activity.hours,
        already,
        party_only=activity.project.category.is_base_points,
    )
    return Attendance.objects.bulk_create(_attendances(activity, participants, by))


@transaction.atomic
def remove_participant(*, attendance: Attendance) -> None:
    """Take a wrongly recorded person off an activity, only while still pending review:
    a reviewed record is corrected by the review itself, never erased."""
    locked = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if locked.status != Attendance.Status.PENDING:
        raise ValidationError(
            _("%(name)s 的记录已审核（%(status)s），不能移除。")
            % {"name": attendance.member.name, "status": locked.get_status_display()},
            code="reviewed",
        )
    locked.delete()
