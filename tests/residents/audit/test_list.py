"""The community's recent changes (/audit/), for admins: filtered by object and by who made
the change, paginated, in a fixed number of queries; another community's never listed."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from residents.models import AuditEvent, Compound, Household, Member
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    StaffMembershipFactory,
)
from tests.points.factories import PointRuleFactory
from tests.residents.audit.trail import LIST_URL, history_url
from tests.residents.test_household_pages import edit_data

pytestmark = pytest.mark.django_db


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
