"""A need's way from 待派单 to 已回访: the moves Need.MOVES allows and no other, each under a
row lock, refused with a Chinese message; the database refuses the rest by itself."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from needs import services
from needs.models import Need, NeedEvent
from points import services as points_services
from points.models import Account
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)
from tests.needs.factories import NeedFactory, PartnerUnitFactory
from tests.points.factories import PointRuleFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory()


@pytest.fixture
def need(community):
    return NeedFactory(household=HouseholdFactory(community=community))


@pytest.fixture
def volunteer(community):
    return MemberFactory(household=HouseholdFactory(community=community), name="党员老张")


def _complete(need, staff, doers, project, hours="1.5"):
    return services.complete(
        need=need,
        by=staff,
        done_on=timezone.localdate(),
        done_note="换了灯泡",
        hours=Decimal(hours),
        doers=doers,
        project=project,
        submission_key=uuid.uuid4(),
    )


def test_the_whole_way_records_every_move(need, staff, volunteer, community):
    project = ProjectFactory(community=community)
    need = services.dispatch(need=need, by=staff, member=volunteer)
    need = services.take(need=need, by=staff)
    need = _complete(need, staff, [volunteer], project)
    need = services.follow_up(need=need, by=staff, confirmed=True, note="很满意")
    assert need.state == Need.State.FOLLOWED and need.confirmed is True
    assert [(e.from_state, e.to_state) for e in NeedEvent.objects.filter(need=need)] == [
        ("pending", "dispatched"),
        ("dispatched", "taken"),
        ("taken", "done"),
        ("done", "followed"),
    ]


def test_completing_records_the_doers_attendance_pending_review_and_points_follow_review(
    need, staff, volunteer, community
):
    project = ProjectFactory(community=community)
    PointRuleFactory(community=community, created_by=staff, starts_on=datetime.date(2020, 1, 1))
    need = services.dispatch(need=need, by=staff, member=volunteer)
    need = services.take(need=need, by=staff)
    need = _complete(need, staff, [volunteer], project, hours="2")
    attendance = Attendance.objects.get(activity=need.activity)
    assert (attendance.member, attendance.hours, attendance.status) == (
        volunteer,
        Decimal("2.0"),
        Attendance.Status.PENDING,
    )
    assert Account.objects.balance_of(volunteer.household) == 0
    points_services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
    assert Account.objects.balance_of(volunteer.household) > 0


@pytest.mark.parametrize(
    "move",
    [
        lambda n, s: services.take(need=n, by=s),  # not published, not dispatched
        lambda n, s: services.follow_up(need=n, by=s, confirmed=True),
        lambda n, s: services.send_back(need=n, by=s, reason="忙"),
        lambda n, s: _complete(n, s, [], None),
    ],
)
def test_a_move_the_state_does_not_allow_is_refused_in_chinese(need, staff, move):
    with pytest.raises(ValidationError) as refused:
        move(need, staff)
    assert "待派单" in str(refused.value) or "没有公开认领" in str(refused.value)
    need.refresh_from_db()
    assert need.state == Need.State.PENDING and not need.events.exists()


def test_a_finished_need_cannot_be_dispatched_again(need, staff, volunteer):
    need = services.dispatch(need=need, by=staff, member=volunteer)
    services.take(need=need, by=staff)
    with pytest.raises(ValidationError, match="已接单"):
        services.dispatch(need=need, by=staff, member=volunteer)


def test_a_published_call_is_taken_by_a_unit(need, staff, community):
    unit = PartnerUnitFactory(community=community, name="区供电公司")
    services.publish(need=need, by=staff, published=True)
    taken = services.take(need=need, by=staff, partner=unit)
    assert (taken.state, taken.partner, taken.published) == (Need.State.TAKEN, unit, False)


def test_dispatch_needs_exactly_one_assignee_of_this_community(
    need, staff, volunteer, other_community
):
    team = TeamFactory(community=need.community)
    with pytest.raises(ValidationError, match="只选一个"):
        services.dispatch(need=need, by=staff, member=volunteer, team=team)
    with pytest.raises(ValidationError, match="只选一个"):
        services.dispatch(need=need, by=staff)
    stranger = MemberFactory(household=HouseholdFactory(community=other_community))
    with pytest.raises(ValidationError, match="不是本居民区"):
        services.dispatch(need=need, by=staff, member=stranger)


def test_a_team_need_names_its_members_as_doers(need, staff, community):
    team = TeamFactory(community=community)
    one = TeamMembershipFactory(team=team).member
    two = TeamMembershipFactory(team=team).member
    need = services.dispatch(need=need, by=staff, team=team)
    need = services.take(need=need, by=staff)
    need = _complete(need, staff, [one, two], ProjectFactory(community=community))
    assert set(need.activity.attendances.values_list("member", flat=True)) == {one.pk, two.pk}


@pytest.mark.parametrize("hours", ["0", "0.3", "24.5", "-1"])
def test_hours_are_counted_in_half_hours(need, staff, volunteer, hours):
    need = services.dispatch(need=need, by=staff, member=volunteer)
    need = services.take(need=need, by=staff)
    with pytest.raises(ValidationError, match="半小时"):
        _complete(need, staff, [], None, hours=hours)


def test_the_database_refuses_an_unknown_state_and_a_move_backwards(need, staff, volunteer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(state="lost")
    need = services.dispatch(need=need, by=staff, member=volunteer)
    need = services.take(need=need, by=staff)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE needs_need SET state = 'pending' WHERE id = %s", [need.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(state="done")  # nothing said of what was done


def test_the_database_refuses_a_dispatched_need_without_an_assignee(need):
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(state="dispatched")


def test_a_household_posts_at_most_three_wishes_a_day(community):
    household = HouseholdFactory(community=community)
    for n in range(services.WISHES_PER_DAY):
        services.post_wish(household=household, text=f"心愿{n}")
    with pytest.raises(ValidationError, match="明天再来"):
        services.post_wish(household=household, text="再来一个")
    assert Need.objects.filter(household=household).count() == services.WISHES_PER_DAY
    wish = Need.objects.filter(household=household).first()
    assert (wish.source, wish.created_by, wish.state) == ("resident", None, "pending")
