"""Writes to the household register. Each function is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.models import (
    DEFAULT_HOUSEHOLD_TYPES,
    BuildingGroup,
    Community,
    Household,
    HouseholdType,
    Member,
    PhoneReveal,
    StaffMembership,
    SubDistrict,
)
from residents.transactions import retry_on_conflict

HOUSEHOLD_FIELDS = (
    "compound",
    "building",
    "unit",
    "room",
    "building_group",
    "phone",
    "notes",
)
NamedItem = TypeVar("NamedItem", bound=models.Model)

MEMBER_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "phone",
    "relation",
    "specialties",
    "is_party_member",
    "is_in_service_party_member",
    "employer",
    "job_title",
)


@transaction.atomic
def create_community(
    *, name: str, slug: str, passbook_prefix: str, subdistrict: str = ""
) -> Community:
    """A new tenant with the default list of household types, in the sub-district named
    `subdistrict` (created if it is new; none if the name is empty)."""
    owner = SubDistrict.objects.get_or_create(name=subdistrict)[0] if subdistrict else None
    community = Community.objects.create(
        name=name, slug=slug, passbook_prefix=passbook_prefix, subdistrict=owner
    )
    HouseholdType.objects.bulk_create(
        HouseholdType(community=community, name=type_name, position=index)
        for index, type_name in enumerate(DEFAULT_HOUSEHOLD_TYPES)
    )
    return community


@retry_on_conflict
def set_review_by_another(*, community: Community, required: bool, by) -> Community:
    """Whether someone other than who logged an attendance record must approve it
    (Community.review_by_another; points.services.approve enforces it). `by`: an admin."""
    Community.objects.filter(pk=community.pk).update(review_by_another=required)
    community.review_by_another = required
    return community


@retry_on_conflict
def save_named_item(*, item: NamedItem) -> NamedItem:
    """Save a new or changed row whose name is unique in its community (compounds, building
    groups and household types; volunteering's project categories, projects and teams), as
    a NamedItemForm built it: the form has checked the name, but another admin may have
    saved the same one a moment since. Then the unique constraint decides, and the name is
    refused here. The row's many-to-many fields, if it had any, are not saved."""
    try:
        item.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("本居民区已有同名记录，请换一个名称。")}, code="duplicate_name"
        ) from error
    return item


def next_passbook_numbers(community: Community, count: int = 1) -> list[str]:
    """Hand out `count` new passbook numbers (SX-00123). Must run inside a transaction:
    the community row stays locked until it commits, so numbers are never handed twice."""
    locked = Community.objects.select_for_update().only("passbook_serial", "passbook_prefix")
    locked = locked.get(pk=community.pk)
    first = locked.passbook_serial + 1
    locked.passbook_serial += count
    locked.save(update_fields=["passbook_serial"])
    return [f"{locked.passbook_prefix}-{serial:05d}" for serial in range(first, first + count)]


def _household_at(
    community: Community, fields: dict[str, Any], exclude_pk: int | None
) -> int | None:
    """The household in residence at this address (but the one excluded), if any."""
    same = Household.objects.active().filter(
        community=community,
        compound=fields["compound"],
        building=fields["building"],
        unit=fields.get("unit", ""),
        room=fields["room"],
    )
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.values_list("pk", flat=True).first()


def _duplicate_address_error(fields: dict[str, Any], found: int | None) -> ValidationError:
    """The address is taken. The error's params name the household found (`household`),
    so that the page can link to it."""
    unit = f"{fields['unit']}单元" if fields.get("unit") else ""
    address = f"{fields['compound'].name}{fields['building']}号{unit}{fields['room']}室"
    return ValidationError(
        _("%(address)s 已有在册的户，请先查看该户，或核对地址。"),
        code="duplicate_address",
        params={"address": address, "household": found},
    )


def duplicate_household_id(error: ValidationError) -> int | None:
    """The household a duplicate-address error found (None for any other error)."""
    for item in error.error_list if hasattr(error, "error_list") else ():
        if item.code == "duplicate_address" and item.params:
            return item.params.get("household")
    return None


def building_group_of(community: Community, compound, building: str):
    """The building group of a building whose households in residence all belong to one
    group (None when they belong to none, or to several)."""
    groups = list(
        Household.objects.active()
        .filter(community=community, compound=compound, building=building)
        .exclude(building_group=None)
        .order_by()
        .values_list("building_group", flat=True)
        .distinct()[:2]
    )
    if len(groups) != 1:
        return None
    return BuildingGroup.objects.get(pk=groups[0])


