"""One object's history: its changes, its members' and its types', readable (names, money,
masked phones), in a fixed number of queries; 404 for another community's object; the
household and rule pages link to it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from points.models import PointRule
from redemption.models import RoundItem
from residents.audit import describe
from residents.models import AuditEvent, Household, Member
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.residents.audit.trail import history_url
from tests.residents.test_household_pages import edit_data

pytestmark = pytest.mark.django_db


def test_a_households_history_shows_its_changes_members_and_types_readably(
    admin_client_of_community, community
):
    compound = CompoundFactory(community=community, name="阳光苑")
    old_group = BuildingGroupFactory(community=community, compound=compound, name="3号楼组")
    new_group = BuildingGroupFactory(community=community, compound=compound, name="5号楼组")
    household = HouseholdFactory(
        community=community, compound=compound, building_group=old_group, phone="13812345678"
    )
    member = MemberFactory(household=household, name="郑兴友", relation="head")
    lonely = HouseholdTypeFactory(community=community, name="独居老人")
    household.types.add(lonely)
    household.building_group = new_group
    household.status = Household.Status.MOVED_OUT
    household.moved_out_on = datetime.date(2026, 11, 21)
    household.save()
    member.is_party_member = True
    member.relation = Member.Relation.SPOUSE
    member.save()

    response = admin_client_of_community.get(history_url("residents_household", household.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "3号楼组" in content and "5号楼组" in content  # foreign keys by name
    assert "已迁出" in content  # choices by label
    assert "2026年11月21日" in content  # dates in Chinese
    assert "独居老人" in content and "添加" in content  # the household's types
    assert "郑兴友" in content  # a member's change, named
    assert "配偶" in content and "户主" in content
    assert "是" in content and "否" in content  # booleans
    assert "13812345678" in content  # admins see phone numbers in full
    changes = {
        change.label: (change.old, change.new)
        for view in response.context["events"]
        if view.event.action == "update" and view.event.table == "residents_household"
        for change in view.changes
    }
    assert changes["楼组"] == ("3号楼组", "5号楼组")
    assert changes["状态"] == ("在册", "已迁出")
    assert changes["迁出日期"] == ("—", "2026年11月21日")


def test_a_history_shows_who_made_each_change(admin_client_of_community, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    admin = admin_client_of_community.user
    admin.first_name, admin.last_name = "", "李主任"
    admin.save()
    url = reverse("residents:household_edit", args=[household.pk])
    admin_client_of_community.post(url, edit_data(household, [head], notes="管理员修改"))

    response = admin_client_of_community.get(history_url("residents_household", household.pk))

    newest, *_older, oldest = response.context["events"]
    assert newest.actor == "李主任"
    assert oldest.actor == "系统/命令"


def test_a_rules_history_resolves_its_scope_and_money_like_values(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, points_per_hour=Decimal("1.5"))
    PointRule.objects.filter(pk=rule.pk).update(points_per_hour=Decimal("2"), rounding="up")

    response = admin_client_of_community.get(history_url("points_pointrule", rule.pk))

    assert response.status_code == 200
    [update] = [v for v in response.context["events"] if v.event.action == "update"]
    changes = {c.label: (c.old, c.new) for c in update.changes}
    assert changes["每小时积分"] == ("1.5", "2.0")
    assert changes["按小时计分的取整"] == ("舍去小数", "进一")


def test_a_round_items_cost_reads_as_money(admin_client_of_community, community):
    _round, [item] = open_round_with(community)
    RoundItem.objects.filter(pk=item.pk).update(cost_yuan=Decimal("9"))

    response = admin_client_of_community.get(history_url("redemption_rounditem", item.pk))

    [update] = [v for v in response.context["events"] if v.event.action == "update"]
    assert [(c.label, c.old, c.new) for c in update.changes] == [("成本（元）", "¥8.50", "¥9.00")]


def test_a_rounds_history_names_people_and_orders_fields_as_the_model_does(
    admin_client_of_community, community
):
    admin = admin_client_of_community.user
    admin.first_name, admin.last_name = "", "李主任"
    admin.save()
    round_, _items = open_round_with(community, by=admin, name="2026年第四季度")

    response = admin_client_of_community.get(history_url("redemption_round", round_.pk))

    opened, created = response.context["events"]
    assert {c.label: c.new for c in opened.changes}["开始兑换的人"] == "李主任"
    labels = [c.label for c in created.changes]
    assert labels[:2] == ["名称", "编号"]
    assert labels.index("开始日期") < labels.index("截止日期") < labels.index("预算（元）")
    assert {c.label: c.new for c in created.changes}["创建人"] == "李主任"


def test_a_deleted_objects_history_stays_readable(admin_client_of_community, community):
    rule = PointRuleFactory(community=community, note="试行")
    rule_id = rule.pk
    rule.delete()

    response = admin_client_of_community.get(history_url("points_pointrule", rule_id))

    assert response.status_code == 200
    assert "已删除" in response.content.decode()
    assert [v.event.action for v in response.context["events"]] == ["delete", "insert"]


def test_another_communitys_object_is_404(admin_client_of_community, other_community):
    household = HouseholdFactory(community=other_community)
    rule = PointRuleFactory(community=other_community)
    rule_id = rule.pk
    rule.delete()  # only its events are left: still not ours

    for table, object_id in (("residents_household", household.pk), ("points_pointrule", rule_id)):
        response = admin_client_of_community.get(history_url(table, object_id))
        assert response.status_code == 404


def test_tables_that_are_not_audited_are_404(admin_client_of_community, community):
    household = HouseholdFactory(community=community)
    give_points(household, 5)
    for table in ("points_ledgerentry", "auth_user", "residents_household_types", "nonsense"):
        assert admin_client_of_community.get(history_url(table, household.pk)).status_code == 404


def test_an_object_that_never_existed_is_404(admin_client_of_community, community):
    assert admin_client_of_community.get(history_url("residents_member", 999999)).status_code == 404


def test_an_object_from_before_the_trail_shows_an_empty_history(
    admin_client_of_community, community
):
    household = HouseholdFactory(community=community)
    AuditEvent.objects.all().delete()

    response = admin_client_of_community.get(history_url("residents_household", household.pk))

    assert response.status_code == 200
    assert "还没有改动" in response.content.decode()


def test_a_history_runs_a_fixed_number_of_queries(
    admin_client_of_community, community, django_assert_max_num_queries
):
    household = HouseholdFactory(community=community)
    url = history_url("residents_household", household.pk)

    def make_changes(n):
        member = MemberFactory(household=household, name=f"居民{n}")
        household.types.add(HouseholdTypeFactory(community=community))
        Household.objects.filter(pk=household.pk).update(
            building_group=BuildingGroupFactory(community=community, leader=member)
        )
        Member.objects.filter(pk=member.pk).update(birth_year=1930 + n)

    make_changes(0)
    with django_assert_max_num_queries(14) as few:
        admin_client_of_community.get(url)
    for n in range(1, 12):
        make_changes(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client_of_community.get(url)
    assert len(response.context["events"]) == 49  # 12 rounds of 4 and the insert


def test_phone_numbers_are_masked_for_viewers_who_are_not_admins(community):
    household = HouseholdFactory(community=community, phone="13812345678")
    events = AuditEvent.objects.filter(table="residents_household").select_related("actor")

    [masked] = describe(events, community=community, full_phones=False)
    [full] = describe(events, community=community, full_phones=True)

    assert {c.label: c.new for c in masked.changes}["联系电话"] == household.masked_phone
    assert {c.label: c.new for c in full.changes}["联系电话"] == "13812345678"


def test_the_household_page_links_admins_to_its_history(
    admin_client_of_community, staff_client, community
):
    household = HouseholdFactory(community=community)
    url = reverse("residents:household_detail", args=[household.pk])
    link = history_url("residents_household", household.pk)

    assert link in admin_client_of_community.get(url).content.decode()
    assert link not in staff_client.get(url).content.decode()


def test_the_rule_page_links_to_its_history(admin_client_of_community, community):
    rule = PointRuleFactory(community=community)
    response = admin_client_of_community.get(reverse("points:rule_edit", args=[rule.pk]))
    assert history_url("points_pointrule", rule.pk) in response.content.decode()
