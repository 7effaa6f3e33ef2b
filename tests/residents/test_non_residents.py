"""People who do not live here (报到: in-service party members who reported to the community)
take part, claim projects and are picked without a local household; they earn no household
passbook points. The database ties residence to the household, even for the app role."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.urls import reverse
from psycopg import errors

from points import services as points_services
from points.models import Account, LedgerEntry
from residents import services as residents_services
from residents.models import Member
from residents.selectors import search_members
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    MemberFactory,
    NonResidentFactory,
    ProjectFactory,
    TeamFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.security.roles import app_role, connect, connection_params
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import ProjectClaim
from volunteering.services import catalogue

pytestmark = pytest.mark.django_db


# The constraint, as the application's database role (committed rows, its own connection).


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """A resident and a non-resident of one community, and a household of another:
    committed, so the role's connection sees them; removed again after the module."""
    with django_db_blocker.unblock():
        community = CommunityFactory(slug=f"nonres-{uuid.uuid4().hex[:8]}", passbook_prefix="NR")
        other = CommunityFactory(slug=f"nonres-{uuid.uuid4().hex[:8]}", passbook_prefix="NO")
        resident = MemberFactory(household=HouseholdFactory(community=community))
        reported = NonResidentFactory(community=community)
        foreign = HouseholdFactory(community=other)
        yield {
            "community": community.pk,
            "resident": resident.pk,
            "household": resident.household_id,
            "reported": reported.pk,
            "foreign": foreign.pk,
        }
        with connect(**connection_params()) as owner:
            for table in ("residents_member", "residents_household", "residents_compound"):
                owner.execute(
                    f"DELETE FROM {table} WHERE community_id = ANY(%s)",
                    [[community.pk, other.pk]],
                )
            owner.execute(
                "DELETE FROM residents_householdtype WHERE community_id = ANY(%s)",
                [[community.pk, other.pk]],
            )
            owner.execute(
                "DELETE FROM residents_community WHERE id = ANY(%s)", [[community.pk, other.pk]]
            )


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker, committed) -> Iterator[psycopg.Connection]:
    with (
        django_db_blocker.unblock(),
        app_role() as (name, password),
        connect(**connection_params(user=name, password=password)) as conn,
    ):
        yield conn


def refused(app: psycopg.Connection, statement: str, params: list, error) -> None:
    with pytest.raises(error), app.transaction():
        app.execute(statement, params)
        app.execute("SET CONSTRAINTS ALL IMMEDIATE")


INSERT = (
    "INSERT INTO residents_member (community_id, household_id, residence, name, name_pinyin,"
    " name_initials, gender, phone, relation, specialties, is_party_member,"
    " is_in_service_party_member, employer, job_title, position, is_active, created_at,"
    " updated_at) VALUES (%s, %s, %s, '赵强', '', '', '', '', 'head', '{}', true, true, '', '',"
    " 0, true, now(), now())"
)


def test_the_app_role_cannot_give_a_non_resident_a_household_or_a_resident_none(app, committed):
    c = committed
    refused(app, INSERT, [c["community"], c["household"], "non_resident"], errors.CheckViolation)
    refused(app, INSERT, [c["community"], None, "resident"], errors.CheckViolation)
    refused(
        app,
        "UPDATE residents_member SET household_id = NULL WHERE id = %s",
        [c["resident"]],
        errors.CheckViolation,
    )
    refused(
        app,
        "UPDATE residents_member SET household_id = %s WHERE id = %s",
        [c["household"], c["reported"]],
        errors.CheckViolation,
    )
    refused(
        app,
        "UPDATE residents_member SET residence = 'non_resident' WHERE id = %s",
        [c["resident"]],
        errors.CheckViolation,
    )


def test_the_app_role_can_register_a_non_resident_but_only_in_one_community(app, committed):
    c = committed
    with app.transaction(force_rollback=True):
        app.execute(INSERT, [c["community"], None, "non_resident"])
    # Moving in means a household of the same community, never another's.
    refused(
        app,
        "UPDATE residents_member SET residence = 'resident', household_id = %s WHERE id = %s",
        [c["foreign"], c["reported"]],
        errors.ForeignKeyViolation,
    )
    with app.transaction(force_rollback=True):
        app.execute(
            "UPDATE residents_member SET residence = 'resident', household_id = %s WHERE id = %s",
            [c["household"], c["reported"]],
        )


# Taking part: approval posts nothing to a household for a non-resident.


@pytest.fixture
def staff():
    return UserFactory()


