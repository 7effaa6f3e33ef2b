"""Seeding the redemption demo (redemption.demo): twice with the same seed, into a database
that has no redemption data yet, into a community without staff. What one whole seeding
leaves behind is read in test_demo.py."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q

from points import demo as points_demo
from redemption import demo
from redemption.models import Redemption, Reward, Round
from residents import demo as residents_demo
from residents.demo_steps import demo_steps
from residents.models import Community
from tests.conftest import kept_seeding
from volunteering import demo as volunteering_demo

HOUSEHOLDS = 60

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=HOUSEHOLDS, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def before_redemption(django_db_setup, django_db_blocker):
    """The register, volunteering and points of the demo (no redemption data yet), seeded
    once for the tests that start from there; each test's changes are rolled back."""

    def register_volunteering_and_points() -> None:
        report = residents_demo.seed_demo(households=HOUSEHOLDS)
        communities = {s.community.slug: s.community for s in report.communities}
        volunteering_demo.seed_demo(communities=communities)
        demo_steps.finish(points_demo.seed_demo(communities=communities))

    yield from kept_seeding(django_db_blocker, register_volunteering_and_points)


def demo_communities() -> dict[str, Community]:
    return {c.slug: c for c in Community.objects.all()}


@pytest.mark.usefixtures("before_redemption")
def test_the_same_day_and_seed_give_the_same_redemptions():
    communities = demo_communities()
    assert set(communities) == {"shanxin", "qihe3"}

    def made() -> list:
        return list(
            Redemption.objects.order_by("community__slug", "number").values_list(
                "number", "household__passbook_number", "points", "cost_yuan", "cancel_reason"
            )
        )

    with transaction.atomic():
        first_lines = demo_steps.finish(demo.seed_demo(communities=communities))
        first = made()
        transaction.set_rollback(True)
    assert not Redemption.objects.exists()
    second_lines = demo_steps.finish(demo.seed_demo(communities=communities))

    assert made() == first and len(first) > 20
    assert second_lines == first_lines


@pytest.mark.usefixtures("before_redemption")
def test_a_database_seeded_before_redemption_existed_gains_its_data():
    assert not Reward.objects.exists()

    output = seed()

    assert output.count("已有积分数据，未改动") == 2
    assert "齐河第三居民区：兑换物品 8 种" in output
    assert Round.objects.filter(Q(status="open") | Q(status="closed")).count() == 6


def test_a_community_without_staff_gets_no_redemption_data():
    empty = Community.objects.create(name="空居民区", slug="empty", passbook_prefix="EM")

    lines = demo_steps.finish(demo.seed_demo(communities={"qihe3": empty}))

    assert lines == ["空居民区：还没有工作人员账号，暂不生成兑换数据"]
    assert not Reward.objects.exists()
