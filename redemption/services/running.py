"""Running a round: opening it, redeeming at the counter, cancelling, and closing with its
balance policy. Each function is one transaction, run again should PostgreSQL abort it for
a deadlock or a serialization failure (residents/transactions.py).

Locks are always taken in the same order — the round, then the household, its items (by
id), then the household's account — so two counters, a cancellation and a closing do not
deadlock; the retry is for what this order cannot foresee.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from points.models import LedgerEntry
from points.services import lock_accounts, post_entry, stored_text
from redemption.models import (
    MAX_QUANTITY,
    Cancellation,
    Redemption,
    RedemptionLine,
    Round,
    RoundItem,
)
from redemption.selectors import taken_by_household
from residents.models import Community, Household
from residents.transactions import retry_on_conflict

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def _locked_open_round(community: Community, today: datetime.date) -> Round:
    """The community's open round, locked; refused when there is none or `today` is outside
    its dates."""
    round_ = Round.objects.select_for_update().filter(community=community).open().first()
    if round_ is None:
        raise ValidationError(_("现在没有开放的兑换期，不能兑换。"), code="round_not_open")
    phase = round_.phase_on(today)
    if phase == Round.Phase.EARLY:
        raise ValidationError(
            _("“%(round)s”从 %(day)s 开始兑换，现在还不能兑换。")
            % {"round": round_.name, "day": _date(round_.opens_on)},
            code="round_not_open",
        )
    if phase == Round.Phase.LATE:
        raise ValidationError(
            _("“%(round)s”已于 %(day)s 截止兑换，请结账或延长截止日期。")
            % {"round": round_.name, "day": _date(round_.closes_on)},
            code="round_not_open",
        )
    return round_


def _moment(on: datetime.date | None) -> datetime.datetime:
    """Now, or late afternoon of a past day that the demo replays."""
    if on is None or on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(17, 0)))


def _date(day) -> str:
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


def _clean_quantities(quantities: Mapping[int, int]) -> dict[int, int]:
    cleaned = {}
    for item_id, quantity in quantities.items():
        if quantity is None or quantity == 0:
            continue
        if not isinstance(quantity, int) or quantity < 0 or quantity > MAX_QUANTITY:
            raise ValidationError(
                _("每样物品的数量要在 1 到 %(max)s 之间。") % {"max": MAX_QUANTITY},
                code="quantity",
            )
        cleaned[int(item_id)] = quantity
    if not cleaned:
        raise ValidationError(_("请至少选择一样物品。"), code="empty")
    return cleaned


@retry_on_conflict
def redeem(
    *,
    community: Community,
    household: Household,
    quantities: Mapping[int, int],
    submission_key: uuid.UUID,
    by: User,
    on: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Redemption:
    """Exchange points for goods in the open round: one redeem entry, the stock and the
    budget taken, a receipt number. Any refusal raises ValidationError and changes nothing.
    The same `submission_key` twice returns the first redemption (a double-clicked form).
    `on` is the day of the redemption and `at` its moment: today and now, except when the
    demo replays past rounds.
    """
    on = on or timezone.localdate()
    existing = Redemption.objects.filter(community=community, submission_key=submission_key)
    if (found := existing.first()) is not None:
        return found
    round_ = _locked_open_round(community, on)
    # Again after the round's lock, so a concurrent twin of this submission has finished.
    if (found := existing.first()) is not None:
        return found
    if household.community_id != community.pk:
        raise ValidationError(_("找不到这户。"), code="household")
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.ACTIVE:
        raise ValidationError(
            _("存折 %(number)s 这户已迁出，不能兑换。") % {"number": household.passbook_number},
            code="moved_out",
        )
    wanted = _clean_quantities(quantities)
    items = {
        item.pk: item
        for item in RoundItem.objects.select_for_update(of=("self",))
        .filter(round=round_, pk__in=list(wanted))
        .select_related("reward")
        .order_by("pk")
    }
    if set(wanted) - set(items):
        raise ValidationError(_("所选物品不在本期兑换清单里，请刷新页面。"), code="item")
    account = lock_accounts([household])[household.pk]
    account.household = household
    already = taken_by_household(round_, household)

    for item_id, quantity in sorted(wanted.items()):
        item = items[item_id]
        if item.taken + quantity > item.stock:
            raise ValidationError(
                _("%(item)s 库存只剩 %(left)s %(unit)s，不够兑换 %(quantity)s %(unit)s。")
                % {
                    "item": item.reward.name,
                    "left": item.remaining,
                    "unit": item.reward.unit,
                    "quantity": quantity,
                },
                code="stock",
            )
        left = item.left_for_household(already.get(item_id, 0))
        if left is not None and quantity > left:
            raise ValidationError(
                _(
                    "%(item)s 每户本期限兑 %(limit)s %(unit)s，这户已兑 %(already)s %(unit)s，"
                    "这次最多还能兑 %(left)s %(unit)s。"
                )
                % {
                    "item": item.reward.name,
                    "limit": item.per_household_limit,
                    "unit": item.reward.unit,
                    "already": already.get(item_id, 0),
                    "left": left,
                },
                code="limit",
            )

    points = sum(items[i].point_price * q for i, q in wanted.items())
    cost = sum((items[i].cost_yuan * q for i, q in wanted.items()), Decimal(0))
    if round_.spent_yuan + cost > round_.budget_yuan:
        raise ValidationError(
            _("本期预算还剩 %(left)s 元，这次兑换要 %(cost)s 元，超出预算。")
            % {"left": _yuan(round_.remaining_yuan), "cost": _yuan(cost)},
            code="budget",
        )

    round_.receipt_serial += 1
    number = f"{community.passbook_prefix}-{round_.code}-{round_.receipt_serial:04d}"
    words = "，".join(
        f"{items[i].reward.name} {q}{items[i].reward.unit}×{items[i].point_price}分"
        for i, q in sorted(wanted.items())
    )
    entry = post_entry(  # refuses with a clear message when the balance is not enough
        account=account,
        amount=-points,
        kind=LedgerEntry.Kind.REDEEM,
        calculation=stored_text(_lazy("兑换：%(words)s"), words=words),
        reason=stored_text(_lazy("兑换单 %(number)s"), number=number),
        occurred_on=on,
        by=by,
        at=at,
    )
    round_.spent_yuan += cost
    round_.save(update_fields=["receipt_serial", "spent_yuan"])
    for item_id, quantity in wanted.items():
        items[item_id].taken += quantity
    RoundItem.objects.bulk_update(items.values(), ["taken"])
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                community=community,
                round=round_,
                household=household,
                number=number,
                submission_key=submission_key,
                points=points,
                cost_yuan=cost,
                entry=entry,
                created_by=by,
                created_at=at or timezone.now(),
            )
    except IntegrityError as exc:  # the same form in another round a moment ago
        raise ValidationError(_("这张兑换单已经提交过了。"), code="duplicate") from exc
    RedemptionLine.objects.bulk_create(
        [
            RedemptionLine(
                community=community,
                redemption=redemption,
                item=items[item_id],
                quantity=quantity,
                point_price=items[item_id].point_price,
                cost_yuan=items[item_id].cost_yuan,
            )
            for item_id, quantity in sorted(wanted.items())
        ]
    )
    return redemption


@retry_on_conflict
def cancel(*, redemption: Redemption, reason: str, by: User) -> Redemption:
    """Undo a redemption of the round still open: the goods back in stock, the money back in
    the budget, and a reversing entry giving the points back."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明取消的原因。")})
    round_ = Round.objects.select_for_update().get(pk=redemption.round_id)
    if round_.status != Round.Status.OPEN:
        raise ValidationError(
            _("“%(round)s”已经结账，不能再取消这一期的兑换。") % {"round": round_.name},
            code="round_closed",
        )
    # Not locked with FOR UPDATE (the application's database role has no UPDATE on
    # redemptions): every cancellation takes the round's lock first, so this read sees any
    # cancellation committed before it, and the Cancellation's uniqueness refuses the rest.
    locked = Redemption.objects.get(pk=redemption.pk)
    if locked.is_cancelled:
        raise ValidationError(_("这张兑换单已经取消过了。"), code="cancelled")
    lines = list(locked.lines.all())
    items = {
        item.pk: item
        for item in RoundItem.objects.select_for_update()
        .filter(pk__in=[line.item_id for line in lines])
        .order_by("pk")
    }
    household = Household.objects.get(pk=locked.household_id)
    account = lock_accounts([household])[household.pk]
    account.household = household
    reversal = post_entry(
        account=account,
        amount=locked.points,
        kind=LedgerEntry.Kind.REVERSE,
        reverses_id=locked.entry_id,
        occurred_on=timezone.localdate(),
        reason=stored_text(
            _lazy("取消兑换单 %(number)s：%(reason)s"), number=locked.number, reason=reason
        ),
        by=by,
    )
    for line in lines:
        items[line.item_id].taken -= line.quantity
    RoundItem.objects.bulk_update(items.values(), ["taken"])
    round_.spent_yuan -= locked.cost_yuan
    round_.save(update_fields=["spent_yuan"])
    # Its trigger marks the redemption cancelled (migration 0005).
    Cancellation.objects.create(
        community_id=locked.community_id,
        redemption=locked,
        reversal=reversal,
        reason=reason[:200],
        by=by,
    )
    locked.refresh_from_db(fields=["cancelled_at", "cancelled_by", "cancel_reason", "reversal"])
    return locked


