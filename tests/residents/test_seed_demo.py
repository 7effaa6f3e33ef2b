import random
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from residents.demo import DEMO_PASSWORD, DEMO_SEED, SHANXIN, draft_community
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
from tests.factories import CommunityFactory, UserFactory

User = get_user_model()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(households: int = 40) -> str:
    out = StringIO()
    call_command("seed_demo", households=households, stdout=out)
    return out.getvalue()


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


@pytest.mark.django_db
def test_seed_demo_builds_two_communities_with_staff_for_each_role():
    seed()

    shanxin = Community.objects.get(slug="shanxin")
    qihe3 = Community.objects.get(slug="qihe3")
    assert (shanxin.name, shanxin.subdistrict, shanxin.passbook_prefix) == (
        "山鑫阳光城居民区",
        "石化街道",
        "SX",
    )
    assert (qihe3.name, qihe3.subdistrict, qihe3.passbook_prefix) == (
        "齐河第三居民区",
        "潍坊新村街道",
        "QH",
    )
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


@pytest.mark.django_db
def test_running_seed_demo_twice_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert output.count("已存在，未改动") == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("households", "groups"), [(40, 1), (130, 3)])
def test_households_option_scales_the_main_community(households, groups):
    seed(households)

    shanxin = Community.objects.get(slug="shanxin")
    assert Household.objects.filter(community=shanxin).count() == households
    assert shanxin.passbook_serial == households
    assert BuildingGroup.objects.filter(community=shanxin).count() == groups
    party = Member.objects.filter(community=shanxin, is_party_member=True).count()
    assert party == round(households * 700 / 1530)
    # The second community keeps its size.
    qihe3 = Community.objects.get(slug="qihe3")
    assert Household.objects.filter(community=qihe3).count() == 60
    assert BuildingGroup.objects.filter(community=qihe3).count() == 4


@pytest.mark.django_db
def test_seeded_households_satisfy_the_register_rules():
    seed(130)
    shanxin = Community.objects.get(slug="shanxin")
    households = Household.objects.filter(community=shanxin).select_related("building_group")

    numbers = sorted(households.values_list("passbook_number", flat=True))
    assert numbers == [f"SX-{n:05d}" for n in range(1, 131)]
    counted = households.annotate(
        heads=Count("members", filter=Q(members__relation=Member.Relation.HEAD)),
        size=Count("members"),
    )
    assert {h.heads for h in counted} == {1}
    assert {h.size for h in counted} <= {1, 2, 3, 4, 5}
    assert households.filter(status=Household.Status.MOVED_OUT).count() == round(130 * 0.02)
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


@pytest.mark.django_db
def test_the_first_passbook_is_zheng_xingyou_and_the_output_links_to_it():
    output = seed()

    first = Household.objects.get(community__slug="shanxin", passbook_number="SX-00001")
    head = first.members.get(relation=Member.Relation.HEAD)
    assert head.name == "郑兴友"
    assert f"示例存折（工作人员页面）: http://127.0.0.1:8000/households/{first.pk}/" in output
    for username in ("sx_admin", "sx_staff", "sx_counter", "qh_admin", "qh_staff", "root"):
        assert username in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_existing_users_and_communities_are_left_alone():
    user = UserFactory(username="sx_admin", first_name="老周", password="my-own-secret")
    CommunityFactory(name="齐河第三居民区", slug="qihe3", passbook_prefix="QH")

    output = seed()

    user.refresh_from_db()
    assert user.first_name == "老周"
    assert user.check_password("my-own-secret")
    assert not Household.objects.filter(community__slug="qihe3").exists()
    assert "齐河第三居民区（qihe3）：已存在，未改动" in output
    assert Household.objects.filter(community__slug="shanxin").count() == 40


def test_the_full_size_register_matches_the_documents():
    """Drafted without the database: 1,530 households, 35 building groups, ~700 party
    members, 70% of building-group leaders party members, most households ordinary."""
    draft = draft_community(plan=SHANXIN, households=1530, rng=random.Random(DEMO_SEED))

    assert len(draft.households) == 1530
    assert len(draft.compounds) == 3
    assert len(draft.groups) == 35
    members = [m for h in draft.households for m in h.members]
    assert sum(m.is_party_member for m in members) == 700
    in_service = sum(m.is_in_service_party_member for m in members)
    assert 150 < in_service < 450
    leaders = [draft.households[g.leader[0]].members[g.leader[1]] for g in draft.groups]
    assert sum(leader.is_party_member for leader in leaders) == round(35 * 0.7)
    for index, group in enumerate(draft.groups):
        household = draft.households[group.leader[0]]
        assert household.group == index and household.moved_out_on is None
    types = Counter(t for h in draft.households for t in h.types)
    assert types["普通家庭"] > 1530 / 2
    assert types["独居老人"] > 100 and types["纯老家庭"] > 200
    assert all(types[t] > 0 for t in ("困难家庭", "残疾人家庭", "失独家庭", "优抚对象"))
    moved_out = sum(h.moved_out_on is not None for h in draft.households)
    assert moved_out == round(1530 * 0.02)
    assert sum(m.name == "郑兴友" for m in members) == 1


def test_the_same_seed_drafts_the_same_register():
    first = draft_community(plan=SHANXIN, households=200, rng=random.Random(DEMO_SEED))
    again = draft_community(plan=SHANXIN, households=200, rng=random.Random(DEMO_SEED))
    assert first == again


@pytest.mark.django_db
def test_seeded_members_can_be_found_by_pinyin_initials():
    from residents.demo import seed_demo
    from residents.models import Member

    seed_demo(households=40)
    zheng = Member.objects.get(community__slug="shanxin", name="郑兴友")
    assert (zheng.name_pinyin, zheng.name_initials) == ("zhengxingyou", "zxy")
    assert not Member.objects.filter(name_initials="").exists()
