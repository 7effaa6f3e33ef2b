"""What volunteers did: the project menu, teams, activities and who took part.

volunteering records facts; the points app turns approved attendance into points.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Community, Member, TenantQuerySet

MAX_HOURS = Decimal(24)


class ProjectCategory(models.Model):
    """A group of projects on the menu (e.g. 平安守护, 邻里互助)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="project_categories"
    )
    name = models.CharField(_("类别名称"), max_length=50)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Party members' base points (基础分: dues paid, meetings attended) are projects in a
    # category marked here, so standings can show base and value-added points apart.
    is_base_points = models.BooleanField(_("党员基础分类别"), default=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目类别")
        verbose_name_plural = pgettext_lazy("plural", "项目类别")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="volunteering_projectcategory_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A public-welfare project or post (公益项目/岗位) residents can take part in or claim."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="projects")
    category = models.ForeignKey(
        ProjectCategory, on_delete=models.PROTECT, related_name="projects", verbose_name=_("类别")
    )
    name = models.CharField(_("项目名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    default_hours = models.DecimalField(
        _("默认时长（小时）"), max_digits=4, decimal_places=1, default=Decimal(2)
    )
    # Retired projects leave the menu but keep their activities and claims.
    is_active = models.BooleanField(_("在用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("公益项目")
        verbose_name_plural = pgettext_lazy("plural", "公益项目")
        ordering = ["category__position", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="volunteering_project_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(default_hours__gt=0, default_hours__lte=MAX_HOURS),
                name="volunteering_project_default_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectClaim(models.Model):
    """A member claims a project or post (认领公益岗位)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="claims", verbose_name=_("项目")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="project_claims", verbose_name=_("居民")
    )
    claimed_on = models.DateField(_("认领日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目认领")
        verbose_name_plural = pgettext_lazy("plural", "项目认领")
        ordering = ["-claimed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "member"], name="volunteering_projectclaim_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.project}"


class Team(models.Model):
    """A volunteer team (巡逻队, 合唱队 …) with its members and a leader."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("团队名称"), max_length=50)
    leader = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("队长"),
    )
    members = models.ManyToManyField(
        Member, through="TeamMembership", related_name="teams", verbose_name=_("队员")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("团队")
        verbose_name_plural = pgettext_lazy("plural", "团队")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="volunteering_team_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="team_memberships")
    joined_on = models.DateField(_("加入日期"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = pgettext_lazy("plural", "团队成员")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "member"], name="volunteering_team_member_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member}"


class ActivityQuerySet(TenantQuerySet):
    def with_counts(self) -> ActivityQuerySet:
        return self.annotate(
            participant_count=models.Count("attendances"),
            pending_count=models.Count(
                "attendances", filter=Q(attendances__status=Attendance.Status.PENDING)
            ),
        )


class Activity(models.Model):
    """One occurrence of volunteer service, on a date."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="activities")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="activities", verbose_name=_("项目")
    )
    title = models.CharField(_("活动名称"), max_length=100)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    end_time = models.TimeField(_("结束时间"), null=True, blank=True)
    hours = models.DecimalField(_("时长（小时）"), max_digits=4, decimal_places=1)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    organiser = models.CharField(_("组织者"), max_length=50, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # A fresh key is put in every logging form; saving the same form twice finds the
    # activity already made instead of making a second one.
    submission_key = models.UUIDField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = pgettext_lazy("plural", "活动")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "submission_key"], name="volunteering_activity_submitted_once"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=MAX_HOURS),
                name="volunteering_activity_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=models.F("start_time")),
                name="volunteering_activity_ends_after_start",
            ),
        ]
        indexes = [
            # The activity list: one community's activities, newest first.
            models.Index(fields=["community", "-date"], name="volunteering_activity_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("volunteering:activity_detail", args=[self.pk])


class Attendance(models.Model):
    """One member at one activity (参与记录), waiting for review before it counts."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("参与")
        ORGANISER = "organiser", _("组织/带队")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("活动")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("居民")
    )
    hours = models.DecimalField(_("时长（小时）"), max_digits=4, decimal_places=1)
    role = models.CharField(
        _("角色"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    note = models.CharField(_("备注"), max_length=100, blank=True)
    status = models.CharField(
        _("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rejection_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("参与记录")
        verbose_name_plural = pgettext_lazy("plural", "参与记录")
        ordering = ["activity", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], name="volunteering_attendance_once_per_activity"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=MAX_HOURS),
                name="volunteering_attendance_hours_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="volunteering_attendance_rejection_has_reason",
            ),
        ]
        indexes = [
            # A member's history on the household page.
            models.Index(fields=["member", "activity"], name="volunteering_attendance_member"),
            # The review queue (points issue): pending records of one community.
            models.Index(fields=["community", "status"], name="volunteering_attendance_status"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"
