"""Issue 17, item 4: a passbook reads in one order, like a paper one. Its rows are listed as
they were posted, dated the day they were posted (`<time datetime="YYYY-MM-DD">`), so the
dates and the running balance read down together; an activity's own date is in its row.
The resident's page, the staff ledger and the exports agree."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from points import passbook, services
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory, posting_on
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db
D = datetime.date
TIME = re.compile(r'<time datetime="(\d{4}-\d\d-\d\d)">')


@pytest.fixture
def household(community):
    """SX-00001: 20 points for patrolling on 28 September, reviewed late (posted 20 November);
    2 points for 18 November's cleaning posted on 19 November; a 5-point adjustment on
    21 November. Posting order: cleaning, patrol, adjustment."""
    household = HouseholdFactory(community=community, passbook_number="SX-00001")
    member = MemberFactory(household=household, name="郑兴友")
    clerk = UserFactory()

    def earn(title: str, day: datetime.date, points: int) -> None:
        project = ProjectFactory(community=community, name=title)
        PointRuleFactory(
            community=community,
            project=project,
            starts_on=D(2020, 1, 1),
            points_per_session=points,
        )
        activity = ActivityFactory(project=project, date=day, title=title)
        attendance = AttendanceFactory(activity=activity, member=member)
        services.approve(community=community, attendance_ids=[attendance.pk], by=clerk)

    with posting_on(D(2026, 11, 19)):
        earn("楼道清扫", D(2026, 11, 18), 2)
    with posting_on(D(2026, 11, 20)):
        earn("义务巡逻", D(2026, 9, 28), 20)
    with posting_on(D(2026, 11, 21)):
        services.adjust(household=household, amount=5, reason="纸质存折转入", by=clerk)
    return household


def resident_page(household, quarter="2026Q4") -> str:
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client.get(reverse("points:passbook_open", args=[token]))
    return client.get(reverse("points:passbook"), {"quarter": quarter}).content.decode()


def rows_of(body: str) -> list[tuple[str, int]]:
    """(posting day, balance) of each row, top to bottom."""
    days = TIME.findall(body)
    balances = [int(b) for b in re.findall(r'<td class="num bal">.*?(\d+)</td>', body)]
    return list(zip(days, balances, strict=True))


def test_the_residents_passbook_lists_rows_by_posting_day_with_balances_that_read_down(
    household,
):
    rows = rows_of(resident_page(household))

    assert [day for day, _ in rows] == sorted((day for day, _ in rows), reverse=True)
    # The late-reviewed patrol is dated when it was posted: 2 → 22 reads in date order.
    assert rows == [("2026-11-21", 27), ("2026-11-20", 22), ("2026-11-19", 2)]


def test_an_activitys_own_date_is_in_its_row(household):
    body = resident_page(household)

    assert "活动日期 9月28日" in body and "活动日期 11月18日" in body
    assert '<time datetime="2026-09-28">' not in body  # the date column is the posting day


def test_a_quarter_lists_what_was_posted_in_it(household):
    # Done in September but posted in November: a row of the fourth quarter.
    assert TIME.findall(resident_page(household, "2026Q3")) == []
    assert "活动日期 9月28日" in resident_page(household, "2026Q4")


def test_the_staff_ledger_agrees_with_the_residents_passbook(household, staff_client):
    body = staff_client.get(reverse("points:household_ledger", args=[household.pk]))
    body = body.content.decode()
    days = TIME.findall(body)

    assert days == ["2026-11-21", "2026-11-20", "2026-11-19"]
    assert "活动日期 2026年9月28日" in body
