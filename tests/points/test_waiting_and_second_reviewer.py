"""Issue 17, item 9: what is waiting for review shows in the menu and on the dashboard (at
no query of its own); each record says who logged it and who approved it; a community may
require that someone other than who logged a record approves it, enforced by the service."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points import services
from residents.models import Community
from tests.factories import StaffMembershipFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db
QUEUE = reverse("points:review_queue")
DECIDE = reverse("points:review_decide")


@pytest.fixture
def rule(community):
    return PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1))


def pending_records(community, count, *, by=None):
    activity = ActivityFactory(
        project__community=community,
        date=datetime.date(2026, 11, 2),
        **({"created_by": by} if by else {}),
    )
    records = [AttendanceFactory(activity=activity) for _ in range(count)]
    return activity, records


def nav_count(html: str) -> int | None:
    found = re.search(r'<span class="nav-count"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else None


# The count in the menu and on the dashboard


def test_the_menu_shows_how_many_records_of_the_community_wait_for_review(
    staff_client, community, other_community
):
    pending_records(community, 3)
    _activity, done = pending_records(community, 2)
    Attendance.objects.filter(pk__in=[a.pk for a in done]).update(
        status="rejected", rejection_reason="没来"
    )
    pending_records(other_community, 5)  # another community's backlog is not ours
    response = staff_client.get(reverse("residents:household_list"))
    assert nav_count(response.content.decode()) == 3


def test_the_menu_shows_no_count_when_nothing_waits(staff_client):
    response = staff_client.get(reverse("residents:household_list"))
    assert 'class="nav-count"' not in response.content.decode()


def test_the_count_costs_no_query_of_its_own(staff_client, community):
    """It rides on the one query that loads the user's memberships."""
    pending_records(community, 4)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("residents:household_list"))
    assert nav_count(response.content.decode()) == 4
    counting = [q["sql"] for q in queries.captured_queries if "volunteering_attendance" in q["sql"]]
    assert len(counting) == 1
    assert "residents_staffmembership" in counting[0]


def test_the_dashboard_says_how_many_wait_and_links_to_the_queue(staff_client, community):
    pending_records(community, 2)
    html = staff_client.get(reverse("redemption:dashboard")).content.decode()
    assert "2 条参与记录等待审核" in html
    assert f'href="{QUEUE}"' in html


# Who logged, who approved


def test_the_queue_says_who_logged_each_record(staff_client, community, rule):
    clerk = UserFactory(username="clerk-wang", first_name="秀英", last_name="王")
    pending_records(community, 1, by=clerk)
    html = staff_client.get(QUEUE).content.decode()
    assert f"登记：{clerk.get_full_name()}" in html


def test_the_activity_page_says_who_logged_and_who_approved_each_record(
    staff_client, community, rule
):
    logger = StaffMembershipFactory(community=community, user__username="logger-li").user
    approver = StaffMembershipFactory(community=community, user__username="approver-zhao").user
    activity, (record,) = pending_records(community, 1, by=logger)
    services.approve(community=community, attendance_ids=[record.pk], by=approver)
    html = staff_client.get(activity.get_absolute_url()).content.decode()
    name = logger.get_full_name() or logger.username
    assert f"登记：{name}" in html
    assert f"审核通过：{approver.get_full_name() or approver.username}" in html


# A second person


def test_by_default_staff_may_approve_what_they_logged(community, rule):
    clerk = StaffMembershipFactory(community=community).user
    _activity, records = pending_records(community, 2, by=clerk)
    result = services.approve(community=community, attendance_ids=[r.pk for r in records], by=clerk)
    assert len(result.approved) == 2 and result.own_records == []


def test_with_a_second_person_required_the_service_leaves_ones_own_records_waiting(community, rule):
    Community.objects.filter(pk=community.pk).update(review_by_another=True)
    clerk = StaffMembershipFactory(community=community).user
    colleague = StaffMembershipFactory(community=community).user
    _a, own = pending_records(community, 2, by=clerk)
    _b, theirs = pending_records(community, 1, by=colleague)
    # The stale object in hand still says "off": the service reads the setting itself.
    assert community.review_by_another is False
    result = services.approve(
        community=community, attendance_ids=[r.pk for r in own + theirs], by=clerk
    )
    assert [a.pk for a in result.approved] == [theirs[0].pk]
    assert sorted(a.pk for a in result.own_records) == sorted(r.pk for r in own)
    assert set(
        Attendance.objects.filter(pk__in=[r.pk for r in own]).values_list("status", flat=True)
    ) == {"pending"}
    # The colleague may approve them.
    result = services.approve(community=community, attendance_ids=[r.pk for r in own], by=colleague)
    assert len(result.approved) == 2


def test_the_queue_says_why_ones_own_records_cannot_be_ticked(staff_client, community, rule):
    Community.objects.filter(pk=community.pk).update(review_by_another=True)
    pending_records(community, 2, by=staff_client.user)
    pending_records(community, 1)
    html = staff_client.get(QUEUE).content.decode()
    assert html.count("您登记的，需另一人审核") == 2
    assert html.count('type="checkbox" disabled') == 2
    assert "本居民区要求由另一人审核" in html


def test_approving_ones_own_records_through_the_page_leaves_them_waiting_and_says_so(
    staff_client, community, rule
):
    Community.objects.filter(pk=community.pk).update(review_by_another=True)
    activity, own = pending_records(community, 2, by=staff_client.user)
    response = staff_client.post(
        DECIDE,
        {
            "action": "approve",
            "attendance": [r.pk for r in own],
            "query": "",
            f"listed-{activity.pk}": [r.pk for r in own],
        },
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("2 条是您自己登记的" in t for t in texts), texts
    assert not any("已由他人审核" in t for t in texts)
    assert Attendance.objects.filter(status="pending", activity=activity).count() == 2


def test_an_admin_turns_the_second_person_rule_on_and_off_in_the_settings(
    admin_client_of_community, community
):
    url = reverse("residents:review_rule")
    response = admin_client_of_community.post(url, {"review_by_another": "on"})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.review_by_another is True
    assert (
        "需要另一人审核"
        in admin_client_of_community.get(reverse("residents:settings")).content.decode()
    )
    admin_client_of_community.post(url, {})
    community.refresh_from_db()
    assert community.review_by_another is False


def test_only_admins_may_change_the_second_person_rule(staff_client, community):
    response = staff_client.post(reverse("residents:review_rule"), {"review_by_another": "on"})
    assert response.status_code == 403
    community.refresh_from_db()
    assert community.review_by_another is False
