"""The needs demo for the demo communities: a year of visits (about three per household,
as 齐河第三's 2,605 a year), needs and small wishes in every state (about one for every four
households, as its 224 problems a year, capped at 200), seven partner units with their
people (山鑫阳光城's seven 共建单位), and pairings for the lonely elders (老伙伴结对) and the
hardship households (困难家庭结对, with a unit).

Registered as a DemoStep after points and redemption, so the hours of the needs done wait
in the review queue like any new record. A community that already has visits is left alone.
Drawn from a fixed-seed random generator relative to today."""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Mapping
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from needs import partners, services
from needs.models import ActivityServed, Need, NeedEvent, Pairing, PartnerUnit, Visit
from points import demo as points_demo
from points import services as points_services
from residents.demo_steps import demo_steps
from residents.models import Community, Household, Member, StaffMembership
from volunteering.models import Activity, Attendance, Project, TeamMembership

DEMO_SEED = 20261205
VISITS_PER_HOUSEHOLD = 3
NEEDS_PER_HOUSEHOLD = 0.26
MAX_NEEDS = 200
# Of the needs, by where they have got to (the rest are done and followed up).
STATE_SHARES = [
    (Need.State.PENDING, 0.12),
    (Need.State.DISPATCHED, 0.10),
    (Need.State.TAKEN, 0.10),
    (Need.State.DONE, 0.15),
    (Need.State.WITHDRAWN, 0.05),
]
UNITS = [
    ("东方医院党总支", "赵立群", "东方医院党总支", "每月进社区义诊一次，为独居老人上门测血压"),
    (
        "区供电公司第三党支部",
        "钱海峰",
        "区供电公司机关党委",
        "每季度检查老旧楼道线路，困难家庭免费换灯",
    ),
    ("阳光城物业党支部", "孙建平", "阳光城物业公司党支部", "楼道、路灯、设施小修 48 小时内到场"),
    ("街道社区卫生服务中心", "李慧", "卫生服务中心党支部", "家庭医生签约、慢病随访"),
    ("工商银行石化支行", "周敏", "工行石化支行党支部", "防诈骗宣传、适老化金融服务"),
    ("石化第一小学", "吴芳", "石化一小党支部", "暑期学生志愿服务、陪伴留守儿童"),
    ("区消防救援站", "郑勇", "消防救援站党支部", "每半年消防演练、独居老人家中烟感检查"),
]
PEOPLE = [
    "王志刚",
    "刘丽华",
    "陈海涛",
    "杨秀梅",
    "黄建军",
    "朱晓燕",
    "何振东",
    "高雪梅",
    "林国强",
    "罗美玲",
    "梁永福",
    "宋红霞",
    "谢晓东",
    "韩玉兰",
    "唐海波",
    "冯淑芬",
    "董卫国",
    "萧桂英",
    "程立新",
    "曹丽萍",
    "袁建华",
]
FINDINGS = [
    "身体还好，血压偏高，提醒按时吃药。",
    "子女每周来看望，生活能自理。",
    "老人腿脚不便，下楼困难。",
    "家里一切正常，对小区环境满意。",
    "反映楼道灯坏了。",
    "想参加社区的老年活动。",
    "独自在家，希望多些人来聊聊天。",
    "询问高龄津贴办理。",
    "家中燃气灶老化，已提醒注意安全。",
    "反映楼下噪音扰民。",
]
NEEDS = [
    "楼道灯坏了，晚上看不见",
    "家里水龙头漏水，想请人修一下",
    "想学用智能手机和孩子视频",
    "希望有人陪去医院配药",
    "门口台阶松动，怕摔跤",
    "想要一副老花镜",
    "小区健身器材坏了",
    "窗户关不严，冬天漏风",
    "想给孙子借几本课外书",
    "希望有人帮忙剪头发",
    "桥面板破损，走路不安全",
    "想办理助餐服务",
]
DONE_NOTES = ["已上门修好", "已陪同就医", "已送到家中", "已教会使用", "已联系物业修复"]


def seed_demo(*, communities: Mapping[str, Community]) -> list[str]:
    return [seed_community(community) for community in communities.values()]


@transaction.atomic
def seed_community(community: Community) -> str:
    if Visit.objects.filter(community=community).exists():
        return f"{community.name}：已有走访数据，未改动"
    staff = (
        StaffMembership.objects.filter(community=community)
        .filter(role__in=[StaffMembership.Role.STAFF, StaffMembership.Role.ADMIN])
        .select_related("user")
        .order_by("-role", "pk")  # staff before admin: the staff do the daily work
        .first()
    )
    if staff is None:
        return f"{community.name}：没有工作人员，未生成走访数据"
    by = staff.user
    rng = random.Random(f"{DEMO_SEED}-{community.slug}")
    today = timezone.localdate()
    households = list(Household.objects.filter(community=community).active().order_by("pk"))
    units = _units(community, by, rng)
    visits = _visits(community, by, households, rng, today)
    needs = _needs(community, by, households, visits, units, rng, today)
    _review_old(community, by, today)
    pairings = _pairings(community, households, units, rng, today)
    served = _served(community, by, households, rng)
    return (
        f"{community.name}：走访 {len(visits)} 户次，民情需求和微心愿 {needs} 条，"
        f"共建单位 {len(units)} 个，结对 {pairings} 对，活动服务对象 {served} 户次"
    )


