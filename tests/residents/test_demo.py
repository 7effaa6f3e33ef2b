"""What `manage.py seed_demo` leaves in the register, read from the one seeding all
demo tests share (the `seeded_demo` fixture, 60 households). Seeding itself — again, into
a database that already has data, at other sizes — is in test_seed_demo.py."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from residents.demo import DEMO_PASSWORD
from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    Member,
    StaffMembership,
)
from residents.phones import normalize_phone
from tests.conftest import DEMO_HOUSEHOLDS

User = get_user_model()

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def snapshot() -> dict:
    models = [Community, Compound, BuildingGroup, HouseholdType, Household, Member, User]
    state: dict = {model.__name__: model.objects.count() for model in models}
    state["memberships"] = sorted(
        StaffMembership.objects.values_list("user__username", "community__slug", "role")
    )
    state["household_types"] = Household.types.through.objects.count()
    state["serials"] = sorted(Community.objects.values_list("slug", "passbook_serial"))
    state["passwords"] = sorted(User.objects.values_list("username", "password"))
    state["leaders"] = sorted(BuildingGroup.objects.values_list("pk", "leader_id"))
    state["households_updated"] = Household.objects.aggregate(Max("updated_at"))
    state["members_updated"] = Member.objects.aggregate(Max("updated_at"))
    return state


def test_seed_demo_builds_two_communities_with_staff_for_each_role():
    shanxin = Community.objects.get(slug="shanxin")
    qihe3 = Community.objects.get(slug="qihe3")
    assert (shanxin.name, shanxin.subdistrict.name, shanxin.passbook_prefix) == (
        "山鑫阳光城居民区",
        "石化街道",
        "SX",
    )
    assert (qihe3.name, qihe3.subdistrict.name, qihe3.passbook_prefix) == (
        "齐河第三居民区",
        "石化街道",
        "QH",
    )
    assert Household.objects.filter(community=shanxin).count() == DEMO_HOUSEHOLDS
    assert set(
        StaffMembership.objects.values_list("user__username", "community__slug", "role")
    ) == {
        ("sx_admin", "shanxin", "admin"),
        ("sx_staff", "shanxin", "staff"),
        ("sx_counter", "shanxin", "counter"),
        ("qh_admin", "qihe3", "admin"),
        ("qh_staff", "qihe3", "staff"),
    }
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,5}", user.first_name)
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff
    assert not root.memberships.exists()
    assert not User.objects.exclude(username="root").filter(is_staff=True).exists()


def test_running_seed_demo_twice_changes_nothing():
    before = snapshot()
    out = StringIO()

    call_command("seed_demo", households=DEMO_HOUSEHOLDS, stdout=out)

    assert snapshot() == before
    assert out.getvalue().count("已存在，未改动") == 2


def test_seeded_households_satisfy_the_register_rules():
    shanxin = Community.objects.get(slug="shanxin")
    households = Household.objects.filter(community=shanxin).select_related("building_group")

    numbers = sorted(households.values_list("passbook_number", flat=True))
    assert numbers == [f"SX-{n:05d}" for n in range(1, DEMO_HOUSEHOLDS + 1)]
    counted = households.annotate(
        heads=Count("members", filter=Q(members__relation=Member.Relation.HEAD)),
        size=Count("members"),
    )
    assert {h.heads for h in counted} == {1}
    assert {h.size for h in counted} <= {1, 2, 3, 4, 5}
    moved_out = households.filter(status=Household.Status.MOVED_OUT).count()
    assert moved_out == round(DEMO_HOUSEHOLDS * 0.02)
    for household in households:
        assert household.phone and normalize_phone(household.phone) == household.phone
        assert household.building_group.compound_id == household.compound_id
        if not household.is_active:
            assert household.moved_out_on < timezone.localdate()
    for phone in Member.objects.exclude(phone="").values_list("phone", flat=True):
        assert normalize_phone(phone) == phone
    in_service = Member.objects.filter(is_in_service_party_member=True)
    assert in_service.exists()
    assert not in_service.filter(is_party_member=False).exists()
    assert not in_service.filter(Q(employer="") | Q(job_title="")).exists()
    others = Member.objects.filter(is_in_service_party_member=False)
    assert not others.exclude(employer="", job_title="").exists()
    through = Household.types.through.objects
    assert not through.exclude(householdtype__community=F("household__community")).exists()
    for group in BuildingGroup.objects.select_related("leader__household"):
        assert group.leader.household.building_group_id == group.pk
        assert group.leader.household.is_active


def test_the_first_passbook_is_zheng_xingyou_and_the_output_links_to_it(seeded_demo):
    first = Household.objects.get(community__slug="shanxin", passbook_number="SX-00001")
    head = first.members.get(relation=Member.Relation.HEAD)
    assert head.name == "郑兴友"
    assert f"示例存折（工作人员页面）: http://127.0.0.1:8000/households/{first.pk}/" in seeded_demo
    for username in ("sx_admin", "sx_staff", "sx_counter", "qh_admin", "qh_staff", "root"):
        assert username in seeded_demo
    assert DEMO_PASSWORD in seeded_demo


def test_seeded_members_can_be_found_by_pinyin_initials():
    zheng = Member.objects.get(community__slug="shanxin", name="郑兴友")
    assert (zheng.name_pinyin, zheng.name_initials) == ("zhengxingyou", "zxy")
    assert not Member.objects.filter(name_initials="").exists()
