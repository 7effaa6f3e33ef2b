"""The wish pages: the resident's one-field form on the passbook, and staff moving a need
through its states from its page."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from needs.models import Need
from points import passbook
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)
from tests.needs.factories import NeedFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db
NEW_WISH = reverse("needs:wish_new")


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community)
    MemberFactory(household=household, name="郑兴友")
    return household


@pytest.fixture
def resident(household) -> Client:
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client.get(reverse("points:passbook_open", args=[token]))
    return client


def test_a_resident_posts_a_wish_with_one_text_field_and_sees_its_status(resident, household):
    form = resident.get(NEW_WISH)
    assert form.status_code == 200
    assert form.content.decode().count('name="text"') == 1
    response = resident.post(NEW_WISH, {"text": "楼道里想放一把椅子", "phone": "13800000000"})
    assert response.status_code == 302 and response.url == reverse("points:passbook")
    wish = Need.objects.get()
    assert (wish.household, wish.source, wish.text) == (household, "resident", "楼道里想放一把椅子")
    page = resident.get(reverse("points:passbook")).content.decode()
    assert "楼道里想放一把椅子" in page and "已收到，等待安排" in page


def test_the_fourth_wish_of_a_day_is_refused_with_a_message(resident):
    for n in range(3):
        resident.post(NEW_WISH, {"text": f"心愿{n}"})
    response = resident.post(NEW_WISH, {"text": "第四个"})
    assert response.status_code == 400 and "明天再来" in response.content.decode()
    assert Need.objects.count() == 3


@pytest.mark.parametrize("text", ["", "   ", "心\x00愿", "长" * 501])
def test_a_bad_wish_gets_a_message_and_saves_nothing(resident, text):
    assert resident.post(NEW_WISH, {"text": text}).status_code == 400
    assert not Need.objects.exists()


def test_without_a_resident_session_the_wish_page_is_closed(client):
    assert client.post(NEW_WISH, {"text": "x"}).status_code == 403
    assert not Need.objects.exists()


def test_a_resident_session_sees_only_its_own_wishes(resident, household, community):
    NeedFactory(household=HouseholdFactory(community=community), text="别人家的心愿")
    assert "别人家的心愿" not in resident.get(reverse("points:passbook")).content.decode()


def test_staff_take_a_wish_from_list_to_confirmed(staff_client, community, household):
    need = NeedFactory(household=household, source="resident", text="想学用智能手机")
    team = TeamFactory(community=community, name="青年志愿队")
    doer = TeamMembershipFactory(team=team).member
    project = ProjectFactory(community=community)
    assert "想学用智能手机" in staff_client.get(reverse("needs:need_list")).content.decode()
    steps = [
        ("needs:need_dispatch", {"team": team.pk}, Need.State.DISPATCHED),
        ("needs:need_take", {}, Need.State.TAKEN),
        (
            "needs:need_complete",
            {
                "done_on": timezone.localdate().isoformat(),
                "done_note": "教会了微信视频",
                "hours": "1.5",
                "doers": [doer.pk],
                "project": project.pk,
                "submission_key": str(uuid.uuid4()),
            },
            Need.State.DONE,
        ),
        ("needs:need_follow_up", {"confirmed": "yes", "note": "满意"}, Need.State.FOLLOWED),
    ]
    for name, data, state in steps:
        response = staff_client.post(reverse(name, args=[need.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        need.refresh_from_db()
        assert need.state == state
    attendance = Attendance.objects.get()
    assert (attendance.member, str(attendance.hours), attendance.status) == (doer, "1.5", "pending")


def test_an_illegal_move_from_the_page_is_refused_and_changes_nothing(staff_client, household):
    need = NeedFactory(household=household)
    response = staff_client.post(
        reverse("needs:need_follow_up", args=[need.pk]), {"confirmed": "yes"}
    )
    assert response.status_code == 400
    assert "不能改为" in response.content.decode()
    need.refresh_from_db()
    assert need.state == Need.State.PENDING


def test_another_communitys_staff_get_404_and_change_nothing(other_staff_client, household):
    need = NeedFactory(household=household)
    assert other_staff_client.get(need.get_absolute_url()).status_code == 404
    response = other_staff_client.post(
        reverse("needs:need_withdraw", args=[need.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    need.refresh_from_db()
    assert need.state == Need.State.PENDING


def test_the_need_list_takes_a_fixed_number_of_queries(
    staff_client, community, django_assert_max_num_queries
):
    team = TeamFactory(community=community)
    for n in range(30):
        need = NeedFactory(household=HouseholdFactory(community=community), text=f"需求{n}")
        if n % 2:
            Need.objects.filter(pk=need.pk).update(state="dispatched", team=team)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("needs:need_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            staff_client.get(reverse("needs:need_list"), {"state": "dispatched"}).status_code == 200
        )


def test_a_desk_need_is_recorded_for_a_household(staff_client, household):
    url = reverse("needs:need_new")
    assert household.address in staff_client.get(url, {"household": household.pk}).content.decode()
    response = staff_client.post(url, {"household": household.pk, "text": "水管漏水"})
    need = Need.objects.get()
    assert response.status_code == 302 and (need.source, need.household) == ("desk", household)


def test_the_wishes_read_by_the_passbook_statement_are_the_cards_own_five_newest(household):
    from needs.passbook import WISHES_PANEL, wishes_card
    from points.passbook_page import passbook_page
    from residents.reporting import quarter_of

    for n in range(7):
        NeedFactory(household=household, text=f"心愿{n}<b>")
    NeedFactory(household=HouseholdFactory(community=household.community), text="别人家的")
    page = passbook_page(household_id=household.pk, period=quarter_of(timezone.localdate()))
    from_page = wishes_card(household, read=page.panel_reads[WISHES_PANEL.name])["wishes"]
    own = wishes_card(household)["wishes"]
    assert len(own) == 5
    assert [(w.pk, w.text, w.state, w.confirmed, w.created_at) for w in from_page] == [
        (w.pk, w.text, w.state, w.confirmed, w.created_at) for w in own
    ]
    rendered = WISHES_PANEL.render(household, reads=page.panel_reads)
    assert rendered == WISHES_PANEL.render(household) and "心愿6&lt;b&gt;" in rendered