def test_approving_a_non_residents_service_posts_no_household_points(community, staff):
    PointRuleFactory(community=community)
    activity = ActivityFactory(project__community=community, date=datetime.date(2026, 11, 3))
    reported = NonResidentFactory(community=community)
    resident = AttendanceFactory(activity=activity)
    visitor = AttendanceFactory(activity=activity, member=reported)

    result = points_services.approve(
        community=community, attendance_ids=[resident.pk, visitor.pk], by=staff
    )

    assert result.without_household == [visitor]
    assert [entry.attendance for entry in result.entries] == [resident]
    assert not LedgerEntry.objects.filter(member=reported).exists()
    assert Account.objects.count() == 1
    visitor.refresh_from_db()
    assert visitor.status == "approved"


def test_a_review_of_only_non_residents_approves_them_and_says_no_passbook_points(
    community, staff_client
):
    PointRuleFactory(community=community)
    visitor = AttendanceFactory(
        activity__project__community=community,
        member=NonResidentFactory(community=community),
    )
    response = staff_client.post(
        reverse("points:review_decide"),
        {"action": "approve", "attendance": [visitor.pk]},
        follow=True,
    )
    visitor.refresh_from_db()
    assert visitor.status == "approved"
    assert "不计家庭存折积分" in response.content.decode()
    assert LedgerEntry.objects.count() == 0


def test_the_activity_page_shows_a_non_residents_record_as_earning_no_passbook_points(
    community, staff, staff_client
):
    visitor = AttendanceFactory(
        activity__project__community=community,
        member=NonResidentFactory(community=community, name="周建华"),
    )
    points_services.approve(community=community, attendance_ids=[visitor.pk], by=staff)
    page = staff_client.get(reverse("volunteering:activity_detail", args=[visitor.activity_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "周建华" in text and "报到" in text and "不计家庭存折积分" in text


def test_a_non_resident_can_claim_a_project_and_join_a_team(community, staff):
    reported = NonResidentFactory(community=community)
    project = ProjectFactory(community=community)
    catalogue.claim_project(
        project=project, members=[reported], by=staff, on=datetime.date(2026, 11, 1)
    )
    assert ProjectClaim.objects.filter(project=project, member=reported).exists()
    team = TeamFactory(community=community)
    catalogue.add_team_members(team=team, members=[reported], on=datetime.date(2026, 11, 1))
    assert team.members.filter(pk=reported.pk).exists()


# The picker.


def test_the_picker_finds_non_residents_after_residents_and_not_those_who_left(community):
    resident = MemberFactory(household=HouseholdFactory(community=community), name="周秀英")
    reported = NonResidentFactory(community=community, name="周建华")
    NonResidentFactory(community=community, name="周立", is_active=False)
    NonResidentFactory(community=CommunityFactory(), name="周海")
    found = search_members(Member.objects.filter(community=community), "周")
    assert found == [resident, reported]


def test_the_picker_tags_a_non_resident_with_baodao_and_their_employer(community, staff_client):
    NonResidentFactory(community=community, name="周建华", employer="市政道路管理所")
    response = staff_client.get(reverse("volunteering:people_search"), {"q": "周建华"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "周建华" in text
    assert 'class="badge badge--reported"' in text and "报到" in text
    assert "市政道路管理所" in text


# Registering one.


def test_registering_a_non_resident_needs_a_name_and_makes_no_household(community, staff):
    with pytest.raises(Exception, match="请填写姓名"):
        residents_services.save_non_resident(community=community, fields={"name": " "}, by=staff)
    member = residents_services.save_non_resident(
        community=community,
        fields={"name": "吴立新", "employer": "区供电局", "is_in_service_party_member": True},
        by=staff,
    )
    assert member.household is None and member.residence == "non_resident"
    assert member.is_party_member and member.place == "报到"
    resident = MemberFactory(household=HouseholdFactory(community=community))
    with pytest.raises(Exception, match="本区居民"):
        residents_services.save_non_resident(
            community=community, fields={"name": "x"}, by=staff, member=resident
        )


# Skills (特长) in the activity page's picker.


def test_the_picker_finds_people_by_a_skill_and_shows_it(community, staff_client):
    electrician = MemberFactory(
        household=HouseholdFactory(community=community), name="王建国", specialties=["电工"]
    )
    reported = NonResidentFactory(community=community, name="周建华", specialties=["电工", "驾驶"])
    MemberFactory(household=HouseholdFactory(community=community), specialties=["电工程"])
    NonResidentFactory(community=CommunityFactory(), specialties=["电工"])
    found = search_members(Member.objects.filter(community=community), "电工")
    assert found == [electrician, reported]  # the whole skill, residents first
    text = staff_client.get(reverse("volunteering:people_search"), {"q": "电工"}).content.decode()
    assert "王建国" in text and "特长：电工" in text and "特长：电工、驾驶" in text
