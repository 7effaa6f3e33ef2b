"""The household register: the tenant (Community), its places and its people."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.ordering import sort_key_field
from residents.phones import mask_phone
from residents.pinyin import pinyin_keys

# Offered when a community is created; each community edits its own list afterwards.
DEFAULT_HOUSEHOLD_TYPES = [
    "普通家庭",
    "独居老人",
    "纯老家庭",
    "困难家庭",
    "残疾人家庭",
    "失独家庭",
    "优抚对象",
]


class SubDistrict(models.Model):
    """A sub-district (街道办事处): the level above its communities, which it owns. Its roles
    (admin, viewer) and its pages are the subdistrict app's."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = pgettext_lazy("plural", "街道")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A residents' committee (居民区/居委会): the tenant every other row belongs to."""

    name = models.CharField(_("名称"), max_length=100)
    slug = models.SlugField(_("代号"), max_length=50, unique=True)
    subdistrict = models.ForeignKey(
        SubDistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name=_("所属街道"),
    )
    passbook_prefix = models.CharField(
        _("存折编号前缀"),
        max_length=6,
        help_text=_("大写字母，如 SX，存折编号形如 SX-00123。"),
    )
    # Last passbook serial handed out; bumped under a row lock by services.next_passbook_number.
    passbook_serial = models.PositiveIntegerField(_("已发存折序号"), default=0, editable=False)
    # Off for one-person offices; on, nobody approves the attendance they recorded
    # themselves (points.services.approve keeps them waiting for someone else).
    review_by_another = models.BooleanField(
        _("需要另一人审核"),
        default=False,
        help_text=_("开启后，工作人员不能审核自己登记的参与记录，须由另一人审核。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居民区")
        verbose_name_plural = pgettext_lazy("plural", "居民区")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(passbook_prefix__regex=r"^[A-Z]{1,6}$"),
                name="residents_community_prefix_upper",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    """A user's role in one community. A user may work for several communities."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("管理员")
        STAFF = "staff", _("工作人员")
        COUNTER = "counter", _("兑换员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("居民区")
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作人员身份")
        verbose_name_plural = pgettext_lazy("plural", "工作人员身份")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"], name="residents_staffmembership_one_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.community} · {self.get_role_display()}"


class TenantQuerySet(models.QuerySet):
    def for_community(self, community: Community) -> TenantQuerySet:
        return self.filter(community=community)


