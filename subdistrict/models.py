"""The sub-district's (街道) own rows: who works for it, in which role.

A SubDistrict (residents.models) owns communities; a 街道 role gives a user every community
of that sub-district to look at, side by side, and nothing else: no household, no member,
no community's staff pages (those need a StaffMembership of the community).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import BuildingGroup, Community, SubDistrict
from residents.stars import Star


class SubDistrictRole(models.Model):
    """A user's role in one sub-district. Not a community's row: it sits above them."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("街道管理员")
        VIEWER = "viewer", _("街道查看")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subdistrict_roles",
        verbose_name=_("用户"),
    )
    subdistrict = models.ForeignKey(
        SubDistrict, on_delete=models.CASCADE, related_name="roles", verbose_name=_("街道")
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("街道工作人员身份")
        verbose_name_plural = pgettext_lazy("plural", "街道工作人员身份")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subdistrict"], name="subdistrict_role_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.subdistrict} · {self.get_role_display()}"


# -- The star building-group contest (星级楼组评选) ------------------------------------------

KIND_CHOICES = [
    ("study", _("学习")),
    ("health", _("健康")),
    ("safety", _("平安")),
    ("filial", _("孝亲")),
    ("party", _("党建")),
    ("culture", _("文化")),
]
MEASURE_CHOICES = [
    ("participation", _("参与率")),
    ("activities", _("参加活动")),
]


class StarContest(models.Model):
    """A year's contest of a sub-district: open for entries, then rated and published."""

    class Status(models.TextChoices):
        OPEN = "open", _("接受申报")
        PUBLISHED = "published", _("公示中")
        FINAL = "final", _("已定稿")

    subdistrict = models.ForeignKey(
        SubDistrict, on_delete=models.PROTECT, related_name="star_contests", verbose_name=_("街道")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=60)
    kinds = ArrayField(
        models.CharField(max_length=10, choices=KIND_CHOICES), verbose_name=_("类别")
    )
    measures = ArrayField(
        models.CharField(max_length=20, choices=MEASURE_CHOICES),
        blank=True,
        default=list,
        verbose_name=_("参考数据"),
    )
    criteria = models.TextField(_("评选标准"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公布人"),
    )
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    # 公示 of the result, as for a community's standings (Publication): the same fields,
    # the same services (services_publications), the same freeze in the database.
    published_on = models.DateField(_("公示开始"), null=True, blank=True)
    ends_on = models.DateField(_("公示截止"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定稿人"),
    )
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("星级楼组评选")
        verbose_name_plural = pgettext_lazy("plural", "星级楼组评选")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "year"], name="subdistrict_starcontest_one_a_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="subdistrict_starcontest_year"
            ),
            models.CheckConstraint(
                condition=Q(status="open", published_at__isnull=True, finalized_at__isnull=True)
                | Q(
                    status="published",
                    published_at__isnull=False,
                    published_on__isnull=False,
                    ends_on__gte=models.F("published_on"),
                    finalized_at__isnull=True,
                )
                | Q(
                    status="final",
                    published_at__isnull=False,
                    published_on__isnull=False,
                    ends_on__gte=models.F("published_on"),
                    finalized_at__isnull=False,
                ),
                name="subdistrict_starcontest_publication_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL

    def objection_fields(self) -> dict:
        """What a new objection against this result carries besides the contest."""
        return {}

    def kind_labels(self) -> list[str]:
        names = dict(KIND_CHOICES)
        return [str(names[k]) for k in self.kinds if k in names]


def entry_photo_path(entry: StarEntry, filename: str) -> str:
    # The name is ours (the form gives the extension from the file's own bytes).
    return f"star-groups/{entry.community_id}/{filename}"


class StarEntry(models.Model):
    """A community's building group entered in a contest, with its plan (创建方案), and the
    sub-district's rating (1–3 stars, or none)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    contest = models.ForeignKey(
        StarContest, on_delete=models.PROTECT, related_name="entries", verbose_name=_("评选")
    )
    building_group = models.ForeignKey(
        BuildingGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("楼组")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=KIND_CHOICES)
    plan = models.TextField(_("创建方案"), max_length=2000)
    photo = models.FileField(_("照片"), upload_to=entry_photo_path, max_length=200)
    photo_2 = models.FileField(
        _("第二张照片"), upload_to=entry_photo_path, max_length=200, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申报人"),
    )
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    stars = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评定人"),
    )
    rated_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("星级楼组申报")
        verbose_name_plural = pgettext_lazy("plural", "星级楼组申报")
        ordering = ["community_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "contest", "building_group"],
                name="subdistrict_starentry_once_a_contest",
            ),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=3),
                name="subdistrict_starentry_stars_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.building_group}"

    @property
    def star(self) -> Star | None:
        return Star(self.stars, self.contest.year) if self.stars else None


# -- 公示: a list published for N days, objections, then final and frozen -----------------------


class Publication(models.Model):
    """A community's quarterly standings put up for public notice (公示) for `days` days:
    the list as it was published (`rows`, names masked), objections recorded against it,
    then final. A final publication and its objections never change again: a trigger
    refuses it (migration 0003), and the application's role may not delete it."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("公示中")
        FINAL = "final", _("已定稿")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    period = models.CharField(_("统计期"), max_length=8)  # "2026Q4" (residents.reporting)
    title = models.CharField(_("标题"), max_length=100)
    rows = models.JSONField(_("公示内容"), default=dict)
    published_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定稿人"),
    )
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = pgettext_lazy("plural", "公示")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "period"], name="subdistrict_publication_once_a_period"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("published_on")),
                name="subdistrict_publication_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(status="published", finalized_at__isnull=True)
                | Q(status="final", finalized_at__isnull=False),
                name="subdistrict_publication_final_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL

    def objection_fields(self) -> dict:
        """What a new objection against this publication carries besides the publication."""
        return {"community_id": self.community_id}


class ObjectionBase(models.Model):
    """An objection raised during a 公示: who raised it, what, and what was decided. The
    standings' (Objection) and the contest's (ContestObjection) share these fields and the
    services in services_publications; `publication` is what was published."""

    raised_by = models.CharField(_("提出人"), max_length=50)
    raised_on = models.DateField(_("提出日期"))
    content = models.TextField(_("异议内容"), max_length=1000)
    decision = models.TextField(_("处理结果"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["raised_on", "id"]

    def __str__(self) -> str:
        return f"{self.publication} · {self.raised_by}"


class Objection(ObjectionBase):
    """An objection to a community's published standings."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )

    class Meta(ObjectionBase.Meta):
        verbose_name = _("异议")
        verbose_name_plural = pgettext_lazy("plural", "异议")


class ContestObjection(ObjectionBase):
    """An objection to a star contest's result under 公示 (the sub-district's, not a
    community's row, like the contest itself)."""

    contest = models.ForeignKey(
        StarContest, on_delete=models.PROTECT, related_name="objections", verbose_name=_("评选")
    )

    class Meta(ObjectionBase.Meta):
        verbose_name = _("评选结果异议")
        verbose_name_plural = pgettext_lazy("plural", "评选结果异议")

    @property
    def publication(self) -> StarContest:
        return self.contest


class Notice(models.Model):
    """A community's notice (公告) to its residents: shown at the top of the passbook page
    until it expires (or is withdrawn), and printable for the notice board."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("内容"), max_length=1000)
    expires_on = models.DateField(_("有效期至"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = pgettext_lazy("plural", "公告")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
