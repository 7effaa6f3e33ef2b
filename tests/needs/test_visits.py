"""Visits (走访): recorded in one form, counted per quarter and year, and the households
nobody has seen listed — those living alone, elderly-only or in hardship first."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from needs import selectors, services
from needs.models import Need, Visit
from tests.factories import HouseholdFactory, HouseholdTypeFactory, MemberFactory, UserFactory
from tests.needs.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community, passbook_number="SX-00042")
    MemberFactory(household=household, name="郑兴友")
    return household


def _post(client, target, **extra):
    data = {
        "household": target.pk,
        "visited_on": timezone.localdate().isoformat(),
        "visitors": "王书记、李楼组长",
        "findings": "老人腿脚不便",
        "submission_key": str(uuid.uuid4()),
        **extra,
    }
    return client.post(reverse("needs:visit_new"), data)


def test_a_visit_is_found_by_passbook_number_and_recorded_in_one_post(staff_client, household):
    found = staff_client.get(reverse("needs:visit_home"), {"q": "00042"})
    assert f"?household={household.pk}" in found.content.decode()
    response = _post(staff_client, household)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()
    assert (visit.household, visit.visitors, visit.need_follows) == (
        household,
        "王书记、李楼组长",
        False,
    )
    assert not Need.objects.exists()


def test_a_visit_with_a_need_creates_a_need_waiting_for_dispatch(staff_client, household):
    _post(staff_client, household, need_follows="on", need_text="想装个扶手")
    need = Need.objects.get()
    assert (need.state, need.source, need.visit, need.household) == (
        Need.State.PENDING,
        Need.Source.VISIT,
        Visit.objects.get(),
        household,
    )
    assert [e.to_state for e in need.events.all()] == [Need.State.PENDING]


def test_ticking_need_follows_without_saying_what_saves_nothing(staff_client, household):
    response = _post(staff_client, household, need_follows="on")
    assert response.status_code == 400
    assert "请写下需求内容" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_same_form_saved_twice_makes_one_visit(staff_client, household):
    key = str(uuid.uuid4())
    _post(staff_client, household, submission_key=key)
    _post(staff_client, household, submission_key=key)
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"visited_on": "10000-01-01"},
        {"visited_on": "2999-01-01"},
        {"visitors": ""},
        {"visitors": "王\x00"},
        {"household": "①"},
        {"household": "99999999999999999999999"},
        {"household": "NaN"},
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(staff_client, household, bad):
    response = _post(staff_client, household, **bad)
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_another_communitys_household_cannot_be_visited(staff_client, other_community):
    theirs = HouseholdFactory(community=other_community)
    assert _post(staff_client, theirs).status_code == 400
    response = staff_client.get(reverse("needs:visit_new"), {"household": theirs.pk})
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_counts_per_quarter_and_year_give_visits_and_visits_per_household(community):
    households = [HouseholdFactory(community=community) for _ in range(4)]
    for day, household in [
        (datetime.date(2025, 1, 5), households[0]),
        (datetime.date(2025, 2, 5), households[0]),
        (datetime.date(2025, 5, 5), households[1]),
        (datetime.date(2024, 5, 5), households[2]),
    ]:
        VisitFactory(household=household, visited_on=day)
    counts = {row.label: row for row in selectors.visit_counts(community, 2025)}
    assert (counts["2025Q1"].visits, counts["2025Q1"].households) == (2, 1)
    assert counts["2025Q2"].visits == 1 and counts["2025Q3"].visits == 0
    assert (counts["2025"].visits, counts["2025"].households) == (3, 2)
    assert str(counts["2025"].per_household) == "0.75"


def test_the_overdue_report_puts_lonely_elderly_and_hardship_households_first(community):
    today = timezone.localdate()
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    ordinary = HouseholdTypeFactory(community=community, name="普通家庭")
    seen_lately = HouseholdFactory(community=community)
    VisitFactory(household=seen_lately, visited_on=today)
    long_ago = HouseholdFactory(community=community)
    VisitFactory(household=long_ago, visited_on=today - datetime.timedelta(days=200))
    never = HouseholdFactory(community=community)
    never.types.add(ordinary)
    lonely = HouseholdFactory(community=community)
    lonely.types.add(alone)
    VisitFactory(household=lonely, visited_on=today - datetime.timedelta(days=120))
    since = selectors.months_before(today, 3)
    listed = list(selectors.not_visited(community, since=since))
    assert listed == [lonely, never, long_ago]
    assert list(selectors.not_visited(community, since=since, priority_only=True)) == [lonely]


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert selectors.months_before(datetime.date(2026, 5, 31), 3) == datetime.date(2026, 2, 28)
    assert selectors.months_before(datetime.date(2026, 1, 15), 13) == datetime.date(2024, 12, 15)


def test_overdue_page_lists_households_in_a_fixed_number_of_queries(
    staff_client, community, django_assert_max_num_queries
):
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    for _ in range(30):
        HouseholdFactory(community=community).types.add(alone)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("needs:visits_overdue"), {"months": "6"})
    assert response.status_code == 200
    assert response.content.decode().count("从未走访") == 25


def test_the_household_file_shows_its_visits_and_needs(staff_client, household, community):
    VisitFactory(household=household, findings="想要助餐服务")
    services.record_need(
        community=community, by=UserFactory(), household=household, text="门口台阶松了"
    )
    body = staff_client.get(reverse("needs:household_file", args=[household.pk])).content
    text = body.decode()
    assert "想要助餐服务" in text and "门口台阶松了" in text
    page = staff_client.get(household.get_absolute_url()).content.decode()
    assert reverse("needs:household_file", args=[household.pk]) in page


@pytest.mark.parametrize(
    "name", ["needs:visit_home", "needs:visit_new", "needs:visits_overdue", "needs:need_list"]
)
def test_the_counter_clerk_is_refused(counter_client, name):
    assert counter_client.get(reverse(name)).status_code == 403


def test_bad_query_values_get_a_message_not_an_error(staff_client):
    for params in ({"year": "１٣"}, {"year": "99999"}, {"q": "x" * 500}):
        assert staff_client.get(reverse("needs:visit_home"), params).status_code == 400
    assert staff_client.get(reverse("needs:visits_overdue"), {"months": "NaN"}).status_code == 400
