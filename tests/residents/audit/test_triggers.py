"""What PostgreSQL's audit trigger records: inserts, updates (only what changed) and
deletes of the audited tables, bulk updates and raw SQL too; never the ledger or the
counters other records move."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection

from redemption import services as redemption_services
from redemption.models import Round, RoundItem
from residents.models import AuditEvent, Household, Member, StaffMembership
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
from tests.residents.audit.trail import events_of

pytestmark = pytest.mark.django_db


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
