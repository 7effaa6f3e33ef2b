"""Preparing a round: the round itself and its items, created and changed by admins while
the round is a draft (anything) or open (its end, budget and note; an item's stock and
limit). Each function is one transaction, run again should PostgreSQL abort it for a
deadlock or a serialization failure (residents/transactions.py).

What a round may still change is decided under its row lock, the lock every counter, opening
and closing takes first too (redemption.services.running), so an edit never races them.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from redemption.models import OPEN_ITEM_FIELDS, OPEN_ROUND_FIELDS, Reward, Round, RoundItem
from residents.models import Community
from residents.transactions import retry_on_conflict

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def code_taken_message(code: str) -> str:
    return _("本居民区已有编号为 %(code)s 的兑换期，请换一个编号。") % {"code": code}


def budget_below_spent_message(spent: Decimal) -> str:
    return _("本期已用 %(spent)s 元，预算不能少于已用的金额。") % {"spent": f"{spent:.2f}"}


def item_twice_message(reward: Reward) -> str:
    return _("“%(name)s”已在本期清单里，请直接修改它的库存或限兑。") % {"name": reward.name}


def stock_below_taken_message(taken: int) -> str:
    return _("已经兑出 %(taken)s 个，库存不能少于已兑出的数量。") % {"taken": taken}


def round_closed_error() -> ValidationError:
    return ValidationError(_("这一期已经结账，不能再修改。"), code="closed")


def _status_changed() -> ValidationError:
    return ValidationError(_("这一期的状态刚刚变了，请看看下面的最新情况再改。"), code="status")


def _violated(exc: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL refused the row for, if it says."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def _lock_round(round_: Round, *, allowed: Collection[str]) -> Round:
    """The round, locked, while it is still in one of the `allowed` states; refused (not on
    a field: the round moved on) otherwise."""
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    if locked.status not in allowed:
        raise round_closed_error() if locked.status == Round.Status.CLOSED else _status_changed()
    return locked


def _refuse_taken_code(community_id: int, code: str, *, exclude_pk: int | None = None) -> None:
    taken = Round.objects.filter(community_id=community_id, code__iexact=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": code_taken_message(code)})


def _save_round(round_: Round, **save_kwargs) -> None:
    """Save in a savepoint; a code saved a moment ago by another admin gets the same
    message as the check before."""
    try:
        with transaction.atomic():
            round_.save(**save_kwargs)
    except IntegrityError as exc:
        if _violated(exc) != "redemption_round_code":
            raise
        raise ValidationError({"code": code_taken_message(round_.code)}) from exc


@dataclass(frozen=True)
class RoundValues:
    """Everything an admin sets on a new round."""

    name: str
    code: str
    opens_on: datetime.date
    closes_on: datetime.date
    budget_yuan: Decimal
    balance_policy: str = Round.BalancePolicy.CARRY
    balance_cap: int | None = None
    note: str = ""


@retry_on_conflict
def create_round(*, community: Community, values: RoundValues, by: User) -> Round:
    """A new round, as a draft: items are added and checked before it opens. A code the
    community already has (in any case) is refused on the code."""
    _refuse_taken_code(community.pk, values.code)
    round_ = Round(community=community, created_by=by, **asdict(values))
    _save_round(round_)
    return round_


@retry_on_conflict
def update_round(*, round_: Round, seen_status: str, changes: Mapping[str, Any], by: User) -> Round:
    """Change a round the admin saw in `seen_status`: a draft anything, an open round only
    OPEN_ROUND_FIELDS (and never a budget below what it has spent), a closed round nothing.
    Refused, not on a field, when the round has moved on since."""
    locked = _lock_round(round_, allowed=(seen_status,))
    if locked.status == Round.Status.CLOSED:
        raise round_closed_error()
    if locked.status == Round.Status.OPEN:
        if set(changes) - set(OPEN_ROUND_FIELDS):
            raise ValidationError(_("兑换已经开始，只能修改截止日期、预算和说明。"), code="started")
        if "budget_yuan" in changes and changes["budget_yuan"] < locked.spent_yuan:
            raise ValidationError({"budget_yuan": budget_below_spent_message(locked.spent_yuan)})
    if "code" in changes:
        _refuse_taken_code(locked.community_id, changes["code"], exclude_pk=locked.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _save_round(locked, update_fields=list(changes))
    return locked


@retry_on_conflict
def add_round_item(
    *, round_: Round, reward: Reward, stock: int, per_household_limit: int | None, by: User
) -> RoundItem:
    """Offer a catalogue reward in a draft or open round, at the reward's price and cost as
    they are now (later changes to the catalogue leave the round alone)."""
    locked = _lock_round(round_, allowed=(Round.Status.DRAFT, Round.Status.OPEN))
    if reward.community_id != locked.community_id or not reward.is_active:
        raise ValidationError({"reward": _("所选物品不在本居民区的在用目录里。")})
    if stock < 1:
        raise ValidationError({"stock": _("库存至少为 1。")})
    if RoundItem.objects.filter(round=locked, reward=reward).exists():
        raise ValidationError({"reward": item_twice_message(reward)})
    try:
        with transaction.atomic():
            return RoundItem.objects.create(
                community_id=locked.community_id,
                round=locked,
                reward=reward,
                point_price=reward.point_price,
                cost_yuan=reward.cost_yuan,
                stock=stock,
                per_household_limit=per_household_limit,
            )
    except IntegrityError as exc:
        if _violated(exc) != "redemption_item_once":
            raise
        raise ValidationError({"reward": item_twice_message(reward)}) from exc


@retry_on_conflict
def update_round_item(
    *, item: RoundItem, seen_status: str, changes: Mapping[str, Any], by: User
) -> RoundItem:
    """Change an item of a round the admin saw in `seen_status`: in a draft anything, in an
    open round its stock (never below what was taken) and its limit only."""
    locked_round = _lock_round(item.round, allowed=(seen_status,))
    if locked_round.status == Round.Status.CLOSED:
        raise round_closed_error()
    if locked_round.status == Round.Status.OPEN and set(changes) - set(OPEN_ITEM_FIELDS):
        raise ValidationError(_("兑换已经开始，只能修改库存和每户限兑。"), code="started")
    locked = RoundItem.objects.select_for_update().get(pk=item.pk)
    if "stock" in changes and changes["stock"] < locked.taken:
        raise ValidationError({"stock": stock_below_taken_message(locked.taken)})
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changes))
    return locked


@retry_on_conflict
def remove_round_item(*, item: RoundItem, by: User) -> None:
    """Only while the round is a draft: once open, an item may have been handed out."""
    locked = Round.objects.select_for_update().get(pk=item.round_id)
    if locked.status == Round.Status.OPEN:
        raise ValidationError(
            _("兑换已经开始，不能再移除物品；不想再兑换，可以把库存改成已兑出的数量。"),
            code="started",
        )
    if locked.status == Round.Status.CLOSED:
        raise round_closed_error()
    RoundItem.objects.filter(pk=item.pk).delete()
