"""Points demo data for the demo communities: point rules (one of them changed at mid-year,
so the rules have a history), and the review of the volunteering demo's attendance.

Everything is posted through points.services, as staff would, on the day it would have
happened (the actions go on the demo's timeline, residents.demo_steps, and are replayed in
date order with the other apps' — the counter's redemptions, the rounds' closings): an
admin carries over the points of some paper passbooks on the passbook's first day
(adjustments); staff review once a week (Tuesdays at 4 pm) the records of activities two
or more days old, approving them and turning a few down; a few approvals
are undone the next morning (reversing entries), before the counter opens. Attendance of
the last two weeks stays in the review queue.

`residents`' seed_demo command calls `seed_demo` below after volunteering.demo. A community
that already has point rules is left alone, so running it again changes nothing, and a
database seeded before this app existed gains its points data. Choices come from a
fixed-seed `random.Random` over the records in a fixed order.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from points import services
from points.models import LedgerEntry, PassbookToken, PointRule
from points.passbook import token_hash
from residents.demo_steps import DemoTimeline, Line, demo_steps
from residents.models import Community, Household, StaffMembership
from volunteering.models import Activity, Attendance, Project, ProjectCategory

DEMO_SEED = 20261123
REVIEW_LAG_DAYS = 14  # attendance of the last two weeks still waits in the review queue
REVIEW_WEEKDAYS = (1,)  # Tuesdays
REVIEW_AFTER_DAYS = 2  # an activity's records are reviewed two or more days after it
REVIEW_TIME = datetime.time(16, 0)
UNDO_TIME = datetime.time(8, 10)  # the next morning, before the counter opens
TRANSFER_TIME = datetime.time(9, 0)
EXTRA_REJECTED_SHARE = 0.004  # not approved at review, on top of volunteering.demo's few
UNDONE_SHARE = 0.005  # approvals taken back later, with a reversing entry
REJECTION_REASONS = ("签到表上没有本人签名", "当天请假，误登记", "与同时段另一场活动重复")
UNDO_REASONS = ("重复登记", "重复登记", "误登记，本人当天未参加", "活动登记有误")
TRANSFER_REASON = "纸质存折积分转入"


@dataclass(frozen=True)
class RuleSpec:
    """A rule for a project (`project`), a category (`category`) or, with neither, the
    whole community. `period` is "all", "before" or "from" the plan's change date."""

    points_per_session: int
    note: str
    project: str = ""
    category: str = ""
    points_per_hour: str = "0"
    organiser_bonus: int = 0
    daily_cap: int | None = None
    period: str = "all"


@dataclass(frozen=True)
class PointsPlan:
    slug: str
    seed: int
    admin_username: str
    staff_username: str
    rules: tuple[RuleSpec, ...]
    transfers: int  # paper passbooks carried over
    transfer_points: tuple[int, int]


BASE_CATEGORY = "党员基础分"

PLANS = {
    plan.slug: plan
    for plan in (
        PointsPlan(
            slug="shanxin",
            seed=DEMO_SEED,
            admin_username="sx_admin",
            staff_username="sx_staff",
            rules=(
                RuleSpec(1, "参加一次志愿服务记 1 分"),
                RuleSpec(
                    1,
                    "每次 1 分，另按服务时长每小时 1 分（不足 1 小时不计）",
                    project="义诊量血压",
                    points_per_hour="1",
                ),
                RuleSpec(
                    1,
                    "每次 1 分，带队加 1 分，每人每天最多 2 分",
                    project="安全巡逻",
                    organiser_bonus=1,
                    daily_cap=2,
                ),
                RuleSpec(2, "党员基础分：每次 2 分", category=BASE_CATEGORY),
                RuleSpec(1, "每次 1 分", project="助老送餐", period="before"),
                RuleSpec(2, "下半年送餐人手紧张，每次改为 2 分", project="助老送餐", period="from"),
            ),
            transfers=12,
            transfer_points=(8, 60),
        ),
        PointsPlan(
            slug="qihe3",
            seed=DEMO_SEED + 1,
            admin_username="qh_admin",
            staff_username="qh_staff",
            rules=(
                RuleSpec(1, "服务卡上一个章记 1 分"),
                RuleSpec(2, "党员基础分：每次 2 分", category=BASE_CATEGORY),
            ),
            transfers=3,
            transfer_points=(5, 30),
        ),
    )
}


