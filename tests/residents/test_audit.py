"""The audit trail: PostgreSQL records every change to the audited tables (bulk updates and
raw SQL too), the middleware names the signed-in user who made it, and admins browse it."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from points.models import PointRule
from redemption import services as redemption_services
from redemption.models import Round, RoundItem
from residents.audit import AuditActorMiddleware, describe
from residents.models import AuditEvent, Compound, Household, Member, StaffMembership
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.residents.test_household_pages import edit_data

pytestmark = pytest.mark.django_db

LIST_URL = reverse("residents:audit_list")


def events_of(obj, table: str | None = None):
    table = table or obj._meta.db_table
    return list(AuditEvent.objects.filter(table=table, object_id=obj.pk).order_by("pk"))


def history_url(table: str, object_id: int) -> str:
    return reverse("residents:audit_object", args=[table, object_id])


def current_actor_setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('passbook.actor', true)")
        return cursor.fetchone()[0]


# -- What the triggers record ----------------------------------------------------------------


def test_creating_a_household_records_an_insert_with_the_new_row(community):
    household = HouseholdFactory(community=community, building="5", room="302")

    [event] = events_of(household)
    assert event.action == AuditEvent.Action.INSERT
    assert event.community_id == community.pk
    assert event.old is None
    assert event.new["building"] == "5"
    assert event.new["room"] == "302"
    assert event.new["passbook_number"] == household.passbook_number
    assert "updated_at" not in event.new
    assert event.actor_id is None  # no request: a command or the shell
    assert event.at is not None


def test_an_update_records_only_the_changed_columns_old_and_new(community):
    household = HouseholdFactory(community=community, notes="原备注", room="302")
    household.notes = "子女在外地"
    household.save()

    update = events_of(household)[-1]
    assert update.action == AuditEvent.Action.UPDATE
    assert update.old == {"notes": "原备注"}
    assert update.new == {"notes": "子女在外地"}


def test_deleting_a_row_records_its_old_values(community):
    rule = PointRuleFactory(community=community, points_per_session=2, note="试行")
    rule_id = rule.pk
    rule.delete()

    [_insert, delete] = AuditEvent.objects.filter(
        table="points_pointrule", object_id=rule_id
    ).order_by("pk")
    assert delete.action == AuditEvent.Action.DELETE
    assert delete.new is None
    assert delete.old["points_per_session"] == 2
    assert delete.old["note"] == "试行"
    assert delete.community_id == community.pk


def test_a_bulk_update_records_every_row_it_changes(community):
    households = HouseholdFactory.create_batch(3, community=community)
    before = AuditEvent.objects.count()

    Household.objects.filter(community=community).update(notes="统一备注")

    updates = AuditEvent.objects.filter(action="update").order_by("object_id")
    assert AuditEvent.objects.count() == before + 3
    assert [e.object_id for e in updates] == sorted(h.pk for h in households)
    assert all(e.new == {"notes": "统一备注"} for e in updates)


def test_raw_sql_is_recorded_too(community):
    compound = CompoundFactory(community=community, name="阳光苑")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE residents_compound SET name = %s WHERE id = %s", ["阳光新苑", compound.pk]
        )

    update = events_of(compound)[-1]
    assert update.action == AuditEvent.Action.UPDATE
    assert (update.old, update.new) == ({"name": "阳光苑"}, {"name": "阳光新苑"})


def test_a_save_that_changes_nothing_records_nothing(community):
    member = MemberFactory(household__community=community)
    household = member.household
    before = AuditEvent.objects.count()

    household.save()  # moves updated_at only
    member.save()  # updated_at, and the pinyin keys recomputed to the same values
    Household.objects.filter(pk=household.pk).update(notes=household.notes)

    assert AuditEvent.objects.count() == before


def test_columns_that_change_on_every_save_are_left_out(community):
    member = MemberFactory(household__community=community, name="郑兴友")
    [insert] = events_of(member)
    assert {"updated_at", "name_pinyin", "name_initials"}.isdisjoint(insert.new)

    member.name = "郑星友"
    member.save()
    update = events_of(member)[-1]
    assert update.old == {"name": "郑兴友"}
    assert update.new == {"name": "郑星友"}  # name_pinyin changed too, but is not recorded

    before = AuditEvent.objects.count()
    Member.objects.filter(pk=member.pk).update(name_pinyin="x", name_initials="x")
    assert AuditEvent.objects.count() == before


def test_household_types_are_recorded_under_their_household(community):
    household = HouseholdFactory(community=community)
    lonely = HouseholdTypeFactory(community=community, name="独居老人")

    household.types.add(lonely)
    household.types.remove(lonely)

    added, removed = events_of(household, "residents_household_types")
    assert (added.action, removed.action) == ("insert", "delete")
    assert added.new["householdtype_id"] == lonely.pk
    assert removed.old["householdtype_id"] == lonely.pk
    assert added.community_id == removed.community_id == community.pk


def test_roles_rules_catalogue_rounds_and_items_are_audited(community):
    membership = StaffMembershipFactory(community=community)
    membership.role = StaffMembership.Role.ADMIN
    membership.save()
    rule = PointRuleFactory(community=community)
    round_, [item] = open_round_with(community)
    group = BuildingGroupFactory(community=community)

    assert [e.action for e in events_of(membership)] == ["insert", "update"]
    assert events_of(membership)[-1].new == {"role": "admin"}
    for obj in (rule, round_, item, item.reward, group, group.compound):
        assert events_of(obj), obj._meta.db_table
        assert events_of(obj)[0].community_id == community.pk


def test_the_ledger_and_redemptions_are_not_audited_nor_the_counters_they_move(community):
    household = HouseholdFactory(community=community)
    round_, [item] = open_round_with(community)
    clerk = UserFactory()
    give_points(household, 50)
    before = AuditEvent.objects.count()

    redemption_services.redeem(
        community=community,
        household=household,
        quantities={item.pk: 2},
        submission_key=uuid.uuid4(),
        by=clerk,
    )

    item.refresh_from_db()
    round_.refresh_from_db()
    assert item.taken == 2 and round_.spent_yuan == Decimal("17.00")
    assert AuditEvent.objects.count() == before
    tables = set(AuditEvent.objects.values_list("table", flat=True))
    assert tables.isdisjoint({"points_ledgerentry", "points_account", "redemption_redemption"})


def test_a_rounds_counters_are_left_out_but_its_closing_is_recorded(community):
    round_, [item] = open_round_with(community)
    before = AuditEvent.objects.count()

    Round.objects.filter(pk=round_.pk).update(spent_yuan=Decimal("20.00"), receipt_serial=4)
    RoundItem.objects.filter(pk=item.pk).update(taken=1)
    assert AuditEvent.objects.count() == before

    RoundItem.objects.filter(pk=item.pk).update(taken=2, stock=60)
    assert (events_of(item)[-1].old, events_of(item)[-1].new) == ({"stock": 50}, {"stock": 60})

    closer = UserFactory()
    redemption_services.close_round(round_=round_, by=closer)
    closing = events_of(round_)[-1]
    assert closing.old["status"] == "open"
    assert closing.new["status"] == "closed"
    assert closing.new["closed_by_id"] == closer.pk


# -- Who did it --------------------------------------------------------------------------------


def test_a_post_through_a_page_names_the_signed_in_user(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household, name="郑兴友")
    url = reverse("residents:household_edit", args=[household.pk])

    response = staff_client.post(url, edit_data(household, [head], notes="子女在外地"))

    assert response.status_code == 302
    update = events_of(household)[-1]
    assert update.new == {"notes": "子女在外地"}
    assert update.actor_id == staff_client.user.pk


def test_changes_after_the_request_are_not_attributed_to_its_user(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    url = reverse("residents:household_edit", args=[household.pk])
    staff_client.post(url, edit_data(household, [head], notes="页面修改"))

    Household.objects.filter(pk=household.pk).update(notes="命令修改")

    assert current_actor_setting() == ""
    assert events_of(household)[-1].actor_id is None


def test_a_refused_post_changes_nothing_and_records_nothing(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    before = AuditEvent.objects.count()
    url = reverse("residents:household_edit", args=[household.pk])

    response = staff_client.post(url, edit_data(household, [head], phone="123"))

    assert response.status_code == 400
    assert AuditEvent.objects.count() == before


def test_the_actor_is_cleared_when_the_view_raises(community):
    user = UserFactory()
    request = RequestFactory().post("/anything/")
    request.user = user
    seen = []

    def failing_view(request):
        seen.append(current_actor_setting())
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        AuditActorMiddleware(failing_view)(request)

    assert seen == [str(user.pk)]
    assert current_actor_setting() == ""


def test_safe_requests_and_anonymous_posts_cost_no_query(django_assert_num_queries):
    middleware = AuditActorMiddleware(lambda request: "response")
    get = RequestFactory().get("/")
    get.user = UserFactory()
    anonymous_post = RequestFactory().post("/login/")
    anonymous_post.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert middleware(get) == "response"
        assert middleware(anonymous_post) == "response"


def test_changes_in_the_django_admin_are_attributed(community):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    compound = CompoundFactory(community=community, name="阳光苑")

    response = client.post(
        reverse("admin:residents_compound_change", args=[compound.pk]),
        {"name": "阳光新苑", "community": community.pk},
    )

    assert response.status_code == 302
    compound.refresh_from_db()
    assert compound.name == "阳光新苑"
    assert events_of(compound)[-1].actor_id == root.pk


# -- Browsing: the community's recent changes --------------------------------------------------


def test_an_admin_sees_the_communitys_recent_changes(admin_client_of_community, community):
    household = HouseholdFactory(community=community, passbook_number="SX-00042")
    Household.objects.filter(pk=household.pk).update(notes="需要上门探访")

    response = admin_client_of_community.get(LIST_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "修改记录" in content
    assert "SX-00042" in content
    assert "需要上门探访" in content
    assert "系统/命令" in content
    first = response.context["events"][0]
    assert first.event.action == "update"  # newest first
    assert first.table_label == "户"


def test_staff_and_counter_cannot_see_the_trail(staff_client, counter_client, community):
    household = HouseholdFactory(community=community)
    for client in (staff_client, counter_client):
        assert client.get(LIST_URL).status_code == 403
        assert client.get(history_url("residents_household", household.pk)).status_code == 403


def test_the_pages_need_a_login(community):
    response = Client().get(LIST_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_pages_answer_only_get(admin_client_of_community, community):
    household = HouseholdFactory(community=community)
    assert admin_client_of_community.post(LIST_URL).status_code == 405
    url = history_url("residents_household", household.pk)
    assert admin_client_of_community.post(url).status_code == 405


def test_another_communitys_changes_are_not_listed(
    admin_client_of_community, community, other_community
):
    HouseholdFactory(community=other_community, passbook_number="QH-00001")
    HouseholdFactory(community=community, passbook_number="SX-00001")

    response = admin_client_of_community.get(LIST_URL)

    content = response.content.decode()
    assert "SX-00001" in content
    assert "QH-00001" not in content
    assert {e.event.community_id for e in response.context["events"]} == {community.pk}


def test_the_list_filters_by_object_type(admin_client_of_community, community):
    HouseholdFactory(community=community)
    rule = PointRuleFactory(community=community)

    response = admin_client_of_community.get(LIST_URL, {"table": "points_pointrule"})

    assert response.status_code == 200
    assert [(e.event.table, e.event.object_id) for e in response.context["events"]] == [
        ("points_pointrule", rule.pk)
    ]
    choices = dict(response.context["form"].fields["table"].choices)
    assert choices["points_pointrule"] == "积分规则"  # the filter's choices are in Chinese
    assert choices["residents_household_types"] == "户的家庭类型"


def test_the_list_filters_by_who_made_the_change(admin_client_of_community, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    staff = StaffMembershipFactory(community=community, role="staff").user
    client = Client()
    client.force_login(staff)
    url = reverse("residents:household_edit", args=[household.pk])
    client.post(url, edit_data(household, [head], notes="工作人员修改"))

    by_staff = admin_client_of_community.get(LIST_URL, {"actor": staff.pk})
    by_system = admin_client_of_community.get(LIST_URL, {"actor": "system"})

    assert by_staff.context["events"]
    assert all(e.event.actor_id == staff.pk for e in by_staff.context["events"])
    assert by_system.context["events"]
    assert all(e.event.actor_id is None for e in by_system.context["events"])


def test_a_bad_filter_is_refused_with_400(admin_client_of_community, community):
    HouseholdFactory(community=community)
    for bad in ({"table": "points_ledgerentry"}, {"actor": "nobody"}, {"actor": "99999"}):
        response = admin_client_of_community.get(LIST_URL, bad)
        assert response.status_code == 400
        assert response.context["events"] == []
        assert "筛选条件有误" in response.content.decode()


def test_the_list_is_paginated(admin_client_of_community, community):
    compound = CompoundFactory(community=community)
    for n in range(55):
        Compound.objects.filter(pk=compound.pk).update(name=f"小区{n}")

    total = AuditEvent.objects.filter(community=community).count()  # and the admin's role

    first = admin_client_of_community.get(LIST_URL)
    second = admin_client_of_community.get(LIST_URL, {"page": 2})

    assert total > 56
    assert len(first.context["events"]) == 50
    assert len(second.context["events"]) == total - 50


def test_the_list_runs_a_fixed_number_of_queries(
    admin_client_of_community, community, django_assert_max_num_queries
):
    def make_changes(n):
        household = HouseholdFactory(community=community)
        household.types.add(HouseholdTypeFactory(community=community))
        member = MemberFactory(household=household)
        Member.objects.filter(pk=member.pk).update(is_party_member=True)
        BuildingGroupFactory(community=community, leader=member)
        year = 2000 + n  # one rule a year: rules of one scope may not overlap
        PointRuleFactory(
            community=community,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
        )

    make_changes(0)
    with django_assert_max_num_queries(16) as few:
        admin_client_of_community.get(LIST_URL)
    for n in range(1, 9):
        make_changes(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client_of_community.get(LIST_URL)
    assert len(response.context["events"]) == 50


# -- Browsing: one object's history ------------------------------------------------------------


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


# -- Links to the trail ------------------------------------------------------------------------


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
