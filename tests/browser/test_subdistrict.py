"""The sub-district in a real browser: jd_admin signs in to the roll-up of its communities
and runs a star building-group contest end to end with a community's admin (open, enter
with a photo, rate, publish for 公示, an objection decided, final, the stars on the
community's dashboard); the community's admin
is refused the 街道 pages; a published standings list takes an objection and freezes.

Screenshots go to screenshots/subdistrict/ (ignored by git)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from residents.models import StaffMembership
from subdistrict.demo import _png as png
from subdistrict.models import Publication, StarEntry, SubDistrictRole
from tests.factories import StaffMembershipFactory, SubDistrictFactory, UserFactory
from tests.residents.test_dashboard_figures import busy_community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "subdistrict"
DESK = {"width": 1280, "height": 900}
PASSWORD = "pass-word-123"  # UserFactory's
YEAR = timezone.localdate().year


def shot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def street():
    clerk = UserFactory()
    shihua = SubDistrictFactory(name="石化街道")
    shanxin = busy_community("山鑫阳光城", 3, clerk)
    jinshan = busy_community("金山新村", 2, clerk)
    for community in (shanxin, jinshan):
        community.subdistrict = shihua
        community.save(update_fields=["subdistrict"])
    jd = UserFactory(username="jd_admin", first_name="葛文静")
    SubDistrictRole.objects.create(user=jd, subdistrict=shihua, role="admin")
    StaffMembershipFactory(
        community=shanxin,
        role=StaffMembership.Role.ADMIN,
        user=UserFactory(username="sx_admin", first_name="周红梅"),
    )
    return shanxin


def shift_contest_dates(*, days: int) -> None:
    """Move the contest's 公示 `days` back, bypassing the freeze trigger (a superuser's
    session; the application's role cannot)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "UPDATE subdistrict_starcontest SET published_on = published_on - %s,"
                " ends_on = ends_on - %s",
                [days, days],
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_load_state()


def test_jd_admin_rolls_up_and_runs_a_contest_and_a_list_freezes_after_an_objection(
    live_server, browser, street, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    jd_context = browser.new_context(viewport=DESK, locale="zh-CN")
    sx_context = browser.new_context(viewport=DESK, locale="zh-CN")
    try:
        jd = jd_context.new_page()
        jd.on("dialog", lambda dialog: dialog.accept())
        sign_in(jd, base, "jd_admin")
        jd.wait_for_url("**/subdistrict/")
        assert jd.locator("tbody th").all_inner_texts() == ["山鑫阳光城", "金山新村"]
        assert jd.locator("tfoot th").inner_text() == "合计"
        assert jd.locator("svg.rollup-chart__svg rect.dash-bar-quarter").count() == 2
        shot(jd, "01-rollup")

        # The 街道 opens this year's contest.
        jd.goto(f"{base}/subdistrict/star-groups/")
        jd.fill("#id_title", f"{YEAR}年星级楼组评选")
        jd.fill("#id_criteria", "有方案，有活动，居民参与率高。")
        jd.click("form.card button[type=submit]")
        jd.wait_for_url("**/subdistrict/star-groups/*/")
        contest_url = jd.url

        # The community's admin is refused the 街道's pages, and enters a building group.
        sx = sx_context.new_page()
        sx.on("dialog", lambda dialog: dialog.accept())
        sign_in(sx, base, "sx_admin")
        for path in ("/subdistrict/", "/subdistrict/star-groups/", contest_url[len(base) :]):
            assert sx.goto(f"{base}{path}").status == 403
        sx.goto(f"{base}/star-groups/")
        sx.click("text=申报楼组")
        sx.select_option("#id_building_group", index=1)
        sx.select_option("#id_kind", label="学习")
        sx.fill("#id_plan", "每月第二个周六楼道读书角。")
        sx.set_input_files(
            "#id_photo", {"name": "楼组.png", "mimeType": "image/png", "buffer": png((29, 107, 58))}
        )
        shot(sx, "02-entry-form")
        sx.click("form.card button[type=submit]")
        sx.wait_for_url("**/star-groups/")
        assert "评选中" in sx.inner_text("table")
        entry = StarEntry.objects.get()

        # The 街道 sees the known figures, rates three stars and publishes.
        jd.goto(contest_url)
        assert "参与率" in jd.inner_text(".contest-entry__known")
        jd.select_option(f"#id_stars_{entry.pk}", label="三星")
        jd.click("text=保存评定")
        jd.wait_for_load_state()
        # 公示 of the result for 7 days: no star yet; an objection taken and decided.
        jd.fill("#id_days", "7")
        jd.click("form[action$='/publish/'] button[type=submit]")
        jd.wait_for_selector("h1 .badge:text('公示中')")
        jd.fill("#id_raised_by", "3号楼 李阿姨")
        jd.fill("#id_content", "我们楼组的活动照片没有算进去。")
        jd.click("text=记录异议")
        jd.wait_for_selector("text=3号楼 李阿姨")
        shot(jd, "03-contest-under-publication")
        jd.locator("form[action$='/finalize/']").scroll_into_view_if_needed()
        shot(jd, "03a-contest-objection-forms", full_page=False)  # as seen, the bars sticky
        jd.click("text=打印公示单")
        jd.wait_for_selector(".notice")
        assert "★★★" in jd.inner_text(".notice") and "山鑫阳光城" in jd.inner_text(".notice")
        shot(jd, "03b-contest-notice")
        sx.goto(f"{base}/dashboard/")
        assert f"{YEAR} 年度三星楼组" not in sx.inner_html(".dash-groups")
        jd.goto(contest_url)
        jd.fill("textarea[name=decision]", "已核对活动记录，维持原评定。")
        jd.click("text=记录处理结果")
        jd.wait_for_selector("text=维持原评定")
        # The period runs out (only its dates, moved around the trigger as a test may).
        shift_contest_dates(days=8)
        jd.goto(contest_url)
        jd.click("form[action$='/finalize/'] button[type=submit]")
        jd.wait_for_selector("h1 .badge:text('已定稿')")
        shot(jd, "03c-contest-final")

        # ★ now means the contest's stars on the community's dashboard.
        sx.goto(f"{base}/dashboard/")
        assert f"{YEAR} 年度三星楼组" in sx.inner_html(".dash-groups")
        shot(sx, "04-dashboard-stars")

        # 公示: the standings published, an objection taken and decided, then final.
        sx.goto(f"{base}/publications/")
        sx.select_option("#id_period", index=0)
        sx.fill("#id_days", "3")
        sx.click("form.card button[type=submit]")
        sx.wait_for_url("**/publications/*/")
        detail = sx.url
        sx.fill("#id_raised_by", "3号楼 王先生")
        sx.fill("#id_content", "少算了2分。")
        sx.click("text=记录异议")
        sx.wait_for_selector("text=3号楼 王先生")
        sx.fill("textarea[name=decision]", "核实后已补记。")
        sx.click("text=记录处理结果")
        sx.wait_for_selector("text=核实后已补记")
        # The notice period runs out (only its dates: the list itself cannot change).
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Publication.objects.update(
            published_on=yesterday - datetime.timedelta(days=2), ends_on=yesterday
        )
        sx.goto(detail)
        sx.click("form[action$='/finalize/'] button[type=submit]")
        sx.wait_for_selector("text=已定稿")
        assert sx.locator("#id_raised_by").count() == 0
        shot(sx, "05-publication-final")
        assert Publication.objects.get().status == "final"
    finally:
        jd_context.close()
        sx_context.close()