def _units(community, by, rng) -> list[PartnerUnit]:
    units, names = [], iter(PEOPLE)
    for name, contact, branch, commitments in UNITS:
        unit = partners.save_unit(
            community=community,
            by=by,
            fields={
                "name": name,
                "contact": contact,
                "party_branch": branch,
                "commitments": commitments,
                "phone": f"021-6{rng.randrange(1000000, 9999999)}",
            },
        )
        for _n in range(3):
            partners.add_person(
                unit=unit,
                by=by,
                new_person={
                    # Party members who serve here through their unit (报到); the register
                    # keeps employers for its in-service party members only.
                    "name": next(names),
                    "phone": "",
                    "is_party_member": rng.random() < 0.7,
                    "employer": "",
                },
            )
        units.append(unit)
    return units


def _visitors(community) -> list[str]:
    leaders = list(
        Member.objects.filter(community=community, led_building_groups__isnull=False)
        .values_list("name", flat=True)
        .distinct()
    )
    staff = [
        m.user.get_full_name() or m.user.get_username()
        for m in StaffMembership.objects.filter(community=community)
        .exclude(role=StaffMembership.Role.COUNTER)
        .select_related("user")
    ]
    return [f"{s}、{leader}" for s in staff for leader in leaders[:20]] or staff


def _visits(community, by, households, rng, today) -> list[Visit]:
    visitors = _visitors(community)
    drafts = []
    for household in households:
        count = max(0, VISITS_PER_HOUSEHOLD + rng.choice((-1, 0, 0, 0, 1)))
        if rng.random() < 0.06:
            count = 0  # the few nobody has visited this year: the report lists them
        for _n in range(count):
            drafts.append(
                Visit(
                    community=community,
                    household=household,
                    visited_on=today - datetime.timedelta(days=rng.randrange(1, 365)),
                    visitors=rng.choice(visitors),
                    findings=rng.choice(FINDINGS),
                    submission_key=uuid.uuid4(),
                    recorded_by=by,
                )
            )
    return Visit.objects.bulk_create(drafts, batch_size=2000)


def _needs(community, by, households, visits, units, rng, today) -> int:
    if not households:
        return 0
    total = min(MAX_NEEDS, max(12, round(len(households) * NEEDS_PER_HOUSEHOLD)))
    volunteers = list(
        Member.objects.filter(community=community)
        .current()
        .filter(Q(is_party_member=True) | Q(team_memberships__isnull=False))
        .distinct()
        .order_by("pk")[:200]
    )
    teams = {}
    for row in TeamMembership.objects.filter(community=community, team__is_active=True).values(
        "team_id", "member_id"
    ):
        teams.setdefault(row["team_id"], []).append(row["member_id"])
    project = (
        Project.objects.filter(community=community, is_active=True, category__is_base_points=False)
        .order_by("pk")
        .first()
    )
    made = 0
    for index in range(total):
        visit = rng.choice(visits) if visits and rng.random() < 0.5 else None
        household = visit.household if visit else rng.choice(households)
        text = rng.choice(NEEDS)
        if visit is not None:
            Visit.objects.filter(pk=visit.pk).update(need_follows=True)
            need = Need.objects.create(
                community=community,
                household=household,
                text=text,
                source=Need.Source.VISIT,
                visit=visit,
                created_by=by,
            )
            NeedEvent.objects.create(community=community, need=need, to_state=need.state, by=by)
            day = visit.visited_on
        elif index % 3 == 0 and _wishes_today(household) < services.WISHES_PER_DAY:
            need = services.post_wish(household=household, text=text)
            day = today - datetime.timedelta(days=rng.randrange(0, 300))
        else:
            need = services.record_need(community=community, by=by, household=household, text=text)
            day = today - datetime.timedelta(days=rng.randrange(0, 300))
        _walk(need, by, _target_state(rng), rng, units, volunteers, teams, project, day, today)
        made += 1
    return made


def _review_old(community, by, today) -> None:
    """Needs done more than two weeks ago have been reviewed, as points.demo reviews every
    other record (on its review day, on the demo's timeline, so the passbook entries are
    written then and in date order); the last two weeks' wait in the queue."""
    cutoff = today - datetime.timedelta(days=points_demo.REVIEW_LAG_DAYS)
    done = Need.objects.filter(
        community=community, activity__isnull=False, done_on__lte=cutoff
    ).values("activity")
    waiting = Attendance.objects.filter(
        community=community, activity__in=done, status=Attendance.Status.PENDING
    ).values_list("activity__date", "pk")
    by_day: dict[datetime.date, list[int]] = {}
    for day, pk in waiting.order_by("activity__date", "pk"):
        by_day.setdefault(points_demo.review_day(day), []).append(pk)
    for day, pks in sorted(by_day.items()):
        demo_steps.timeline.at(
            day, points_demo.REVIEW_TIME, partial(_approve, community=community, pks=pks, by=by)
        )


