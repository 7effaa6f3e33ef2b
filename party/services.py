"""Writes to party accounts. Balances move only by entries (a PostgreSQL trigger applies
each entry to its account under the account's row lock); corrections are reversals.

Points come in two ways, both through points' approval (so one rule prices them all and the
household passbook's own rules stay where they are):
- approved service earns value-added points (增值分), and approved attendance at a duty
  (dues, 三会一课: a project whose ProjectRole names a duty) earns base points (基础分), by
  the listener points.services.approve calls (`LISTENER`);
- `record_roll_call` is the fast form for a duty: it logs the activity with everybody
  present and approves it, in one transaction.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from party.models import (
    Duty,
    PartyAccount,
    PartyEntry,
    PartyMember,
    PartySettings,
    Post,
    ProjectRole,
)
from points import services as points_services
from points.hooks import ApprovalListener
from points.models import PassbookPolicy
from residents import services as residents_services
from residents.models import Community, Member
from residents.transactions import retry_on_conflict
from volunteering.models import Activity, Attendance, Project
from volunteering.services import activities as activity_services

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def lock_accounts(members: Iterable[Member]) -> dict[int, PartyAccount]:
    """The members' party accounts, opened if missing, locked in id order. By member id."""
    by_id = {member.pk: member for member in members}
    if not by_id:
        return {}
    have = set(PartyAccount.objects.filter(member_id__in=by_id).values_list("member_id", flat=True))
    PartyAccount.objects.bulk_create(
        [
            PartyAccount(member_id=pk, community_id=by_id[pk].community_id)
            for pk in sorted(set(by_id) - have)
        ],
        ignore_conflicts=True,  # opened a moment ago by a concurrent posting
    )
    accounts = PartyAccount.objects.select_for_update().filter(member_id__in=by_id).order_by("pk")
    return {account.member_id: account for account in accounts}


def _entry(account: PartyAccount, amount: int, **fields) -> PartyEntry:
    account.balance += amount
    return PartyEntry(
        community_id=account.community_id,
        account=account,
        amount=amount,
        balance_after=account.balance,
        **fields,
    )


def on_approved(*, community: Community, quotes: Sequence[tuple], by: User) -> list[PartyEntry]:
    """Party members' approved records earn party points: base points for a duty's project
    (or any project of a base-points category), value-added points for everything else. The
    points are the approval's quote, whatever the household passbook got."""
    earning = [
        (attendance, quote)
        for attendance, quote in quotes
        if attendance.member.is_party_member and quote.points > 0
    ]
    if not earning:
        return []
    duties = dict(
        ProjectRole.objects.filter(
            community=community,
            project__in={a.activity.project_id for a, _quote in earning},
        )
        .exclude(duty="")
        .values_list("project_id", "duty")
    )
    accounts = lock_accounts(attendance.member for attendance, _quote in earning)
    entries = []
    for attendance, quote in sorted(earning, key=lambda pair: (pair[0].activity.date, pair[0].pk)):
        duty = duties.get(attendance.activity.project_id, "")
        base = bool(duty) or attendance.activity.project.category.is_base_points
        entries.append(
            _entry(
                accounts[attendance.member_id],
                quote.points,
                kind=PartyEntry.Kind.BASE if base else PartyEntry.Kind.VALUE_ADDED,
                duty=duty if base else "",
                attendance=attendance,
                activity=attendance.activity,
                calculation=quote.calculation[:200],
                occurred_on=attendance.activity.date,
                created_by=by,
            )
        )
    return PartyEntry.objects.bulk_create(entries)


def on_undone(*, attendance: Attendance, reason: str, by: User) -> PartyEntry | None:
    """An approval taken back: its party entry, if any, is reversed (nothing deleted)."""
    earned = PartyEntry.objects.filter(attendance=attendance, reverses__isnull=True).first()
    if earned is None or PartyEntry.objects.filter(reverses=earned).exists():
        return None
    account = PartyAccount.objects.select_for_update().get(pk=earned.account_id)
    entry = _entry(
        account,
        -earned.amount,
        kind=earned.kind,
        duty=earned.duty,
        attendance_id=earned.attendance_id,
        activity_id=earned.activity_id,
        reverses=earned,
        reason=points_services.stored_text(_lazy("撤销审核：%(reason)s"), reason=reason),
        occurred_on=earned.occurred_on,
        created_by=by,
    )
    entry.save()
    return entry


LISTENER = ApprovalListener(name="party.account", order=10, approved=on_approved, undone=on_undone)


def roll_call_title(project: Project, on: datetime.date) -> str:
    """The activity's name: 按时交纳党费（2026年11月） for dues, the day for a meeting."""
    return points_services.stored_text(
        _lazy("%(project)s（%(when)s）"),
        project=project.name,
        when=f"{on.year}年{on.month}月" if _duty_of(project) == Duty.DUES else f"{on:%Y-%m-%d}",
    )[:100]


def _duty_of(project: Project) -> str:
    return ProjectRole.objects.filter(project=project).values_list("duty", flat=True).first() or ""


