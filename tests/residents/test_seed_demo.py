"""Seeding the demo register: at other sizes, and into a database that already has some of
it. What one seeding leaves behind is read in tests/residents/test_demo.py."""

import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from residents import demo as residents_demo
from residents.demo import DEMO_SEED, SHANXIN, draft_community
from residents.models import BuildingGroup, Community, Household, Member
from tests.factories import CommunityFactory, UserFactory

User = get_user_model()


def seed(*, households: int) -> str:
    out = StringIO()
    call_command("seed_demo", households=households, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("households", "groups"), [(12, 1), (130, 3)])
def test_the_register_scales_with_the_number_of_households(households, groups):
    # The register alone, a second where the whole command takes five: that the command
    # passes --households on is seen in test_demo.py, which counts the shared seeding's 60.
    residents_demo.seed_demo(households=households)

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
def test_existing_users_and_communities_are_left_alone():
    user = UserFactory(username="sx_admin", first_name="老周", password="my-own-secret")
    CommunityFactory(name="齐河第三居民区", slug="qihe3", passbook_prefix="QH")

    output = seed(households=12)

    user.refresh_from_db()
    assert user.first_name == "老周"
    assert user.check_password("my-own-secret")
    assert not Household.objects.filter(community__slug="qihe3").exists()
    assert "齐河第三居民区（qihe3）：已存在，未改动" in output
    assert Household.objects.filter(community__slug="shanxin").count() == 12


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
