import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import Household
from residents.selectors import HouseholdPages, filter_households
from residents.views import households as households_view
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("residents:household_list")


def make_households(community, count):
    group = BuildingGroupFactory(community=community)
    kind = HouseholdTypeFactory(community=community, name="独居老人")
    for _ in range(count):
        household = HouseholdFactory(community=community, building_group=group)
        household.types.add(kind)
        MemberFactory(household=household)
        MemberFactory(household=household, relation="spouse")


def test_it_lists_the_communitys_active_households_with_members(staff_client, community):
    household = HouseholdFactory(community=community, building="5", room="302")
    MemberFactory(household=household, name="郑兴友")
    response = staff_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert household.passbook_number in body
    assert "郑兴友" in body
    assert "5-302" in body


def test_it_never_lists_another_communitys_households(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    MemberFactory(household=household, name="外区居民")
    for params in ({"q": "外区居民"}, {"q": household.passbook_number}, {"status": "all"}):
        response = staff_client.get(URL, params, HTTP_HX_REQUEST="1", HTTP_HX_TARGET="results")
        assert household.passbook_number not in response.content.decode()
        assert response.context["page"].paginator.count == 0


def test_it_masks_phones_for_staff_and_shows_them_to_admins(
    staff_client, admin_client_of_community, community
):
    HouseholdFactory(community=community, phone="13812345678")
    assert "138****5678" in staff_client.get(URL).content.decode()
    assert "13812345678" not in staff_client.get(URL).content.decode()
    assert "13812345678" in admin_client_of_community.get(URL).content.decode()


def test_it_filters_by_building_group_type_and_status(staff_client, community):
    group = BuildingGroupFactory(community=community, name="7号楼组")
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    in_group = HouseholdFactory(community=community, building_group=group)
    typed = HouseholdFactory(community=community)
    typed.types.add(alone)
    gone = HouseholdFactory(community=community, status="moved_out", moved_out_on="2026-01-05")

    def listed(**params):
        return set(staff_client.get(URL, params).context["page"].object_list)

    assert listed(building_group=group.pk) == {in_group}
    assert listed(type=alone.pk) == {typed}
    assert listed() == {in_group, typed}
    assert listed(status="moved_out") == {gone}
    assert listed(status="all") == {in_group, typed, gone}


def test_it_returns_only_the_results_for_search_as_you_type(staff_client, community):
    HouseholdFactory(community=community)
    response = staff_client.get(URL, {"q": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert "<table" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_paginates(staff_client, community):
    make_households(community, 30)
    first = staff_client.get(URL)
    assert len(first.context["page"].object_list) == 25
    second = staff_client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_its_query_count_does_not_grow_with_the_page(staff_client, community):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(URL)
        assert response.status_code == 200
        return len(captured)

    make_households(community, 3)
    small = queries_for_list()
    make_households(community, 22)
    full = queries_for_list()
    assert full == small
    # session, user, memberships, 3 filter menus, count, page, types, members
    assert full <= 10


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_is_forbidden_to_the_counter_role(counter_client):
    assert counter_client.get(URL).status_code == 403


def test_it_rejects_post(staff_client):
    assert staff_client.post(URL).status_code == 405


def test_it_orders_buildings_and_rooms_naturally(staff_client, community):
    compound = HouseholdFactory(community=community, building="10", room="101").compound
    HouseholdFactory(community=community, compound=compound, building="2", room="1201")
    HouseholdFactory(community=community, compound=compound, building="2", room="302")
    listed = [h.short_address for h in staff_client.get(URL).context["page"].object_list]
    assert listed == ["2-302", "2-1201", "10-101"]


# Pages read per compound from the natural-order index: the same list, page by page.


def addresses(response) -> list[str]:
    return [f"{h.compound.name} {h.short_address}" for h in response.context["page"].object_list]


def every_page(client, params=None) -> list[str]:
    first = client.get(URL, params or {})
    listed, pages = addresses(first), first.context["page"].paginator.num_pages
    for number in range(2, pages + 1):
        listed += addresses(client.get(URL, {**(params or {}), "page": number}))
    return listed


@pytest.fixture
def two_compounds(community):
    """十期 after 二期 (counting order, not the order rows were made), each with buildings
    2 and 10 and rooms 302 and 1201, and one moved-out household in each."""
    later = CompoundFactory(community=community, name="十期")
    earlier = CompoundFactory(community=community, name="二期")
    for compound in (later, earlier):
        for building in ("10", "2"):
            for room in ("1201", "302"):
                HouseholdFactory(
                    community=community, compound=compound, building=building, room=room
                )
        HouseholdFactory(
            community=community,
            compound=compound,
            building="3",
            room="101",
            status="moved_out",
            moved_out_on="2026-01-05",
        )
    return earlier, later


NATURAL = [
    f"{compound} {address}"
    for compound in ("二期", "十期")
    for address in ("2-302", "2-1201", "10-302", "10-1201")
]


def test_its_pages_follow_natural_order_across_compounds(staff_client, two_compounds, monkeypatch):
    monkeypatch.setattr(households_view, "PAGE_SIZE", 3)  # pages end inside a compound
    assert every_page(staff_client) == NATURAL
    second = staff_client.get(URL, {"page": 2})
    assert second.context["page"].paginator.count == 8
    assert addresses(second) == NATURAL[3:6]  # the end of 二期, the start of 十期


def test_its_pages_with_every_status_keep_moved_out_households_in_their_place(
    staff_client, two_compounds, monkeypatch
):
    monkeypatch.setattr(households_view, "PAGE_SIZE", 4)
    everyone = every_page(staff_client, {"status": "all"})
    assert everyone == [
        f"{compound} {address}"
        for compound in ("二期", "十期")
        for address in ("2-302", "2-1201", "3-101", "10-302", "10-1201")
    ]
    assert every_page(staff_client, {"status": "moved_out"}) == ["二期 3-101", "十期 3-101"]


def test_page_two_of_a_filtered_list_is_the_next_slice_of_that_list(
    staff_client, community, two_compounds, monkeypatch
):
    earlier, later = two_compounds
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    for household in Household.objects.filter(community=community, room="302"):
        household.types.add(alone)
    monkeypatch.setattr(households_view, "PAGE_SIZE", 2)
    params = {"type": alone.pk, "status": "all"}
    assert every_page(staff_client, params) == [
        "二期 2-302",
        "二期 10-302",
        "十期 2-302",
        "十期 10-302",
    ]
    second = staff_client.get(URL, {**params, "page": 2})
    assert second.context["page"].paginator.count == 4
    assert addresses(second) == ["十期 2-302", "十期 10-302"]
    assert every_page(staff_client, {"q": "2-1201"}) == ["二期 2-1201", "十期 2-1201"]
    assert every_page(staff_client, {"compound": later.pk}) == NATURAL[4:]


def test_compounds_with_the_same_counting_key_are_sorted_together(
    staff_client, community, monkeypatch
):
    # 二期 and 2期 count the same: their households interleave in natural order, as one
    # compound would, whichever was registered first.
    chinese = CompoundFactory(community=community, name="二期")
    digits = CompoundFactory(community=community, name="2期")
    first = CompoundFactory(community=community, name="一期")
    HouseholdFactory(community=community, compound=chinese, building="10", room="101")
    HouseholdFactory(community=community, compound=digits, building="2", room="101")
    HouseholdFactory(community=community, compound=chinese, building="1", room="102")
    HouseholdFactory(community=community, compound=first, building="9", room="101")
    monkeypatch.setattr(households_view, "PAGE_SIZE", 3)
    assert every_page(staff_client) == ["一期 9-101", "二期 1-102", "2期 2-101", "二期 10-101"]


def test_its_query_count_is_the_same_when_a_page_spans_compounds(
    staff_client, two_compounds, monkeypatch
):
    monkeypatch.setattr(households_view, "PAGE_SIZE", 3)

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(URL, {"page": page}).status_code == 200
        return len(captured)

    within, across = queries(1), queries(2)
    assert within == across
    # session, user, memberships, 3 filter menus, counts per compound, page, types, members
    assert across <= 10


def test_an_empty_list_reads_no_page(staff_client, community, django_assert_num_queries):
    # session, user, memberships, 3 filter menus, counts per compound: no page to read
    with django_assert_num_queries(7):
        response = staff_client.get(URL)
    assert response.context["page"].paginator.count == 0
    assert list(response.context["page"].object_list) == []


def test_its_pages_put_together_are_the_register_in_its_one_order(
    staff_client, community, monkeypatch
):
    chance = random.Random(21)
    compounds = [CompoundFactory(community=community, name=n) for n in ("十期", "2期", "二期")]
    group = BuildingGroupFactory(community=community)
    addresses_made = set()
    while len(addresses_made) < 40:
        address = (
            chance.choice(compounds),
            str(chance.choice([1, 2, 3, 10, 12, 100])),
            chance.choice(["", "1", "2", "10"]),
            str(chance.choice([101, 102, 302, 1201, 1202, 2])),
        )
        if address in addresses_made:
            continue
        addresses_made.add(address)
        compound, building, unit, room = address
        moved = chance.random() < 0.2
        HouseholdFactory(
            community=community,
            compound=compound,
            building=building,
            unit=unit,
            room=room,
            building_group=group if chance.random() < 0.5 else None,
            status="moved_out" if moved else "active",
            moved_out_on="2026-01-05" if moved else None,
        )
    monkeypatch.setattr(households_view, "PAGE_SIZE", 7)
    base = Household.objects.filter(community=community)
    for params, data in [
        ({}, None),
        ({"status": "all"}, {"status": "all"}),
        ({"building_group": group.pk}, {"building_group": group}),
        (
            {"compound": compounds[2].pk, "status": "all"},
            {"compound": compounds[2], "status": "all"},
        ),
    ]:
        if data is not None:
            data = {
                "q": "",
                "compound": None,
                "building_group": None,
                "type": None,
                "status": "",
            } | data
        expected = [f"{h.compound.name} {h.short_address}" for h in filter_households(base, data)]
        first = staff_client.get(URL, params)
        assert first.context["page"].paginator.count == len(expected)
        listed = []
        for number in range(1, first.context["page"].paginator.num_pages + 1):
            page = staff_client.get(URL, {**params, "page": number}).context["page"]
            listed += [f"{h.compound.name} {h.short_address}" for h in page.object_list]
        assert listed == expected, params


def test_a_filter_that_matches_nothing_has_no_pages(community):
    HouseholdFactory(community=community)
    pages = HouseholdPages(Household.objects.filter(pk__in=[]))
    assert pages.count() == 0 and pages[0:25] == []
