"""Item 6 of issue 17: compounds and building groups are listed in counting order
(一期 二期 三期 … 十期 十一期; 1 2 … 10 11 … 20) everywhere, by one key that PostgreSQL
computes (residents_counting_key, a stored generated column) and Python repeats."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from residents.models import BuildingGroup, Compound
from residents.ordering import counting_key
from tests.factories import BuildingGroupFactory, CompoundFactory

pytestmark = pytest.mark.django_db

COMPOUNDS = [
    "山鑫阳光城三期",
    "山鑫阳光城一期",
    "山鑫阳光城十一期",
    "山鑫阳光城二期",
    "山鑫阳光城十期",
]
COMPOUNDS_COUNTED = [
    "山鑫阳光城一期",
    "山鑫阳光城二期",
    "山鑫阳光城三期",
    "山鑫阳光城十期",
    "山鑫阳光城十一期",
]
GROUPS = ["10号楼组", "1号楼组", "20号楼组", "19号楼组", "2号楼组", "11号楼组"]
GROUPS_COUNTED = ["1号楼组", "2号楼组", "10号楼组", "11号楼组", "19号楼组", "20号楼组"]

NAMES = [
    "一期",
    "二期",
    "十期",
    "十一期",
    "二十期",
    "二十一期",
    "一百零五号",
    "两千",
    "三万二千",
    "二〇二六年",
    "〇〇七",
    "万科城",
    "十",
    "百合苑",
    "1号楼组",
    "01号楼组",
    "１２号楼",
    "5-302",
    "A栋",
    "",
    "第三居民区",
    "12A",
    "9999999999999号",
    "一二三",
    "七十二家房客",
]


@pytest.fixture
def register(community):
    compounds = [CompoundFactory(community=community, name=name) for name in COMPOUNDS]
    for name in GROUPS:
        BuildingGroupFactory(community=community, name=name, compound=compounds[0])
    return compounds


def test_the_python_key_and_the_database_key_agree():
    with connection.cursor() as cursor:
        cursor.execute("SELECT x, residents_counting_key(x) FROM unnest(%s::text[]) AS x", [NAMES])
        in_sql = dict(cursor.fetchall())
    assert {name: counting_key(name) for name in NAMES} == in_sql


def test_chinese_numerals_and_digits_sort_in_counting_order():
    assert sorted(COMPOUNDS, key=counting_key) == COMPOUNDS_COUNTED
    assert sorted(GROUPS, key=counting_key) == GROUPS_COUNTED
    assert counting_key("二十一期") > counting_key("二十期") > counting_key("十一期")
    assert counting_key("一百零五号") > counting_key("九十九号")


def test_compounds_and_groups_come_out_of_the_database_in_counting_order(register):
    assert [c.name for c in Compound.objects.all()] == COMPOUNDS_COUNTED
    assert [g.name for g in BuildingGroup.objects.all()] == GROUPS_COUNTED


def test_a_renamed_compound_moves_to_its_place_even_renamed_around_the_model(register):
    Compound.objects.filter(name="山鑫阳光城十一期").update(name="山鑫阳光城零期")
    assert Compound.objects.first().name == "山鑫阳光城零期"


def _options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_name
    return [
        text.strip()
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
        if value
    ]


def test_the_register_filters_list_compounds_and_groups_in_counting_order(staff_client, register):
    html = staff_client.get(reverse("residents:household_list")).content.decode()
    assert _options(html, "compound") == COMPOUNDS_COUNTED
    assert _options(html, "building_group") == GROUPS_COUNTED


def test_the_registration_form_lists_compounds_and_groups_in_counting_order(staff_client, register):
    html = staff_client.get(reverse("residents:household_create")).content.decode()
    assert _options(html, "compound") == COMPOUNDS_COUNTED
    assert _options(html, "building_group") == GROUPS_COUNTED


def test_the_settings_page_lists_compounds_and_groups_in_counting_order(
    admin_client_of_community, register
):
    html = admin_client_of_community.get(reverse("residents:settings")).content.decode()
    compounds = [m for m in re.findall(r"山鑫阳光城[一二三十]+期", html)]
    first_seen = list(dict.fromkeys(compounds))
    assert first_seen == COMPOUNDS_COUNTED
    groups = list(dict.fromkeys(re.findall(r"\d+号楼组", html)))
    assert groups == GROUPS_COUNTED


def test_the_activity_page_offers_building_groups_in_counting_order(staff_client, register):
    html = staff_client.get(reverse("volunteering:activity_log")).content.decode()
    # Each option reads "8号楼组 · 二期 · 15、16号楼 · 5 人，成人 3": the name first.
    offered = list(dict.fromkeys(re.findall(r">(\d+号楼组)[ <]", html)))
    assert offered == GROUPS_COUNTED
