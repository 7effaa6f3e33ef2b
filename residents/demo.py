"""Demo data modelled on the seed documents: 山鑫阳光城 (1,530 passbook households) and a
small second community, 齐河第三居民区, to show tenancy; plus one demo login per role.

Two layers: `draft_community` turns a plan and a seeded `random.Random` into plain data
(no database, so the same seed always gives the same register), and `build_community`
writes a draft with a handful of bulk inserts. `seed_demo` does both for each community
that does not exist yet, and creates the demo users that are missing; running it again
changes nothing. Later apps add their own demo data as steps that `manage.py seed_demo`
runs after this one (residents.demo_steps).
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q

from residents import demo_data
from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    Member,
    StaffMembership,
)
from residents.services import create_community, next_passbook_numbers

DEMO_SEED = 20261121
DEMO_PASSWORD = "demo-2026"
DEFAULT_HOUSEHOLDS = 1530
REFERENCE_YEAR = demo_data.REFERENCE_YEAR

MALE = Member.Gender.MALE
FEMALE = Member.Gender.FEMALE
Rel = Member.Relation


# --- Plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompoundPlan:
    """A compound and its kind of building: floors × units (单元, 0 = none) × doors a floor."""

    name: str
    floors: int
    doors: int
    units: int = 0
    weight: float = 1.0

    @property
    def homes_per_building(self) -> int:
        return self.floors * max(self.units, 1) * self.doors


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    slug: str
    sub_district: str  # the 街道 (residents.SubDistrict) by name
    passbook_prefix: str
    compounds: tuple[CompoundPlan, ...]
    landline_prefix: str  # the first local digits of the area's 021 numbers
    employers: tuple[tuple[str, tuple[str, ...]], ...]  # employer, job titles
    seed: int
    households_per_group: int
    max_building_groups: int
    first_head: str = ""  # name of the head of the first household (SX-00001)


def _community_plan(table: Mapping[str, Any], *, seed: int) -> CommunityPlan:
    compounds = tuple(CompoundPlan(*row) for row in table["compounds"])
    return CommunityPlan(**{**table, "compounds": compounds}, seed=seed)


SHANXIN = _community_plan(demo_data.SHANXIN, seed=DEMO_SEED)
QIHE3 = _community_plan(demo_data.QIHE3, seed=DEMO_SEED + 1)
QIHE3_HOUSEHOLDS = demo_data.QIHE3_HOUSEHOLDS


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    community_slug: str = ""
    role: str = ""
    superuser: bool = False


DEMO_USERS = tuple(
    DemoUser(username, full_name, slug, StaffMembership.Role(role) if role else "", not slug)
    for username, full_name, slug, role in demo_data.DEMO_USERS
)


# --- Drafts: the register as plain data ------------------------------------------------


@dataclass
class MemberDraft:
    name: str
    gender: str
    birth_year: int
    relation: str
    phone: str = ""
    specialties: list[str] = field(default_factory=list)
    is_party_member: bool = False
    is_in_service_party_member: bool = False
    employer: str = ""
    job_title: str = ""


@dataclass
class HouseholdDraft:
    compound: str
    group: int  # index into CommunityDraft.groups
    building: str
    unit: str
    room: str
    members: list[MemberDraft]
    phone: str = ""
    types: list[str] = field(default_factory=list)
    moved_out_on: datetime.date | None = None


@dataclass
class GroupDraft:
    name: str
    compound: str
    leader: tuple[int, int] | None = None  # (household index, member index)


@dataclass
class CommunityDraft:
    compounds: list[str]
    groups: list[GroupDraft]
    households: list[HouseholdDraft]


def _age(birth_year: int) -> int:
    return REFERENCE_YEAR - birth_year


class _Residents:
    """Draws people and households from one seeded random generator."""

    def __init__(self, rng: random.Random, plan: CommunityPlan) -> None:
        self.rng = rng
        self.plan = plan
        self.phones: set[str] = set()
        self._surname_weights = [1 / (rank + 6) for rank in range(len(demo_data.SURNAMES))]

    # people

    def surname(self) -> str:
        return self.rng.choices(demo_data.SURNAMES, weights=self._surname_weights)[0]

    def given_name(self, gender: str, birth_year: int) -> str:
        if birth_year <= 1965:
            pools = demo_data.ELDER_NAMES
        elif birth_year <= 1990:
            pools = demo_data.MIDDLE_NAMES
        else:
            pools = demo_data.YOUNG_NAMES
        return self.rng.choice(pools[0] if gender == MALE else pools[1])

    def person(self, gender: str, birth_year: int, relation: str, surname: str = "") -> MemberDraft:
        birth_year = min(birth_year, REFERENCE_YEAR - 2)
        name = (surname or self.surname()) + self.given_name(gender, birth_year)
        return MemberDraft(name=name, gender=gender, birth_year=birth_year, relation=relation)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(demo_data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        prefix = self.plan.landline_prefix
        digits = 8 - len(prefix)
        while True:
            number = f"021-{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def specialties(self, birth_year: int) -> list[str]:
        age = _age(birth_year)
        if age < 16:
            return []
        roll = self.rng.random()
        count = 0 if roll < 0.75 else 1 if roll < 0.94 else 2
        pool = demo_data.ELDER_SPECIALTIES if age >= 60 else demo_data.ADULT_SPECIALTIES
        return self.rng.sample(pool, count)

    def couple(self, husband_year: int) -> tuple[MemberDraft, MemberDraft]:
        wife_year = husband_year + self.rng.randint(-1, 5)
        husband = self.person(MALE, husband_year, Rel.HEAD)
        wife = self.person(FEMALE, wife_year, Rel.SPOUSE)
        return husband, wife

    def child_year(self, mother_year: int) -> int:
        return min(mother_year + self.rng.randint(24, 34), 2024)

    # households

    def household(self) -> list[MemberDraft]:
        """1–5 members, the head (户主) first."""
        rng = self.rng
        kinds = demo_data.HOUSEHOLD_KINDS
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if kind == "single_elder":
            gender = FEMALE if rng.random() < 0.68 else MALE
            return [self.person(gender, rng.randint(1935, 1960), Rel.HEAD)]
        if kind == "single_adult":
            gender = rng.choice((MALE, FEMALE))
            return [self.person(gender, rng.randint(1966, 2000), Rel.HEAD)]
        if kind in ("elder_couple", "couple"):
            years = (1936, 1962) if kind == "elder_couple" else (1962, 1996)
            husband, wife = self.couple(rng.randint(*years))
            return self._with_head([husband, wife], husband if rng.random() < 0.75 else wife)
        if kind == "nuclear":
            husband, wife = self.couple(rng.randint(1968, 1992))
            children = [
                self.person(
                    rng.choice((MALE, FEMALE)),
                    self.child_year(wife.birth_year),
                    Rel.CHILD,
                    husband.name[0],
                )
                for _ in range(1 if rng.random() < 0.75 else 2)
            ]
            head = husband if rng.random() < 0.8 else wife
            return self._with_head([husband, wife, *children], head)
        # An elder or elder couple living with a grown-up child (and maybe the child's family).
        if rng.random() < 0.5:
            elders = list(self.couple(rng.randint(1938, 1958)))
        else:
            gender = FEMALE if rng.random() < 0.65 else MALE
            elders = [self.person(gender, rng.randint(1936, 1958), Rel.HEAD)]
        mother_year = max(elder.birth_year for elder in elders)
        son = rng.random() < 0.65
        family_name = elders[0].name[0] if elders[0].gender == MALE else self.surname()
        child = self.person(
            MALE if son else FEMALE, self.child_year(mother_year), Rel.CHILD, family_name
        )
        if kind == "elder_with_child":
            return self._with_head([*elders, child], elders[0])
        in_law = self.person(
            FEMALE if son else MALE, child.birth_year + rng.randint(-2, 3), Rel.CHILD_IN_LAW
        )
        father = child if son else in_law
        grandchildren = [
            self.person(
                rng.choice((MALE, FEMALE)),
                self.child_year((in_law if son else child).birth_year),
                Rel.GRANDCHILD,
                father.name[0],
            )
            for _ in range(1 if len(elders) == 2 or rng.random() < 0.7 else 2)
        ]
        members = [*elders, child, in_law, *grandchildren]
        if rng.random() < 0.6:
            return self._with_head(members, elders[0])
        # The grown-up child is the head: elders become parents, grandchildren children.
        generation = {Rel.HEAD: Rel.PARENT, Rel.SPOUSE: Rel.PARENT, Rel.CHILD_IN_LAW: Rel.SPOUSE}
        generation[Rel.GRANDCHILD] = Rel.CHILD
        for member in members:
            member.relation = generation.get(member.relation, member.relation)
        child.relation = Rel.HEAD
        return [child, *[m for m in members if m is not child]]

    @staticmethod
    def _with_head(members: list[MemberDraft], head: MemberDraft) -> list[MemberDraft]:
        """Put `head` first; with the wife as head, the husband is her spouse."""
        for member in members:
            if member.relation in (Rel.HEAD, Rel.SPOUSE):
                member.relation = Rel.SPOUSE
        head.relation = Rel.HEAD
        return [head, *[m for m in members if m is not head]]

    def add_contacts(self, members: list[MemberDraft]) -> str:
        """Mobiles for some members and specialties; returns the household phone."""
        rng = self.rng
        for member in members:
            age = _age(member.birth_year)
            chance = 0 if age < 16 else 0.85 if age <= 60 else 0.55 if age <= 75 else 0.25
            if rng.random() < chance:
                member.phone = self.mobile()
            member.specialties = self.specialties(member.birth_year)
        elderly_only = all(_age(m.birth_year) >= 70 for m in members)
        mobiles = [m.phone for m in members if m.phone]
        if mobiles and not (elderly_only and rng.random() < 0.6):
            return mobiles[0]
        return self.landline()

    def household_types(self, members: list[MemberDraft]) -> list[str]:
        rng = self.rng
        ages = [_age(m.birth_year) for m in members]
        types = []
        if len(members) == 1 and ages[0] >= 65:
            types.append("独居老人")
        elif min(ages) >= 60:
            types.append("纯老家庭")
        if rng.random() < (0.07 if types else 0.035):
            types.append("困难家庭")
        if rng.random() < 0.025:
            types.append("残疾人家庭")
        if types and types[0] in ("独居老人", "纯老家庭") and rng.random() < 0.04:
            types.append("失独家庭")
        if max(ages) >= 70 and rng.random() < 0.03:
            types.append("优抚对象")
        return types or ["普通家庭"]


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties go to the first)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _addresses(
    rng: random.Random, compound: CompoundPlan, first_building: int, homes: int
) -> tuple[list[tuple[str, str, str]], int]:
    """`homes` addresses (building, unit, room) in whole buildings from `first_building` on,
    with some flats left out (not registered); also returns the number of buildings used."""
    per_building = compound.homes_per_building
    buildings = math.ceil(homes / per_building)
    if homes > 0.92 * buildings * per_building:
        buildings += 1
    units = [str(u) for u in range(1, compound.units + 1)] or [""]
    slots = [
        (building, unit, floor, door)
        for building in range(first_building, first_building + buildings)
        for unit in units
        for floor in range(1, compound.floors + 1)
        for door in range(1, compound.doors + 1)
    ]
    chosen = sorted(rng.sample(slots, homes))
    return [(str(b), unit, f"{floor}{door:02d}") for b, unit, floor, door in chosen], buildings


def draft_community(*, plan: CommunityPlan, households: int, rng: random.Random) -> CommunityDraft:
    """The whole register of one community as plain data; the same seed gives the same data."""
    people = _Residents(rng, plan)
    group_count = min(plan.max_building_groups, max(1, households // plan.households_per_group))
    groups_per_compound = _split(group_count, [c.weight for c in plan.compounds])
    homes_per_group = _split(households, [1] * group_count)

    groups: list[GroupDraft] = []
    drafts: list[HouseholdDraft] = []
    for compound, compound_groups in zip(plan.compounds, groups_per_compound, strict=True):
        next_building = 1
        for _ in range(compound_groups):
            index = len(groups)
            groups.append(GroupDraft(name=f"{index + 1}号楼组", compound=compound.name))
            addresses, used = _addresses(rng, compound, next_building, homes_per_group[index])
            next_building += used
            for building, unit, room in addresses:
                members = people.household()
                drafts.append(
                    HouseholdDraft(
                        compound=compound.name,
                        group=index,
                        building=building,
                        unit=unit,
                        room=room,
                        members=members,
                        phone=people.add_contacts(members),
                        types=people.household_types(members),
                    )
                )

    if plan.first_head and drafts:
        _make_first_household(people, drafts[0], plan.first_head)
    _move_some_out(rng, drafts)
    _choose_party_members(rng, plan, drafts)
    _choose_leaders(people, groups, drafts)
    return CommunityDraft(
        compounds=[c.name for c, n in zip(plan.compounds, groups_per_compound, strict=True) if n],
        groups=groups,
        households=drafts,
    )


def _make_first_household(people: _Residents, draft: HouseholdDraft, head_name: str) -> None:
    """The first passbook belongs to an elderly couple headed by `head_name` (pinyin demo)."""
    head = MemberDraft(
        name=head_name,
        gender=MALE,
        birth_year=1951,
        relation=Rel.HEAD,
        phone=people.mobile(),
        specialties=["维修家电"],
    )
    wife = people.person(FEMALE, 1953, Rel.SPOUSE)
    wife.specialties = ["编织"]
    draft.members = [head, wife]
    draft.phone = head.phone
    draft.types = ["纯老家庭"]


def _move_some_out(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    """About 2% have moved out; their flats stay empty (no new household registered yet)."""
    count = min(round(len(drafts) * demo_data.MOVED_OUT_SHARE), max(len(drafts) - 1, 0))
    first, last = map(datetime.date.fromisoformat, demo_data.MOVED_OUT_BETWEEN)
    for index in rng.sample(range(1, len(drafts)), count):
        drafts[index].moved_out_on = first + datetime.timedelta(
            days=rng.randint(0, (last - first).days)
        )


def _choose_party_members(
    rng: random.Random, plan: CommunityPlan, drafts: list[HouseholdDraft]
) -> None:
    """About 700 per 1,530 households, older adults more often; working-age party members
    are mostly in-service party members (在职党员) with an employer and position."""
    adults = [m for d in drafts for m in d.members if _age(m.birth_year) >= 20]
    target = min(round(len(drafts) * demo_data.PARTY_MEMBERS_PER_HOUSEHOLD), len(adults))

    def weight(member: MemberDraft) -> float:
        return 1.3 if member.birth_year <= 1960 else 1.0 if member.birth_year <= 1985 else 0.6

    # Weighted sampling without replacement (Efraimidis–Spirakis keys).
    keyed = sorted(adults, key=lambda m: rng.random() ** (1 / weight(m)), reverse=True)
    for member in keyed[:target]:
        member.is_party_member = True
        if member.birth_year >= 1966 and rng.random() < 0.85:
            employer, titles = rng.choice(plan.employers)
            member.is_in_service_party_member = True
            member.employer = employer
            member.job_title = rng.choice(titles)


def _choose_leaders(
    people: _Residents, groups: list[GroupDraft], drafts: list[HouseholdDraft]
) -> None:
    """Each building group's leader (楼组长) lives in the group; 70% are party members,
    in-service party members (在职党员) where the group has one of working age."""
    rng = people.rng
    party_groups = set(
        rng.sample(range(len(groups)), round(len(groups) * demo_data.PARTY_LEADER_SHARE))
    )
    candidates: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(groups))}
    for h, draft in enumerate(drafts):
        if draft.moved_out_on is None:
            for m, member in enumerate(draft.members):
                if 1945 <= member.birth_year <= 1985:
                    candidates[draft.group].append((h, m))
    for index, group in enumerate(groups):
        pool = candidates[index]
        if not pool:
            continue
        wanted = index in party_groups
        preferred = [c for c in pool if drafts[c[0]].members[c[1]].is_party_member == wanted]
        if wanted:
            preferred = [
                c for c in preferred if drafts[c[0]].members[c[1]].is_in_service_party_member
            ] or preferred
        group.leader = rng.choice(preferred or pool)
        leader = drafts[group.leader[0]].members[group.leader[1]]
        if not leader.phone:
            leader.phone = people.mobile()


# --- Writing to the database -----------------------------------------------------------


@dataclass(frozen=True)
class CommunitySummary:
    community: Community
    created: bool
    compounds: int
    building_groups: int
    party_leaders: int
    households: int
    active_households: int
    members: int
    party_members: int
    in_service_party_members: int


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    community: str
    password: str
    created: bool


@dataclass(frozen=True)
class SeedReport:
    communities: list[CommunitySummary]
    logins: list[DemoLogin]
    sample_household: Household | None


@transaction.atomic
def build_community(*, plan: CommunityPlan, households: int) -> Community:
    """Create the community of `plan` with `households` households, in bulk."""
    draft = draft_community(plan=plan, households=households, rng=random.Random(plan.seed))
    community = create_community(
        name=plan.name,
        slug=plan.slug,
        passbook_prefix=plan.passbook_prefix,
        subdistrict=plan.sub_district,
    )
    compounds = {
        c.name: c
        for c in Compound.objects.bulk_create(
            Compound(community=community, name=name) for name in draft.compounds
        )
    }
    groups = BuildingGroup.objects.bulk_create(
        BuildingGroup(community=community, name=g.name, compound=compounds[g.compound])
        for g in draft.groups
    )
    numbers = next_passbook_numbers(community, len(draft.households))
    household_rows = Household.objects.bulk_create(
        [
            Household(
                community=community,
                passbook_number=number,
                compound=compounds[d.compound],
                building=d.building,
                unit=d.unit,
                room=d.room,
                building_group=groups[d.group],
                phone=d.phone,
                status=(
                    Household.Status.ACTIVE
                    if d.moved_out_on is None
                    else Household.Status.MOVED_OUT
                ),
                moved_out_on=d.moved_out_on,
            )
            for number, d in zip(numbers, draft.households, strict=True)
        ],
        batch_size=1000,
    )
    member_rows = {
        (h, m): Member(
            community=community,
            household=household,
            position=m,
            name=member.name,
            gender=member.gender,
            birth_year=member.birth_year,
            phone=member.phone,
            relation=member.relation,
            specialties=member.specialties,
            is_party_member=member.is_party_member,
            is_in_service_party_member=member.is_in_service_party_member,
            employer=member.employer,
            job_title=member.job_title,
        )
        for h, (household, d) in enumerate(zip(household_rows, draft.households, strict=True))
        for m, member in enumerate(d.members)
    }
    for row in member_rows.values():
        row.set_pinyin()  # bulk_create bypasses Member.save()
    Member.objects.bulk_create(member_rows.values(), batch_size=2000)
    types = {t.name: t for t in HouseholdType.objects.for_community(community)}
    Through = Household.types.through
    Through.objects.bulk_create(
        [
            Through(household_id=household.pk, householdtype_id=types[name].pk)
            for household, d in zip(household_rows, draft.households, strict=True)
            for name in d.types
        ],
        batch_size=2000,
    )
    for group, g in zip(groups, draft.groups, strict=True):
        group.leader = member_rows[g.leader] if g.leader else None
    BuildingGroup.objects.bulk_update(groups, ["leader"])
    return community


def summarize(community: Community, *, created: bool) -> CommunitySummary:
    households = Household.objects.filter(community=community).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(status=Household.Status.ACTIVE))
    )
    members = Member.objects.filter(community=community, is_active=True).aggregate(
        total=Count("pk"),
        party=Count("pk", filter=Q(is_party_member=True)),
        in_service=Count("pk", filter=Q(is_in_service_party_member=True)),
    )
    groups = BuildingGroup.objects.filter(community=community).aggregate(
        total=Count("pk"), party_leaders=Count("pk", filter=Q(leader__is_party_member=True))
    )
    return CommunitySummary(
        community=community,
        created=created,
        compounds=Compound.objects.filter(community=community).count(),
        building_groups=groups["total"],
        party_leaders=groups["party_leaders"],
        households=households["total"],
        active_households=households["active"],
        members=members["total"],
        party_members=members["party"],
        in_service_party_members=members["in_service"],
    )


def ensure_demo_users(*, communities: Mapping[str, Community]) -> list[DemoLogin]:
    """Create the demo users and memberships that are missing; existing ones stay as they are."""
    User = get_user_model()
    logins = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if user is None:
            user = User(
                username=spec.username,
                first_name=spec.full_name,
                is_staff=spec.superuser,
                is_superuser=spec.superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        role, community_name = "超级用户（/admin/）", "全部"
        if spec.community_slug:
            community = communities[spec.community_slug]
            membership, _created = StaffMembership.objects.get_or_create(
                user=user, community=community, defaults={"role": spec.role}
            )
            role, community_name = membership.get_role_display(), community.name
        logins.append(
            DemoLogin(
                username=user.username,
                full_name=user.first_name,
                role=str(role),
                community=community_name,
                password=DEMO_PASSWORD,
                created=created,
            )
        )
    return logins


@transaction.atomic
def seed_demo(*, households: int = DEFAULT_HOUSEHOLDS) -> SeedReport:
    """Both demo communities (山鑫阳光城 with `households` households) and the demo logins.
    A community whose slug already exists is left untouched."""
    summaries = []
    communities = {}
    for plan, count in ((SHANXIN, households), (QIHE3, QIHE3_HOUSEHOLDS)):
        community = Community.objects.filter(slug=plan.slug).first()
        created = community is None
        if community is None:
            community = build_community(plan=plan, households=count)
        communities[plan.slug] = community
        summaries.append(summarize(community, created=created))
    sample = (
        Household.objects.active()
        .filter(community=communities[SHANXIN.slug])
        .order_by("passbook_number")
        .first()
    )
    return SeedReport(
        communities=summaries,
        logins=ensure_demo_users(communities=communities),
        sample_household=sample,
    )
