"""Party demo data (`manage.py seed_demo`, after volunteering and before points approves):
what each base-points project is (dues, meetings) and which projects are the four posts;
the quarter's base standard; and the in-service party members registered elsewhere who
reported here (报到) — at 山鑫阳光城 enough for its register's 710 in-service party members —
with their employers, skills, claimed posts, a year of dues and meetings and some service,
all waiting for points' review, which posts them to party accounts (and, dues and meetings
being base points, nothing to household passbooks). A community that already has party
settings is left alone."""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from party import demo_data
from party.models import PartyMember, PartySettings, ProjectRole
from residents.models import Community, Household, Member
from volunteering.models import Activity, Attendance, Project, ProjectClaim

DEMO_SEED = 20261205


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(demo_data.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(demo_data.SURNAMES) + given


def _reported(rng: random.Random, community: Community, count: int) -> list[Member]:
    today = timezone.localdate()
    members = []
    for _i in range(count):
        employer, titles = rng.choice(demo_data.EMPLOYERS)
        title = rng.choice(titles)
        skills = list(demo_data.SKILLS_BY_TITLE.get(title, ()))
        if rng.random() < 0.5:
            skills.append(rng.choice(demo_data.OTHER_SKILLS))
        member = Member(
            community=community,
            residence=Member.Residence.NON_RESIDENT,
            household=None,
            name=_name(rng),
            gender=rng.choice(Member.Gender.values),
            birth_year=rng.randint(today.year - 58, today.year - 24),
            phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
            relation=Member.Relation.OTHER,
            specialties=sorted(set(skills)),
            is_party_member=True,
            is_in_service_party_member=True,
            employer=employer,
            job_title=title,
        )
        member.set_pinyin()
        members.append(member)
    return Member.objects.bulk_create(members, batch_size=1000)


def seed_community(community: Community) -> str:
    prefix = f"{community.name}："
    if PartySettings.objects.filter(community=community).exists():
        return prefix + "已有党员积分数据，未改动"
    rng = random.Random(DEMO_SEED + community.pk)
    today = timezone.localdate()
    PartySettings.objects.create(
        community=community, meetings_per_quarter=demo_data.MEETINGS_PER_QUARTER
    )
    projects = {p.name: p for p in Project.objects.filter(community=community)}
    roles = [
        ProjectRole(community=community, project=projects[name], duty=duty)
        for name, duty in demo_data.DUTIES.items()
        if name in projects
    ] + [
        ProjectRole(community=community, project=projects[name], post=post)
        for name, post in demo_data.POSTS.items()
        if name in projects
    ]
    ProjectRole.objects.bulk_create(roles)

    in_service = Member.objects.filter(
        community=community, is_in_service_party_member=True
    ).current()
    households = Household.objects.filter(community=community).count()
    target = round(households * demo_data.IN_SERVICE_PER_HOUSEHOLD)
    wanted = target - in_service.count()
    reported = _reported(rng, community, max(wanted, 0))
    reported_on = {
        member.pk: today - datetime.timedelta(days=rng.randint(30, 3 * 365)) for member in reported
    }
    PartyMember.objects.bulk_create(
        PartyMember(community=community, member=member, reported_on=reported_on[member.pk])
        for member in reported
    )
    posts = [projects[name] for name in demo_data.POSTS if name in projects]
    staff = Activity.objects.filter(community=community).values_list("created_by", flat=True)
    by = staff.first()
    claims = []
    claimed: dict[int, Project] = {}
    if posts and by is not None:
        for member in rng.sample(reported, round(len(reported) * demo_data.IN_SERVICE_CLAIM_RATE)):
            post = rng.choice(posts)
            claimed[member.pk] = post
            claims.append(
                ProjectClaim(
                    community=community,
                    project=post,
                    member=member,
                    claimed_on=reported_on[member.pk] + datetime.timedelta(days=rng.randint(0, 20)),
                    created_by_id=by,
                )
            )
    ProjectClaim.objects.bulk_create(claims)
    attendances = []
    activities = Activity.objects.filter(
        community=community, date__lt=today, project__in=[*posts, *projects.values()]
    ).select_related("project")
    for activity in activities.order_by("date", "pk"):
        name = activity.project.name
        here = [m for m in reported if reported_on[m.pk] <= activity.date]
        if demo_data.DUTIES.get(name) == "dues":
            people = [m for m in here if rng.random() < demo_data.DUES_ON_TIME_SHARE]
        elif name in demo_data.MEETING_SHARE:
            people = [m for m in here if rng.random() < demo_data.MEETING_SHARE[name]]
        elif name in demo_data.POSTS:
            people = [
                m
                for m in here
                if claimed.get(m.pk) == activity.project
                and rng.random() < demo_data.POST_ACTIVITY_SHARE
            ]
        else:
            continue
        attendances += [
            Attendance(
                community=community,
                activity=activity,
                member=member,
                hours=activity.hours,
                recorded_by_id=activity.created_by_id,
            )
            for member in people
        ]
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    return prefix + (
        f"报到的在职党员 {len(reported)} 位（在职党员共 {in_service.count()} 位），"
        f"认领四岗 {len(claims)} 条，党费和组织生活等参与记录 {len(attendances)} 条；"
        f"项目用途 {len(roles)} 个；基础标准：每月党费、每季度组织生活至少 "
        f"{demo_data.MEETINGS_PER_QUARTER} 次"
    )


@transaction.atomic
def seed_demo(*, communities: Mapping[str, Community]) -> list[str]:
    return [seed_community(community) for community in communities.values()]
