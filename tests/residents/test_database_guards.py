"""The register's invariants hold in PostgreSQL itself, even when the model is bypassed."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from residents.models import Household, Member
from residents.services import next_passbook_numbers
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db


def run_sql(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        # The same-community keys are deferred: make them fire now, inside this block.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_member_cannot_be_put_into_another_communitys_household(community, other_community):
    member = MemberFactory(household=HouseholdFactory(community=community))
    foreign = HouseholdFactory(community=other_community)
    with pytest.raises(IntegrityError):
        run_sql(
            "UPDATE residents_member SET household_id = %s WHERE id = %s", [foreign.pk, member.pk]
        )


def test_a_household_cannot_use_another_communitys_compound_or_building_group(
    community, other_community
):
    household = HouseholdFactory(community=community)
    with pytest.raises(IntegrityError):
        run_sql(
            "UPDATE residents_household SET compound_id = %s WHERE id = %s",
            [CompoundFactory(community=other_community).pk, household.pk],
        )
    with pytest.raises(IntegrityError):
        run_sql(
            "UPDATE residents_household SET building_group_id = %s WHERE id = %s",
            [BuildingGroupFactory(community=other_community).pk, household.pk],
        )


def test_a_building_group_leader_must_live_in_the_same_community(community, other_community):
    group = BuildingGroupFactory(community=community)
    outsider = MemberFactory(household=HouseholdFactory(community=other_community))
    with pytest.raises(IntegrityError):
        run_sql(
            "UPDATE residents_buildinggroup SET leader_id = %s WHERE id = %s",
            [outsider.pk, group.pk],
        )


def test_two_active_households_cannot_share_an_address(community):
    first = HouseholdFactory(community=community, building="5", room="302")
    second = HouseholdFactory(community=community, compound=first.compound, building="5")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=second.pk).update(room="302")


def test_a_moved_out_household_must_have_a_date_and_an_active_one_must_not(community):
    household = HouseholdFactory(community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(status="moved_out")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(moved_out_on=datetime.date(2026, 1, 1))


def test_passbook_numbers_are_unique_within_a_community(community, other_community):
    HouseholdFactory(community=community, passbook_number="SX-00001")
    HouseholdFactory(community=other_community, passbook_number="SX-00001")  # fine elsewhere
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(community=community, passbook_number="SX-00001")


def test_an_in_service_party_member_must_be_a_party_member(community):
    member = MemberFactory(household=HouseholdFactory(community=community))
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(is_in_service_party_member=True)


def test_passbook_numbers_continue_from_the_communitys_serial(community):
    with transaction.atomic():
        assert next_passbook_numbers(community, 2) == ["SX-00001", "SX-00002"]
        assert next_passbook_numbers(community) == ["SX-00003"]
