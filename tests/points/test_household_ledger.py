"""The household's passbook for staff: balance, entries, undoing approvals, adjustments."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import services
from points.models import Account, LedgerEntry
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture
def household(community):
    return HouseholdFactory(community=community)


@pytest.fixture
def member(household):
    return MemberFactory(household=household, name="郑兴友")


@pytest.fixture
def clerk():
    return UserFactory(username="clerk", first_name="王")


@pytest.fixture(autouse=True)
def rule(community):
    return PointRuleFactory(community=community, starts_on=datetime.date(2025, 1, 1))


def ledger_url(household, **query) -> str:
    url = reverse("points:household_ledger", args=[household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def undo_url(entry) -> str:
    return reverse("points:ledger_undo", args=[entry.account.household_id, entry.pk])


def adjust_url(household) -> str:
    return reverse("points:ledger_adjust", args=[household.pk])


def earn(member, day, by, title="楼道清洁") -> LedgerEntry:
    """An approved record of `member` on `day`: one earn entry of 1 point."""
    attendance = AttendanceFactory(
        activity=ActivityFactory(project__community=member.community, date=day, title=title),
        member=member,
    )
    services.approve(community=member.community, attendance_ids=[attendance.pk], by=by)
    return LedgerEntry.objects.get(attendance=attendance)


def balance(household) -> int:
    return Account.objects.get(household=household).balance


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The passbook page


def test_a_passbook_with_nothing_posted_shows_a_zero_balance(staff_client, household):
    response = staff_client.get(ledger_url(household))
    assert response.status_code == 200
    assert response.context["balance"] == 0 and response.context["entries"] == []
    assert "还没有积分记录" in response.content.decode()


def test_it_shows_the_balance_this_quarters_and_this_years_points_and_entries_newest_first(
    staff_client, household, member, clerk, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    earn(member, datetime.date(2025, 12, 1), clerk, title="去年的巡逻")
    earn(member, datetime.date(2026, 5, 10), clerk, title="五月的清洁")
    undone = earn(member, datetime.date(2026, 10, 8), clerk, title="登记错的活动")
    earn(member, datetime.date(2026, 11, 3), clerk, title="十一月的助老")
    services.undo_approval(attendance=undone.attendance, reason="登记错了人", by=clerk)
    services.adjust(household=household, amount=5, reason="纸质存折转入", by=clerk)
    response = staff_client.get(ledger_url(household))
    context = response.context
    assert context["balance"] == 8
    assert context["earned"] == {"quarter": 1, "year": 2}  # the reversal takes back its point
    kinds = [(e.kind, e.amount, e.balance_after) for e in context["entries"]]
    assert kinds == [
        ("adjust", 5, 8),
        ("reverse", -1, 3),
        ("earn", 1, 4),
        ("earn", 1, 3),
        ("earn", 1, 2),
        ("earn", 1, 1),
    ]
    body = response.content.decode()
    for text in ("十一月的助老", "纸质存折转入", "撤销审核：登记错了人", "郑兴友", "2026年11月3日"):
        assert text in body
    assert body.count("已冲正") == 1


def test_an_htmx_request_gets_only_the_panel_with_the_latest_ten(
    staff_client, household, member, clerk
):
    for _ in range(10):
        services.adjust(household=household, amount=1, reason="转入", by=clerk)
    earn(member, datetime.date(2026, 11, 3), clerk)
    response = staff_client.get(ledger_url(household), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "积分存折" in body and "全部积分明细" in body
    assert "HX-Request" in response["Vary"]
    assert len(response.context["entries"]) == 10
    assert f"?before={response.context['entries'][-1].pk}" in body  # opens the full page
    # The forms in the panel come back to the household page.
    assert f'value="{household.get_absolute_url()}#household-points"' in body


def test_the_household_page_loads_the_passbook_panel_with_a_link_without_javascript(
    staff_client, household
):
    body = staff_client.get(household.get_absolute_url()).content.decode()
    url = ledger_url(household)
    assert f'hx-get="{url}"' in body and f'href="{url}"' in body
    assert body.index("household-points") < body.index("household-activities")


def test_older_entries_are_paged_by_the_last_id_shown(staff_client, household, clerk):
    entries = [
        services.adjust(household=household, amount=1, reason=f"第{n}笔", by=clerk)
        for n in range(25)
    ]
    first = staff_client.get(ledger_url(household))
    shown = first.context["entries"]
    assert [e.pk for e in shown] == [e.pk for e in reversed(entries)][:20]
    assert first.context["older_than"] == shown[-1].pk
    assert f"?before={shown[-1].pk}" in first.content.decode()
    assert "更早的记录" in first.content.decode()

    with CaptureQueriesContext(connection) as captured:
        second = staff_client.get(ledger_url(household, before=shown[-1].pk))
    assert [e.pk for e in second.context["entries"]] == [e.pk for e in reversed(entries[:5])]
    assert second.context["older_than"] is None
    assert not any("OFFSET" in q["sql"].upper() for q in captured)


def test_its_query_count_is_the_same_with_10_and_500_entries(staff_client, household, clerk):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(ledger_url(household))
        assert response.status_code == 200
        return len(captured)

    for _ in range(10):
        services.adjust(household=household, amount=1, reason="转入", by=clerk)
    ten = queries()
    for _ in range(490):
        services.adjust(household=household, amount=1, reason="转入", by=clerk)
    assert queries() == ten
    assert balance(household) == 500
    # session, user, memberships, household, account, earned totals, entries
    assert ten <= 7


def test_it_is_not_found_for_another_communitys_staff(other_staff_client, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    assert other_staff_client.get(ledger_url(household)).status_code == 404
    assert other_staff_client.post(undo_url(entry), {"reason": "试试"}).status_code == 404
    response = other_staff_client.post(adjust_url(household), {"amount": 5, "reason": "试试"})
    assert response.status_code == 404
    assert LedgerEntry.objects.count() == 1 and balance(household) == 1


def test_it_is_not_found_for_another_communitys_admin(client, other_community, household):
    admin = StaffMembershipFactory(community=other_community, role="admin").user
    client.force_login(admin)
    data = {"amount": 5, "reason": "试试", "on": "2026-11-01"}
    assert client.get(ledger_url(household)).status_code == 404
    assert client.post(adjust_url(household), data).status_code == 404
    assert not LedgerEntry.objects.exists()


def test_it_is_forbidden_to_the_counter_role(counter_client, household):
    assert counter_client.get(ledger_url(household)).status_code == 403


def test_the_write_views_reject_get(admin_client_of_community, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    assert admin_client_of_community.get(undo_url(entry)).status_code == 405
    assert admin_client_of_community.get(adjust_url(household)).status_code == 405
    assert admin_client_of_community.post(ledger_url(household)).status_code == 405


# Undoing an approval


def test_staff_can_undo_an_approval_with_a_reason(staff_client, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    response = staff_client.post(
        undo_url(entry), {"reason": "登记错了人", "next": household.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert texts(response) == ["已撤销“楼道清洁”的审核，冲正 1 分。"]
    reversal = LedgerEntry.objects.get(kind="reverse")
    assert (reversal.reverses, reversal.amount, reversal.balance_after) == (entry, -1, 0)
    assert reversal.created_by == staff_client.user and "登记错了人" in reversal.reason
    assert balance(household) == 0
    entry.attendance.refresh_from_db()
    assert entry.attendance.status == "rejected"

    body = staff_client.get(ledger_url(household)).content.decode()
    assert "已冲正" in body and undo_url(entry) not in body


def test_undoing_needs_a_reason(staff_client, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    response = staff_client.post(undo_url(entry), {"reason": " "})
    assert response.status_code == 400
    assert "请写明撤销的原因。" in response.content.decode()
    assert LedgerEntry.objects.count() == 1 and balance(household) == 1


def test_undoing_is_refused_when_the_points_are_already_spent(
    staff_client, household, member, clerk
):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    services.adjust(household=household, amount=-1, reason="兑换洗手液（纸质登记）", by=clerk)
    response = staff_client.post(undo_url(entry), {"reason": "登记错了人"})
    assert response.status_code == 400
    assert "不够扣减" in response.content.decode()
    assert LedgerEntry.objects.count() == 2 and balance(household) == 0
    entry.attendance.refresh_from_db()
    assert entry.attendance.status == "approved"


def test_an_entry_is_undone_once(staff_client, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    staff_client.post(undo_url(entry), {"reason": "登记错了人"})
    again = staff_client.post(undo_url(entry), {"reason": "再点一次"})
    assert again.status_code == 400
    assert LedgerEntry.objects.filter(kind="reverse").count() == 1 and balance(household) == 0


def test_only_earned_entries_can_be_undone(staff_client, household, clerk):
    adjustment = services.adjust(household=household, amount=3, reason="转入", by=clerk)
    assert staff_client.post(undo_url(adjustment), {"reason": "试试"}).status_code == 404


def test_an_entry_of_another_household_is_not_found_under_this_one(
    staff_client, community, member, clerk
):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    neighbour = HouseholdFactory(community=community)
    url = reverse("points:ledger_undo", args=[neighbour.pk, entry.pk])
    assert staff_client.post(url, {"reason": "试试"}).status_code == 404


def test_it_does_not_go_back_to_another_site(staff_client, household, member, clerk):
    entry = earn(member, datetime.date(2026, 11, 3), clerk)
    response = staff_client.post(
        undo_url(entry), {"reason": "登记错了人", "next": "https://example.com/"}
    )
    assert response["Location"] == ledger_url(household)


# Adjustments


def test_an_admin_adjusts_points_with_a_reason(admin_client_of_community, household, member):
    response = admin_client_of_community.post(
        adjust_url(household),
        {"amount": 12, "reason": "纸质存折积分转入", "member": member.pk, "on": "2026-11-01"},
    )
    assert response.status_code == 302 and response["Location"] == ledger_url(household)
    assert texts(response) == ["已调整 +12 分，余额 12 分。"]
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after, entry.member) == (
        "adjust",
        12,
        12,
        member,
    )
    assert entry.occurred_on == datetime.date(2026, 11, 1)
    assert entry.created_by == admin_client_of_community.user
    assert balance(household) == 12


def test_an_admin_can_take_points_off(admin_client_of_community, household, clerk):
    services.adjust(household=household, amount=10, reason="转入", by=clerk)
    response = admin_client_of_community.post(
        adjust_url(household), {"amount": -4, "reason": "重复登记", "on": "2026-11-01"}
    )
    assert response.status_code == 302
    assert balance(household) == 6
    assert LedgerEntry.objects.latest("pk").member is None


def test_staff_cannot_adjust(staff_client, household):
    response = staff_client.post(
        adjust_url(household), {"amount": 5, "reason": "转入", "on": "2026-11-01"}
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()
    assert "调整积分" not in staff_client.get(ledger_url(household)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": 0, "reason": "更正"}, "调整的积分不能为 0。"),
        ({"amount": 5, "reason": "  "}, "调整积分必须写明原因。"),
        ({"amount": "", "reason": "更正"}, "请填写调整的积分。"),
        ({"amount": "1.5", "reason": "更正"}, "请填写整数。"),
        ({"amount": 5, "reason": "更正", "on": "2099-01-01"}, "日期不能晚于今天。"),
        ({"amount": -1, "reason": "更正"}, "不够扣减"),
    ],
)
def test_bad_adjustments_are_shown_again_and_post_nothing(
    admin_client_of_community, household, data, message
):
    response = admin_client_of_community.post(adjust_url(household), {"on": "2026-11-01", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_an_adjustment_names_only_a_member_of_that_household(
    admin_client_of_community, household, community
):
    stranger = MemberFactory(household=HouseholdFactory(community=community))
    response = admin_client_of_community.post(
        adjust_url(household),
        {"amount": 5, "reason": "转入", "member": stranger.pk, "on": "2026-11-01"},
    )
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_the_adjustment_date_defaults_to_today(admin_client_of_community, household):
    form = admin_client_of_community.get(ledger_url(household)).context["adjust_form"]
    assert form["on"].value() == timezone.localdate()
