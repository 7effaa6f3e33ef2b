"""Writing visits and needs. Each function is one transaction (retried on conflict); every
move of a need goes through `_move`, which locks the need's row and allows only the moves
`Need.MOVES` declares."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from needs.models import MAX_TEXT, Need, NeedEvent, Pairing, PartnerUnit, Visit
from residents.models import Community, Household, Member
from residents.transactions import retry_on_conflict
from volunteering.models import Project, Team
from volunteering.services.activities import ParticipantRow, log_activity

# A household may post this many wishes from its passbook in a day.
WISHES_PER_DAY = 3
HALF_HOUR = Decimal("0.5")


def _check_household(community: Community, household: Household | None) -> None:
    if household is None:
        return
    if household.community_id != community.pk:
        raise ValidationError({"household": _("不是本居民区的住户。")})
    if household.status != Household.Status.ACTIVE:
        raise ValidationError({"household": _("该户已迁出。")})


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请写下需求的内容。")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": ngettext("最多 %(n)s 个字。", "最多 %(n)s 个字。", MAX_TEXT) % {"n": MAX_TEXT}}
        )
    return text


def _new_need(
    *, community: Community, household: Household | None, text: str, source: str, by, visit=None
) -> Need:
    need = Need.objects.create(
        community=community,
        household=household,
        text=text,
        source=source,
        visit=visit,
        created_by=by,
    )
    NeedEvent.objects.create(
        community=community, need=need, to_state=need.state, by=by, note=need.get_source_display()
    )
    return need


@retry_on_conflict
def record_visit(
    *,
    community: Community,
    by,
    submission_key: uuid.UUID,
    household: Household,
    visited_on: datetime.date,
    visitors: str,
    findings: str = "",
    need_text: str = "",
) -> tuple[Visit, bool]:
    """A visit, and the need it brought up (when `need_text` says one). Returns (visit,
    created): the same form saved twice finds the visit made the first time."""
    existing = Visit.objects.filter(community=community, submission_key=submission_key)
    if (found := existing.first()) is not None:
        return found, False
    _check_household(community, household)
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("走访日期不能晚于今天。")})
    if not visitors.strip():
        raise ValidationError({"visitors": _("请写上走访人。")})
    visit = Visit(
        community=community,
        household=household,
        visited_on=visited_on,
        visitors=visitors.strip(),
        findings=findings.strip(),
        need_follows=bool(need_text.strip()),
        submission_key=submission_key,
        recorded_by=by,
    )
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        return existing.get(), False
    if visit.need_follows:
        _new_need(
            community=community,
            household=household,
            text=_check_text(need_text),
            source=Need.Source.VISIT,
            by=by,
            visit=visit,
        )
    return visit, True


@retry_on_conflict
def record_need(*, community: Community, by, household: Household | None, text: str) -> Need:
    """A need brought to the office desk (窗口登记), for a household or for the community."""
    _check_household(community, household)
    return _new_need(
        community=community,
        household=household,
        text=_check_text(text),
        source=Need.Source.DESK,
        by=by,
    )


@retry_on_conflict
def post_wish(*, household: Household, text: str) -> Need:
    """A small wish the resident writes on the passbook page: their household attached,
    nothing else asked, at most WISHES_PER_DAY a day per household."""
    text = _check_text(text)
    # One household's wishes are counted one at a time.
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if locked.status != Household.Status.ACTIVE:
        raise ValidationError(_("该户已迁出。"))
    since = timezone.now() - datetime.timedelta(days=1)
    recent = Need.objects.filter(
        community_id=locked.community_id,
        household=locked,
        source=Need.Source.RESIDENT,
        created_at__gte=since,
    ).count()
    if recent >= WISHES_PER_DAY:
        raise ValidationError(
            ngettext(
                "您家今天已经提交了 %(n)s 条心愿，请明天再来，或直接联系居委会。",
                "您家今天已经提交了 %(n)s 条心愿，请明天再来，或直接联系居委会。",
                WISHES_PER_DAY,
            )
            % {"n": WISHES_PER_DAY},
            code="rate_limited",
        )
    return _new_need(
        community=locked.community,
        household=locked,
        text=text,
        source=Need.Source.RESIDENT,
        by=None,
    )


# Moves -----------------------------------------------------------------------------------


def _check_move(locked: Need, to: str) -> None:
    if to not in Need.MOVES[locked.state]:
        raise ValidationError(
            _("这条需求现在是“%(state)s”，不能改为“%(to)s”。")
            % {"state": locked.get_state_display(), "to": Need.State(to).label},
            code="illegal_move",
        )


def _move(need: Need, to: str, *, by, note: str = "", **fields) -> Need:
    """Lock the need, check the move is one Need.MOVES allows, set `fields`, record it."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    _check_move(locked, to)
    before = locked.state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.state = to
    locked.save()
    NeedEvent.objects.create(
        community_id=locked.community_id,
        need=locked,
        from_state=before,
        to_state=to,
        by=by,
        note=note[:300],
    )
    return locked