class Compound(models.Model):
    """A residential estate (小区) inside a community."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("居民区")
    )
    name = models.CharField(_("小区名称"), max_length=100)
    # Counting order (一期 二期 … 十期), computed by PostgreSQL: see residents.ordering.
    sort_key = sort_key_field()

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = pgettext_lazy("plural", "小区")
        ordering = ["sort_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="residents_compound_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BuildingGroup(models.Model):
    """A building group (楼组): the smallest unit, led by a resident (楼组长)."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="building_groups",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("楼组名称"), max_length=50)
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="building_groups",
        verbose_name=_("小区"),
    )
    leader = models.ForeignKey(
        "Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_building_groups",
        verbose_name=_("楼组长"),
    )
    # Counting order (2号楼组 before 10号楼组), computed by PostgreSQL: see residents.ordering.
    sort_key = sort_key_field()

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼组")
        verbose_name_plural = pgettext_lazy("plural", "楼组")
        ordering = ["sort_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="residents_buildinggroup_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdType(models.Model):
    """A household situation (家庭类型) such as 独居老人; configurable per community."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="household_types",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("类型名称"), max_length=30)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭类型")
        verbose_name_plural = pgettext_lazy("plural", "家庭类型")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="residents_householdtype_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdQuerySet(TenantQuerySet):
    def active(self) -> HouseholdQuerySet:
        return self.filter(status=Household.Status.ACTIVE)

    def for_list(self) -> HouseholdQuerySet:
        """Everything the household list shows, in a fixed number of queries."""
        return self.select_related("compound", "building_group").prefetch_related(
            "types",
            models.Prefetch(
                "members",
                queryset=Member.objects.filter(is_active=True).order_by("position", "id"),
                to_attr="current_members",
            ),
        )


class Household(models.Model):
    """A household (户): holds the passbook."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        MOVED_OUT = "moved_out", _("已迁出")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="households", verbose_name=_("居民区")
    )
    passbook_number = models.CharField(_("存折编号"), max_length=20, editable=False)
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="households", verbose_name=_("小区")
    )
    building = models.CharField(_("楼号"), max_length=10)
    unit = models.CharField(_("单元"), max_length=10, blank=True, default="")
    room = models.CharField(_("室号"), max_length=10)
    building_group = models.ForeignKey(
        BuildingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("楼组"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    types = models.ManyToManyField(
        HouseholdType, blank=True, related_name="households", verbose_name=_("家庭类型")
    )
    notes = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = pgettext_lazy("plural", "户")
        ordering = ["compound__sort_key", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "passbook_number"],
                name="residents_household_unique_passbook",
            ),
            # One household in residence per address; moved-out ones keep their history.
            models.UniqueConstraint(
                fields=["community", "compound", "building", "unit", "room"],
                condition=Q(status="active"),
                name="residents_household_unique_active_address",
            ),
            models.CheckConstraint(
                condition=Q(status="active", moved_out_on__isnull=True)
                | Q(status="moved_out", moved_out_on__isnull=False),
                name="residents_household_moved_out_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(building="") & ~Q(room=""),
                name="residents_household_address_present",
            ),
        ]
        indexes = [
            # Household list: search by room / building within a community.
            models.Index(fields=["community", "room"], name="residents_household_room"),
            # Search by the last digits of a phone number.
            models.Index(fields=["community", "phone"], name="residents_household_phone"),
            # The register in natural order within a compound (residents.selectors
            # .WITHIN_COMPOUND): a page is read from here, not sorted; status for the filter.
            models.Index(
                F("community"),
                F("compound"),
                Length("building"),
                F("building"),
                F("unit"),
                Length("room"),
                F("room"),
                F("id"),
                include=["status"],
                name="residents_household_natural",
            ),
            # How many households in residence each compound has (the register's count).
            models.Index(
                fields=["community", "compound"],
                condition=Q(status="active"),
                name="residents_household_residing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.passbook_number} {self.address}"

    def get_absolute_url(self) -> str:
        return reverse("residents:household_detail", args=[self.pk])

    @property
    def address(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.compound.name}{self.building}号{unit}{self.room}室"

    @property
    def short_address(self) -> str:
        unit = f"-{self.unit}" if self.unit else ""
        return f"{self.building}{unit}-{self.room}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class MemberQuerySet(TenantQuerySet):
    def current(self) -> MemberQuerySet:
        """People who may take part today: residents still in an active household, and
        non-residents (报到) still on the register."""
        return self.filter(is_active=True).filter(
            Q(household__status=Household.Status.ACTIVE)
            | Q(residence=Member.Residence.NON_RESIDENT)
        )


class Member(models.Model):
    """A person on the register: a resident (居民) in a household, or a non-resident who
    takes part here without a local household (e.g. an in-service party member who reported
    here, 报到). Non-residents take part, claim projects and hold other accounts, but earn
    no household passbook points (they have no household)."""

    class Residence(models.TextChoices):
        RESIDENT = "resident", _("本区居民")
        NON_RESIDENT = "non_resident", _("报到")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        SIBLING = "sibling", _("兄弟姐妹")
        OTHER = "other", _("其他")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="members", verbose_name=_("居民区")
    )
    residence = models.CharField(
        _("居住"), max_length=12, choices=Residence.choices, default=Residence.RESIDENT
    )
    # Set exactly for residents (a CHECK constraint); always of the same community.
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("户"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    # Search keys kept in step with the name by save(): "zhengxingyou" and "zxy".
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=50, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.HEAD
    )
    specialties = ArrayField(
        models.CharField(max_length=20),
        verbose_name=_("特长"),
        default=list,
        blank=True,
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_in_service_party_member = models.BooleanField(_("在职党员"), default=False)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    job_title = models.CharField(_("职务"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    # A member who left the household (or a non-resident who left the register) stays on
    # record: their history refers to them.
    is_active = models.BooleanField(_("在户"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = pgettext_lazy("plural", "居民")
        ordering = ["household", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_in_service_party_member=False) | Q(is_party_member=True),
                name="residents_member_in_service_is_party",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="residents_member_birth_year_range",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="residents_member_name_present"),
            # A resident lives in a household; a non-resident (报到) has none.
            models.CheckConstraint(
                condition=Q(residence="resident", household__isnull=False)
                | Q(residence="non_resident", household__isnull=True),
                name="residents_member_household_iff_resident",
            ),
        ]
        indexes = [
            # Exact and prefix name look-ups; substring search scans one community's members.
            models.Index(fields=["community", "name"], name="residents_member_name"),
            models.Index(fields=["community", "phone"], name="residents_member_phone"),
            # Typing pinyin initials (zxy) in the participant search.
            models.Index(fields=["community", "name_initials"], name="residents_member_initials"),
            # Finding members by specialty (特长) in later pages.
            GinIndex(fields=["specialties"], name="residents_member_specialties"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.set_pinyin()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def set_pinyin(self) -> None:
        """Call before bulk_create, which bypasses save()."""
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_resident(self) -> bool:
        return self.residence == self.Residence.RESIDENT

    @property
    def place(self) -> str:
        """Where the person belongs, as lists show it: `小区 5-302`, or `报到`."""
        if self.household is None:
            return str(self.Residence.NON_RESIDENT.label)
        return f"{self.household.compound.name} {self.household.short_address}"


class PhoneReveal(models.Model):
    """A staff member was shown one masked phone number in full, to ring the resident: who,
    whose, when. Insert-only (residents.app_role); the audit trigger files each one in the
    trail, under the household. Counting a user's recent ones rate-limits the reveals."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="phone_reveals", verbose_name=_("户")
    )
    # None: the household's own contact number.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查看人"),
    )
    at = models.DateTimeField(_("时间"), db_default=Now())

    class Meta:
        verbose_name = _("查看完整电话")
        verbose_name_plural = pgettext_lazy("plural", "查看完整电话")
        ordering = ["-at", "-pk"]
        indexes = [
            # The rate limit: one user's reveals in the last hour and day.
            models.Index(fields=["user", "at"], name="residents_phonereveal_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """One change to an audited row, written by a PostgreSQL trigger (so bulk updates and
    raw SQL are recorded too): the table and row, what it was and what it became, who did it
    (the staff user of the request, or nobody for commands) and when."""

    class Action(models.TextChoices):
        INSERT = "insert", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    community = models.ForeignKey(
        Community, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    table = models.CharField(_("表"), max_length=63)
    object_id = models.BigIntegerField(_("记录编号"))
    action = models.CharField(_("操作"), max_length=6, choices=Action.choices)
    old = models.JSONField(_("原值"), null=True)
    new = models.JSONField(_("新值"), null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_default=Now())

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = pgettext_lazy("plural", "修改记录")
        ordering = ["-at", "-pk"]
        indexes = [
            # One object's history, newest first.
            models.Index(fields=["table", "object_id", "-at"], name="residents_audit_object"),
            # A community's recent changes.
            models.Index(fields=["community", "-at"], name="residents_audit_community"),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.object_id} {self.action}"


class ExportRecord(models.Model):
    """Who downloaded what, when: personal data leaving the system is always on record."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    what = models.CharField(_("导出内容"), max_length=100)
    file_format = models.CharField(_("格式"), max_length=8)
    rows = models.PositiveIntegerField(_("行数"))
    # Whether phone numbers were in full (admins) or masked.
    full_phones = models.BooleanField(_("含完整电话"), default=False)
    parameters = models.JSONField(_("条件"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = pgettext_lazy("plural", "导出记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} {self.at:%Y-%m-%d %H:%M}"


class ImportUpload(models.Model):
    """A roster file uploaded for import, kept between the preview and the confirmation
    (and deleted once imported or abandoned)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField()
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入文件")
        verbose_name_plural = pgettext_lazy("plural", "导入文件")

    def __str__(self) -> str:
        return self.file_name
