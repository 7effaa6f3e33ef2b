"""Writes to the project menu, project claims and teams. Each function is one transaction.

Claiming and joining are idempotent: picking someone who already claimed the project (or
is already in the team) skips them, so a double-clicked form or two staff adding the same
people at once never fails and never duplicates a row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Member
from volunteering.models import Project, ProjectClaim, Team, TeamMembership


@dataclass
class PickResult:
    """Who was added, and who was skipped because they were already there."""

    added: list[Member] = field(default_factory=list)
    skipped: list[Member] = field(default_factory=list)


def _current_residents(*, community_id: int, members: Iterable[Member]) -> list[Member]:
    """The picked members, re-read from the database: each must live in an active
    household of this community, or be a non-resident (报到) still on its register (a
    form's queryset is not trusted to have checked)."""
    wanted = {member.pk for member in members}
    if not wanted:
        raise ValidationError(_("请至少勾选一位居民。"), code="no_members")
    found = {
        m.pk: m for m in Member.objects.filter(pk__in=wanted, community_id=community_id).current()
    }
    missing = wanted - found.keys()
    if missing:
        names = "、".join(
            Member.objects.filter(pk__in=missing).order_by("pk").values_list("name", flat=True)
        )
        raise ValidationError(
            _("%(names)s 不是本居民区的在册居民，不能添加。") % {"names": names or "?"},
            code="not_a_resident",
        )
    return sorted(found.values(), key=lambda m: m.pk)


def _check_date(on: datetime.date) -> None:
    if on > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"), code="future_date")


@transaction.atomic
def claim_project(
    *, project: Project, members: Iterable[Member], by: AbstractBaseUser, on: datetime.date
) -> PickResult:
    """Members claim a project (认领). Members who already claimed it are skipped."""
    # The project row lock serialises claims on one project (and a concurrent retire), so
    # the "already claimed" read below stays true until this transaction commits.
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if not locked.is_active:
        raise ValidationError(
            _("项目“%(name)s”已停用，不能再认领。") % {"name": locked.name}, code="retired"
        )
    _check_date(on)
    people = _current_residents(community_id=locked.community_id, members=members)
    claimed = set(
        ProjectClaim.objects.filter(
            project=locked, member_id__in=[m.pk for m in people]
        ).values_list("member_id", flat=True)
    )
    result = PickResult()
    for member in people:
        (result.skipped if member.pk in claimed else result.added).append(member)
    ProjectClaim.objects.bulk_create(
        ProjectClaim(
            community_id=locked.community_id,
            project=locked,
            member=member,
            claimed_on=on,
            created_by=by,
        )
        for member in result.added
    )
    return result


@transaction.atomic
def withdraw_claim(*, claim: ProjectClaim) -> None:
    """A member gives up a project they claimed (the claim row goes; activities stay)."""
    deleted, _rows = ProjectClaim.objects.filter(pk=claim.pk).delete()
    if not deleted:
        raise ValidationError(_("该认领记录已撤销。"), code="already_withdrawn")


@transaction.atomic
def set_project_active(*, project: Project, active: bool) -> Project:
    """Retire a project from the menu (its claims and activities stay), or bring it back."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    return locked


@transaction.atomic
def add_team_members(*, team: Team, members: Iterable[Member], on: datetime.date) -> PickResult:
    """Members join a team. Members already in it are skipped."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if not locked.is_active:
        raise ValidationError(
            _("团队“%(name)s”已停用，不能再添加队员。") % {"name": locked.name}, code="retired"
        )
    _check_date(on)
    people = _current_residents(community_id=locked.community_id, members=members)
    present = set(
        TeamMembership.objects.filter(
            team=locked, member_id__in=[m.pk for m in people]
        ).values_list("member_id", flat=True)
    )
    result = PickResult()
    for member in people:
        (result.skipped if member.pk in present else result.added).append(member)
    TeamMembership.objects.bulk_create(
        TeamMembership(community_id=locked.community_id, team=locked, member=member, joined_on=on)
        for member in result.added
    )
    return result


@transaction.atomic
def remove_team_member(*, team: Team, member: Member) -> None:
    """Take a member out of a team; if they led it, the team has no leader until a new one
    is set."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    deleted, _rows = TeamMembership.objects.filter(team=locked, member=member).delete()
    if not deleted:
        raise ValidationError(
            _("%(name)s 不在该团队中。") % {"name": member.name}, code="not_a_member"
        )
    if locked.leader_id == member.pk:
        locked.leader = None
        locked.save(update_fields=["leader"])


@transaction.atomic
def set_team_leader(*, team: Team, member: Member) -> Team:
    """Make a team member the team's leader (队长)."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if not TeamMembership.objects.filter(team=locked, member=member).exists():
        raise ValidationError(
            _("%(name)s 还不是该团队的队员，请先添加为队员。") % {"name": member.name},
            code="not_a_member",
        )
    locked.leader = member
    locked.save(update_fields=["leader"])
    return locked


@transaction.atomic
def set_team_active(*, team: Team, active: bool) -> Team:
    """Retire a team (its members and history stay), or bring it back."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    return locked