@retry_on_conflict
def open_round(*, round_: Round, by: User, on: datetime.date | None = None) -> Round:
    """Start redeeming: a draft round with at least one item, not already past its end,
    while no other round of the community is open."""
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    if locked.status != Round.Status.DRAFT:
        raise ValidationError(_("只有准备中的兑换期可以开始兑换。"), code="status")
    if not locked.items.exists():
        raise ValidationError(_("请先添加本期可兑换的物品。"), code="no_items")
    if locked.days_phase(on or timezone.localdate()) == Round.Phase.LATE:
        raise ValidationError(
            _("截止日期 %(day)s 已经过了，请先修改日期。") % {"day": _date(locked.closes_on)},
            code="past",
        )
    other = Round.objects.filter(community_id=locked.community_id).open().first()
    if other is not None:
        raise ValidationError(
            _("“%(round)s”正在兑换，请先结账再开始新的一期。") % {"round": other.name},
            code="one_open",
        )
    locked.status = Round.Status.OPEN
    locked.opened_at = _moment(on)
    locked.opened_by = by
    try:
        with transaction.atomic():
            locked.save(update_fields=["status", "opened_at", "opened_by"])
    except IntegrityError as exc:  # another round was opened at the same moment
        raise ValidationError(
            _("已有另一期正在兑换，请先结账再开始新的一期。"), code="one_open"
        ) from exc
    return locked


