"""The resident's passbook: the QR link, the session it starts, and what it shows."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from points import passbook, services
from points.models import PassbookAccessFailure, PassbookToken
from points.selectors import PASSBOOK_PAGE_SIZE
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("points:passbook")


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community, phone="13812345678")
    MemberFactory(household=household, name="郑兴友")
    return household


def issue(household) -> str:
    return passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]


def open_link(client: Client, token: str):
    return client.get(reverse("points:passbook_open", args=[token]))


def test_the_link_starts_a_session_and_lands_on_a_url_without_the_token(client, household):
    token = issue(household)
    response = open_link(client, token)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    page = client.get(PAGE)
    assert page.status_code == 200
    # Same-origin, not no-referrer: under no-referrer browsers post the page's forms (退出查看)
    # with `Origin: null`, which the CSRF check refuses.
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"
    body = page.content.decode()
    assert household.passbook_number in body
    assert token not in body


def test_tokens_are_long_random_and_stored_only_as_a_hash(household):
    token = issue(household)
    assert len(token) >= 43  # 256 bits, URL-safe base64
    stored = PassbookToken.objects.get(household=household)
    assert stored.token_hash == passbook.token_hash(token) != token
    assert token not in str(PassbookToken.objects.values_list())


def test_the_page_masks_names_and_phone(client, household):
    open_link(client, issue(household))
    body = client.get(PAGE).content.decode()
    assert "郑*友" in body and "郑兴友" not in body
    assert "138****5678" in body and "13812345678" not in body


def test_a_wrong_token_gets_a_friendly_page_and_is_counted(client, household):
    response = open_link(client, "not-a-real-token")
    assert response.status_code == 404
    assert "已经失效" in response.content.decode()
    assert PassbookAccessFailure.objects.count() == 1
    assert client.get(PAGE).status_code == 403


def test_a_regenerated_token_stops_the_old_one_at_once(client, household):
    old = issue(household)
    new = issue(household)
    assert open_link(client, old).status_code == 404
    assert open_link(Client(), new).status_code == 302


def test_a_revoked_token_no_longer_opens(client, household):
    token = issue(household)
    passbook.revoke_tokens(household=household)
    assert open_link(client, token).status_code == 404


def test_a_moved_out_household_cannot_be_opened(client, household):
    token = issue(household)
    household.status, household.moved_out_on = "moved_out", datetime.date(2026, 1, 1)
    household.save()
    assert open_link(client, token).status_code == 404


def test_repeated_guessing_from_one_address_is_throttled(client, household):
    token = issue(household)
    for _ in range(passbook.MAX_FAILURES):
        open_link(client, "guess")
    response = open_link(client, token)  # even the right token waits
    assert response.status_code == 429
    assert "尝试次数太多" in response.content.decode()
    PassbookAccessFailure.objects.update(at=timezone.now() - datetime.timedelta(minutes=20))
    assert open_link(client, token).status_code == 302


def test_the_session_is_short_and_expires(client, household, monkeypatch):
    open_link(client, issue(household))
    assert client.session.get_expiry_age() == passbook.SESSION_SECONDS <= 3600
    assert client.get(PAGE).status_code == 200
    # A session opened SESSION_SECONDS and one second ago (its cookie signed then).
    issued = int(time.time()) - passbook.SESSION_SECONDS - 1
    with monkeypatch.context() as m:
        m.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
        open_link(client, issue(household))
    assert client.get(PAGE).status_code == 403


def test_leaving_ends_the_session(client, household):
    open_link(client, issue(household))
    client.post(reverse("points:passbook_exit"))
    assert client.get(PAGE).status_code == 403


def _all_routes():
    """Every URL pattern of the project with sample arguments, found from the URL conf."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    for route in walk(get_resolver().url_patterns):
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", "1", route).lstrip("^").rstrip("$")
        path = path.replace("\\Z", "").replace("(?P", "")
        if "(" in path or "[" in path:
            continue  # regex routes of the Django admin: covered by the admin index below
        yield path


RESIDENT_PATHS = {
    "/passbook/",
    "/passbook/exit/",
    "/passbook/rewards/",
    "/passbook/wishes/new/",
    "/i18n/setlang/",
    "/p/1/",
}


def test_a_resident_session_reaches_no_staff_page(client, household):
    open_link(client, issue(household))
    checked = 0
    for path in [*_all_routes(), "/admin/", "/admin/residents/household/"]:
        if path in RESIDENT_PATHS:
            continue
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in (403, 404, 405), (path, response.status_code)
        checked += 1
    assert checked > 40
    assert client.get(PAGE).status_code == 200  # still their own passbook


def test_a_resident_session_shows_only_its_own_household(client, household, community):
    other = HouseholdFactory(community=community)
    services.adjust(household=other, amount=7, reason="别户", by=UserFactory())
    open_link(client, issue(household))
    body = client.get(PAGE).content.decode()
    assert other.passbook_number not in body and "别户" not in body


