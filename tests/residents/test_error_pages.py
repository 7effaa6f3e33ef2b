"""Issue 17, item 2: every error answer (400, 403, 404, 405, 429, 500, a refused CSRF check)
is a page in the site's layout and language, says what happened in plain words, shows no
technical detail and offers the way back for who is asking: the home page for staff, the
passbook for a resident, the login page otherwise. All with DEBUG=False, as in production."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from points import passbook
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("residents:home")
LOGIN = reverse("login")
PASSBOOK = reverse("points:passbook")


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.ROOT_URLCONF = "tests.residents.error_urls"
    assert django_settings.DEBUG is False


@pytest.fixture
def resident_client(community) -> Client:
    household = HouseholdFactory(community=community)
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client = Client(raise_request_exception=False)
    client.get(reverse("points:passbook_open", args=[token]))
    return client


def page(response) -> str:
    body = response.content.decode()
    assert '<html lang="zh-Hans">' in body  # Chinese by default
    assert "Forbidden" not in body and "Not Found" not in body and "Server Error" not in body
    assert "secret-detail" not in body and "Traceback" not in body
    return body


def way_back(body: str, url: str) -> bool:
    return f'href="{url}">' in body


def test_a_missing_page_offers_the_login_page_to_a_visitor():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = page(response)
    assert "找不到这个页面" in body and way_back(body, LOGIN)
    assert 'class="site-header"' in body  # the site's layout


def test_a_missing_page_offers_the_home_page_to_staff(staff_client):
    response = staff_client.get("/no-such-page/")
    body = page(response)
    assert response.status_code == 404 and way_back(body, HOME)
    assert "住户名册" in body  # the staff menu is there


def test_a_resident_who_strays_is_offered_the_passbook_in_the_residents_layout(
    resident_client,
):
    response = resident_client.get("/no-such-page/")  # the guard refuses what is not theirs
    body = page(response)
    assert response.status_code == 403 and way_back(body, PASSBOOK)
    assert "passbook.css" in body and "site-header" not in body


def test_a_resident_who_opens_a_staff_page_is_refused_with_the_way_back_to_the_passbook(
    resident_client,
):
    response = resident_client.get(reverse("residents:household_list"))
    body = page(response)
    assert response.status_code == 403
    assert "没有权限打开这个页面" in body and way_back(body, PASSBOOK)
    assert resident_client.get(PASSBOOK).status_code == 200  # the session is intact


def test_a_clerk_refused_a_staff_page_is_offered_the_home_page(counter_client):
    response = counter_client.get(reverse("residents:household_list"))
    body = page(response)
    assert response.status_code == 403 and way_back(body, HOME)


def test_a_wrong_method_gets_the_page_and_keeps_the_allow_header(staff_client, resident_client):
    response = staff_client.get(reverse("logout"))
    body = page(response)
    assert response.status_code == 405 and "POST" in response["Allow"]
    assert "不能这样打开这个页面" in body and way_back(body, HOME)
    response = resident_client.get(reverse("points:passbook_exit"))
    assert response.status_code == 405 and way_back(page(response), PASSBOOK)


def test_a_refused_csrf_check_says_the_page_expired():
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "x", "password": "y"})
    body = page(response)
    assert response.status_code == 403
    assert "页面已过期" in body and way_back(body, LOGIN)


def test_a_bad_request_gets_the_page(staff_client):
    response = staff_client.get("/test-errors/400/")
    body = page(response)
    assert response.status_code == 400 and "请求无法处理" in body and way_back(body, HOME)


def test_too_many_attempts_get_the_page_and_keep_retry_after():
    response = Client().get("/test-errors/429/")
    body = page(response)
    assert response.status_code == 429 and "操作太频繁" in body
    assert response["Retry-After"] == "900"


def test_a_server_error_gets_the_page_without_technical_detail(community):
    from tests.factories import StaffMembershipFactory

    client = Client(raise_request_exception=False)
    client.force_login(StaffMembershipFactory(community=community).user)
    response = client.get("/test-errors/500/")
    body = page(response)
    assert response.status_code == 500
    assert "系统出了点问题" in body and way_back(body, HOME)
    anonymous = Client(raise_request_exception=False).get("/test-errors/500/")
    assert anonymous.status_code == 500 and way_back(page(anonymous), LOGIN)


def test_an_error_page_never_repeats_the_address_which_may_hold_a_token(staff_client):
    token = "z" * 43
    for response in (
        staff_client.get(f"/p/{token}/"),  # 404: no such passbook
        Client().post(f"/p/{token}/"),  # 405: a link is only opened
        staff_client.get(f"/no-such-page/{token}/"),
    ):
        assert response.status_code in (404, 405)
        assert token not in page(response)