@retry_on_conflict
def record_roll_call(
    *,
    community: Community,
    project: Project,
    on: datetime.date,
    present: Sequence[int],
    submission_key: uuid.UUID,
    by: User,
) -> tuple[Activity, bool]:
    """A duty's roll-call (党费 for a month, or one meeting): the activity with every party
    member present, approved at once, so each earns the duty's base points in their party
    account. Returns (activity, created); the same form saved twice is the same roll-call.
    Dues are paid once a month: someone already recorded for that month is refused."""
    duty = _duty_of(project) if project.community_id == community.pk else ""
    if not duty:
        raise ValidationError({"project": _("请选择党费或组织生活（三会一课）的项目。")})
    wanted = sorted(set(present))
    if not wanted:
        raise ValidationError(_("请至少勾选一位到场的党员。"), code="nobody")
    party = set(
        Member.objects.filter(community=community, pk__in=wanted, is_party_member=True)
        .current()
        .values_list("pk", flat=True)
    )
    if set(wanted) - party:
        raise ValidationError(_("名单中有人不是本居民区在册的党员，未保存。"), code="not_party")
    if duty == Duty.DUES:
        paid = list(
            Attendance.objects.filter(
                community=community,
                member_id__in=wanted,
                activity__project=project,
                activity__date__year=on.year,
                activity__date__month=on.month,
            )
            .exclude(status=Attendance.Status.REJECTED)
            .exclude(activity__submission_key=submission_key)
            .values_list("member__name", flat=True)
            .order_by("member__name")
        )
        if paid:
            raise ValidationError(
                _("%(names)s 本月的党费已经登记过了，请取消勾选。") % {"names": "、".join(paid)},
                code="paid",
            )
    activity, created = activity_services.log_activity(
        community=community,
        by=by,
        submission_key=submission_key,
        fields={
            "project": project,
            "title": roll_call_title(project, on),
            "date": on,
            "start_time": None,
            "end_time": None,
            "hours": Decimal(str(project.default_hours)),
            "place": "",
            "organiser": "",
            "notes": "",
        },
        participants=[activity_services.ParticipantRow(member_id=pk) for pk in wanted],
    )
    if created:
        points_services.approve(
            community=community,
            attendance_ids=list(activity.attendances.values_list("pk", flat=True)),
            by=by,
        )
    return activity, created


@retry_on_conflict
def save_settings(
    *,
    community: Community,
    meetings_per_quarter: int,
    base_points_to_passbook: bool,
    roles: dict[int, str],
    by: User,
) -> PartySettings:
    """The base standard, whether base points also reach household passbooks, and what each
    project means to the party: `roles` maps a project id to a duty (dues, meeting), a post
    (the four posts) or "" for neither."""
    settings, _created = PartySettings.objects.select_for_update().get_or_create(
        community=community
    )
    settings.meetings_per_quarter = meetings_per_quarter
    settings.save()
    points_services.set_passbook_policy(
        community=community, base_points_to_passbook=base_points_to_passbook, by=by
    )
    projects = set(
        Project.objects.filter(community=community, pk__in=list(roles)).values_list("pk", flat=True)
    )
    if projects != set(roles):
        raise ValidationError(_("项目不属于本居民区。"), code="foreign_project")
    existing = {
        role.project_id: role
        for role in ProjectRole.objects.select_for_update().filter(
            community=community, project_id__in=projects
        )
    }
    for project_id, value in roles.items():
        role = existing.get(project_id)
        if not value:
            if role is not None:
                role.delete()
            continue
        if role is None:
            role = ProjectRole(community=community, project_id=project_id)
        role.duty = value if value in Duty.values else ""
        role.post = value if value in Post.values else ""
        if not (role.duty or role.post):
            raise ValidationError(_("用途无效。"), code="bad_role")
        role.save()
    return settings


@transaction.atomic
def save_profile(*, member: Member, reported_on: datetime.date | None, by: User) -> PartyMember:
    """When a party member reported here (报到)."""
    if not member.is_party_member:
        raise ValidationError(_("此人不是党员。"), code="not_party")
    profile, _created = PartyMember.objects.select_for_update().get_or_create(
        member=member, defaults={"community_id": member.community_id}
    )
    profile.reported_on = reported_on
    profile.save()
    return profile


@retry_on_conflict
def report_member(
    *, community: Community, fields: dict, reported_on: datetime.date, by: User
) -> Member:
    """Register a party member who lives elsewhere and reported here (报到): the
    non-resident member and their party profile, in one transaction. `fields` are the
    member's (name, gender, birth year, mobile, skills, employer, position, in service).
    The same name with the same mobile already here is refused (code "duplicate", the
    existing member in `params["member"]`)."""
    name = str(fields.get("name", "")).strip()
    phone = str(fields.get("phone", ""))
    if name and phone:
        existing = (
            Member.objects.select_for_update()
            .filter(community=community, name=name, phone=phone)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            raise ValidationError(
                _("本居民区已有同名同手机号的人员：%(name)s。"),
                code="duplicate",
                params={"name": name, "member": existing},
            )
    fields = {**fields, "is_party_member": True}
    member = residents_services.save_non_resident(community=community, fields=fields, by=by)
    PartyMember.objects.create(community=community, member=member, reported_on=reported_on)
    return member


def settings_of(community: Community) -> PartySettings:
    """The community's settings, or the defaults (unsaved) when it has none yet."""
    return PartySettings.objects.filter(community=community).first() or PartySettings(
        community=community
    )


def base_points_to_passbook(community: Community) -> bool:
    return PassbookPolicy.base_points_allowed(community)
