"""民情: visits to households (走访), the needs and small wishes they and the residents bring
(民情 / 微心愿) with their way from 待派单 to 已回访, partner units (共建单位) and standing
pairings (结对).

A need's states and the moves between them are declared here, once (`Need.MOVES`); the
services (needs/services.py) make every move under a row lock and the database refuses a
state it does not know, or one without what it needs (an assignee, what was done, the
resident's answer)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Community, Household, Member, TenantQuerySet
from volunteering.models import Activity, Team

MAX_TEXT = 500
MAX_HOURS = Decimal(24)


class Visit(models.Model):
    """One visit to a household (一次走访, 一户次)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("户")
    )
    visited_on = models.DateField(_("走访日期"))
    visitors = models.CharField(_("走访人"), max_length=100)
    findings = models.TextField(_("了解到的情况"), blank=True)
    need_follows = models.BooleanField(_("有需求待办"), default=False)
    # A fresh key in every form: saving the same form twice finds the visit made the first time.
    submission_key = models.UUIDField(editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = pgettext_lazy("plural", "走访")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "submission_key"], name="needs_visit_submitted_once"
            ),
            models.CheckConstraint(condition=~Q(visitors=""), name="needs_visit_has_visitors"),
        ]
        indexes = [
            models.Index(fields=["community", "-visited_on"], name="needs_visit_date"),
            models.Index(fields=["household", "-visited_on"], name="needs_visit_household"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.household_id}"

    def get_absolute_url(self) -> str:
        return reverse("needs:visit_detail", args=[self.pk])


class PartnerUnit(models.Model):
    """A partner organisation (共建单位) that takes needs and sends its people."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("单位名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    party_branch = models.CharField(_("党组织"), max_length=100, blank=True)
    commitments = models.TextField(_("共建承诺"), blank=True)
    is_active = models.BooleanField(_("在共建"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = pgettext_lazy("plural", "共建单位")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="needs_partner_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerPerson(models.Model):
    """One of a partner unit's people: a member of the register, usually a non-resident
    (报到) who serves here through the unit."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(PartnerUnit, on_delete=models.CASCADE, related_name="people")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="partner_people", verbose_name=_("人员")
    )
    joined_on = models.DateField(_("加入日期"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建单位人员")
        verbose_name_plural = pgettext_lazy("plural", "共建单位人员")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "unit", "member"], name="needs_partnerperson_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.member_id}"


class NeedQuerySet(TenantQuerySet):
    def open(self) -> NeedQuerySet:
        return self.filter(state__in=Need.OPEN_STATES)

    def for_list(self) -> NeedQuerySet:
        return self.select_related("household__compound", "member", "team", "partner")


class Need(models.Model):
    """A need or small wish (民情 / 微心愿) and where it has got to."""

    class State(models.TextChoices):
        PENDING = "pending", _("待派单")
        DISPATCHED = "dispatched", _("已派单")
        TAKEN = "taken", _("已接单")
        DONE = "done", _("已完成")
        FOLLOWED = "followed", _("已回访")
        WITHDRAWN = "withdrawn", _("已撤销")

    class Source(models.TextChoices):
        RESIDENT = "resident", _("居民自报")
        VISIT = "visit", _("走访发现")
        DESK = "desk", _("窗口登记")

    # Every move a need may make, and the word for it. Nothing else is allowed.
    MOVES: dict[str, dict[str, str]] = {
        State.PENDING: {
            State.DISPATCHED: _("派单"),
            State.TAKEN: _("认领"),  # a published call, taken
            State.WITHDRAWN: _("撤销"),
        },
        State.DISPATCHED: {
            State.TAKEN: _("接单"),
            State.PENDING: _("退回重派"),
            State.WITHDRAWN: _("撤销"),
        },
        State.TAKEN: {State.DONE: _("办结")},
        State.DONE: {State.FOLLOWED: _("回访")},
        State.FOLLOWED: {},
        State.WITHDRAWN: {},
    }
    OPEN_STATES = (State.PENDING, State.DISPATCHED, State.TAKEN)
    ASSIGNED_STATES = (State.DISPATCHED, State.TAKEN, State.DONE, State.FOLLOWED)
    FINISHED_STATES = (State.DONE, State.FOLLOWED)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("户"),
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    text = models.TextField(_("内容"), max_length=MAX_TEXT)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    # An open call (公开认领): a party member or a unit may take it.
    published = models.BooleanField(_("公开认领"), default=False)
    # Who it is given to: one of a resident (a party member, a volunteer), a team, a unit.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办团队"),
    )
    partner = models.ForeignKey(
        PartnerUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("承办单位"),
    )
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    done_note = models.TextField(_("办理情况"), blank=True)
    hours = models.DecimalField(
        _("每人时长（小时）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # How many people went (the doers named, or the people a unit sent).
    people = models.PositiveSmallIntegerField(_("人数"), null=True, blank=True)
    # The activity the doers' attendance was recorded under (pending review like any other).
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed = models.BooleanField(_("居民认可"), null=True, blank=True)
    followup_note = models.CharField(_("回访情况"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民情需求")
        verbose_name_plural = pgettext_lazy("plural", "民情需求")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state__in=["pending", "dispatched", "taken", "done", "followed", "withdrawn"]
                ),
                name="needs_need_state_known",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["resident", "visit", "desk"]),
                name="needs_need_source_known",
            ),
            # At most one assignee; exactly one once dispatched.
            models.CheckConstraint(
                condition=Q(member__isnull=True, team__isnull=True, partner__isnull=True)
                | Q(member__isnull=False, team__isnull=True, partner__isnull=True)
                | Q(member__isnull=True, team__isnull=False, partner__isnull=True)
                | Q(member__isnull=True, team__isnull=True, partner__isnull=False),
                name="needs_need_one_assignee",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "withdrawn"])
                | ~Q(member__isnull=True, team__isnull=True, partner__isnull=True),
                name="needs_need_assigned_has_assignee",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["done", "followed"], done_on__isnull=False, hours__gt=0)
                | Q(~Q(state__in=["done", "followed"]), done_on__isnull=True),
                name="needs_need_done_has_what",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=MAX_HOURS),
                name="needs_need_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(state="followed", confirmed__isnull=False)
                | Q(~Q(state="followed"), confirmed__isnull=True),
                name="needs_need_followed_has_answer",
            ),
            models.CheckConstraint(
                condition=Q(source="visit", visit__isnull=False) | ~Q(source="visit"),
                name="needs_need_visit_source",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="needs_need_state"),
            models.Index(fields=["household", "-created_at"], name="needs_need_household"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:20]}"

    def get_absolute_url(self) -> str:
        return reverse("needs:need_detail", args=[self.pk])

    @property
    def assignee(self) -> object | None:
        return self.member or self.team or self.partner

    def moves(self) -> dict[str, str]:
        return self.MOVES[self.state]