def _assignee(
    need: Need, member: Member | None, team: Team | None, partner: PartnerUnit | None
) -> dict:
    chosen = [x for x in (member, team, partner) if x is not None]
    if len(chosen) != 1:
        raise ValidationError(_("请选择一位承办人、一个团队或一个共建单位（只选一个）。"))
    (who,) = chosen
    if who.community_id != need.community_id:
        raise ValidationError(_("承办方不是本居民区的。"))
    if isinstance(who, Member) and not who.is_active:
        raise ValidationError(_("此人已不在册。"))
    if isinstance(who, Team | PartnerUnit) and not who.is_active:
        raise ValidationError(_("该团队或单位已不在用。"))
    return {"member": member, "team": team, "partner": partner}


def _name(fields: dict) -> str:
    return str(next(x for x in fields.values() if x is not None))


@retry_on_conflict
def dispatch(
    *,
    need: Need,
    by,
    member: Member | None = None,
    team: Team | None = None,
    partner: PartnerUnit | None = None,
) -> Need:
    """待派单 → 已派单: given to a party member, a team or a partner unit."""
    fields = _assignee(need, member, team, partner)
    return _move(need, Need.State.DISPATCHED, by=by, note=_name(fields), **fields)


@retry_on_conflict
def publish(*, need: Need, by, published: bool) -> Need:
    """Open a waiting need as a call anyone may take (公开认领), or close the call."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if locked.state != Need.State.PENDING:
        raise ValidationError(_("只有待派单的需求可以公开认领。"), code="illegal_move")
    locked.published = published
    locked.save(update_fields=["published", "updated_at"])
    return locked


@retry_on_conflict
def take(
    *,
    need: Need,
    by,
    member: Member | None = None,
    team: Team | None = None,
    partner: PartnerUnit | None = None,
) -> Need:
    """已派单 → 已接单 (the assignee takes it), or a published call taken (待派单 → 已接单)
    by whoever answers it."""
    current = Need.objects.get(pk=need.pk)
    if current.state == Need.State.PENDING:
        if not current.published:
            raise ValidationError(_("这条需求没有公开认领，请先派单。"), code="illegal_move")
        fields = _assignee(current, member, team, partner)
        return _move(need, Need.State.TAKEN, by=by, note=_name(fields), published=False, **fields)
    return _move(need, Need.State.TAKEN, by=by)


@retry_on_conflict
def send_back(*, need: Need, by, reason: str) -> Need:
    """已派单 → 待派单: the assignee cannot do it; it waits to be dispatched again."""
    return _move(need, Need.State.PENDING, by=by, note=reason, member=None, team=None, partner=None)


@retry_on_conflict
def withdraw(*, need: Need, by, reason: str) -> Need:
    """Not to be done (a duplicate, not the community's to do): kept, closed."""
    if not reason.strip():
        raise ValidationError({"reason": _("请写明撤销的原因。")})
    return _move(need, Need.State.WITHDRAWN, by=by, note=reason, published=False)


def check_half_hours(hours: Decimal) -> None:
    if hours <= 0 or hours > 24 or hours % HALF_HOUR:
        raise ValidationError({"hours": _("时长按半小时计，如 0.5、1、1.5，不超过 24 小时。")})


@retry_on_conflict
def complete(
    *,
    need: Need,
    by,
    done_on: datetime.date,
    done_note: str,
    hours: Decimal,
    doers: Sequence[Member],
    project: Project | None,
    submission_key: uuid.UUID,
    people: int | None = None,
) -> Need:
    """已接单 → 已完成: what was done, by whom, how long. The doers' attendance is recorded
    under an activity of `project`, pending review like any other, so points follow the
    review as they always do."""
    check_half_hours(hours)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("办结日期不能晚于今天。")})
    if not done_note.strip():
        raise ValidationError({"done_note": _("请写明办了什么。")})
    locked = Need.objects.select_for_update().get(pk=need.pk)
    _check_move(locked, Need.State.DONE)
    if people is not None and not 1 <= people <= 500:
        raise ValidationError({"people": _("人数应在 1 至 500 之间。")})
    activity = None
    if doers:
        if project is None:
            raise ValidationError({"project": _("请选择计入的公益项目。")})
        activity, _created = log_activity(
            community=locked.community,
            by=by,
            submission_key=submission_key,
            fields={
                "project": project,
                "title": (_("微心愿 #%(n)s：") % {"n": locked.pk} + locked.text)[:100],
                "date": done_on,
                "hours": hours,
                "notes": done_note.strip(),
            },
            participants=[ParticipantRow(member_id=m.pk) for m in doers],
        )
    return _move(
        locked,
        Need.State.DONE,
        by=by,
        note=done_note,
        done_on=done_on,
        done_note=done_note.strip(),
        hours=hours,
        activity=activity,
        people=len(doers) or people or 1,
    )


