"""Point rules settings (积分规则): admins add, edit, end and supersede rules; a rule that
has priced points is never changed, only ended."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import rules_admin, services
from points.models import Account, LedgerEntry, PointRule
from tests.factories import ProjectCategoryFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db
D = datetime.date
RULES = reverse("points:rule_list")
CREATE = reverse("points:rule_create")


def url(name, rule):
    return reverse(f"points:{name}", args=[rule.pk])


def form_data(**overrides):
    data = {
        "scope": "default",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "points_per_session": "1",
        "points_per_hour": "0",
        "rounding": "down",
        "organiser_bonus": "0",
        "daily_cap": "",
        "monthly_cap": "",
        "note": "",
    }
    data.update(overrides)
    return data


def new_data(**overrides):
    """The supersede form (改用新标准) has the prefix "new" and no scope."""
    data = form_data(**overrides)
    del data["scope"]
    return {f"new-{key}": value for key, value in data.items()}


def use(rule, day):
    """Post points with `rule` for an activity on `day` (the rule's scope must apply)."""
    project = rule.project or ProjectFactory(
        community=rule.community, **({"category": rule.category} if rule.category else {})
    )
    attendance = AttendanceFactory(activity=ActivityFactory(project=project, date=day))
    services.approve(community=rule.community, attendance_ids=[attendance.pk], by=UserFactory())
    return attendance


def test_admin_sees_rules_grouped_by_scope_and_which_is_in_force_today(
    admin_client_of_community, community, other_community
):
    today = timezone.localdate()
    category = ProjectCategoryFactory(community=community, name="平安守护")
    project = ProjectFactory(community=community, name="义务安保巡逻", category=category)
    PointRuleFactory(community=community, starts_on=today - datetime.timedelta(days=30))
    PointRuleFactory(
        community=community, category=category, starts_on=D(2020, 1, 1), ends_on=D(2020, 12, 31)
    )
    PointRuleFactory(
        community=community,
        project=project,
        starts_on=today,
        points_per_session=0,
        points_per_hour=Decimal("1.5"),
        rounding="nearest",
        organiser_bonus=2,
        daily_cap=4,
        monthly_cap=30,
        note="按街道积分办法",
    )
    PointRuleFactory(community=other_community, note="别的居民区的规则")

    response = admin_client_of_community.get(RULES)

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.title for g in groups] == ["全居民区默认", "类别：平安守护", "项目：义务安保巡逻"]
    assert [[rule.state for rule in g.rules] for g in groups] == [
        ["current"],
        ["ended"],
        ["current"],
    ]
    body = response.content.decode()
    assert "别的居民区的规则" not in body
    assert "按街道积分办法" in body and "1.5 分" in body and "四舍五入" in body
    assert "每日 4 分" in body and "每月 30 分" in body and "+2 分" in body
    assert "2020年1月1日" in body and "2020年12月31日" in body
    assert "项目规则优先于类别规则" in body


def test_the_page_warns_when_no_community_default_is_in_force(admin_client_of_community):
    body = admin_client_of_community.get(RULES).content.decode()
    assert "今天没有有效的全居民区默认规则" in body


def test_admin_adds_a_community_default_and_a_project_rule(admin_client_of_community, community):
    project = ProjectFactory(community=community, name="老伙伴结对")
    client = admin_client_of_community

    response = client.post(CREATE, form_data(note=" 1 次 = 1 分 "))
    assert response.status_code == 302
    default = PointRule.objects.get(project=None, category=None)
    assert (default.community, default.starts_on, default.ends_on) == (
        community,
        D(2026, 1, 1),
        None,
    )
    assert default.points_per_session == 1 and default.note == "1 次 = 1 分"
    assert default.created_by == client.user

    response = client.post(
        CREATE,
        form_data(
            scope=f"project:{project.pk}",
            starts_on="2026-10-01",
            ends_on="2026-12-31",
            points_per_session="0",
            points_per_hour="1.5",
            rounding="up",
            organiser_bonus="2",
            daily_cap="3",
            monthly_cap="20",
        ),
    )
    assert response.status_code == 302
    rule = PointRule.objects.get(project=project)
    assert (rule.starts_on, rule.ends_on) == (D(2026, 10, 1), D(2026, 12, 31))
    assert (rule.points_per_session, rule.points_per_hour, rule.rounding) == (
        0,
        Decimal("1.5"),
        "up",
    )
    assert (rule.organiser_bonus, rule.daily_cap, rule.monthly_cap) == (2, 3, 20)
    assert rule.category is None and rule.community == community


