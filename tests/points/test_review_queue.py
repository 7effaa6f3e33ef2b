"""The review queue: pending records by activity, priced, approved or rejected in bulk."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points import services
from points.models import Account, LedgerEntry
from tests.factories import ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db
QUEUE = reverse("points:review_queue")
DECIDE = reverse("points:review_decide")


@pytest.fixture
def rule(community):
    return PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1))


def activity_on(community, day, **fields):
    return ActivityFactory(project__community=community, date=day, **fields)


def listed(activity, *attendances):
    """What the queue page posts along with the activity's approve-all button."""
    return {"activity": activity.pk, f"listed-{activity.pk}": [a.pk for a in attendances]}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(attendance) -> str:
    attendance.refresh_from_db()
    return attendance.status


# The queue page


def test_it_lists_pending_records_by_activity_oldest_first_with_their_points(
    staff_client, community, rule
):
    newer = activity_on(community, datetime.date(2026, 11, 10), title="楼道清洁")
    older = activity_on(community, datetime.date(2026, 10, 2), title="安全巡逻")
    AttendanceFactory(activity=newer, member__name="郑兴友")
    AttendanceFactory(activity=older, member__name="李秀英", role=Attendance.Role.ORGANISER)
    AttendanceFactory(activity=older, member__name="王建国", status="approved")
    response = staff_client.get(QUEUE)
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.activity for g in groups] == [older, newer]
    assert [row.attendance.member.name for row in groups[0].rows] == ["李秀英"]
    assert groups[0].rows[0].quote.points == 1
    body = response.content.decode()
    assert "每次 1 分" in body and "组织/带队" in body and "郑兴友" in body
    assert "王建国" not in body  # already approved
    assert "2026年10月2日" in body


def test_it_shows_the_cap_in_the_calculation(staff_client, community):
    PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1), daily_cap=1)
    day = datetime.date(2026, 11, 3)
    morning, evening = activity_on(community, day), activity_on(community, day)
    first = AttendanceFactory(activity=morning)
    AttendanceFactory(activity=evening, member=first.member)
    rows = [row for g in staff_client.get(QUEUE).context["groups"] for row in g.rows]
    assert [row.quote.points for row in rows] == [1, 0]
    assert "已达上限" in rows[1].quote.calculation


def test_it_never_shows_another_communitys_records(staff_client, community, other_community):
    activity_on(other_community, datetime.date(2026, 11, 1), title="外区活动")
    AttendanceFactory(activity__project__community=other_community, member__name="外区居民")
    body = staff_client.get(QUEUE).content.decode()
    assert "外区活动" not in body and "外区居民" not in body


def test_it_filters_by_project_and_dates(staff_client, community, rule):
    patrol = ProjectFactory(community=community, name="安全巡逻")
    early = ActivityFactory(project=patrol, date=datetime.date(2026, 3, 1))
    late = activity_on(community, datetime.date(2026, 9, 1))
    AttendanceFactory(activity=early)
    AttendanceFactory(activity=late)

    def shown(**params):
        return {g.activity for g in staff_client.get(QUEUE, params).context["groups"]}

    assert shown(project=patrol.pk) == {early}
    assert shown(date_from="2026-06-01") == {late}
    assert shown(date_to="2026-06-01") == {early}
    assert shown(date_from="2026-01-01", date_to="2026-12-31") == {early, late}


def test_it_pages_by_activities(staff_client, community, rule):
    for day in range(1, 13):
        AttendanceFactory.create_batch(
            2, activity=activity_on(community, datetime.date(2026, 5, day))
        )
    first = staff_client.get(QUEUE).context
    assert len(first["groups"]) == 10 and first["page"].paginator.count == 12
    second = staff_client.get(QUEUE, {"page": 2}).context["groups"]
    assert [g.activity.date.day for g in second] == [11, 12]


def test_its_query_count_does_not_grow_with_records_or_activities(staff_client, community, rule):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(QUEUE)
        assert response.status_code == 200
        return len(captured)

    AttendanceFactory(activity=activity_on(community, datetime.date(2026, 4, 1)))
    small = queries()
    for day in range(1, 10):
        AttendanceFactory.create_batch(
            5, activity=activity_on(community, datetime.date(2026, 6, day))
        )
    larger = queries()
    assert larger == small
    # session, user, memberships, layout (pending per activity), activities, records, rules,
    # earned so far, projects
    assert larger <= 10


