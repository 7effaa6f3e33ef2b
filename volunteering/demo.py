"""Volunteering demo data for the demo communities of residents.demo: the project menu
(5 categories and 26 projects at 山鑫阳光城, plus a party members' base-points category,
党员基础分, for dues paid and meetings attended), teams grown inside building groups,
project claims by party members (in-service party members claim at about 72.5%, as in
江川) and twelve months of past activities with their attendance, waiting for review
(points.demo approves most of it; a few records are already not approved here).

`residents`' seed_demo command calls `seed_demo` below after the register is seeded. A
community that already has projects or teams is left alone, so running it again changes
nothing, and a register seeded before this app existed gains its volunteering data. The
data is drawn from a fixed-seed `random.Random` relative to today: the same seed on the
same day gives the same data, and every activity lies in the past.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from residents.models import BuildingGroup, Community, Household, Member, StaffMembership
from volunteering import demo_data
from volunteering.demo_data import (
    AFFINITY,
    BASE_CATEGORY,
    COMMITTEE,
    DUES_ON_TIME_SHARE,
    IN_SERVICE_CLAIM_RATE,
    NOT_CLAIMED,
    OTHER_PARTY_CLAIM_RATE,
    PARTY_ORGANISER,
    POSTS,
    REJECTED_SHARE,
    REJECTION_REASONS,
    SHORTER_HOURS_SHARE,
)
from volunteering.models import (
    Activity,
    Attendance,
    Project,
    ProjectCategory,
    ProjectClaim,
    Team,
    TeamMembership,
)

DEMO_SEED = 20261122
WINDOW_DAYS = 365  # activities from a year ago up to yesterday
# The first passbook (the one seed_demo prints a resident link to) belongs to an elderly
# couple who volunteer often, so the sample passbook shows a year of service.
SHOWCASE_WEIGHT = 12.0

# --- Plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    hours: str
    description: str
    active: bool = True


@dataclass(frozen=True)
class CategorySpec:
    name: str
    projects: tuple[ProjectSpec, ...]
    is_base_points: bool = False  # 党员基础分: dues and meetings, apart from 增值分


@dataclass(frozen=True)
class TeamSpec:
    name: str
    size: tuple[int, int]
    gender: str = ""  # preferred gender, if any
    specialty: str = ""  # residents with this specialty join more often


@dataclass(frozen=True)
class SeriesSpec:
    """Activities of one kind: every `every_weeks` weeks on `weekday`, on `day_of_month`
    of every `every_months`-th month (months divisible by it; a weekend moves to the
    nearest weekday), or `count` times."""

    project: str
    title: str  # may use {month}, {quarter} and {group}
    # "team", "group" (a building group's residents), "residents", "claimers", "party"
    # (party members) or "dues" (party members paying that month's dues)
    kind: str
    start: str
    end: str
    place: str = ""
    size: tuple[int, int] = (4, 8)
    team: str = ""
    every_weeks: int = 0
    weekday: int = 0  # Monday = 0
    count: int = 0
    day_of_month: int = 0
    every_months: int = 1
    specialty: str = ""
    until_days_ago: int = 1  # the last possible date, e.g. for a project retired since


@dataclass(frozen=True)
class VolunteeringPlan:
    slug: str
    seed: int
    staff_username: str
    categories: tuple[CategorySpec, ...]
    teams: tuple[TeamSpec, ...]
    series: tuple[SeriesSpec, ...]


GENDERS = {"男": Member.Gender.MALE, "女": Member.Gender.FEMALE, "": ""}


def _plan(table: Mapping[str, Any], *, seed: int) -> VolunteeringPlan:
    return VolunteeringPlan(
        slug=table["slug"],
        seed=seed,
        staff_username=table["staff_username"],
        categories=tuple(
            CategorySpec(name, tuple(ProjectSpec(*row) for row in rows), name == BASE_CATEGORY)
            for name, rows in table["categories"].items()
        ),
        teams=tuple(
            TeamSpec(name, size, GENDERS[gender], specialty)
            for name, size, gender, specialty in table["teams"]
        ),
        series=tuple(SeriesSpec(**row) for row in table["series"]),
    )


SHANXIN_PLAN = _plan(demo_data.SHANXIN, seed=DEMO_SEED)
QIHE3_PLAN = _plan(demo_data.QIHE3, seed=DEMO_SEED + 1)
PLANS = {plan.slug: plan for plan in (SHANXIN_PLAN, QIHE3_PLAN)}


# --- The people the data is drawn from -------------------------------------------------


@dataclass(frozen=True)
class Person:
    """An active resident of an active household, aged 16 or more."""

    id: int
    age: int
    gender: str
    specialties: tuple[str, ...]
    is_party_member: bool
    is_in_service: bool
    employer: str
    group_id: int | None
    showcase: bool = False  # of the community's first passbook


@dataclass
class Group:
    id: int
    name: str
    leader_id: int | None
    places: list[str] = field(default_factory=list)  # e.g. 山鑫阳光城一期 3号楼


def _people(community: Community, today: datetime.date) -> list[Person]:
    rows = (
        Member.objects.filter(
            community=community,
            is_active=True,
            household__status=Household.Status.ACTIVE,
            birth_year__lte=today.year - 16,
        )
        .order_by("household__passbook_number", "position", "pk")
        .values_list(
            "pk",
            "birth_year",
            "gender",
            "specialties",
            "is_party_member",
            "is_in_service_party_member",
            "employer",
            "household__building_group_id",
            "household__passbook_number",
        )
    )
    first = min((row[-1] for row in rows), default=None)
    return [
        Person(
            pk,
            today.year - year,
            gender,
            tuple(specs),
            party,
            in_service,
            employer,
            group,
            number == first,
        )
        for pk, year, gender, specs, party, in_service, employer, group, number in rows
    ]


def _groups(community: Community) -> list[Group]:
    groups = {
        pk: Group(pk, name, leader)
        for pk, name, leader in BuildingGroup.objects.filter(community=community)
        .order_by("pk")
        .values_list("pk", "name", "leader_id")
    }
    addresses = (
        Household.objects.filter(community=community, status=Household.Status.ACTIVE)
        .order_by("compound__name", "building")
        .values_list("building_group_id", "compound__name", "building")
        .distinct()
    )
    for group_id, compound, building in addresses:
        if group_id in groups:
            groups[group_id].places.append(f"{compound}{building}号楼")
    return list(groups.values())


def _staff_user(community: Community, username: str) -> AbstractBaseUser | None:
    User = get_user_model()
    user = User.objects.filter(
        username=username, memberships__community=community, is_active=True
    ).first()
    if user is None:
        membership = (
            StaffMembership.objects.filter(community=community, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        user = membership.user if membership else None
    return user


# --- Drawing ---------------------------------------------------------------------------


def _age_weight(person: Person) -> float:
    """Older residents volunteer more often (老年人多); the first passbook's couple most."""
    if person.showcase:
        return 3.0 * SHOWCASE_WEIGHT
    if person.age >= 60:
        return 3.0
    if person.age >= 45:
        return 1.5
    if person.age >= 25:
        return 0.6
    return 0.3


