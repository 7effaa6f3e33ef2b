"""The review queue's pages: whole activities where they fit, at most so many records on a
page, a big activity over pages of its own; what a page lists is what its buttons approve."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points.review_pages import Segment, layout
from points.views import review
from residents.models import Community
from tests.factories import CompoundFactory, MemberFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

QUEUE = reverse("points:review_queue")
DECIDE = reverse("points:review_decide")


# The layout, from (activity, pending records) in queue order


def pages_of(counts, activities=10, records=5):
    return [
        [(s.activity_id, s.start, s.stop) for s in page]
        for page in layout(counts, activities, records)
    ]


def test_small_activities_share_a_page_up_to_the_activity_limit():
    counts = [(pk, 1) for pk in range(1, 13)]
    assert pages_of(counts, activities=10, records=100) == [
        [(pk, 0, 1) for pk in range(1, 11)],
        [(11, 0, 1), (12, 0, 1)],
    ]


def test_an_activity_that_does_not_fit_the_rest_of_a_page_starts_the_next_one_whole():
    assert pages_of([(1, 3), (2, 4), (3, 1)]) == [[(1, 0, 3)], [(2, 0, 4), (3, 0, 1)]]


def test_an_activity_bigger_than_a_page_has_pages_of_its_own_then_the_queue_goes_on():
    assert pages_of([(1, 2), (2, 12), (3, 2), (4, 2)]) == [
        [(1, 0, 2)],
        [(2, 0, 5)],
        [(2, 5, 10)],
        [(2, 10, 12), (3, 0, 2)],
        [(4, 0, 2)],
    ]


def test_an_activity_of_exactly_a_page_fills_it():
    assert pages_of([(1, 5), (2, 1)]) == [[(1, 0, 5)], [(2, 0, 1)]]


def test_every_record_is_on_exactly_one_page():
    counts = [(1, 7), (2, 1), (3, 23), (4, 5), (5, 4), (6, 2)]
    shown = {pk: [] for pk, _ in counts}
    for page in layout(counts, 3, 5):
        assert sum(s.stop - s.start for s in page) <= 5 and len(page) <= 3
        for s in page:
            shown[s.activity_id] += range(s.start, s.stop)
    assert shown == {pk: list(range(n)) for pk, n in counts}


def test_an_empty_queue_has_no_pages():
    assert layout([], 10, 100) == []


def test_a_segment_knows_whether_it_is_the_whole_activity():
    assert Segment(1, 0, 4, 4).whole and not Segment(1, 0, 3, 4).whole
    assert Segment(1, 3, 4, 4).first == 4


# The page


@pytest.fixture
def big_activity(community, monkeypatch):
    """Six records on 2026-11-03 (buildings 1, 2, 3, 10, 11, 12), two on 2026-11-04; pages
    of four records."""
    monkeypatch.setattr(review, "RECORDS_PER_PAGE", 4)
    PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1))
    compound = CompoundFactory(community=community, name="一期")
    first = ActivityFactory(project__community=community, date=datetime.date(2026, 11, 3))
    second = ActivityFactory(project=first.project, date=datetime.date(2026, 11, 4))
    for building in ("11", "3", "10", "1", "12", "2"):
        member = MemberFactory(
            household__community=community,
            household__compound=compound,
            household__building=building,
            household__room="101",
        )
        AttendanceFactory(activity=first, member=member)
    AttendanceFactory.create_batch(2, activity=second)
    return first, second


def listed_on(response) -> dict[int, list[int]]:
    """The records each activity's button posts (`listed-<activity>`), from the HTML."""
    found: dict[int, list[int]] = {}
    for activity, record in re.findall(
        r'name="listed-(\d+)" value="(\d+)"', response.content.decode()
    ):
        found.setdefault(int(activity), []).append(int(record))
    return found


def buildings(group) -> list[str]:
    return [row.attendance.member.household.building for row in group.rows]


@pytest.mark.django_db
def test_a_big_activity_is_split_over_pages_in_address_order(staff_client, big_activity):
    first, second = big_activity
    page_one = staff_client.get(QUEUE)
    groups = page_one.context["groups"]
    assert [g.activity for g in groups] == [first]
    assert buildings(groups[0]) == ["1", "2", "3", "10"]
    assert page_one.context["page"].paginator.count == 2  # activities, as the page says
    body = page_one.content.decode()
    assert "本场共 6 条待审核，本页列出第 1–4 条。" in body
    assert "通过本页列出的 4 条（4 分）" in body
    page_two = staff_client.get(QUEUE, {"page": 2})
    groups = page_two.context["groups"]
    assert [g.activity for g in groups] == [first, second]
    assert buildings(groups[0]) == ["11", "12"]
    assert "本页列出第 5–6 条" in page_two.content.decode()
    assert groups[1].segment.whole
    assert "通过本场全部 2 条（2 分）" in page_two.content.decode()


@pytest.mark.django_db
def test_the_activity_button_approves_exactly_the_records_the_page_lists(
    staff_client, big_activity
):
    first, _ = big_activity
    page_one = staff_client.get(QUEUE)
    posted = listed_on(page_one)
    shown = [row.attendance.pk for row in page_one.context["groups"][0].rows]
    assert posted == {first.pk: shown}
    response = staff_client.post(DECIDE, {"activity": first.pk, f"listed-{first.pk}": shown})
    assert response.status_code == 302
    approved = Attendance.objects.filter(activity=first, status="approved")
    assert sorted(approved.values_list("pk", flat=True)) == sorted(shown)
    # The rest of the activity now leads the queue.
    groups = staff_client.get(QUEUE).context["groups"]
    assert buildings(groups[0]) == ["11", "12"] and groups[0].segment.whole
    assert len(groups) == 2


@pytest.mark.django_db
def test_its_query_count_is_the_same_with_a_split_activity(staff_client, big_activity):
    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(QUEUE, {"page": page}).status_code == 200
        return len(captured)

    # page 1: part of an activity; page 2: the rest of it and a whole one
    assert queries(1) == queries(2)
    # session, user, memberships, layout, activities, records, rules, earned so far, projects
    assert queries(2) <= 9


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page(staff_client, big_activity):
    response = staff_client.get(QUEUE, {"page": 99})
    assert response.context["page"].number == 2


@pytest.mark.django_db
def test_a_split_activitys_button_counts_only_others_records_on_the_page(
    staff_client, community, big_activity
):
    first, _ = big_activity
    Community.objects.filter(pk=community.pk).update(review_by_another=True)
    mine = Attendance.objects.filter(activity=first, member__household__building="2")
    mine.update(recorded_by=staff_client.user)
    body = staff_client.get(QUEUE).content.decode()
    assert "通过本页列出的他人登记的 3 条（3 分）" in body
    assert body.count('type="checkbox" disabled') == 1