@dataclass(frozen=True)
class Expiry:
    households: int
    points: int


# Clears (or caps) every balance above the keep in one statement: the accounts are locked
# in id order (as every posting locks them), and each gets one expiry entry whose
# balance_after is the keep — the ledger trigger moves the stored balance.
EXPIRE_SQL = """
WITH over AS (
    SELECT id, community_id, balance FROM points_account
    WHERE community_id = %(community)s AND balance > %(keep)s
    ORDER BY id
    FOR UPDATE
), posted AS (
    INSERT INTO points_ledgerentry (
        community_id, account_id, kind, amount, balance_after, stream, calculation, reason,
        occurred_on, created_by_id, created_at
    )
    SELECT community_id, id, 'expire', %(keep)s - balance, %(keep)s, %(stream)s, '',
        %(reason)s, %(day)s, %(by)s, %(at)s
    FROM over ORDER BY id
    RETURNING amount
)
SELECT count(*), COALESCE(-SUM(amount), 0) FROM posted
"""


def _expire(round_: Round, *, by: User, on: datetime.date | None) -> Expiry:
    if round_.balance_policy == Round.BalancePolicy.CARRY:
        return Expiry(0, 0)
    if round_.balance_policy == Round.BalancePolicy.CLEAR:
        keep = 0
        reason = stored_text(_lazy("“%(round)s”结账，积分清零"), round=round_.name)
    else:
        keep = round_.balance_cap
        reason = stored_text(
            _lazy("“%(round)s”结账，超出 %(cap)s 分的积分清零"),
            round=round_.name,
            cap=keep,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            EXPIRE_SQL,
            {
                "community": round_.community_id,
                "keep": keep,
                "stream": LedgerEntry.Stream.VALUE_ADDED,
                "reason": reason,
                "day": on or timezone.localdate(),
                "by": by.pk,
                "at": _moment(on),  # the closing's moment: now, or a replayed day's
            },
        )
        households, points = cursor.fetchone()
    return Expiry(households, points)


@retry_on_conflict
def close_round(*, round_: Round, by: User, on: datetime.date | None = None) -> Round:
    """Settle the round: no more redemptions, and the balance policy applied to every
    passbook of the community by explicit expiry entries (none when points carry over).
    Set-based: the same few statements for 100 households or 100,000."""
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    if locked.status != Round.Status.OPEN:
        raise ValidationError(_("只有正在兑换的兑换期可以结账。"), code="status")
    expiry = _expire(locked, by=by, on=on)
    locked.status = Round.Status.CLOSED
    locked.closed_at = _moment(on)
    locked.closed_by = by
    locked.expired_households = expiry.households
    locked.expired_points = expiry.points
    locked.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "expired_households",
            "expired_points",
        ]
    )
    return locked