def test_an_empty_queue_says_so(staff_client):
    assert "都审核完了" in staff_client.get(QUEUE).content.decode()


def test_it_redirects_anonymous_visitors_to_login(client):
    assert client.get(QUEUE)["Location"].startswith(reverse("login"))


def test_it_is_forbidden_to_the_counter_role(counter_client):
    assert counter_client.get(QUEUE).status_code == 403
    assert counter_client.post(DECIDE, {"action": "approve"}).status_code == 403


def test_the_queue_rejects_post_and_the_decision_rejects_get(staff_client):
    assert staff_client.post(QUEUE).status_code == 405
    assert staff_client.get(DECIDE).status_code == 405


# Approving


def test_approving_an_activity_posts_points_for_each_listed_record(staff_client, community, rule):
    activity = activity_on(community, datetime.date(2026, 11, 3))
    a, b = AttendanceFactory.create_batch(2, activity=activity)
    response = staff_client.post(DECIDE, listed(activity, a, b))
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert texts(response) == ["已通过 2 条，记 2 分。"]
    for attendance in (a, b):
        entry = LedgerEntry.objects.get(attendance=attendance)
        assert (entry.kind, entry.amount, entry.created_by) == ("earn", 1, staff_client.user)
        assert Account.objects.get(household=attendance.member.household).balance == 1
        assert status_of(attendance) == "approved"


def test_approving_an_activity_leaves_records_added_after_the_page_was_shown(
    staff_client, community, rule
):
    activity = activity_on(community, datetime.date(2026, 11, 3))
    seen = AttendanceFactory(activity=activity)
    added_later = AttendanceFactory(activity=activity)
    staff_client.post(DECIDE, listed(activity, seen))
    assert status_of(seen) == "approved" and status_of(added_later) == "pending"


def test_approving_the_ticked_records_leaves_the_others_pending(staff_client, community):
    PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1), points_per_hour=1)
    activity = activity_on(community, datetime.date(2026, 11, 3), hours=Decimal(2))
    ticked, other = AttendanceFactory.create_batch(2, activity=activity)
    response = staff_client.post(DECIDE, {"action": "approve", "attendance": [ticked.pk]})
    assert texts(response) == ["已通过 1 条，记 3 分。"]
    assert status_of(ticked) == "approved" and status_of(other) == "pending"
    assert list(LedgerEntry.objects.values_list("attendance", "amount")) == [(ticked.pk, 3)]


def test_records_without_a_rule_are_approved_without_points_and_said_so(staff_client, community):
    attendance = AttendanceFactory(activity=activity_on(community, datetime.date(2026, 11, 3)))
    response = staff_client.post(DECIDE, {"action": "approve", "attendance": [attendance.pk]})
    assert texts(response) == ["已通过 1 条，记 0 分。 其中 1 条没有适用的积分规则，未记分。"]
    assert status_of(attendance) == "approved" and not LedgerEntry.objects.exists()


def test_records_reviewed_by_someone_else_meanwhile_are_skipped_and_said_so(
    staff_client, community, rule
):
    activity = activity_on(community, datetime.date(2026, 11, 3))
    a, b, c = AttendanceFactory.create_batch(3, activity=activity)
    services.approve(community=community, attendance_ids=[a.pk], by=UserFactory())
    services.reject(community=community, attendance_ids=[b.pk], reason="未到场", by=UserFactory())
    response = staff_client.post(DECIDE, listed(activity, a, b, c))
    assert texts(response) == [
        "已通过 1 条，记 1 分。",
        "另有 2 条已由他人审核（或已不在待审核状态），已跳过。",
    ]
    assert LedgerEntry.objects.count() == 2  # a once, c once
    assert status_of(b) == "rejected"


def test_another_communitys_records_are_never_approved_through_the_page(
    staff_client, community, other_community
):
    PointRuleFactory(community=other_community, starts_on=datetime.date(2025, 1, 1))
    theirs = AttendanceFactory(activity__project__community=other_community)
    response = staff_client.post(DECIDE, {"action": "approve", "attendance": [theirs.pk]})
    assert response.status_code == 302
    assert texts(response)[0] == "已通过 0 条，记 0 分。"
    response = staff_client.post(
        DECIDE, {"action": "reject", "attendance": [theirs.pk], "reason": "不是本区的"}
    )
    assert status_of(theirs) == "pending" and not LedgerEntry.objects.exists()