def _pick(
    rng: random.Random, pool: Sequence[Person], k: int, weight: Callable[[Person], float]
) -> list[Person]:
    """`k` people without replacement, weighted (Efraimidis–Spirakis keys)."""
    keyed = sorted(pool, key=lambda p: rng.random() ** (1 / weight(p)), reverse=True)
    return keyed[: max(0, min(k, len(keyed)))]


def _date_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _hours(start: datetime.time, end: datetime.time) -> Decimal:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


@dataclass
class _Builder:
    """Builds one community's volunteering data from its plan."""

    plan: VolunteeringPlan
    community: Community
    user: AbstractBaseUser
    today: datetime.date
    rng: random.Random
    people: list[Person]
    groups: list[Group]
    projects: dict[str, Project] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    team_members: dict[str, list[Person]] = field(default_factory=dict)
    claims: list[ProjectClaim] = field(default_factory=list)
    base_projects: set[str] = field(default_factory=set)
    now: datetime.datetime = field(default_factory=timezone.now)  # when the few were rejected

    @property
    def first_day(self) -> datetime.date:
        return self.today - datetime.timedelta(days=WINDOW_DAYS)

    @property
    def yesterday(self) -> datetime.date:
        return self.today - datetime.timedelta(days=1)

    def menu(self) -> None:
        categories = ProjectCategory.objects.bulk_create(
            ProjectCategory(
                community=self.community,
                name=spec.name,
                position=i,
                is_base_points=spec.is_base_points,
            )
            for i, spec in enumerate(self.plan.categories, start=1)
        )
        projects = Project.objects.bulk_create(
            Project(
                community=self.community,
                category=category,
                name=p.name,
                description=p.description,
                default_hours=Decimal(p.hours),
                is_active=p.active,
                position=j,
            )
            for category, spec in zip(categories, self.plan.categories, strict=True)
            for j, p in enumerate(spec.projects, start=1)
        )
        self.projects = {p.name: p for p in projects}
        self.base_projects = {
            p.name for spec in self.plan.categories if spec.is_base_points for p in spec.projects
        }

    def make_teams(self) -> None:
        by_group: dict[int | None, list[Person]] = {}
        for person in self.people:
            by_group.setdefault(person.group_id, []).append(person)
        group_ids = [g.id for g in self.groups if by_group.get(g.id)] or [None]
        latest_join = self.first_day - datetime.timedelta(days=14)
        earliest_join = latest_join - datetime.timedelta(days=6 * 365)
        teams, memberships = [], []
        for spec in self.plan.teams:
            # A team grows inside a building group and takes in neighbours from elsewhere.
            home = self.rng.choice(group_ids)

            def weight(p: Person, spec: TeamSpec = spec, home: int | None = home) -> float:
                w = _age_weight(p)
                w *= 4.0 if p.group_id == home else 1.0
                w *= 3.0 if spec.gender and p.gender == spec.gender else 1.0
                w *= 5.0 if spec.specialty and spec.specialty in p.specialties else 1.0
                return w

            members = _pick(self.rng, self.people, self.rng.randint(*spec.size), weight)
            if not members:
                continue
            party = [p for p in members if p.is_party_member]
            leader = self.rng.choice(party if party and self.rng.random() < 0.6 else members)
            team = Team(community=self.community, name=spec.name, leader_id=leader.id)
            teams.append(team)
            self.team_members[spec.name] = [leader, *[p for p in members if p is not leader]]
            memberships += [
                TeamMembership(
                    community=self.community,
                    team=team,
                    member_id=p.id,
                    joined_on=_date_between(self.rng, earliest_join, latest_join),
                )
                for p in members
            ]
        Team.objects.bulk_create(teams)
        TeamMembership.objects.bulk_create(memberships)
        self.teams = {team.name: team for team in teams}

    def make_claims(self) -> None:
        """In-service party members claim about 72.5%, other party members about 40%; each
        claimer takes one to three projects or posts, dated this year up to yesterday."""
        first = datetime.date(self.today.year, 1, 1)
        if first >= self.yesterday:
            first = self.yesterday - datetime.timedelta(days=90)
        active = [
            p
            for p in self.projects.values()
            if p.is_active and p.name not in NOT_CLAIMED and p.name not in self.base_projects
        ]
        posts = [p for p in active if p.name in POSTS]
        in_service = [p for p in self.people if p.is_in_service]
        others = [p for p in self.people if p.is_party_member and not p.is_in_service]
        claimers = [
            (person, self.rng.choices((1, 2, 3), weights=(0.55, 0.3, 0.15))[0])
            for person in self.rng.sample(
                in_service, round(len(in_service) * IN_SERVICE_CLAIM_RATE)
            )
        ]
        claimers += [
            (person, self.rng.choices((1, 2), weights=(0.8, 0.2))[0])
            for person in self.rng.sample(others, round(len(others) * OTHER_PARTY_CLAIM_RATE))
        ]
        for person, count in claimers:
            liked = {
                name for key, names in AFFINITY.items() if key in person.employer for name in names
            }

            def weight(project: Project, person: Person = person, liked: set = liked) -> float:
                if project.name in POSTS:
                    return 3.0 if person.is_in_service else 4.0
                return 5.0 if project.name in liked else 1.0

            keyed = sorted(active, key=lambda p: self.rng.random() ** (1 / weight(p)), reverse=True)
            chosen = keyed[:count]
            # 虹西: each party member claims one of the four posts; here about half do.
            if posts and not set(chosen) & set(posts) and self.rng.random() < 0.5:
                chosen[-1] = self.rng.choice(posts)
            self.claims += [
                ProjectClaim(
                    community=self.community,
                    project=project,
                    member_id=person.id,
                    claimed_on=_date_between(self.rng, first, self.yesterday),
                    created_by=self.user,
                )
                for project in dict.fromkeys(chosen)
            ]
        ProjectClaim.objects.bulk_create(self.claims)

    def dates(self, spec: SeriesSpec) -> list[datetime.date]:
        last = self.today - datetime.timedelta(days=max(spec.until_days_ago, 1))
        if spec.day_of_month:
            dates, month = [], self.first_day.replace(day=1)
            while month <= last:
                if month.month % spec.every_months == 0:
                    day = month.replace(day=spec.day_of_month)
                    if day.weekday() >= 5:  # Saturday to Friday, Sunday to Monday
                        day += datetime.timedelta(days=-1 if day.weekday() == 5 else 1)
                    if self.first_day <= day <= last:
                        dates.append(day)
                month = (month + datetime.timedelta(days=32)).replace(day=1)
            return dates
        if spec.count:
            span = (last - self.first_day).days + 1
            days = sorted(self.rng.sample(range(span), min(spec.count, span)))
            return [self.first_day + datetime.timedelta(days=d) for d in days]
        day = self.first_day + datetime.timedelta(
            days=(spec.weekday - self.first_day.weekday()) % 7
        )
        day += datetime.timedelta(weeks=self.rng.randrange(spec.every_weeks))
        dates = []
        while day <= last:
            dates.append(day)
            day += datetime.timedelta(weeks=spec.every_weeks)
        return dates

    def participants(
        self, spec: SeriesSpec, project: Project, day: datetime.date
    ) -> tuple[list[Person], set[int], str, str]:
        """Who took part, who led, the organiser and the building group's name."""
        if spec.kind == "dues":
            # Each party member pays every month (the base standard asks for each month's
            # dues); most on time. Dues earn party base points, not household points.
            paid = [
                p
                for p in self.people
                if p.is_party_member and self.rng.random() < DUES_ON_TIME_SHARE
            ]
            return paid, set(), PARTY_ORGANISER, ""
        size = self.rng.randint(*spec.size)
        if spec.kind == "party":
            party = [p for p in self.people if p.is_party_member]

            def weight(p: Person) -> float:
                # Retired members come more often than those at work; the very old less.
                return (1.0 if p.is_in_service else 2.0) * (0.4 if p.age >= 80 else 1.0)

            return _pick(self.rng, party, size, weight), set(), PARTY_ORGANISER, ""
        if spec.kind == "team" and spec.team in self.team_members:
            members = self.team_members[spec.team]
            leader = members[0]
            others = self.rng.sample(members[1:], min(size - 1, len(members) - 1))
            return [leader, *others], {leader.id}, spec.team, ""
        if spec.kind == "group" and self.groups:
            group = self.rng.choice(self.groups)
            pool = [p for p in self.people if p.group_id == group.id] or self.people
            chosen = _pick(self.rng, pool, size, _age_weight)
            leader = next((p for p in pool if p.id == group.leader_id), None)
            if leader is not None and leader not in chosen:
                chosen = [leader, *chosen[:-1]] if len(chosen) >= size else [leader, *chosen]
            return chosen, {group.leader_id} if leader else set(), group.name, group.name
        claimed = {c.member_id for c in self.claims if c.project_id == project.pk}
        if spec.kind == "claimers":

            def weight(p: Person) -> float:
                return (20.0 if p.id in claimed else 1.0) * (2.0 if p.is_party_member else 0.1)

            return _pick(self.rng, self.people, size, weight), set(), PARTY_ORGANISER, ""

        def weight(p: Person) -> float:
            w = _age_weight(p)
            w *= 6.0 if spec.specialty and spec.specialty in p.specialties else 1.0
            return w * (8.0 if p.id in claimed else 1.0)

        return _pick(self.rng, self.people, size, weight), set(), COMMITTEE, ""

    def activities(self) -> tuple[int, int, int]:
        """Activities and attendance of every series; returns the numbers of activities,
        of those in the base-points category, and of attendance records."""
        activities, attendances = [], []
        for spec in self.plan.series:
            project = self.projects[spec.project]
            start, end = _time(spec.start), _time(spec.end)
            hours = _hours(start, end)
            for day in self.dates(spec):
                people, leaders, organiser, group = self.participants(spec, project, day)
                if not people:
                    continue
                place = spec.place
                if group:
                    places = next(g.places for g in self.groups if g.name == group)
                    place = place or (self.rng.choice(places) if places else group)
                activity = Activity(
                    community=self.community,
                    project=project,
                    title=spec.title.format(
                        month=day.month, quarter=(day.month - 1) // 3 + 1, group=group
                    ),
                    date=day,
                    start_time=start,
                    end_time=end,
                    hours=hours,
                    place=place,
                    organiser=organiser,
                    submission_key=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                    created_by=self.user,
                )
                activities.append(activity)
                attendances += [
                    self.attendance(activity, person, leaders, spec.kind != "dues")
                    for person in people
                ]
        Activity.objects.bulk_create(activities, batch_size=1000)
        Attendance.objects.bulk_create(attendances, batch_size=2000)
        base = sum(a.project.name in self.base_projects for a in activities)
        return len(activities), base, len(attendances)

    def attendance(
        self, activity: Activity, person: Person, leaders: set[int], may_reject: bool = True
    ) -> Attendance:
        hours, note = activity.hours, ""
        if hours > 1 and self.rng.random() < SHORTER_HOURS_SHARE:
            hours, note = hours - Decimal("0.5"), "提前离开"
        rejected = may_reject and self.rng.random() < REJECTED_SHARE
        return Attendance(
            community=self.community,
            activity=activity,
            member_id=person.id,
            hours=hours,
            role=Attendance.Role.ORGANISER if person.id in leaders else Attendance.Role.PARTICIPANT,
            note=note,
            status=Attendance.Status.REJECTED if rejected else Attendance.Status.PENDING,
            rejection_reason=self.rng.choice(REJECTION_REASONS) if rejected else "",
            reviewed_by=self.user if rejected else None,
            reviewed_at=self.now if rejected else None,
            recorded_by=self.user,
        )


