"""The hostile inputs of issue 15 that gave a 500, one by one: each is now a default or a
400 with a message in Chinese, and a refused write changes nothing. (The whole class — every
field of every page for every role — is tests/security/test_fuzz.py.)"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from points import services as points_services
from points.models import LedgerEntry, PointRule
from residents import parsing
from residents.models import Household, StaffMembership
from tests.factories import HouseholdFactory, ProjectClaimFactory, StaffMembershipFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import RoundFactory
from tests.security.walk import actor_client, build_world, changed, snapshot, walk
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Activity, Attendance

pytestmark = pytest.mark.django_db
ROLE = StaffMembership.Role
TODAY = timezone.localdate


@pytest.fixture
def world(community, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world(community, tag="甲区测试", prefix="SX")


def client_for(world, role):
    client = actor_client()
    client.force_login(StaffMembershipFactory(community=world.community, role=role).user)
    return client


@pytest.fixture
def staff(world):
    return client_for(world, ROLE.STAFF)


@pytest.fixture
def admin(world):
    return client_for(world, ROLE.ADMIN)


@pytest.fixture
def resident(world):
    client = actor_client()
    assert client.get(reverse("points:passbook_open", args=[world.token])).status_code == 302
    return client


def text_of(response) -> str:
    return response.content.decode()


# Digits that str.isdigit() accepts ----------------------------------------------------------


@pytest.mark.parametrize("before", ["²", "①", "٣", "-1", "9" * 30, "NaN", "\x00"])
def test_the_passbook_pages_read_before_as_an_id_or_ignore_it(world, staff, resident, before):
    ledger = reverse("points:household_ledger", args=[world.household.pk])
    assert staff.get(ledger, {"before": before}).status_code == 200
    assert resident.get(reverse("points:passbook"), {"before": before}).status_code == 200


@pytest.mark.parametrize("quarter", ["9999Q4", "0001Q1", "10000Q1", "0Q1", "٢٠٢٦Q1", "2099Q1"])
def test_the_residents_passbook_shows_this_quarter_for_a_quarter_without_data(
    world, resident, quarter
):
    response = resident.get(reverse("points:passbook"), {"quarter": quarter})
    assert response.status_code == 200
    assert response.context["period"].year == TODAY().year


@pytest.mark.parametrize("group", ["team:²", "bg:①", "team:٣", "bg:" + "9" * 40, "team:\x00"])
def test_a_malformed_group_adds_nobody_and_prints_the_recorded_participants(world, staff, group):
    rows = staff.get(reverse("volunteering:people_in_group"), {"group": group})
    assert rows.status_code == 200
    assert "甲区测试" not in text_of(rows)
    sheet = staff.get(
        reverse("volunteering:sign_in_sheet", args=[world.activity.pk]), {"group": group}
    )
    assert sheet.status_code == 200


def test_a_team_is_still_added_by_its_id(world, staff):
    rows = staff.get(reverse("volunteering:people_in_group"), {"group": f"team:{world.team.pk}"})
    assert world.head.name in text_of(rows)


def test_an_id_in_other_digits_is_refused_on_the_logging_page_and_nothing_is_saved(world, staff):
    url = reverse("volunteering:activity_log")
    before = set(Activity.objects.values_list("pk", flat=True))
    for data in (
        {"p": "٣"},
        {"p": "²"},
        {"action": "add", "add": "٣"},
        {"action": "add", "add": "①"},
        {"action": "add", "add": "\x00"},
    ):
        response = staff.post(url, data)
        assert response.status_code == 400, data
        assert "所选记录有误，请刷新页面后重试。" in text_of(response)
    assert set(Activity.objects.values_list("pk", flat=True)) == before


def test_an_id_in_other_digits_is_refused_for_late_participants(world, staff):
    url = reverse("volunteering:activity_participants", args=[world.activity.pk])
    before = Attendance.objects.count()
    for value in ("٣", "²", "𝟑"):
        response = staff.post(url, {"action": "save", "p": value})
        assert response.status_code == 400
    assert Attendance.objects.count() == before


# Hours that Decimal() reads as not-a-number ---------------------------------------------------


def log_data(world, **extra) -> dict:
    member = world.member.pk
    return {
        "action": "save",
        "submission_key": str(uuid.uuid4()),
        "project": world.project.pk,
        "date": TODAY().isoformat(),
        "hours": "2",
        "p": [member],
        f"present-{member}": "1",
        f"role-{member}": "participant",
        **extra,
    }


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "-sNaN", "Infinity", "-inf", "1e400", "٢"])
def test_hours_that_are_not_a_number_are_refused_on_the_row(world, staff, hours):
    activities = Activity.objects.count()
    attendances = Attendance.objects.count()
    member = world.member.pk
    response = staff.post(
        reverse("volunteering:activity_log"), log_data(world, **{f"hours-{member}": hours})
    )
    assert response.status_code == 400
    assert "时长请填数字，如 1.5。" in text_of(response)
    late = staff.post(
        reverse("volunteering:activity_participants", args=[world.activity.pk]),
        {"action": "save", "p": [world.head.pk], f"present-{world.head.pk}": "1"}
        | {f"hours-{world.head.pk}": hours},
    )
    assert late.status_code == 400
    assert Activity.objects.count() == activities and Attendance.objects.count() == attendances


# NUL and other control characters --------------------------------------------------------------


@pytest.mark.parametrize("q", ["张\x00", "\x00", "张\u202e", "张" * 51])
def test_a_search_with_a_control_character_or_too_long_is_refused_with_a_message(world, staff, q):
    people = staff.get(reverse("volunteering:people_search"), {"q": q})
    assert people.status_code == 400
    assert 'class="error"' in text_of(people)
    for page in (
        reverse("volunteering:project_detail", args=[world.project.pk]),
        reverse("volunteering:team_detail", args=[world.team.pk]),
    ):
        response = staff.get(page, {"q": q})
        assert response.status_code == 400, page
        assert "查找：" in text_of(response)
    logging = staff.post(reverse("volunteering:activity_log"), {"action": "search", "q": q})
    assert logging.status_code == 400
    pages = [reverse("residents:household_list")]
    if len(q) <= 50:  # the counter's box takes up to 300 (a scanned link)
        pages.append(reverse("redemption:counter"))
    for page in pages:
        response = staff.get(page, {"q": q})  # nothing found, and the form says why
        assert response.status_code == 200
        assert 'class="error"' in text_of(response)


def test_a_note_with_a_nul_is_refused_and_nothing_is_saved(world, staff):
    activities = Activity.objects.count()
    member = world.member.pk
    for extra in ({"notes": "好\x00"}, {f"note-{member}": "好\x00"}, {"title": "\u202e活动"}):
        response = staff.post(reverse("volunteering:activity_log"), log_data(world, **extra))
        assert response.status_code == 400, extra
        assert "不能含有控制字符" in text_of(response)
    assert Activity.objects.count() == activities


def test_a_participants_note_too_long_is_refused_with_a_message_not_cut(world, staff):
    activities = Activity.objects.count()
    member = world.member.pk
    url = reverse("volunteering:activity_log")
    response = staff.post(url, log_data(world, **{f"note-{member}": "长" * 101}))
    assert response.status_code == 400
    assert "最多 100 个字（现在有 101 个）。" in text_of(response)
    assert Activity.objects.count() == activities
    assert staff.post(url, log_data(world, **{f"note-{member}": "长" * 100})).status_code == 302
    assert Attendance.objects.get(member=world.member, activity__date=TODAY()).note == "长" * 100


def test_multi_line_notes_keep_their_line_breaks(world, staff):
    response = staff.post(
        reverse("volunteering:activity_log"), log_data(world, notes="第一行\r\n第二行\t完")
    )
    assert response.status_code == 302
    assert Activity.objects.get(date=TODAY()).notes == "第一行\r\n第二行\t完"


# Dates outside the years that make sense ------------------------------------------------------


def round_data(opens_on: str, closes_on: str) -> dict:
    return {
        "name": "走查兑换期",
        "code": "ZC9",
        "opens_on": opens_on,
        "closes_on": closes_on,
        "budget_yuan": "100",
        "balance_policy": "carry",
    }


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [("9999-10-01", "9999-12-31"), ("0001-01-01", "0001-03-31"), ("2000-01-01", "2000-03-31")],
)
def test_a_round_far_from_today_is_refused_with_the_window(world, admin, opens_on, closes_on):
    before = snapshot(world.community)
    response = admin.post(reverse("redemption:round_create"), round_data(opens_on, closes_on))
    assert response.status_code == 400
    earliest, latest = parsing.PLANNING_DAYS.bounds()
    assert latest - earliest > datetime.timedelta(days=365 * 7 - 2)  # five years back, two ahead
    window = (
        f"开始日期应在 {earliest.year}年{earliest.month}月{earliest.day}日 至 "
        f"{latest.year}年{latest.month}月{latest.day}日 之间。"
    )
    assert window in text_of(response)
    assert not changed(before, snapshot(world.community))


def test_the_new_round_page_copes_with_rounds_already_saved_at_the_ends_of_time(world, admin):
    RoundFactory(
        community=world.community,
        code="ODD1",
        opens_on=datetime.date(9999, 10, 1),
        closes_on=datetime.date(9999, 12, 31),
    )
    RoundFactory(
        community=world.community,
        code="ODD2",
        opens_on=datetime.date(1, 1, 1),
        closes_on=datetime.date(1, 1, 1),
    )
    response = admin.get(reverse("redemption:round_create"))
    assert response.status_code == 200
    suggested = response.context["form"].initial
    assert TODAY() <= suggested["closes_on"] < datetime.date(9999, 1, 1)
    assert admin.get(reverse("redemption:round_list")).status_code == 200


def test_an_activity_in_year_one_or_the_future_is_refused(world, staff):
    activities = Activity.objects.count()
    for day in ("0001-01-01", "1999-12-31", "9999-12-31"):
        response = staff.post(reverse("volunteering:activity_log"), log_data(world, date=day))
        assert response.status_code == 400, day
    assert Activity.objects.count() == activities


def test_an_adjustment_or_a_move_out_in_year_one_is_refused(world, admin):
    household = world.household
    entries = LedgerEntry.objects.count()
    for day in ("0001-01-01", "9999-12-31"):
        response = admin.post(
            reverse("points:ledger_adjust", args=[household.pk]),
            {"amount": "5", "reason": "更正", "on": day},
        )
        assert response.status_code == 400
    assert LedgerEntry.objects.count() == entries
    response = admin.post(
        reverse("residents:household_move_out", args=[household.pk]),
        {"moved_out_on": "0001-01-01"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == Household.Status.ACTIVE


def test_a_point_rule_in_year_one_is_refused(world, admin):
    rules = PointRule.objects.count()
    response = admin.post(
        reverse("points:rule_create"),
        {"scope": "default", "starts_on": "0001-01-01", "points_per_session": "1"}
        | {"points_per_hour": "0", "rounding": "down", "organiser_bonus": "0"},
    )
    assert response.status_code == 400
    assert "生效日期应在" in text_of(response)
    assert PointRule.objects.count() == rules


# Rows already saved at the ends of the calendar ------------------------------------------------

YEAR_ONE, LAST_DAY = datetime.date(1, 1, 1), datetime.date(9999, 12, 31)
ROUND_PAGES = ("redemption:round_detail", "redemption:round_edit", "redemption:round_settlement")


def test_every_page_copes_with_rows_dated_at_the_ends_of_the_calendar(world, admin, resident):
    """Rows saved before the date windows existed, or by the operator in /admin/: every page
    still opens, for the admin and for the resident."""
    community, by = world.community, world.admin
    odd_rounds = [
        RoundFactory(community=community, code="ODD1", opens_on=datetime.date(9999, 10, 1),
                     closes_on=LAST_DAY, created_by=by),
        RoundFactory(community=community, code="ODD2", opens_on=YEAR_ONE, closes_on=YEAR_ONE,
                     created_by=by),
    ]  # fmt: skip
    old = ActivityFactory(project=world.project, date=YEAR_ONE, created_by=by)
    AttendanceFactory(activity=old, member=world.member)
    future = ActivityFactory(project=world.project, date=LAST_DAY, created_by=by)
    AttendanceFactory(activity=future, member=world.head)
    points_services.adjust(household=world.household, amount=5, reason="旧账", on=YEAR_ONE, by=by)
    points_services.adjust(household=world.household, amount=5, reason="远账", on=LAST_DAY, by=by)
    odd_rules = [
        PointRuleFactory(community=community, project=world.project, starts_on=YEAR_ONE,
                         ends_on=datetime.date(1, 12, 31), created_by=by),
        PointRuleFactory(community=community, category=world.category, starts_on=LAST_DAY,
                         created_by=by),
    ]  # fmt: skip
    moved = HouseholdFactory(community=community, compound=world.compound,
                             status=Household.Status.MOVED_OUT, moved_out_on=YEAR_ONE)  # fmt: skip
    ProjectClaimFactory(project=world.project, member=world.member, claimed_on=YEAR_ONE,
                        created_by=by)  # fmt: skip
    urls, unfillable = walk(world)
    assert not unfillable
    pages = [
        url for pattern, url, _kwargs in urls if not pattern.methods or "GET" in pattern.methods
    ]
    pages += [reverse("points:rule_edit", args=[rule.pk]) for rule in odd_rules]
    pages += [reverse(name, args=[r.pk]) for r in odd_rounds for name in ROUND_PAGES]
    pages += [reverse("volunteering:activity_detail", args=[a.pk]) for a in (old, future)]
    pages += [reverse("residents:household_detail", args=[moved.pk])]
    errors = []
    for url in pages:
        for client in (admin, resident):
            status = client.get(url).status_code
            if status >= 500:
                errors.append(f"GET {url}: {status}")
    for quarter in ("0001Q1", "9999Q4", ""):
        assert resident.get(reverse("points:passbook"), {"quarter": quarter}).status_code == 200
    for period in ("2026Q1", "2027"):
        assert admin.get(reverse("points:standings"), {"period": period}).status_code == 200
    assert not errors, "\n".join(errors)