def test_approving_another_communitys_activity_is_not_found(
    staff_client, other_staff_client, community, rule
):
    ours = activity_on(community, datetime.date(2026, 11, 3))
    attendance = AttendanceFactory(activity=ours)
    assert other_staff_client.post(DECIDE, listed(ours, attendance)).status_code == 404
    assert status_of(attendance) == "pending"


def test_an_activitys_button_only_approves_that_activitys_records(staff_client, community, rule):
    day = datetime.date(2026, 11, 3)
    one, two = activity_on(community, day), activity_on(community, day)
    mine, smuggled = AttendanceFactory(activity=one), AttendanceFactory(activity=two)
    staff_client.post(DECIDE, {"activity": one.pk, f"listed-{one.pk}": [mine.pk, smuggled.pk]})
    assert status_of(mine) == "approved" and status_of(smuggled) == "pending"


def test_it_returns_to_the_same_filters_and_page(staff_client, community, rule):
    attendance = AttendanceFactory(activity=activity_on(community, datetime.date(2026, 11, 3)))
    response = staff_client.post(
        DECIDE,
        {
            "action": "approve",
            "attendance": [attendance.pk],
            "query": "date_from=2026-11-01&page=2",
        },
    )
    assert response["Location"] == f"{QUEUE}?date_from=2026-11-01&page=2"


# Rejecting and invalid decisions


def test_rejecting_the_ticked_records_keeps_the_reason_and_posts_nothing(
    staff_client, community, rule
):
    activity = activity_on(community, datetime.date(2026, 11, 3))
    ticked, other = AttendanceFactory.create_batch(2, activity=activity)
    response = staff_client.post(
        DECIDE, {"action": "reject", "attendance": [ticked.pk], "reason": "当天未到场"}
    )
    assert texts(response) == ["已将 1 条记为不通过。"]
    ticked.refresh_from_db()
    assert ticked.status == "rejected" and ticked.rejection_reason == "当天未到场"
    assert ticked.reviewed_by == staff_client.user
    assert status_of(other) == "pending" and not LedgerEntry.objects.exists()


def test_rejecting_without_a_reason_shows_the_queue_again_with_the_ticks_kept(
    staff_client, community, rule
):
    activity = activity_on(community, datetime.date(2026, 11, 3))
    attendance = AttendanceFactory(activity=activity)
    response = staff_client.post(
        DECIDE, {"action": "reject", "attendance": [attendance.pk], "reason": "  "}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "请写明不通过的原因。" in body
    assert f'name="attendance" value="{attendance.pk}" checked' in body
    assert status_of(attendance) == "pending"


def test_deciding_with_nothing_ticked_says_what_to_do(staff_client, community, rule):
    AttendanceFactory(activity=activity_on(community, datetime.date(2026, 11, 3)))
    response = staff_client.post(DECIDE, {"action": "approve"})
    assert response.status_code == 400
    assert "请先勾选要审核的记录。" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_a_malformed_decision_is_refused_without_posting(staff_client, community, rule):
    attendance = AttendanceFactory(activity=activity_on(community, datetime.date(2026, 11, 3)))
    assert staff_client.post(DECIDE, {"attendance": [attendance.pk]}).status_code == 400
    bad = staff_client.post(DECIDE, {"action": "approve", "attendance": ["x"]})
    assert bad.status_code == 400
    assert status_of(attendance) == "pending"


def test_enter_on_a_ticked_box_decides_nothing(staff_client, community, rule):
    # Browsers press the form's first submit button: the queue's hidden one posts "keep".
    attendance = AttendanceFactory(activity=activity_on(community, datetime.date(2026, 11, 3)))
    activity = attendance.activity
    data = {"action": "keep", "attendance": [attendance.pk], **listed(activity, attendance)}
    del data["activity"]
    response = staff_client.post(DECIDE, data)
    assert response.status_code == 400
    assert "请选择“通过所选”或“不通过所选”。" in response.content.decode()
    assert status_of(attendance) == "pending" and not LedgerEntry.objects.exists()
    first_button = response.content.decode().split('<form class="review"')[1].split("<button")[1]
    assert 'value="keep"' in first_button.split(">")[0]
