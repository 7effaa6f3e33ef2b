"""Points: the rules that price service, and the household passbook ledger.

The ledger is insert-only (a PostgreSQL trigger refuses UPDATE and DELETE); every change of
a balance is an entry, and corrections are entries that reverse others.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Community, Household, Member, TenantQuerySet
from volunteering.models import Activity, Attendance, Project, ProjectCategory


class DateRange(Func):
    """daterange(start, end, '[]'): a rule's days, both ends included (end may be open)."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PointRule(models.Model):
    """How attendance becomes points, for a project, a category or the whole community,
    from a start date (and to an optional end date)."""

    class Rounding(models.TextChoices):
        DOWN = "down", _("舍去小数")
        NEAREST = "nearest", _("四舍五入")
        UP = "up", _("进一")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="point_rules")
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_rules",
        verbose_name=_("公益项目"),
    )
    category = models.ForeignKey(
        ProjectCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_rules",
        verbose_name=_("项目类别"),
    )
    starts_on = models.DateField(_("生效日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    points_per_session = models.PositiveSmallIntegerField(_("每次积分"), default=1)
    points_per_hour = models.DecimalField(
        _("每小时积分"), max_digits=4, decimal_places=1, default=Decimal(0)
    )
    rounding = models.CharField(
        _("按小时计分的取整"), max_length=8, choices=Rounding.choices, default=Rounding.DOWN
    )
    organiser_bonus = models.PositiveSmallIntegerField(_("组织/带队加分"), default=0)
    daily_cap = models.PositiveSmallIntegerField(_("每人每日上限"), null=True, blank=True)
    monthly_cap = models.PositiveSmallIntegerField(_("每人每月上限"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = pgettext_lazy("plural", "积分规则")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=True) | Q(category__isnull=True),
                name="points_pointrule_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="points_pointrule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(points_per_hour__gte=0),
                name="points_pointrule_hourly_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(points_per_session__gt=0) | Q(points_per_hour__gt=0),
                name="points_pointrule_gives_points",
            ),
            # One rule in force per scope and day, so "the rule in force" is never ambiguous.
            ExclusionConstraint(
                name="points_pointrule_no_overlap",
                expressions=[
                    ("community", RangeOperators.EQUAL),
                    (Coalesce("project", 0), RangeOperators.EQUAL),
                    (Coalesce("category", 0), RangeOperators.EQUAL),
                    (
                        DateRange("starts_on", "ends_on", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} · {self.starts_on:%Y-%m-%d}"

    @property
    def scope_label(self) -> str:
        if self.project_id:
            return str(self.project)
        if self.category_id:
            return str(self.category)
        return str(_("全居民区默认"))

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class AccountQuerySet(TenantQuerySet):
    def balance_of(self, household: Household | int) -> int:
        """The household's balance; 0 while no entry has opened its account. One query."""
        balance = self.filter(household=household).values_list("balance", flat=True).first()
        return balance or 0


class Account(models.Model):
    """A household's passbook: the stored balance, changed only with a ledger entry."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.OneToOneField(
        Household, on_delete=models.PROTECT, related_name="account", verbose_name=_("户")
    )
    balance = models.IntegerField(_("积分余额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("存折账户")
        verbose_name_plural = pgettext_lazy("plural", "存折账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="points_account_balance_not_negative"
            ),
        ]
        indexes = [
            # The dashboard's top savers: the largest balances of a community, read from the
            # top, equal balances in the order the passbooks were opened.
            models.Index(
                "community",
                models.F("balance").desc(),
                "id",
                name="points_account_top_balances",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.passbook_number}: {self.balance}"


class LedgerQuerySet(TenantQuerySet):
    def for_household(self, household: Household) -> LedgerQuerySet:
        return self.filter(account__household=household)

    def earning(self) -> LedgerQuerySet:
        """Points earned by service: earn entries and the reversals of earn entries (an
        undone approval), not the reversal that gives back a cancelled redemption."""
        return self.filter(Q(kind="earn") | Q(kind="reverse", reverses__kind="earn"))

    def posted_within(self, start: datetime.date, end: datetime.date) -> LedgerQuerySet:
        """Entries posted (written into the passbook) from `start` to `end`, both days
        included, in the site's time zone: what a passbook lists for a period, in the
        order it was written, so dates and running balances read down together."""
        zone = timezone.get_current_timezone()
        return self.filter(
            created_at__gte=datetime.datetime.combine(start, datetime.time.min, zone),
            created_at__lt=datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, zone
            ),
        )


class LedgerEntry(models.Model):
    """One line of the passbook. Insert-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        EARN = "earn", _("服务积分")
        REDEEM = "redeem", _("兑换")
        ADJUST = "adjust", _("调整")
        REVERSE = "reverse", _("冲正")
        # Points a committee chose to clear (or cap) when a redemption round closed.
        EXPIRE = "expire", _("到期清零")

    class Stream(models.TextChoices):
        VALUE_ADDED = "value_added", _("增值分")
        BASE = "base", _("基础分")

    # The account, member, attendance, activity and rule an entry names are held by the
    # database through composite foreign keys on (id, community_id) (migration 0002: the
    # row it names exists AND is of the same community), so the single-column keys Django
    # would add besides are left out (db_constraint=False, migration 0014): each was a second
    # check of the same row at every commit — 100,000 of them when a round closes.
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("账户"),
        db_constraint=False,
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    amount = models.IntegerField(_("积分"))
    balance_after = models.IntegerField(_("余额"))
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("居民"),
        db_constraint=False,
    )
    # Base points (基础分) or value-added (增值分), fixed when posted for the standings.
    stream = models.CharField(
        _("积分类别"), max_length=12, choices=Stream.choices, default=Stream.VALUE_ADDED
    )
    attendance = models.ForeignKey(
        Attendance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        db_constraint=False,
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("活动"),
        db_constraint=False,
    )
    rule = models.ForeignKey(
        PointRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_constraint=False,
    )
    # How the amount was worked out, in words, as it was when posted (rules may change).
    calculation = models.CharField(_("计算方式"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的记录"),
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # The date the points belong to (the activity's date for earned points).
    occurred_on = models.DateField(_("日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    # When the entry was written: now, as services post it. Not `auto_now_add` (which
    # would overwrite any value): the demo replays a past year and posts each entry at its
    # moment (points.services' keyword-only `at`). Insert-only all the same.
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now, editable=False)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分明细")
        verbose_name_plural = pgettext_lazy("plural", "积分明细")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_ledgerentry_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="points_ledgerentry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="earn") | Q(amount__gt=0, attendance__isnull=False),
                name="points_ledgerentry_earn_from_attendance",
            ),
            models.CheckConstraint(
                condition=~Q(kind="redeem") | Q(amount__lt=0),
                name="points_ledgerentry_redeem_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="expire") | (Q(amount__lt=0) & ~Q(reason="")),
                name="points_ledgerentry_expiry_clears_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reverse") | Q(reverses__isnull=False),
                name="points_ledgerentry_reverse_names_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["adjust", "reverse"]) | ~Q(reason=""),
                name="points_ledgerentry_correction_has_reason",
            ),
            # An attendance earns at most once, however often or concurrently it is approved.
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(kind="earn"),
                name="points_ledgerentry_attendance_earns_once",
            ),
        ]
        indexes = [
            # The household's passbook page: newest first, keyset-paginated by id.
            models.Index(fields=["account", "-id"], name="points_entry_account_id"),
            # The passbook page's quarter and year: only that period's entries are read,
            # however long the household's history.
            models.Index(fields=["account", "occurred_on"], name="points_entry_account_day"),
            # Standings: one community's entries in a period.
            models.Index(fields=["community", "occurred_on"], name="points_entry_occurred"),
            # The ledger export: one community's entries posted in a period.
            models.Index(fields=["community", "created_at"], name="points_entry_posted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d}"

    @property
    def posted_on(self) -> datetime.date:
        """The day the entry was written into the passbook (the passbook's date column;
        `occurred_on`, the activity's date, is in its description)."""
        return timezone.localdate(self.created_at)


class PassbookToken(models.Model):
    """The secret behind a paper passbook's QR code. Only its SHA-256 is stored; issuing
    a new one (a lost passbook, a reprint) revokes the old at once."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="passbook_tokens", verbose_name=_("户")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("存折二维码")
        verbose_name_plural = pgettext_lazy("plural", "存折二维码")
        constraints = [
            # At most one working QR code per household.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(revoked_at__isnull=True),
                name="points_passbooktoken_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.created_at:%Y-%m-%d}"


class PassbookAccessFailure(models.Model):
    """A wrong passbook link opened from an address: counted to slow down guessing."""

    ip = models.GenericIPAddressField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Counting one address's recent failures.
            models.Index(fields=["ip", "at"], name="points_access_failure_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.at:%Y-%m-%d %H:%M}"


class PassbookPolicy(models.Model):
    """What a community lets into its household passbooks beyond service. Without a row,
    the defaults: party members' base points (基础分: dues, meetings) stay off the passbook."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="passbook_policy"
    )
    base_points_to_passbook = models.BooleanField(_("基础分也计入家庭存折"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("存折记分设置")
        verbose_name_plural = pgettext_lazy("plural", "存折记分设置")

    def __str__(self) -> str:
        return str(self.community)

    @classmethod
    def base_points_allowed(cls, community: Community | int) -> bool:
        """Whether base points post to household passbooks in `community`. One query."""
        return bool(
            cls.objects.filter(community=community)
            .values_list("base_points_to_passbook", flat=True)
            .first()
        )


# -- Running totals kept by the ledger (issue 21) -------------------------------------------
#
# Pages that add up a period's points (the dashboard, the standings and their notice, the
# sub-district's roll-up) read these instead of scanning millions of entries. They are
# written only by the ledger's statement trigger, in the same statement as the entries
# (migration 0012), so they are exact at every commit; the application's role may only read
# them, and `reconcile_ledger` checks them against the entries.
#
# "Earned" and "redeemed" mean what the standings and the dashboard always meant: earn
# entries net of their reversals, redeem entries net of the reversals of cancelled
# redemptions, counted by the date the points belong to (`occurred_on`). Redeemed is kept as
# a positive number of points. Adjustments and expiries are neither.


class MonthTally(models.Model):
    """A community's points earned and redeemed in one month."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # its first day
    earned = models.IntegerField(_("获得积分"), default=0)
    redeemed = models.IntegerField(_("兑换积分"), default=0)

    class Meta:
        verbose_name = _("月度积分合计")
        verbose_name_plural = pgettext_lazy("plural", "月度积分合计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month"], name="points_monthtally_once_a_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: +{self.earned} -{self.redeemed}"


class AccountTally(models.Model):
    """One passbook's points earned in one quarter."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    quarter = models.DateField(_("季度"))  # its first day
    earned = models.IntegerField(_("获得积分"), default=0)

    class Meta:
        verbose_name = _("户季度积分合计")
        verbose_name_plural = pgettext_lazy("plural", "户季度积分合计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "quarter", "account"],
                name="points_accounttally_once_a_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.quarter}: {self.earned}"


class MemberTally(models.Model):
    """One member's points earned in one quarter, base (基础分) and value-added apart."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    quarter = models.DateField(_("季度"))  # its first day
    base = models.IntegerField(_("基础分"), default=0)
    value_added = models.IntegerField(_("增值分"), default=0)

    class Meta:
        verbose_name = _("成员季度积分合计")
        verbose_name_plural = pgettext_lazy("plural", "成员季度积分合计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "quarter", "member"],
                name="points_membertally_once_a_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.quarter}: {self.base} + {self.value_added}"
