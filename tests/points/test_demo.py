"""The points part of `manage.py seed_demo` (points.demo), read from the one seeding
all demo tests share (the `seeded_demo` fixture). Seeding a database that has no points
data yet: test_demo_seeding.py."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from party.models import PartyEntry
from points import demo
from points.models import Account, LedgerEntry, PointRule
from residents.models import Community
from tests.conftest import DEMO_HOUSEHOLDS
from volunteering.models import Activity, Attendance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=DEMO_HOUSEHOLDS, stdout=out)
    return out.getvalue()


def cutoff() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=demo.REVIEW_LAG_DAYS)


def state() -> dict:
    return {
        "rules": sorted(PointRule.objects.values_list("pk", "starts_on", "ends_on")),
        "entries": LedgerEntry.objects.count(),
        "balances": sorted(Account.objects.values_list("household_id", "balance")),
        "statuses": sorted(Attendance.objects.values_list("pk", "status")),
    }


def test_seed_demo_creates_rules_with_history_and_no_overlap(seeded_demo):
    output = seeded_demo

    shanxin = Community.objects.get(slug="shanxin")
    rules = PointRule.objects.filter(community=shanxin).select_related("project", "category")
    assert rules.count() == 6
    assert "山鑫阳光城居民区：积分规则 6 条；已记账" in output
    assert set(rules.values_list("created_by__username", flat=True)) == {"sx_admin"}
    first_activity = Activity.objects.filter(community=shanxin).order_by("date").first().date
    default = rules.get(project=None, category=None)
    assert default.points_per_session == 1 and default.starts_on <= first_activity
    assert rules.get(category__is_base_points=True).points_per_session == 2
    patrol = rules.get(project__name="安全巡逻")
    assert (patrol.organiser_bonus, patrol.daily_cap) == (1, 2)

    before, after = rules.filter(project__name="助老送餐").order_by("starts_on")
    assert (before.points_per_session, after.points_per_session) == (1, 2)
    assert before.ends_on + datetime.timedelta(days=1) == after.starts_on
    assert first_activity < after.starts_on < timezone.localdate()
    # Both periods earned points.
    for rule in (before, after):
        assert rule.entries.filter(kind=LedgerEntry.Kind.EARN).exists()

    everything = list(PointRule.objects.all())
    for a in everything:
        for b in everything:
            same_scope = (a.community_id, a.project_id, a.category_id) == (
                b.community_id,
                b.project_id,
                b.category_id,
            )
            if a.pk < b.pk and same_scope:
                assert (a.ends_on and a.ends_on < b.starts_on) or (
                    b.ends_on and b.ends_on < a.starts_on
                )
    assert PointRule.objects.filter(community__slug="qihe3").count() == 2


def test_old_attendance_is_approved_and_posted_once_and_recent_attendance_waits():
    old = Attendance.objects.filter(activity__date__lte=cutoff())
    assert not old.filter(status=Attendance.Status.PENDING).exists()
    assert old.filter(status=Attendance.Status.APPROVED).count() >= old.count() * 0.9
    assert old.filter(status=Attendance.Status.REJECTED).count() >= 1

    # Every rule gives at least a point, so every approved record of a resident's service
    # earned exactly once; dues and meetings (base points) and reported party members
    # (报到, no household) earn party points only.
    approved = Attendance.objects.filter(
        status=Attendance.Status.APPROVED,
        activity__project__category__is_base_points=False,
        member__household__isnull=False,
    )
    earns = approved.annotate(
        n=Count("ledger_entries", filter=Q(ledger_entries__kind=LedgerEntry.Kind.EARN))
    )
    assert set(earns.values_list("n", flat=True)) == {1}
    assert not approved.filter(reviewed_by=None).exists()
    assert set(approved.values_list("community__slug", "reviewed_by__username").distinct()) == {
        ("shanxin", "sx_staff"),
        ("qihe3", "qh_staff"),
    }
    earned = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN)
    assert not earned.exclude(occurred_on=F("attendance__activity__date")).exists()
    assert not earned.exclude(member=F("attendance__member")).exists()

    recent = Attendance.objects.filter(activity__date__gt=cutoff())
    assert recent.filter(status=Attendance.Status.PENDING).count() >= 10
    assert not recent.filter(status=Attendance.Status.APPROVED).exists()
    assert not LedgerEntry.objects.filter(attendance__activity__date__gt=cutoff()).exists()

    rejected = Attendance.objects.filter(status=Attendance.Status.REJECTED)
    assert rejected.count() < Attendance.objects.count() * 0.1
    assert not rejected.filter(Q(rejection_reason="") | Q(reviewed_by=None)).exists()


def test_a_few_approvals_are_reversed_and_paper_passbooks_carried_over():
    # Undone approvals (the redemption demo adds reversals of cancelled redemptions too).
    reversals = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.REVERSE, reverses__kind=LedgerEntry.Kind.EARN
    ).select_related("reverses__attendance")
    earned = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN).count()
    assert 1 <= reversals.count() <= earned * 0.02
    for reversal in reversals:
        assert reversal.amount == -reversal.reverses.amount
        assert reversal.reason.startswith("撤销审核：")
        attendance = reversal.reverses.attendance
        assert attendance.status == Attendance.Status.REJECTED
        assert attendance.rejection_reason.startswith("撤销：")

    transfers = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUST)
    assert transfers.count() == sum(plan.transfers for plan in demo.PLANS.values())
    assert set(transfers.values_list("reason", flat=True)) == {demo.TRANSFER_REASON}
    assert not transfers.filter(amount__lte=0).exists()
    first_activity = Activity.objects.order_by("date").first().date
    assert not transfers.filter(occurred_on__gt=first_activity).exists()
    assert set(transfers.values_list("created_by__username", flat=True)) == {
        "sx_admin",
        "qh_admin",
    }


def test_balances_are_the_sums_of_their_entries_and_dues_fill_party_accounts_not_passbooks():
    accounts = Account.objects.annotate(total=Sum("entries__amount"))
    assert accounts.count() > 10
    for account in accounts:
        assert account.balance == account.total >= 0
        last = account.entries.order_by("-pk").first()
        assert last.balance_after == account.balance
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()

    # Dues and meetings are base points: in the party accounts (party app), never in the
    # household passbooks (the communities keep 基础分也计入家庭存折 off).
    assert not LedgerEntry.objects.filter(stream=LedgerEntry.Stream.BASE).exists()
    party_base = PartyEntry.objects.filter(kind=PartyEntry.Kind.BASE)
    assert party_base.filter(duty="dues", community__slug="shanxin").count() > 300
    assert party_base.filter(duty="meeting", community__slug="qihe3").exists()
    value_added = LedgerEntry.objects.filter(
        stream=LedgerEntry.Stream.VALUE_ADDED, activity__isnull=False
    )
    assert value_added.exists()
    assert not value_added.filter(activity__project__category__is_base_points=True).exists()
    call_command("reconcile_ledger", stdout=StringIO())  # party accounts too


def test_running_seed_demo_twice_changes_nothing():
    before = state()

    output = seed()

    assert state() == before
    assert output.count("已有积分数据，未改动") == 2


def test_seed_demo_prints_a_working_resident_passbook_link_every_run(seeded_demo, client):
    assert f"/p/{demo.DEMO_TOKEN}/" in seeded_demo
    assert f"/p/{demo.DEMO_TOKEN}/" in seed()
    response = client.get(f"/p/{demo.DEMO_TOKEN}/", follow=True)
    assert response.status_code == 200
    assert "SX-00001" in response.content.decode()


def test_the_passbooks_read_like_a_year_each_entry_written_on_its_day_in_order():
    # Written in date order: in every passbook, a later line was never written earlier,
    # so the dates and the running balances read down together.
    rows = LedgerEntry.objects.order_by("account_id", "pk").values_list(
        "account_id", "created_at", "amount", "balance_after"
    )
    previous: dict[int, tuple] = {}
    for account_id, written, amount, balance_after in rows:
        if account_id in previous:
            last_written, last_balance = previous[account_id]
            assert written >= last_written
            assert balance_after == last_balance + amount
        else:
            assert balance_after == amount
        previous[account_id] = (written, balance_after)

    # Each earning written on its review day, a few days after the activity; each
    # carry-over on the passbook's first day; each undone approval the next morning.
    earned = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN).select_related("attendance")
    for entry in earned:
        assert entry.posted_on == demo.review_day(entry.occurred_on) > entry.occurred_on
        if entry.attendance.status == Attendance.Status.APPROVED:  # not undone since
            assert entry.attendance.reviewed_at == entry.created_at
    for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUST):
        assert entry.posted_on == entry.occurred_on
    undone = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.REVERSE, reverses__kind=LedgerEntry.Kind.EARN
    ).select_related("reverses")
    for entry in undone:
        assert entry.posted_on == entry.reverses.posted_on + datetime.timedelta(days=1)

    # Spread over the year: every one of the last four quarters has entries written in it.
    today = timezone.localdate()
    quarters = {
        (day.year, (day.month - 1) // 3)
        for day in (
            timezone.localdate(e.created_at) for e in LedgerEntry.objects.only("created_at")
        )
    }
    for months_ago in (0, 3, 6, 9):
        day = today - datetime.timedelta(days=months_ago * 30)
        assert (day.year, (day.month - 1) // 3) in quarters
