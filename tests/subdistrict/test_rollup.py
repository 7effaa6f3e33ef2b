"""The sub-district's roll-up (/subdistrict/): its communities side by side, from the
dashboard's figures, with totals, a chart and a workbook; nobody else's communities, no
person, and the same number of queries however many communities it has."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from residents.models import Community
from residents.reporting import quarter_of
from subdistrict.rollup import rollup
from tests.factories import UserFactory
from tests.subdistrict.conftest import subdistrict_client

pytestmark = pytest.mark.django_db
ROLLUP = "/subdistrict/"


def test_a_subdistrict_user_sees_each_of_its_communities_and_their_totals(street, jd_client):
    page = jd_client.get(ROLLUP).content.decode()
    assert "山鑫阳光城" in page and "金山新村" in page
    assert "齐河第三" not in page
    table = rollup(communities=street["mine"], period=quarter_of(timezone.localdate()))
    headings = [h.label for h in table.headings]
    taking_part = headings.index("参与家庭")
    earned = headings.index("获得积分")
    assert [line.cells[taking_part].value for line in table.lines] == [2, 3]
    assert table.total[taking_part].value == 5
    assert table.total[earned].value == sum(line.cells[earned].value for line in table.lines)
    # A share is never added up: the total's comes from the figures' totals.
    share = headings.index("参与率")
    assert table.total[share].value == 100
    assert {"活跃志愿者", "活动场次", "兑换积分", "预算已用（元）", "党员认领率"} <= set(headings)


def test_the_cached_roll_up_speaks_the_language_of_each_reader(jd_client):
    chinese = jd_client.get(ROLLUP).content.decode()
    jd_client.cookies["django_language"] = "en"
    english = jd_client.get(ROLLUP).content.decode()
    assert "参与家庭" in chinese and "Participating households" not in chinese
    assert "Participating households" in english and "参与家庭" not in english


def test_the_roll_up_draws_a_bar_per_community_in_svg_without_inline_style(jd_client):
    page = jd_client.get(ROLLUP).content.decode()
    assert page.count('class="dash-bar-quarter"') == 2
    assert "style=" not in page and "<script>" not in page


def test_a_year_is_asked_for_as_2026_and_a_bad_period_is_explained(street, jd_client):
    year = timezone.localdate().year
    page = jd_client.get(ROLLUP, {"period": str(year)}).content.decode()
    assert f"{year}年" in page
    bad = jd_client.get(ROLLUP, {"period": "２０２６Q9"})
    assert bad.status_code == 200
    assert "统计期写法应为" in bad.content.decode()


def test_the_roll_up_asks_the_same_queries_for_two_communities_as_for_twenty(street):
    quarter = quarter_of(timezone.localdate())
    with CaptureQueriesContext(connection) as two:
        rollup(communities=street["mine"], period=quarter)
    many = street["mine"] + [
        Community.objects.create(name=f"空{n}", slug=f"empty-{n}", passbook_prefix="E")
        for n in range(18)
    ]
    with CaptureQueriesContext(connection) as twenty:
        rollup(communities=many, period=quarter)
    assert len(two) == len(twenty)


def test_the_page_has_a_fixed_query_budget_and_then_reads_the_computed_roll_up(
    street, jd_client, django_assert_max_num_queries, django_assert_num_queries
):
    # Session, user, memberships, 街道 role, communities, then the figures' own queries.
    with django_assert_max_num_queries(16):
        assert jd_client.get(ROLLUP).status_code == 200
    # Within ROLLUP_SECONDS the computed table is read back: no figure is asked again.
    with django_assert_num_queries(5):
        assert jd_client.get(ROLLUP).status_code == 200


def test_a_community_joining_the_subdistrict_shows_at_once(street, jd_client):
    jd_client.get(ROLLUP)
    other = street["other"]
    other.subdistrict = street["shihua"]
    other.save(update_fields=["subdistrict"])
    assert "齐河第三" in jd_client.get(ROLLUP).content.decode()


def test_the_workbook_has_a_row_per_community_and_the_total_last(street, jd_client):
    response = jd_client.get(reverse("subdistrict:rollup_export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows() if any(c.value for c in row)]
    header = next(r for r in rows if r[0] == "居民区")
    names = [r[0] for r in rows[rows.index(header) + 1 :]]
    assert names == ["山鑫阳光城", "金山新村", "合计"]
    taking_part = header.index("参与家庭")
    assert [r[taking_part] for r in rows[-3:]] == [2, 3, 5]
    assert isinstance(rows[-1][header.index("获得积分")], int)


def test_a_download_in_an_unknown_format_is_refused_with_a_reason(jd_client):
    response = jd_client.get(reverse("subdistrict:rollup_export"), {"format": "pdf"})
    assert response.status_code == 400
    assert "文件格式只能是" in response.content.decode()


def test_a_community_opens_read_only_without_the_figures_that_name_people(street, jd_client):
    shanxin = street["mine"][0]
    page = jd_client.get(reverse("subdistrict:community", args=[shanxin.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "山鑫阳光城" in body and "储值" not in body
    assert "/households/" not in body


def test_another_subdistricts_community_is_not_found(street, jd_client):
    response = jd_client.get(reverse("subdistrict:community", args=[street["other"].pk]))
    assert response.status_code == 404


def test_community_staff_are_refused_every_subdistrict_page(street, community_admin_client):
    for url in (
        ROLLUP,
        reverse("subdistrict:rollup_export"),
        reverse("subdistrict:community", args=[street["mine"][0].pk]),
    ):
        assert community_admin_client.get(url).status_code == 403


def test_a_subdistrict_user_opens_no_household_or_member_page(street, jd_client):
    household = street["mine"][0].households.first()
    for url in (
        reverse("residents:household_list"),
        reverse("residents:household_detail", args=[household.pk]),
        reverse("residents:household_edit", args=[household.pk]),
        reverse("points:household_ledger", args=[household.pk]),
        reverse("redemption:dashboard"),
    ):
        assert jd_client.get(url).status_code in (403, 404), url


def test_a_subdistrict_user_lands_on_the_roll_up_and_a_viewer_sees_it_too(
    street, jd_client, jd_viewer_client
):
    landing = jd_client.get(reverse("residents:home"))
    assert landing.status_code == 302 and landing["Location"] == ROLLUP
    assert jd_viewer_client.get(ROLLUP).status_code == 200


def test_another_subdistricts_user_sees_only_its_own_communities(street):
    page = subdistrict_client(street["weifang"]).get(ROLLUP).content.decode()
    assert "齐河第三" in page
    assert "山鑫阳光城" not in page and "金山新村" not in page


def test_a_user_of_no_community_and_no_subdistrict_is_refused_at_home(client):
    client.force_login(UserFactory())
    assert client.get(reverse("residents:home")).status_code == 403


def test_the_budget_used_is_the_open_rounds_yuan(street):
    table = rollup(communities=street["mine"], period=quarter_of(timezone.localdate()))
    used = [h.label for h in table.headings].index("预算已用（元）")
    assert all(isinstance(line.cells[used].value, Decimal) for line in table.lines)
    assert table.total[used].value == sum(line.cells[used].value for line in table.lines)