def test_a_rule_overlapping_one_of_the_same_scope_is_refused_naming_its_period(
    admin_client_of_community, community
):
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 30))

    response = admin_client_of_community.post(CREATE, form_data(starts_on="2026-06-30"))

    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert "全居民区默认已有一条2026年1月1日至2026年6月30日的规则" in errors[0]
    assert PointRule.objects.count() == 1


def test_rules_of_different_scopes_may_cover_the_same_days(admin_client_of_community, community):
    category = ProjectCategoryFactory(community=community)
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    response = admin_client_of_community.post(
        CREATE, form_data(scope=f"category:{category.pk}", starts_on="2026-03-01")
    )
    assert response.status_code == 302
    assert PointRule.objects.count() == 2


def test_an_overlap_only_the_database_catches_is_refused_with_the_same_message(
    admin_client_of_community, community, monkeypatch
):
    """Two admins saving at once: both checks pass, the exclusion constraint refuses the
    second insert, and the admin sees which rule is in the way."""
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    real = rules_admin._overlapping
    calls = []

    def blind_first_time(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(rules_admin, "_overlapping", blind_first_time)

    response = admin_client_of_community.post(CREATE, form_data(starts_on="2026-05-01"))

    assert response.status_code == 400
    assert "已有一条2026年1月1日起的规则" in response.context["form"].non_field_errors()[0]
    assert PointRule.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"points_per_session": "0", "points_per_hour": "0"}, "points_per_session", "至少要有一项"),
        ({"ends_on": "2025-12-31"}, "ends_on", "截止日期不能早于生效日期"),
        ({"daily_cap": "5", "monthly_cap": "4"}, "monthly_cap", "每月上限不能小于每日上限"),
        ({"daily_cap": "0"}, "daily_cap", "上限至少为 1 分"),
        ({"starts_on": ""}, "starts_on", "请填写生效日期"),
        ({"scope": "project:999999"}, "scope", "不属于本居民区"),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(
    admin_client_of_community, overrides, field, message
):
    response = admin_client_of_community.post(CREATE, form_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not PointRule.objects.exists()


def test_a_project_of_another_community_cannot_be_chosen(
    admin_client_of_community, other_community
):
    theirs = ProjectFactory(community=other_community)
    response = admin_client_of_community.post(CREATE, form_data(scope=f"project:{theirs.pk}"))
    assert response.status_code == 400
    assert not PointRule.objects.exists()


def test_rule_pages_are_for_admins_only(staff_client, counter_client, community):
    rule = PointRuleFactory(community=community)
    for client in (staff_client, counter_client):
        assert client.get(RULES).status_code == 403
        assert client.get(url("rule_edit", rule)).status_code == 403
        assert client.post(CREATE, form_data(starts_on="2030-01-01")).status_code == 403
        assert client.post(url("rule_end", rule), {"ends_on": "2026-01-31"}).status_code == 403
        assert client.post(url("rule_delete", rule)).status_code == 403
    rule.refresh_from_db()
    assert rule.ends_on is None
    assert PointRule.objects.count() == 1


def test_another_communitys_rule_is_not_found_on_every_rule_url(
    admin_client_of_community, other_community
):
    theirs = PointRuleFactory(community=other_community)
    client = admin_client_of_community
    assert client.get(url("rule_edit", theirs)).status_code == 404
    assert client.post(url("rule_edit", theirs), form_data(note="改")).status_code == 404
    assert client.post(url("rule_end", theirs), {"ends_on": "2026-01-31"}).status_code == 404
    supersede = client.post(url("rule_supersede", theirs), new_data(starts_on="2026-03-01"))
    assert supersede.status_code == 404
    assert client.post(url("rule_delete", theirs)).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.ends_on, theirs.note) == (None, "")
    assert PointRule.objects.count() == 1


def test_post_only_rule_urls_refuse_get_and_the_list_refuses_post(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community)
    client = admin_client_of_community
    assert client.get(CREATE).status_code == 405
    for name in ("rule_end", "rule_supersede", "rule_delete"):
        assert client.get(url(name, rule)).status_code == 405
    assert client.post(RULES, form_data()).status_code == 405
    assert PointRule.objects.count() == 1


def test_an_unused_rule_can_be_edited_freely(admin_client_of_community, community):
    category = ProjectCategoryFactory(community=community)
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    page = admin_client_of_community.get(url("rule_edit", rule))
    assert page.status_code == 200 and page.context["edit_form"] is not None

    response = admin_client_of_community.post(
        url("rule_edit", rule),
        form_data(scope=f"category:{category.pk}", starts_on="2026-02-01", points_per_session="2"),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.category, rule.starts_on, rule.points_per_session) == (category, D(2026, 2, 1), 2)


