"""The party-member bank (党性增值银行) and the in-service party members' register.

Every party member of a community (a resident, or a non-resident who reported here: 报到)
holds a party account, apart from the household passbook. Base points (基础分) come from the
duties of membership — dues paid (按时交纳党费) and 三会一课 attended — and value-added points
(增值分) from approved service. The ledger is insert-only (PostgreSQL triggers, migration
0001): every change of a balance is an entry, and corrections reverse entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Community, Member, TenantQuerySet
from volunteering.models import Activity, Attendance, Project

MAX_MEETINGS_PER_QUARTER = 30


class PartySettings(models.Model):
    """A community's base standard (基础标准) for a quarter: dues paid every month, and at
    least `meetings_per_quarter` meetings (三会一课) attended."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="party_settings"
    )
    meetings_per_quarter = models.PositiveSmallIntegerField(
        _("每季度至少参加组织生活（次）"), default=3
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员积分设置")
        verbose_name_plural = pgettext_lazy("plural", "党员积分设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(meetings_per_quarter__lte=MAX_MEETINGS_PER_QUARTER),
                name="party_settings_meetings_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.community)


class Duty(models.TextChoices):
    DUES = "dues", _("按时交纳党费")
    MEETING = "meeting", _("三会一课")


class Post(models.TextChoices):
    """The four posts (四岗) a party member claims."""

    DELIBERATION = "deliberation", _("议事岗")
    GOVERNANCE = "governance", _("治理岗")
    DEDICATION = "dedication", _("奉献岗")
    SUPERVISION = "supervision", _("监督岗")


class ProjectRole(models.Model):
    """What a project of the menu means to the party: a duty that earns base points (its
    roll-call is taken on the party pages), or one of the four posts (claiming it is
    claiming that post). A project is one or the other, or neither."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="party_roles", verbose_name=_("项目")
    )
    duty = models.CharField(_("基础分事项"), max_length=10, choices=Duty.choices, blank=True)
    post = models.CharField(_("岗位"), max_length=12, choices=Post.choices, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目的党建用途")
        verbose_name_plural = pgettext_lazy("plural", "项目的党建用途")
        constraints = [
            models.CheckConstraint(
                condition=(Q(duty="") & ~Q(post="")) | (~Q(duty="") & Q(post="")),
                name="party_projectrole_duty_or_post",
            ),
            models.UniqueConstraint(
                fields=["community", "project"], name="party_projectrole_one_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_duty_display() or self.get_post_display()}"


class PartyMember(models.Model):
    """A party member's profile beyond the register's own facts (in service or retired,
    employer, position and skills stay on the Member): when they reported here (报到)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="party_profiles", verbose_name=_("党员")
    )
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员信息")
        verbose_name_plural = pgettext_lazy("plural", "党员信息")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"], name="party_partymember_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return str(self.member)


class PartyAccount(models.Model):
    """A party member's account (党员积分账户): the stored balance, changed only by an entry."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="party_accounts", verbose_name=_("党员")
    )
    balance = models.IntegerField(_("积分余额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员积分账户")
        verbose_name_plural = pgettext_lazy("plural", "党员积分账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="party_account_balance_not_negative"
            ),
            models.UniqueConstraint(
                fields=["community", "member"], name="party_account_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.balance}"


class PartyEntry(models.Model):
    """One line of a party account. Insert-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        BASE = "base", _("基础分")
        VALUE_ADDED = "value_added", _("增值分")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        PartyAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("账户")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    # For base points: which duty (dues, a meeting), fixed when posted.
    duty = models.CharField(_("基础分事项"), max_length=10, choices=Duty.choices, blank=True)
    amount = models.IntegerField(_("积分"))
    balance_after = models.IntegerField(_("余额"))
    attendance = models.ForeignKey(
        Attendance, on_delete=models.PROTECT, related_name="party_entries"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="party_entries", verbose_name=_("活动")
    )
    calculation = models.CharField(_("计算方式"), max_length=200, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("冲正的记录"),
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    occurred_on = models.DateField(_("日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员积分明细")
        verbose_name_plural = pgettext_lazy("plural", "党员积分明细")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="party_entry_balance_not_negative"
            ),
            # Earned (positive, no reason needed) or a reversal (negative, with its reason).
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | (Q(reverses__isnull=False, amount__lt=0) & ~Q(reason="")),
                name="party_entry_earned_or_reversal",
            ),
            models.CheckConstraint(
                condition=Q(kind="base") | Q(duty=""), name="party_entry_duty_only_for_base"
            ),
            # An attendance earns at most once, however often it is approved; an entry is
            # reversed at most once.
            models.UniqueConstraint(
                fields=["community", "attendance"],
                condition=Q(reverses__isnull=True),
                name="party_entry_attendance_earns_once",
            ),
            models.UniqueConstraint(
                fields=["community", "reverses"], name="party_entry_reversed_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-id"], name="party_entry_account_id"),
            # Standings and the base standard: one community's entries in a period.
            models.Index(fields=["community", "occurred_on"], name="party_entry_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d}"