def _claim_rate(builder: _Builder) -> str:
    in_service = {p.id for p in builder.people if p.is_in_service}
    claimed = {c.member_id for c in builder.claims} & in_service
    return f"{len(claimed) / len(in_service):.1%}" if in_service else "—"


def seed_community(plan: VolunteeringPlan, community: Community) -> str:
    """One community's volunteering data; returns its summary line."""
    prefix = f"{community.name}："
    if (
        ProjectCategory.objects.filter(community=community).exists()
        or Team.objects.filter(community=community).exists()
    ):
        return prefix + "已有志愿服务数据，未改动"
    user = _staff_user(community, plan.staff_username)
    today = timezone.localdate()
    people = _people(community, today)
    if user is None or not people:
        return prefix + "还没有在册居民或工作人员账号，暂不生成志愿服务数据"
    builder = _Builder(
        plan=plan,
        community=community,
        user=user,
        today=today,
        rng=random.Random(plan.seed),
        people=people,
        groups=_groups(community),
    )
    builder.menu()
    builder.make_teams()
    builder.make_claims()
    activities, base_activities, attendances = builder.activities()
    welfare = [p for name, p in builder.projects.items() if name not in builder.base_projects]
    retired = sum(not p.is_active for p in welfare)
    base = len(builder.projects) - len(welfare)
    return prefix + (
        f"项目类别 {len(plan.categories)} 个、公益项目 {len(welfare)} 个"
        f"（停用 {retired} 个）、党员基础分项目 {base} 个、团队 {len(builder.teams)} 支、"
        f"认领 {len(builder.claims)} 条（在职党员认领率 {_claim_rate(builder)}）、"
        f"活动 {activities} 场（其中党员基础分 {base_activities} 场）、"
        f"参与记录 {attendances} 条"
    )


@transaction.atomic
def seed_demo(*, communities: Mapping[str, Community]) -> list[str]:
    """Volunteering data for each demo community (by slug) that has none yet."""
    return [
        seed_community(PLANS[slug], community)
        for slug, community in communities.items()
        if slug in PLANS
    ]