def test_an_edit_that_would_overlap_another_rule_is_refused(admin_client_of_community, community):
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 31))
    later = PointRuleFactory(community=community, starts_on=D(2026, 4, 1))
    response = admin_client_of_community.post(
        url("rule_edit", later), form_data(starts_on="2026-03-15")
    )
    assert response.status_code == 400
    assert "2026年1月1日至2026年3月31日" in response.context["edit_form"].non_field_errors()[0]
    later.refresh_from_db()
    assert later.starts_on == D(2026, 4, 1)


def test_an_unused_rule_can_be_deleted(admin_client_of_community, community):
    rule = PointRuleFactory(community=community)
    response = admin_client_of_community.post(url("rule_delete", rule))
    assert response.status_code == 302
    assert not PointRule.objects.exists()


def test_a_used_rule_cannot_be_edited_or_deleted_and_its_points_stay(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    attendance = use(rule, D(2026, 3, 5))
    household = attendance.member.household
    client = admin_client_of_community

    page = client.get(url("rule_edit", rule))
    assert page.status_code == 200 and page.context["edit_form"] is None
    assert "结束此规则" in page.content.decode()

    response = client.post(url("rule_edit", rule), form_data(points_per_session="5"))
    assert response.status_code == 409
    assert client.post(url("rule_delete", rule)).status_code == 409

    rule.refresh_from_db()
    assert rule.points_per_session == 1
    assert LedgerEntry.objects.get().amount == 1
    assert Account.objects.get(household=household).balance == 1


def test_a_used_rule_can_be_ended_but_not_before_its_last_priced_day(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    use(rule, D(2026, 3, 5))
    client = admin_client_of_community

    early = client.post(url("rule_end", rule), {"ends_on": "2026-03-04"})
    assert early.status_code == 400
    assert "2026年3月5日" in early.context["end_form"].errors["ends_on"][0]
    rule.refresh_from_db()
    assert rule.ends_on is None

    response = client.post(url("rule_end", rule), {"ends_on": "2026-03-05"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.ends_on == D(2026, 3, 5)
    assert LedgerEntry.objects.get().amount == 1


def test_new_amounts_from_a_date_end_the_used_rule_the_day_before(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    use(rule, D(2026, 3, 5))

    response = admin_client_of_community.post(
        url("rule_supersede", rule),
        new_data(starts_on="2026-04-01", points_per_session="2", note="新标准"),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.ends_on, rule.points_per_session) == (D(2026, 3, 31), 1)
    new = PointRule.objects.exclude(pk=rule.pk).get()
    assert (new.starts_on, new.ends_on, new.points_per_session, new.note) == (
        D(2026, 4, 1),
        None,
        2,
        "新标准",
    )
    assert new.project is None and new.category is None
    assert LedgerEntry.objects.get().amount == 1


def test_new_amounts_cannot_start_on_a_day_the_old_rule_already_priced(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    use(rule, D(2026, 3, 5))

    response = admin_client_of_community.post(
        url("rule_supersede", rule), new_data(starts_on="2026-03-05", points_per_session="2")
    )

    assert response.status_code == 400
    assert "最早从 2026年3月6日 起" in response.context["new_form"].errors["starts_on"][0]
    rule.refresh_from_db()
    assert rule.ends_on is None
    assert PointRule.objects.count() == 1


def test_the_rule_list_takes_the_same_number_of_queries_however_many_rules(
    admin_client_of_community, community
):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client_of_community.get(RULES).status_code == 200
        return len(queries)

    PointRuleFactory(community=community, starts_on=D(2026, 1, 1))
    few = count_queries()
    for n in range(4):
        category = ProjectCategoryFactory(community=community)
        PointRuleFactory(community=community, category=category)
        rule = PointRuleFactory(
            community=community, project=ProjectFactory(community=community, category=category)
        )
        use(rule, D(2026, 2, n + 1))
    assert count_queries() == few


def test_new_amounts_that_would_overlap_a_later_rule_leave_the_old_rule_as_it_was(
    admin_client_of_community, community
):
    rule = PointRuleFactory(community=community, starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 30))
    PointRuleFactory(community=community, starts_on=D(2026, 7, 1))
    use(rule, D(2026, 3, 5))

    response = admin_client_of_community.post(
        url("rule_supersede", rule), new_data(starts_on="2026-05-01", points_per_session="2")
    )

    assert response.status_code == 400
    assert "2026年7月1日起" in response.context["new_form"].non_field_errors()[0]
    rule.refresh_from_db()
    assert rule.ends_on == D(2026, 6, 30)  # the end moved in the same transaction, rolled back
    assert PointRule.objects.count() == 2