def _approve(at, *, community, pks, by) -> None:
    points_services.approve(community=community, attendance_ids=pks, by=by, at=at)


def _wishes_today(household) -> int:
    return Need.objects.filter(household=household, source=Need.Source.RESIDENT).count()


def _target_state(rng) -> str:
    draw = rng.random()
    for state, share in STATE_SHARES:
        if draw < share:
            return state
        draw -= share
    return Need.State.FOLLOWED


def _walk(need, by, target, rng, units, volunteers, teams, project, day, today) -> None:
    """Move the need through the services up to `target`, then date it as if it had been
    recorded on `day` (its events keep the seeding's time: the app role may not rewrite a
    need's history)."""
    if target == Need.State.WITHDRAWN:
        services.withdraw(need=need, by=by, reason="重复登记，已合并")
    elif target != Need.State.PENDING:
        kinds = [k for k, 有 in (("unit", units), ("team", teams), ("member", volunteers)) if 有]
        kind = rng.choice(kinds)
        doers: list[Member] = []
        if kind == "unit":
            need = services.dispatch(need=need, by=by, partner=rng.choice(units))
        elif kind == "team":
            team_id = rng.choice(sorted(teams))
            need = services.dispatch(need=need, by=by, team=_team(need, team_id))
            doers = list(Member.objects.filter(pk__in=teams[team_id][:3]).current())
        else:
            member = rng.choice(volunteers)
            need = services.dispatch(need=need, by=by, member=member)
            doers = [member]
        if target != Need.State.DISPATCHED:
            need = services.take(need=need, by=by)
        if target in Need.FINISHED_STATES:
            done_on = min(today, day + datetime.timedelta(days=rng.randrange(2, 15)))
            need = services.complete(
                need=need,
                by=by,
                done_on=done_on,
                done_note=rng.choice(DONE_NOTES),
                hours=Decimal(rng.choice(("0.5", "1", "1.5", "2"))),
                doers=doers if project else [],
                project=project,
                submission_key=uuid.uuid4(),
                people=None if doers else rng.randrange(1, 4),
            )
        if target == Need.State.FOLLOWED:
            services.follow_up(need=need, by=by, confirmed=rng.random() < 0.93, note="电话回访")
    else:
        if rng.random() < 0.3:
            services.publish(need=need, by=by, published=True)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    Need.objects.filter(pk=need.pk).update(created_at=start)


def _team(need, team_id):
    from volunteering.models import Team

    return Team.objects.get(pk=team_id, community_id=need.community_id)


def _pairings(community, households, units, rng, today) -> int:
    by_type: dict[str, list[int]] = {}
    Through = Household.types.through
    for row in Through.objects.filter(
        household__in=[h.pk for h in households],
        householdtype__name__in=("独居老人", "困难家庭"),
    ).values("household_id", name=F("householdtype__name")):
        by_type.setdefault(row["name"], []).append(row["household_id"])
    companions = list(
        Member.objects.filter(community=community)
        .current()
        .filter(Q(is_party_member=True) | Q(team_memberships__isnull=False))
        .distinct()
        .order_by("pk")[:300]
    )
    drafts = []
    for household_id in by_type.get("独居老人", []):
        if companions and rng.random() < 0.8:  # a few still wait for a companion
            drafts.append(
                Pairing(
                    community=community,
                    household_id=household_id,
                    kind=Pairing.Kind.COMPANION,
                    member=rng.choice(companions),
                    started_on=today - datetime.timedelta(days=rng.randrange(30, 700)),
                    note="每周探望一次",
                )
            )
    for household_id in by_type.get("困难家庭", []):
        if units and rng.random() < 0.85:
            drafts.append(
                Pairing(
                    community=community,
                    household_id=household_id,
                    kind=Pairing.Kind.HARDSHIP,
                    partner=rng.choice(units),
                    started_on=today - datetime.timedelta(days=rng.randrange(30, 700)),
                    note="逢年过节慰问，日常帮扶",
                )
            )
    return len(Pairing.objects.bulk_create(drafts))


SERVED_ACTIVITIES = 6  # the latest activities that name the lonely elders they served


def _served(community, by, households, rng) -> int:
    """A handful of the latest activities (volunteering's demo) name the lonely elders they
    served: their files show the help, the pairing report counts it."""
    elders = list(
        Household.types.through.objects.filter(
            household__in=[h.pk for h in households], householdtype__name="独居老人"
        )
        .order_by("household_id")
        .values_list("household_id", flat=True)
    )
    activities = list(
        Activity.objects.filter(community=community).order_by("-date", "-pk")[:SERVED_ACTIVITIES]
    )
    if not elders:
        return 0
    drafts = [
        ActivityServed(
            community=community, activity=activity, household_id=household_id, added_by=by
        )
        for activity in activities
        for household_id in rng.sample(elders, min(len(elders), rng.randint(2, 5)))
    ]
    return len(ActivityServed.objects.bulk_create(drafts))