def test_a_staff_login_replaces_the_resident_session(client, household, community):
    from tests.factories import StaffMembershipFactory

    open_link(client, issue(household))
    staff = StaffMembershipFactory(community=community).user
    client.force_login(staff)
    assert client.get(reverse("residents:household_list")).status_code == 200
    assert client.get(PAGE).status_code == 403


def test_balance_quarter_year_and_member_shares_are_shown(client, household):
    user = UserFactory()
    services.adjust(household=household, amount=12, reason="纸质存折转入", by=user)
    open_link(client, issue(household))
    response = client.get(PAGE)
    view = response.context["view"]
    assert view.balance == 12
    assert "纸质存折转入" in response.content.decode()
    assert 'id="balance">12<' in response.content.decode()


def add_entries(household, count: int) -> None:
    """`count` adjustment entries in one statement (the ledger's statement trigger moves
    the balance once), so a 10,000-entry history takes seconds."""
    from points.models import Account, LedgerEntry

    user = UserFactory()
    services.adjust(household=household, amount=1, reason="开户", by=user)
    account = Account.objects.get(household=household)
    balance = account.balance
    rows = []
    for n in range(count - 1):
        balance += 1
        rows.append(
            LedgerEntry(
                community_id=household.community_id,
                account=account,
                kind="adjust",
                amount=1,
                balance_after=balance,
                reason=f"测试{n}",
                occurred_on=timezone.localdate(),
                created_by=user,
            )
        )
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)


def test_the_page_takes_the_same_queries_from_10_to_1000_entries(client, household, community):
    # 10 entries fit on one page; 1,000 fill many pages.
    assert PASSBOOK_PAGE_SIZE >= 10 and 10 * PASSBOOK_PAGE_SIZE < 1_000

    def queries_for_page(h) -> int:
        c = Client()
        open_link(c, issue(h))
        c.get(PAGE)  # the community's "how to earn points" list is now cached
        with CaptureQueriesContext(connection) as captured:
            response = c.get(PAGE)
        assert response.status_code == 200
        return len(captured)

    small = household
    add_entries(small, 10)
    large = HouseholdFactory(community=community)
    add_entries(large, 1_000)
    # Two reads (the household and its figures; the entries), and nothing for the panels:
    # the household's wishes (needs) are read by the first of the two statements (the
    # panel's `read`), the community's notices on top and what is under publication
    # (subdistrict) are cached for the community, like the round card (redemption); the
    # building group's star reads nothing (the household has no group), the session is a
    # signed cookie and the ways to earn are cached.
    assert queries_for_page(small) == queries_for_page(large) == 2


def test_the_ways_to_earn_list_is_built_once_per_community_and_language(client, household):
    from tests.factories import ProjectFactory
    from tests.points.factories import PointRuleFactory

    project = ProjectFactory(community=household.community, name="楼道清洁")
    PointRuleFactory(community=household.community, points_per_session=3)
    neighbour = HouseholdFactory(community=household.community)
    open_link(client, issue(household))
    first = client.get(PAGE).content.decode()
    assert project.name in first and "每次 3 分" in first

    other = Client()
    open_link(other, issue(neighbour))
    with CaptureQueriesContext(connection) as warm:
        assert "每次 3 分" in other.get(PAGE).content.decode()
    other.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as english:
        page = other.get(PAGE).content.decode()

    assert "3 per session" in page and "每次 3 分" not in page
    assert len(english) == len(warm) + 2  # the rules and projects, read again for English


def test_party_members_dues_and_meetings_are_not_offered_to_residents_as_ways_to_earn(
    client, household
):
    from tests.factories import ProjectCategoryFactory, ProjectFactory
    from tests.points.factories import PointRuleFactory

    community = household.community
    base = ProjectCategoryFactory(community=community, name="党员基础分", is_base_points=True)
    ProjectFactory(community=community, category=base, name="按时交纳党费")
    ProjectFactory(community=community, name="楼道清洁")
    PointRuleFactory(community=community)
    open_link(client, issue(household))
    page = client.get(PAGE).content.decode()
    assert "楼道清洁" in page
    assert "按时交纳党费" not in page and "党员基础分" not in page


def test_a_household_in_a_building_group_costs_the_page_no_more_queries(community):
    from tests.factories import BuildingGroupFactory

    household = HouseholdFactory(
        community=community, building_group=BuildingGroupFactory(community=community)
    )
    c = Client()
    open_link(c, issue(household))
    c.get(PAGE)  # the group's star (none yet) is now cached, like the ways to earn
    with CaptureQueriesContext(connection) as captured:
        assert c.get(PAGE).status_code == 200
    assert len(captured) == 2
