"""Printing passbook covers with a QR code: a new token each time, shown once, then gone."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points import passbook
from points.models import PassbookToken
from points.views.printing import SHEET_SESSION_KEY
from residents.models import Household
from tests.factories import BuildingGroupFactory, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
SHEET = reverse("points:passbook_print_sheet")
GROUP_PAGE = reverse("points:passbook_print")
GROUP_POST = reverse("points:passbook_print_group")


@pytest.fixture
def household(community):
    return HouseholdFactory(community=community)


def print_url(household) -> str:
    return reverse("points:passbook_print_household", args=[household.pk])


def revoke_url(household) -> str:
    return reverse("points:passbook_revoke", args=[household.pk])


def status_url(household) -> str:
    return reverse("points:passbook_qr_status", args=[household.pk])


def issue(household) -> str:
    return passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]


def active_tokens(household):
    return PassbookToken.objects.filter(household=household, revoked_at__isnull=True)


def opens(token: str) -> bool:
    """Whether a resident's phone gets in with this token."""
    response = Client().get(reverse("points:passbook_open", args=[token]))
    return response.status_code == 302


def token_in(url: str) -> str:
    return url.split("/p/", 1)[1].rstrip("/")


def moved_out(community, **kwargs) -> Household:
    return HouseholdFactory(
        community=community,
        status=Household.Status.MOVED_OUT,
        moved_out_on=datetime.date(2026, 3, 1),
        **kwargs,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# One household


def test_it_issues_a_new_token_and_revokes_the_old_one(staff_client, household):
    old = issue(household)
    response = staff_client.post(print_url(household))
    assert response.status_code == 302
    assert response["Location"] == SHEET
    assert not opens(old)
    assert active_tokens(household).count() == 1
    assert PassbookToken.objects.filter(household=household).count() == 2
    assert active_tokens(household).get().created_by == staff_client.user


def test_it_shows_the_sheet_with_the_qr_code_once(staff_client, household):
    response = staff_client.post(print_url(household), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(SHEET, 302)]
    [card] = response.context["cards"]
    token = token_in(card["url"])
    assert card["url"] == f"http://testserver/p/{token}/"
    assert active_tokens(household).get().token_hash == passbook.token_hash(token)
    body = response.content.decode()
    assert "<svg" in body and 'class="qr"' in body
    assert household.passbook_number in body
    assert household.short_address in body and household.compound.name in body
    assert "用手机扫码查看本户积分" in body
    # The token is only inside the QR code: not in any address, not as text.
    assert token not in response.request["PATH_INFO"] and token not in body
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert SHEET_SESSION_KEY not in staff_client.session
    assert opens(token)


def test_a_reload_of_the_sheet_shows_no_tokens(staff_client, household):
    staff_client.post(print_url(household), follow=True)
    response = staff_client.get(SHEET)
    assert response.status_code == 200
    assert response.context["cards"] == []
    body = response.content.decode()
    assert "<svg" not in body and "/p/" not in body
    assert "二维码已经显示过了" in body


def test_the_sheet_without_printing_first_shows_nothing(staff_client):
    response = staff_client.get(SHEET)
    assert response.status_code == 200
    assert response.context["shown_before"] and response.context["cards"] == []


def test_it_refuses_a_moved_out_household(staff_client, community):
    household = moved_out(community)
    response = staff_client.post(print_url(household))
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert messages_of(response) == ["该户已迁出，不能打印存折封面。"]
    assert not PassbookToken.objects.exists()
    assert SHEET_SESSION_KEY not in staff_client.session


def test_a_token_reissued_before_the_sheet_opens_is_not_printed(staff_client, household):
    staff_client.post(print_url(household))
    issue(household)  # someone else printed this household meanwhile
    response = staff_client.get(SHEET)
    assert response.context["cards"] == []
    assert response.context["superseded"] == 1
    assert "<svg" not in response.content.decode()


def test_the_sheet_renders_only_tokens_of_the_current_community(
    staff_client, community, other_community
):
    stranger = HouseholdFactory(community=other_community)
    session = staff_client.session
    session[SHEET_SESSION_KEY] = {
        "community": community.pk,
        "tokens": [issue(stranger)],
        "back": "/",
    }
    session.save()
    response = staff_client.get(SHEET)
    assert response.context["cards"] == []
    assert stranger.passbook_number not in response.content.decode()


def test_the_sheet_is_dropped_after_switching_community(staff_client, household, other_community):
    staff_client.post(print_url(household))
    session = staff_client.session
    session[SHEET_SESSION_KEY]["community"] = other_community.pk
    session.save()
    response = staff_client.get(SHEET)
    assert response.context["shown_before"] and response.context["cards"] == []


# The household page


def test_the_household_page_explains_printing_and_revoking(staff_client, household):
    body = staff_client.get(household.get_absolute_url()).content.decode()
    assert "存折二维码" in body
    assert "打印存折封面（生成新二维码）" in body and "作废二维码" in body
    assert "旧纸质存折上的二维码随即失效" in body
    assert status_url(household) in body


def test_the_household_page_of_a_moved_out_household_offers_no_printing(staff_client, community):
    household = moved_out(community)
    body = staff_client.get(household.get_absolute_url()).content.decode()
    assert "打印存折封面（生成新二维码）" not in body


def test_the_status_line_says_when_the_code_was_issued(staff_client, household):
    assert "还没有生成过二维码" in staff_client.get(status_url(household)).content.decode()
    issue(household)
    body = staff_client.get(status_url(household)).content.decode()
    assert "当前二维码生成于" in body
    passbook.revoke_tokens(household=household)
    body = staff_client.get(status_url(household)).content.decode()
    assert "没有有效的二维码" in body and "作废" in body


# Revoking


def test_it_revokes_the_working_code(staff_client, household):
    token = issue(household)
    response = staff_client.post(revoke_url(household))
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert not active_tokens(household).exists()
    assert not opens(token)
    assert "已不能打开" in messages_of(response)[0]


def test_revoking_without_a_working_code_says_so(staff_client, household):
    response = staff_client.post(revoke_url(household))
    assert response.status_code == 302
    assert messages_of(response) == ["该户目前没有有效的二维码，无需作废。"]


# A building group


@pytest.fixture
def group(community):
    return BuildingGroupFactory(community=community, name="3号楼组")


def test_the_group_page_lists_only_this_communitys_groups(staff_client, group, other_community):
    BuildingGroupFactory(community=other_community, name="外区楼组")
    HouseholdFactory(community=group.community, building_group=group)
    response = staff_client.get(GROUP_PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3号楼组" in body and "1 户" in body and "外区楼组" not in body
    assert "旧存折上的二维码随即失效" in body


def test_it_prints_every_active_household_of_the_group(staff_client, community, group):
    households = [HouseholdFactory(community=community, building_group=group) for _ in range(3)]
    old = issue(households[0])
    gone = moved_out(community, building_group=group)
    elsewhere = HouseholdFactory(community=community)
    issue(elsewhere)

    response = staff_client.post(GROUP_POST, {"building_group": group.pk}, follow=True)

    assert response.redirect_chain == [(SHEET, 302)]
    for household in households:
        assert active_tokens(household).count() == 1
    assert not opens(old)
    assert not PassbookToken.objects.filter(household=gone).exists()
    assert PassbookToken.objects.filter(household=elsewhere).count() == 1
    cards = response.context["cards"]
    assert sorted(c["household"].pk for c in cards) == sorted(h.pk for h in households)
    for card in cards:
        stored = active_tokens(card["household"]).get()
        assert stored.token_hash == passbook.token_hash(token_in(card["url"]))
    body = response.content.decode()
    assert body.count("<svg") == 3
    assert all(h.passbook_number in body for h in households)
    assert gone.passbook_number not in body


def test_it_can_print_only_the_households_without_a_code(staff_client, community, group):
    has_one, new = (HouseholdFactory(community=community, building_group=group) for _ in "ab")
    kept = issue(has_one)
    response = staff_client.post(
        GROUP_POST, {"building_group": group.pk, "only_new": "on"}, follow=True
    )
    assert [c["household"] for c in response.context["cards"]] == [new]
    assert opens(kept)
    assert active_tokens(new).count() == 1


def test_a_group_without_active_households_is_refused(staff_client, community, group):
    moved_out(community, building_group=group)
    response = staff_client.post(GROUP_POST, {"building_group": group.pk})
    assert response.status_code == 400
    assert "该楼组没有在册户。" in response.content.decode()
    assert not PassbookToken.objects.exists()


def test_another_communitys_group_cannot_be_printed(staff_client, other_community):
    group = BuildingGroupFactory(community=other_community)
    HouseholdFactory(community=other_community, building_group=group)
    response = staff_client.post(GROUP_POST, {"building_group": group.pk})
    assert response.status_code == 400
    assert not PassbookToken.objects.exists()


def test_the_group_sheet_takes_the_same_queries_for_many_households(staff_client, community, group):
    def sheet_queries(count: int) -> int:
        for _ in range(count):
            HouseholdFactory(community=community, building_group=group)
        staff_client.post(GROUP_POST, {"building_group": group.pk})
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(SHEET).status_code == 200
        return len(queries)

    assert sheet_queries(2) == sheet_queries(10)


def test_the_sheet_lays_out_eight_cards_a_page(staff_client, community, group):
    for _ in range(9):
        HouseholdFactory(community=community, building_group=group)
    response = staff_client.post(GROUP_POST, {"building_group": group.pk}, follow=True)
    assert [len(page) for page in response.context["pages"]] == [8, 1]


# Access


def test_another_communitys_staff_gets_404(other_staff_client, household):
    issue(household)
    assert other_staff_client.post(print_url(household)).status_code == 404
    assert other_staff_client.post(revoke_url(household)).status_code == 404
    assert other_staff_client.get(status_url(household)).status_code == 404
    assert active_tokens(household).count() == 1
    assert PassbookToken.objects.filter(household=household).count() == 1


@pytest.mark.parametrize("name", ["passbook_print_household", "passbook_revoke"])
def test_changes_refuse_get(staff_client, household, name):
    assert staff_client.get(reverse(f"points:{name}", args=[household.pk])).status_code == 405
    assert not PassbookToken.objects.exists()


def test_group_printing_refuses_get_and_the_sheet_refuses_post(staff_client):
    assert staff_client.get(GROUP_POST).status_code == 405
    assert staff_client.post(SHEET).status_code == 405
    assert staff_client.post(GROUP_PAGE).status_code == 405


def test_the_counter_role_gets_403(counter_client, household, group):
    for url in (print_url(household), revoke_url(household), GROUP_POST):
        assert counter_client.post(url, {"building_group": group.pk}).status_code == 403
    for url in (status_url(household), GROUP_PAGE, SHEET):
        assert counter_client.get(url).status_code == 403
    assert not PassbookToken.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, household):
    response = client.post(print_url(household))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(SHEET).status_code == 302
    assert not PassbookToken.objects.exists()


def test_printed_codes_carry_the_public_address_when_one_is_set(staff_client, community, settings):
    from tests.factories import HouseholdFactory

    settings.PUBLIC_BASE_URL = "https://passbook.example.org"
    household = HouseholdFactory(community=community)
    response = staff_client.post(
        reverse("points:passbook_print_household", args=[household.pk]), follow=True
    )
    assert "https://passbook.example.org/p/" in str(response.context["cards"][0]["url"])
