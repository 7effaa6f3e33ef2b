"""Redemption: the reward catalogue, rounds (兑换期) with their stock and budget, and the
redemptions made at the counter.

Points are spent only through a ledger entry (kind `redeem`) posted in the same transaction
that takes the stock and the budget; PostgreSQL keeps stock, budget and the one open round
per community (see migration 0002).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from points.models import LedgerEntry
from residents.models import Community, Household, StaffMembership, TenantQuerySet

MAX_QUANTITY = 99  # of one item in one redemption; a shop counter, not a warehouse
# What an open round may still change: when it ends, how much money, and the note; and of
# its items, the stock and the limit (prices and costs are fixed once redeeming starts).
OPEN_ROUND_FIELDS = ("closes_on", "budget_yuan", "note")
OPEN_ITEM_FIELDS = ("stock", "per_household_limit")


class Reward(models.Model):
    """Something the community shop hands out for points: a bottle of hand soap, a bag of
    rice, a jin of vegetables."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    name = models.CharField(_("物品名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("如 瓶、袋、斤、盒。"))
    point_price = models.PositiveIntegerField(
        _("所需积分"), validators=[MinValueValidator(1)], help_text=_("兑换一个单位要扣的积分。")
    )
    cost_yuan = models.DecimalField(
        _("成本（元）"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("居委会购入一个单位的价钱，从活动经费中支出。"),
    )
    picture = models.FileField(_("图片"), upload_to="rewards/%Y/%m/", blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = pgettext_lazy("plural", "兑换物品")
        ordering = ["-is_active", "point_price", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="redemption_reward_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(point_price__gt=0), name="redemption_reward_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost_yuan__gte=0), name="redemption_reward_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Which settled round is "the last": the one that ended last, the newest of a tie.
ENDING_LAST_FIRST = ("-closes_on", "-pk")


class RoundQuerySet(TenantQuerySet):
    def open(self) -> RoundQuerySet:
        return self.filter(status=Round.Status.OPEN)

    def closed(self) -> RoundQuerySet:
        return self.filter(status=Round.Status.CLOSED)

    def last_closed(self) -> Round | None:
        """The settled round that ended last (the newest of two that ended the same day)."""
        return self.closed().order_by(*ENDING_LAST_FIRST).first()

    def open_or_last_closed(self) -> Round | None:
        """The open round, else the last closed one, in one query (the open round sorts
        before every settled one)."""
        return (
            self.filter(status__in=[Round.Status.OPEN, Round.Status.CLOSED])
            .alias(
                open_first=Case(
                    When(status=Round.Status.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=models.IntegerField(),
                )
            )
            .order_by("open_first", *ENDING_LAST_FIRST)
            .first()
        )


class Round(models.Model):
    """A redemption round (兑换期), usually one a quarter."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("准备中")
        OPEN = "open", _("兑换中")
        CLOSED = "closed", _("已结账")

    class Phase(models.TextChoices):
        """Where a round stands today: the one rule the passbook, the counter and the round
        pages read (`Round.phase`). Open is not enough to redeem: only on its days."""

        DRAFT = "draft", _("准备中")
        EARLY = "early", _("已开始，未到兑换日期")
        ON = "open", _("兑换中")
        LATE = "late", _("已过截止日期，待结账")
        CLOSED = "closed", _("已结账")

    class BalancePolicy(models.TextChoices):
        CARRY = "carry", _("积分不清零，结转下期")
        CLEAR = "clear", _("结账时积分清零")
        CAP = "cap", _("结账时超出上限的积分清零")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    name = models.CharField(_("名称"), max_length=40, help_text=_("如 2026年第四季度。"))
    code = models.CharField(
        _("编号"),
        max_length=12,
        help_text=_("用在兑换单号里，如 2026Q4。只能用字母、数字和短横线。"),
    )
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    budget_yuan = models.DecimalField(
        _("预算（元）"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    # What the round's redemptions have cost so far; kept under the round's row lock.
    spent_yuan = models.DecimalField(
        _("已用（元）"), max_digits=10, decimal_places=2, default=Decimal(0), editable=False
    )
    balance_policy = models.CharField(
        _("结账时积分怎么办"),
        max_length=8,
        choices=BalancePolicy.choices,
        default=BalancePolicy.CARRY,
    )
    balance_cap = models.PositiveIntegerField(
        _("保留上限（分）"),
        null=True,
        blank=True,
        help_text=_("选择“超出上限清零”时填写：每户最多保留的积分。"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # Last receipt serial handed out in this round (bumped under the round's row lock).
    receipt_serial = models.PositiveIntegerField(_("已开兑换单数"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("开始兑换的人"),
    )
    opened_at = models.DateTimeField(_("开始兑换时间"), null=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("结账人"),
    )
    closed_at = models.DateTimeField(_("结账时间"), null=True)
    # What the balance policy did at closing (the expiry entries themselves are in the ledger).
    expired_households = models.PositiveIntegerField(_("清零户数"), default=0, editable=False)
    expired_points = models.PositiveIntegerField(_("清零积分"), default=0, editable=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑换期")
        verbose_name_plural = pgettext_lazy("plural", "兑换期")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="redemption_round_code"),
            # One round at the counter at a time, so nobody wonders which one they are in.
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(status="open"),
                name="redemption_round_one_open",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="redemption_round_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(budget_yuan__gte=0), name="redemption_round_budget_not_negative"
            ),
            # The committee's money: never spent beyond the budget, never below nothing.
            models.CheckConstraint(
                condition=Q(spent_yuan__gte=0) & Q(spent_yuan__lte=F("budget_yuan")),
                name="redemption_round_within_budget",
            ),
            models.CheckConstraint(
                condition=(Q(balance_policy="cap") & Q(balance_cap__isnull=False))
                | (~Q(balance_policy="cap") & Q(balance_cap__isnull=True)),
                name="redemption_round_cap_only_with_cap_policy",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Za-z0-9-]{1,12}$"),
                name="redemption_round_code_plain",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(opened_at__isnull=False),
                name="redemption_round_opened_when_open",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="redemption_round_closed_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("redemption:round_detail", args=[self.pk])

    @property
    def remaining_yuan(self) -> Decimal:
        return self.budget_yuan - self.spent_yuan

    def phase_on(self, day: datetime.date) -> str:
        """The round's phase on `day` (a Round.Phase value): residents are told “正在兑换” and
        the counter redeems only when it is open and `day` is one of its days."""
        if self.status == self.Status.DRAFT:
            return self.Phase.DRAFT
        if self.status == self.Status.CLOSED:
            return self.Phase.CLOSED
        return self.days_phase(day)

    def days_phase(self, day: datetime.date) -> str:
        """Where `day` stands against the round's days, whatever its status: EARLY, ON or
        LATE (what an admin is shown before opening a round)."""
        if day < self.opens_on:
            return self.Phase.EARLY
        if day > self.closes_on:
            return self.Phase.LATE
        return self.Phase.ON

    @property
    def phase(self) -> str:
        """Today's phase, in the site's time zone."""
        return self.phase_on(timezone.localdate())

    @property
    def opens_early(self) -> bool:
        """Opening it today would put it at the counter before its first day."""
        return self.days_phase(timezone.localdate()) == self.Phase.EARLY

    def get_phase_display(self) -> str:
        return str(self.Phase(self.phase).label)

    @property
    def policy_label(self) -> str:
        if self.balance_policy == self.BalancePolicy.CAP:
            return str(_("结账时每户保留 %(cap)s 分，超出部分清零")) % {"cap": self.balance_cap}
        return self.get_balance_policy_display()


class RoundItem(models.Model):
    """An item offered in a round, with the price and cost fixed for the round, its stock and
    how many one household may take."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="items", verbose_name=_("兑换期")
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="round_items", verbose_name=_("物品")
    )
    point_price = models.PositiveIntegerField(_("所需积分"), validators=[MinValueValidator(1)])
    cost_yuan = models.DecimalField(
        _("成本（元）"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    stock = models.PositiveIntegerField(_("库存"))
    # Handed out so far (net of cancellations); kept under the item's row lock.
    taken = models.PositiveIntegerField(_("已兑换"), default=0, editable=False)
    per_household_limit = models.PositiveSmallIntegerField(
        _("每户限兑"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("留空表示不限。"),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("本期物品")
        verbose_name_plural = pgettext_lazy("plural", "本期物品")
        ordering = ["point_price", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "reward"], name="redemption_item_once"),
            models.CheckConstraint(
                condition=Q(point_price__gt=0), name="redemption_item_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost_yuan__gte=0), name="redemption_item_cost_not_negative"
            ),
            # Never more handed out than there was.
            models.CheckConstraint(
                condition=Q(taken__gte=0) & Q(taken__lte=F("stock")),
                name="redemption_item_not_oversold",
            ),
            models.CheckConstraint(
                condition=Q(per_household_limit__isnull=True) | Q(per_household_limit__gt=0),
                name="redemption_item_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reward.name}（{self.point_price}）"

    @property
    def remaining(self) -> int:
        return self.stock - self.taken

    def left_for_household(self, taken: int) -> int | None:
        """How many more of this item a household that has taken `taken` of it this round
        may take under the per-household limit; None when there is no limit."""
        limit = self.per_household_limit
        return None if limit is None else max(limit - taken, 0)

    def allowance(self, taken: int) -> int:
        """How many more such a household can take now: the stock left, within its limit."""
        left = self.left_for_household(taken)
        return self.remaining if left is None else min(self.remaining, left)


class Redemption(models.Model):
    """One visit to the counter: the goods a household took and the points it paid, with a
    receipt number. Cancelled (same round only) by a reversing entry, never deleted."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("兑换期")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("户")
    )
    number = models.CharField(_("兑换单号"), max_length=30)
    # One per form shown at the counter: a second submission finds the first redemption.
    submission_key = models.UUIDField(editable=False)
    points = models.PositiveIntegerField(_("积分"))
    cost_yuan = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="redemption", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    # Now, except for the past rounds the demo replays (an insert sets it: no UPDATE later).
    created_at = models.DateTimeField(_("兑换时间"), default=timezone.now, editable=False)
    # The cancellation, copied from its Cancellation row by that row's trigger (the
    # application's database role cannot UPDATE a redemption).
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("取消人"),
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    reversal = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        related_name="cancelled_redemption",
        editable=False,
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = pgettext_lazy("plural", "兑换记录")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "submission_key"], name="redemption_submitted_once"
            ),
            models.UniqueConstraint(fields=["community", "number"], name="redemption_number"),
            models.CheckConstraint(condition=Q(points__gt=0), name="redemption_points_positive"),
            models.CheckConstraint(
                condition=Q(cost_yuan__gte=0), name="redemption_cost_not_negative"
            ),
            # Cancelled means: who, when, why, and the entry that gave the points back.
            models.CheckConstraint(
                condition=(
                    Q(cancelled_at__isnull=True)
                    & Q(cancelled_by__isnull=True)
                    & Q(reversal__isnull=True)
                    & Q(cancel_reason="")
                )
                | (
                    Q(cancelled_at__isnull=False)
                    & Q(cancelled_by__isnull=False)
                    & Q(reversal__isnull=False)
                    & ~Q(cancel_reason="")
                ),
                name="redemption_cancelled_completely",
            ),
        ]
        indexes = [
            # What a household already took in a round (limits, the counter panel).
            models.Index(fields=["round", "household"], name="redemption_round_household"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("redemption:receipt", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def may_be_cancelled_by(self, role: str) -> bool:
        """Whether a staff member of `role` may cancel it (the service still refuses a
        closed round or a second cancellation): admins and staff any receipt, a counter
        clerk only one made today — the mistake noticed at the counter, goods in hand."""
        if role == StaffMembership.Role.COUNTER:
            return timezone.localdate(self.created_at) == timezone.localdate()
        return role in (StaffMembership.Role.ADMIN, StaffMembership.Role.STAFF)


class Cancellation(models.Model):
    """That a redemption was cancelled: who, when, why, and the entry that gave the points
    back. Insert-only. Inserting it marks the redemption cancelled (its trigger, running as
    the database owner, copies these into the redemption: migration 0005), so the
    application never updates a redemption and reads stay on the redemption's own columns.
    One per redemption."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    redemption = models.OneToOneField(
        Redemption,
        on_delete=models.PROTECT,
        related_name="cancellation",
        verbose_name=_("兑换记录"),
    )
    reversal = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="+", editable=False
    )
    reason = models.CharField(_("取消原因"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("取消人"),
    )
    at = models.DateTimeField(_("取消时间"), default=timezone.now, editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑换取消记录")
        verbose_name_plural = pgettext_lazy("plural", "兑换取消记录")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="redemption_cancellation_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id} @ {self.at:%Y-%m-%d %H:%M}"


class RedemptionLine(models.Model):
    """So many of one round item in a redemption, at the round's price and cost."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(
        RoundItem, on_delete=models.PROTECT, related_name="lines", verbose_name=_("物品")
    )
    quantity = models.PositiveSmallIntegerField(_("数量"))
    point_price = models.PositiveIntegerField(_("单价（分）"))
    cost_yuan = models.DecimalField(_("单位成本（元）"), max_digits=8, decimal_places=2)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑换明细")
        verbose_name_plural = pgettext_lazy("plural", "兑换明细")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["redemption", "item"], name="redemption_line_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=MAX_QUANTITY),
                name="redemption_line_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.reward.name} × {self.quantity}"

    @property
    def points(self) -> int:
        return self.quantity * self.point_price

    @property
    def yuan(self) -> Decimal:
        return self.quantity * self.cost_yuan
