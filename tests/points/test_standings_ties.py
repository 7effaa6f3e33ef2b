"""Issue 17, item 13: "前 3 名" that lists more households because of ties says so — the big
savers on the standings page and on the notice."""

import datetime

import pytest
from django.urls import reverse

from points import services
from tests.factories import MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


def earn_scores(community, scores):
    PointRuleFactory(community=community, starts_on=datetime.date(2020, 1, 1))
    project = ProjectFactory(community=community)
    staff = UserFactory()
    for score in scores:
        member = MemberFactory(household__community=community)
        ids = [
            AttendanceFactory(activity=ActivityFactory(project=project, date=DAY), member=member).pk
            for _ in range(score)
        ]
        services.approve(community=community, attendance_ids=ids, by=staff)


@pytest.mark.parametrize("url", [reverse("points:standings"), reverse("points:standings_notice")])
def test_the_top_three_with_ties_say_how_many_households_they_list(staff_client, community, url):
    earn_scores(community, [5, 4, 3, 3, 3, 1])
    html = staff_client.get(url, {"period": "2026Q4"}).content.decode()
    assert "前 3 名" in html
    assert "含并列共 5 户" in html


def test_without_ties_the_top_three_say_nothing_more(staff_client, community):
    earn_scores(community, [5, 4, 3, 1])
    html = staff_client.get(reverse("points:standings"), {"period": "2026Q4"}).content.decode()
    assert "本期所得积分前 3 名的家庭" in html
    assert "含并列" not in html


def test_when_most_households_tie_the_lists_stop_at_their_limit_and_say_so(staff_client, community):
    """Ties at the cut stay in, but not a whole community's worth: eight households tied
    for first are counted among the big savers and only three listed."""
    earn_scores(community, [2] * 8)
    html = staff_client.get(reverse("points:standings"), {"period": "2026Q4"}).content.decode()
    assert "含并列共 8 户，列出其中 3 户" in html
    assert html.count('class="saver"') == 3