class NeedEvent(models.Model):
    """One move of a need (who, when, from what to what): insert only."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=10, blank=True, choices=Need.State.choices)
    to_state = models.CharField(max_length=10, choices=Need.State.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "办理记录")

    def __str__(self) -> str:
        return f"{self.need_id}: {self.from_state} → {self.to_state}"


class Pairing(models.Model):
    """A standing pairing (结对): a volunteer or a unit keeps a household company."""

    class Kind(models.TextChoices):
        COMPANION = "companion", _("老伙伴结对")
        HARDSHIP = "hardship", _("困难家庭结对")
        OTHER = "other", _("其他结对")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("结对户")
    )
    kind = models.CharField(_("结对类型"), max_length=10, choices=Kind.choices)
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("志愿者"),
    )
    partner = models.ForeignKey(
        PartnerUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
        verbose_name=_("共建单位"),
    )
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = pgettext_lazy("plural", "结对")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, partner__isnull=True)
                | Q(member__isnull=True, partner__isnull=False),
                name="needs_pairing_one_side",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["companion", "hardship", "other"]),
                name="needs_pairing_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="needs_pairing_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.member or self.partner}"


class ActivityServed(models.Model):
    """A household an activity served (服务对象): the lonely elder a team visited, the family
    whose flat was cleaned. A link, not a ledger: a wrong one is simply removed."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", verbose_name=_("活动")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务对象")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动服务对象")
        verbose_name_plural = pgettext_lazy("plural", "活动服务对象")
        ordering = ["household__compound__name", "household__building", "household__room"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "activity", "household"], name="needs_activityserved_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.household_id}"