@transaction.atomic
def save_household(
    *,
    community: Community,
    household: Household | None,
    fields: dict[str, Any],
    types: Iterable[HouseholdType],
    members: Sequence[dict[str, Any]],
    removed_member_ids: Iterable[int] = (),
) -> Household:
    """Register a new household (household=None) or update one, with its members.

    `members` are dicts of MEMBER_FIELDS, with "id" for existing members. Removed members
    are marked as no longer in the household, not deleted: later records refer to them.
    Everything is saved, or (on any ValidationError) nothing.
    """
    for obj in (fields["compound"], fields.get("building_group"), *types):
        if obj is not None and obj.community_id != community.pk:
            raise ValidationError(_("所选的小区、楼组或家庭类型不属于本居民区。"))
    if household is not None and household.community_id != community.pk:
        raise ValidationError(_("该户不属于本居民区。"))
    if not any(True for _m in members):
        raise ValidationError(_("每户至少登记一位居民。"), code="no_members")
    exclude = household.pk if household else None
    if household is None or household.is_active:
        found = _household_at(community, fields, exclude)
        if found is not None:
            raise _duplicate_address_error(fields, found)
    no_group_before = household is None or household.building_group_id is None
    if "building_group" in fields and fields["building_group"] is None and no_group_before:
        # A building whose households are all in one group: the new one is in it too.
        fields = {
            **fields,
            "building_group": building_group_of(community, fields["compound"], fields["building"]),
        }

    if household is None:
        household = Household(community=community)
        household.passbook_number = next_passbook_numbers(community)[0]
    for name in HOUSEHOLD_FIELDS:
        if name in fields:
            setattr(household, name, fields[name])
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError as exc:
        # Two staff registering the same address at the same moment: the partial unique
        # index decides, and the loser gets the same message as the early check.
        if "residents_household_unique_active_address" in str(exc):
            raise _duplicate_address_error(fields, None) from exc
        raise
    household.types.set(types)

    existing = {m.pk: m for m in Member.objects.filter(household=household)}
    for position, data in enumerate(members):
        member_id = data.get("id")
        if member_id:
            member = existing.get(member_id)
            if member is None:
                raise ValidationError(_("居民记录不属于该户。"))
        else:
            member = Member(community=community, household=household)
        for name in MEMBER_FIELDS:
            if name in data:
                setattr(member, name, data[name])
        member.position = position
        member.is_active = True
        member.save()
    removed = [pk for pk in removed_member_ids if pk in existing]
    if removed:
        Member.objects.filter(pk__in=removed).update(is_active=False, updated_at=timezone.now())
    return household


# How many phone numbers one staff member may reveal: enough to ring round a building group,
# not enough to copy out the register.
REVEALS_PER_HOUR = 30
REVEALS_PER_DAY = 100


@retry_on_conflict
def reveal_phone(*, household: Household, member: Member | None, by) -> str:
    """The full phone number of a household (member=None) or one of its members, put on
    record (PhoneReveal, and through its trigger the audit trail). Refused (code
    "rate_limited") past REVEALS_PER_HOUR in the last hour or REVEALS_PER_DAY in a day."""
    if member is not None and member.household_id != household.pk:
        raise ValidationError(_("居民记录不属于该户。"), code="wrong_household")
    phone = member.phone if member is not None else household.phone
    if not phone:
        raise ValidationError(_("没有登记电话号码。"), code="no_phone")
    # One reveal at a time per user, so that the count below is exact.
    StaffMembership.objects.select_for_update().filter(
        user=by, community_id=household.community_id
    ).values_list("pk").first()
    now = timezone.now()
    recent = PhoneReveal.objects.filter(user=by, at__gte=now - datetime.timedelta(days=1))
    if recent.filter(at__gte=now - datetime.timedelta(hours=1)).count() >= REVEALS_PER_HOUR:
        raise ValidationError(
            ngettext(
                "一小时内最多查看 %(count)s 个完整号码，请稍后再试。",
                "一小时内最多查看 %(count)s 个完整号码，请稍后再试。",
                REVEALS_PER_HOUR,
            )
            % {"count": REVEALS_PER_HOUR},
            code="rate_limited",
        )
    if recent.count() >= REVEALS_PER_DAY:
        raise ValidationError(
            ngettext(
                "一天内最多查看 %(count)s 个完整号码，请明天再试。",
                "一天内最多查看 %(count)s 个完整号码，请明天再试。",
                REVEALS_PER_DAY,
            )
            % {"count": REVEALS_PER_DAY},
            code="rate_limited",
        )
    PhoneReveal.objects.create(
        community_id=household.community_id, household=household, member=member, user=by
    )
    return phone


@transaction.atomic
def move_out(*, household: Household, on: datetime.date) -> Household:
    """Mark a household as moved out; its passbook and history stay."""
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if not locked.is_active:
        raise ValidationError(_("该户已迁出。"), code="already_moved_out")
    if on > timezone.localdate():
        raise ValidationError(_("迁出日期不能晚于今天。"), code="future_date")
    locked.status = Household.Status.MOVED_OUT
    locked.moved_out_on = on
    locked.save(update_fields=["status", "moved_out_on", "updated_at"])
    return locked


@transaction.atomic
def move_back_in(*, household: Household) -> Household:
    """Undo a move-out (a mistake, or the family came back), if the address is free."""
    locked = Household.objects.select_for_update().select_related("compound").get(pk=household.pk)
    if locked.is_active:
        raise ValidationError(_("该户本来就在册。"), code="already_active")
    fields = {
        "compound": locked.compound,
        "building": locked.building,
        "unit": locked.unit,
        "room": locked.room,
    }
    found = _household_at(locked.community, fields, exclude_pk=locked.pk)
    if found is not None:
        raise _duplicate_address_error(fields, found)
    locked.status = Household.Status.ACTIVE
    locked.moved_out_on = None
    locked.save(update_fields=["status", "moved_out_on", "updated_at"])
    return locked


NON_RESIDENT_FIELDS = tuple(name for name in MEMBER_FIELDS if name != "relation")


@retry_on_conflict
def save_non_resident(
    *, community: Community, fields: dict[str, Any], by, member: Member | None = None
) -> Member:
    """Register (or edit) a person who takes part here without a local household: an
    in-service party member who reported here (报到), say. `fields` are NON_RESIDENT_FIELDS;
    the person gets no household and so no household passbook."""
    if member is None:
        member = Member(community=community, residence=Member.Residence.NON_RESIDENT)
    else:
        member = Member.objects.select_for_update().get(pk=member.pk, community=community)
        if member.residence != Member.Residence.NON_RESIDENT:
            raise ValidationError(_("此人是本区居民，请在其家庭页修改。"), code="resident")
    name = str(fields.get("name", member.name)).strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    for field_name in NON_RESIDENT_FIELDS:
        if field_name in fields:
            setattr(member, field_name, fields[field_name])
    member.name = name
    if member.is_in_service_party_member:
        member.is_party_member = True
    member.is_active = True
    member.save()
    return member