@retry_on_conflict
def follow_up(*, need: Need, by, confirmed: bool, note: str = "") -> Need:
    """已完成 → 已回访: the resident said it was done, or that it was not."""
    return _move(
        need, Need.State.FOLLOWED, by=by, note=note, confirmed=confirmed, followup_note=note[:200]
    )


# Pairings ---------------------------------------------------------------------------------


@retry_on_conflict
def pair(
    *,
    community: Community,
    by,
    household: Household,
    kind: str,
    started_on: datetime.date,
    member: Member | None = None,
    partner: PartnerUnit | None = None,
    note: str = "",
) -> Pairing:
    """A standing pairing (结对): a volunteer or a unit keeps a household company."""
    _check_household(community, household)
    if (member is None) == (partner is None):
        raise ValidationError(_("请选择一位志愿者或一个共建单位（只选一个）。"))
    side = member or partner
    if side.community_id != community.pk or not side.is_active:
        raise ValidationError(_("结对方不是本居民区在册的。"))
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("结对日期不能晚于今天。")})
    if kind not in Pairing.Kind.values:
        raise ValidationError({"kind": _("请选择结对类型。")})
    # One household's pairings are checked one at a time.
    Household.objects.select_for_update().get(pk=household.pk)
    if Pairing.objects.filter(
        community=community,
        household=household,
        member=member,
        partner=partner,
        ended_on__isnull=True,
    ).exists():
        raise ValidationError(_("已经结对了。"))
    return Pairing.objects.create(
        community=community,
        household=household,
        kind=kind,
        member=member,
        partner=partner,
        started_on=started_on,
        note=note.strip(),
    )


@retry_on_conflict
def end_pairing(*, pairing: Pairing, by, ended_on: datetime.date) -> Pairing:
    locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if locked.ended_on is not None:
        raise ValidationError(_("这个结对已经结束了。"))
    if ended_on < locked.started_on or ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("结束日期应在结对日期与今天之间。")})
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    return locked