def demo_user(community: Community, username: str) -> AbstractBaseUser | None:
    """The named demo user if it works here, else the community's first staff user (None
    when the community has no staff yet). Later apps' demos post as these users too."""
    user = (
        get_user_model()
        .objects.filter(username=username, memberships__community=community, is_active=True)
        .first()
    )
    if user is None:
        membership = (
            StaffMembership.objects.filter(community=community, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        user = membership.user if membership else None
    return user


def _change_date(first: datetime.date, last: datetime.date) -> datetime.date:
    """Mid-year (1 July) of the year in the middle of the activities, kept inside them."""
    middle = first + (last - first) / 2
    change = datetime.date(middle.year, 7, 1)
    return min(max(change, first + datetime.timedelta(days=1)), last)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def review_day(activity_day: datetime.date) -> datetime.date:
    """The staff's first review day at least REVIEW_AFTER_DAYS after the activity."""
    day = activity_day + datetime.timedelta(days=REVIEW_AFTER_DAYS)
    while day.weekday() not in REVIEW_WEEKDAYS:
        day += datetime.timedelta(days=1)
    return day


@dataclass
class _Seeder:
    plan: PointsPlan
    community: Community
    admin: AbstractBaseUser
    staff: AbstractBaseUser
    today: datetime.date
    rng: random.Random
    timeline: DemoTimeline

    def rules(self) -> tuple[list[PointRule], datetime.date]:
        """The plan's rules from the first day of the month of the first activity; returns
        them and that day (the electronic passbook's first day)."""
        dates = Activity.objects.filter(community=self.community).aggregate(first=Min("date"))
        first_activity = dates["first"] or self.today - datetime.timedelta(days=365)
        starts_on = _month(first_activity)
        change = _change_date(starts_on, self.today)
        projects = {p.name: p for p in Project.objects.filter(community=self.community)}
        categories = {c.name: c for c in ProjectCategory.objects.filter(community=self.community)}
        rules = []
        for spec in self.plan.rules:
            project = projects.get(spec.project) if spec.project else None
            category = categories.get(spec.category) if spec.category else None
            if (spec.project and project is None) or (spec.category and category is None):
                continue  # a menu seeded before this project or category existed
            rules.append(
                PointRule(
                    community=self.community,
                    project=project,
                    category=category,
                    starts_on=change if spec.period == "from" else starts_on,
                    ends_on=change - datetime.timedelta(days=1)
                    if spec.period == "before"
                    else None,
                    points_per_session=spec.points_per_session,
                    points_per_hour=Decimal(spec.points_per_hour),
                    rounding=PointRule.Rounding.DOWN,
                    organiser_bonus=spec.organiser_bonus,
                    daily_cap=spec.daily_cap,
                    note=spec.note,
                    created_by=self.admin,
                )
            )
        return PointRule.objects.bulk_create(rules), starts_on

    def transfers(self, on: datetime.date) -> int:
        """Points of some paper passbooks carried over on the first day (by the admin)."""
        volunteers = sorted(
            set(
                Attendance.objects.filter(
                    community=self.community, member__household__status=Household.Status.ACTIVE
                ).values_list("member__household_id", flat=True)
            )
        )
        chosen = self.rng.sample(volunteers, min(self.plan.transfers, len(volunteers)))
        households = Household.objects.in_bulk(sorted(chosen))
        for household_id in sorted(chosen):
            self.timeline.at(
                on,
                TRANSFER_TIME,
                partial(
                    _adjust,
                    household=households[household_id],
                    amount=self.rng.randint(*self.plan.transfer_points),
                    reason=TRANSFER_REASON,
                    by=self.admin,
                    on=on,
                ),
            )
        return len(chosen)

    def review(self) -> list[int]:
        """Approve, on the review days, all pending attendance of activities older than two
        weeks, after turning down a few of each month's. Returns the records approved that
        earn passbook points (residents' service, not dues or meetings), in review order."""
        cutoff = self.today - datetime.timedelta(days=REVIEW_LAG_DAYS)
        rows = (
            Attendance.objects.filter(
                community=self.community,
                status=Attendance.Status.PENDING,
                activity__date__lte=cutoff,
            )
            .order_by("activity__date", "activity__title", "member_id")
            .values_list(
                "pk",
                "activity__date",
                "activity__project__category__is_base_points",
                "member__household_id",
            )
        )
        months: dict[datetime.date, list[tuple[int, datetime.date, bool, int | None]]] = {}
        for row in rows:
            months.setdefault(_month(row[1]), []).append(row)
        reviews: dict[datetime.date, tuple[list[tuple[int, str]], list[int]]] = {}
        earning = []
        for records in months.values():
            # Dues paid and meetings attended come from the party branch's own lists.
            welfare = [pk for pk, _day, is_base, _h in records if not is_base]
            turned_down = set(self.rng.sample(welfare, round(len(welfare) * EXTRA_REJECTED_SHARE)))
            for pk, day, is_base, household in records:
                rejected, approved = reviews.setdefault(review_day(day), ([], []))
                if pk not in turned_down:
                    approved.append(pk)
                    if not is_base and household is not None:
                        earning.append(pk)
            for pk in sorted(turned_down):
                day = next(day for record, day, *_ in records if record == pk)
                reviews[review_day(day)][0].append((pk, self.rng.choice(REJECTION_REASONS)))
        for day, (rejected, approved) in sorted(reviews.items()):
            self.timeline.at(
                day,
                REVIEW_TIME,
                partial(_review, self.community, rejected, approved, by=self.staff),
            )
        return earning

    def undo(self, earning: list[int]) -> int:
        """Take back a few approvals (about 0.5% of them) the morning after their review, as
        staff do when a record of volunteer service turns out to be wrong; the party
        branch's lists are left as they are. Before the counter opens, so no household has
        spent those points yet."""
        chosen = self.rng.sample(earning, min(round(len(earning) * UNDONE_SHARE), len(earning)))
        attendances = Attendance.objects.select_related("activity").in_bulk(chosen)
        for pk in sorted(chosen):
            self.timeline.at(
                review_day(attendances[pk].activity.date) + datetime.timedelta(days=1),
                UNDO_TIME,
                partial(
                    _undo,
                    attendance=attendances[pk],
                    reason=self.rng.choice(UNDO_REASONS),
                    by=self.staff,
                ),
            )
        return len(chosen)


def _adjust(at: datetime.datetime | None, **kwargs) -> None:
    services.adjust(at=at, **kwargs)


def _review(
    community: Community,
    rejected: list[tuple[int, str]],
    approved: list[int],
    at: datetime.datetime | None,
    *,
    by: AbstractBaseUser,
) -> None:
    for pk, reason in rejected:
        services.reject(community=community, attendance_ids=[pk], reason=reason, by=by, at=at)
    services.approve(community=community, attendance_ids=approved, by=by, at=at)


def _undo(at: datetime.datetime | None, **kwargs) -> None:
    services.undo_approval(at=at, **kwargs)


def _summary(community: Community, rules: int) -> str:
    entries = LedgerEntry.objects.filter(community=community)
    totals = entries.aggregate(
        earned=Sum("amount", filter=Q(kind=LedgerEntry.Kind.EARN)),
        base=Sum(
            "amount",
            filter=Q(stream=LedgerEntry.Stream.BASE, kind__in=["earn", "reverse"]),
        ),
        total=Sum("amount"),
    )
    attendance = Attendance.objects.filter(community=community)
    return (
        f"{community.name}：积分规则 {rules} 条；"
        f"已记账 {entries.filter(kind=LedgerEntry.Kind.EARN).count()} 条"
        f"（通过 {attendance.filter(status=Attendance.Status.APPROVED).count()} 条记录，"
        f"共 {totals['earned'] or 0} 分）；"
        f"待审核 {attendance.filter(status=Attendance.Status.PENDING).count()} 条；"
        f"冲正 {entries.filter(kind=LedgerEntry.Kind.REVERSE).count()} 条；"
        f"调整 {entries.filter(kind=LedgerEntry.Kind.ADJUST).count()} 条；"
        f"存折余额合计 {totals['total'] or 0} 分（其中党员基础分 {totals['base'] or 0} 分）"
    )


def seed_community(plan: PointsPlan, community: Community) -> Line:
    """One community's rules, and its postings put on the demo's timeline; returns its
    summary line (a function, once the postings are on the timeline)."""
    if PointRule.objects.filter(community=community).exists():
        return f"{community.name}：已有积分数据，未改动"
    admin = demo_user(community, plan.admin_username)
    staff = demo_user(community, plan.staff_username)
    if admin is None or staff is None:
        return f"{community.name}：还没有工作人员账号，暂不生成积分数据"
    seeder = _Seeder(
        plan=plan,
        community=community,
        admin=admin,
        staff=staff,
        today=timezone.localdate(),
        rng=random.Random(plan.seed),
        timeline=demo_steps.timeline,
    )
    rules, first_day = seeder.rules()
    seeder.transfers(first_day)
    seeder.undo(seeder.review())
    return partial(_summary, community, len(rules))


# A fixed, published token for the demo's first passbook, so the demo can print a link
# to the resident's page on every run without issuing (and revoking) a new code.
DEMO_TOKEN = "demo-passbook-shanxin-00001-scan-me-not-for-production"
DEMO_BASE_URL = "http://127.0.0.1:8000"


def _sample_passbook_link(community: Community) -> str | None:
    """The resident link of the community's first passbook, creating its demo token if
    the household has no working code (a code staff printed since is left alone)."""
    household = (
        Household.objects.filter(community=community, status=Household.Status.ACTIVE)
        .order_by("passbook_number")
        .first()
    )
    if household is None:
        return None
    digest = token_hash(DEMO_TOKEN)
    active = PassbookToken.objects.filter(household=household, revoked_at__isnull=True).first()
    if active is None and not PassbookToken.objects.filter(token_hash=digest).exists():
        user = demo_user(community, "sx_staff")
        if user is None:
            return None
        active = PassbookToken.objects.create(
            community=community, household=household, token_hash=digest, created_by=user
        )
    if active is None or active.token_hash != digest:
        return None
    return f"示例存折（居民扫码页面，{household.passbook_number}）: {DEMO_BASE_URL}/p/{DEMO_TOKEN}/"


@transaction.atomic
def seed_demo(*, communities: Mapping[str, Community]) -> list[Line]:
    """Points data for each demo community (by slug) that has no point rules yet, on the
    demo's timeline (`demo_steps.finish` replays it), and the link to a sample resident
    passbook."""
    lines = [
        seed_community(PLANS[slug], community)
        for slug, community in communities.items()
        if slug in PLANS
    ]
    if "shanxin" in communities and (link := _sample_passbook_link(communities["shanxin"])):
        lines.append(link)
    return lines
