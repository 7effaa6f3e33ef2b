"""The URL walk shared by test_url_walk.py and test_csrf_methods.py.

Every URL pattern of the project comes from the URL conf (`django.urls.get_resolver()`, into
every include), so a page added tomorrow is walked tomorrow without anyone listing it. A
pattern with arguments is filled from a `World` (one community's objects) by the filler
tables below; a new argument nobody knows how to fill makes the walk fail with a message
saying where to add it — it is never skipped silently.

Skipped, each for a named reason (SKIPPED_PREFIXES): Django's own admin (it checks
`is_staff`/superuser, not our tenancy; test_url_walk checks separately that our staff are
refused there) and Django's language switch (i18n/, no tenant data).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from needs import services as needs_services
from needs.models import PartnerPerson, PartnerUnit
from needs.served import add_served
from party.models import Duty, PartyMember, ProjectRole
from points import services as points_services
from points.passbook import issue_tokens, token_hash
from redemption import services as redemption_services
from residents.models import (
    Community,
    ExportRecord,
    ImportUpload,
    Member,
    StaffMembership,
)
from subdistrict.models import (
    ContestObjection,
    Notice,
    Objection,
    Publication,
    StarContest,
    StarEntry,
)
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    NonResidentFactory,
    ProjectCategoryFactory,
    ProjectClaimFactory,
    ProjectFactory,
    StaffMembershipFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import RewardFactory, RoundFactory, RoundItemFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

# Route prefixes not walked, with the reason (shown in the test report).
SKIPPED_PREFIXES = {
    "admin/": "Django admin: guarded by is_staff/superuser, checked by its own test",
    "i18n/": "Django's language switch: no tenant data, no tenant argument",
}

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
ROLE = StaffMembership.Role


@dataclass(frozen=True)
class Pattern:
    route: str  # e.g. "households/<int:pk>/edit/"
    name: str  # the namespaced view name, e.g. "residents:household_edit"
    callback: Callable
    arguments: tuple[str, ...]  # keyword arguments the route captures

    @property
    def methods(self) -> set[str] | None:
        """What the view declares it accepts (require_GET/require_POST/require_http_methods,
        or a class-based view's http_method_names); None when it declares nothing."""
        view_class = getattr(self.callback, "view_class", None)
        if view_class is not None:
            return {m.upper() for m in view_class.http_method_names} - {"OPTIONS", "HEAD"}
        function = self.callback
        while function is not None:
            code = getattr(function, "__code__", None)
            if code is not None and "request_method_list" in code.co_freevars:
                cell = function.__closure__[code.co_freevars.index("request_method_list")]
                return {m.upper() for m in cell.cell_contents} - {"OPTIONS", "HEAD"}
            function = getattr(function, "__wrapped__", None)
        return None


def url_patterns() -> tuple[list[Pattern], dict[str, str]]:
    """Every pattern of the URL conf, and the skipped ones with their reason."""
    walked: list[Pattern] = []
    skipped: dict[str, str] = {}

    def visit(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            reason = next((r for p, r in SKIPPED_PREFIXES.items() if route.startswith(p)), None)
            if reason:
                skipped[route] = reason
                continue
            if isinstance(entry, URLResolver):
                visit(entry, route, entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                arguments = tuple(entry.pattern.regex.groupindex)
                walked.append(Pattern(route, name, entry.callback, arguments))

    visit(get_resolver(), "", None)
    return walked, skipped


# One community's objects ------------------------------------------------------------------


@dataclass
class World:
    """One community with at least one of everything a page can be about. Every name
    starts with `tag` (乙区测试… for the other community), so a leak is a plain substring."""

    community: Community
    tag: str
    admin: object = None
    objects: dict[str, models.Model] = field(default_factory=dict)
    token: str = ""  # the household's working passbook link token
    revoked_token: str = ""  # an older one, revoked by a reprint
    receipt: str = ""
    markers: list[str] = field(default_factory=list)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def staff_usernames(self) -> list[str]:
        return list(
            StaffMembership.objects.filter(community=self.community).values_list(
                "user__username", flat=True
            )
        )


def build_world(community: Community, *, tag: str, prefix: str) -> World:
    """Households with members and phones, the settings lists, the volunteering catalogue,
    an activity with pending and approved attendance, ledger entries, a rule, a reward with
    a picture, an open round with an item, a redemption with its receipt, an import upload,
    an export record, audit events (the triggers write them) and a passbook link."""
    w = World(community=community, tag=tag)
    o = w.objects
    admin = StaffMembershipFactory(
        community=community, role=ROLE.ADMIN, user__username=f"{prefix.lower()}-walk-admin"
    ).user
    w.admin = admin
    o["compound"] = CompoundFactory(community=community, name=f"{tag}小区")
    o["household_type"] = HouseholdTypeFactory(community=community, name=f"{tag}家庭类型")
    o["building_group"] = BuildingGroupFactory(
        community=community, compound=o["compound"], name=f"{tag}楼组"
    )
    o["household"] = HouseholdFactory(
        community=community,
        compound=o["compound"],
        building_group=o["building_group"],
        passbook_number=f"{prefix}-90001",
        phone="13912340001" if prefix == "SX" else "13987650002",
    )
    o["household"].types.add(o["household_type"])
    o["head"] = MemberFactory(household=o["household"], name=f"{tag}户主", phone="13811110001")
    o["member"] = MemberFactory(
        household=o["household"],
        name=f"{tag}成员",
        relation=Member.Relation.SPOUSE,
        phone="13822220002",
    )
    category = ProjectCategoryFactory(community=community, name=f"{tag}类别")
    o["category"] = category
    o["project"] = ProjectFactory(community=community, category=category, name=f"{tag}项目")
    o["claim"] = ProjectClaimFactory(project=o["project"], member=o["head"], created_by=admin)
    o["team"] = TeamFactory(community=community, name=f"{tag}团队")
    o["team_membership"] = TeamMembershipFactory(team=o["team"], member=o["head"])
    o["rule"] = PointRuleFactory(
        community=community,
        created_by=admin,
        note=f"{tag}规则",
        starts_on=datetime.date(2025, 1, 1),
    )
    o["activity"] = ActivityFactory(
        project=o["project"],
        title=f"{tag}活动",
        created_by=admin,
        date=timezone.localdate() - datetime.timedelta(days=2),
    )
    o["approved"] = AttendanceFactory(activity=o["activity"], member=o["head"])
    o["pending"] = AttendanceFactory(activity=o["activity"], member=o["member"])
    points_services.approve(community=community, attendance_ids=[o["approved"].pk], by=admin)
    o["adjustment"] = points_services.adjust(
        household=o["household"], amount=100, reason=f"{tag}开户", by=admin
    )
    reward = RewardFactory(community=community, name=f"{tag}奖品", point_price=10)
    reward.picture.save("walk.jpg", ContentFile(JPEG), save=True)
    o["reward"] = reward
    o["round"] = RoundFactory(
        community=community, name=f"{tag}兑换期", code=f"{prefix}Z9", created_by=admin
    )
    o["item"] = RoundItemFactory(round=o["round"], reward=reward, stock=20)
    redemption_services.open_round(round_=o["round"], by=admin)
    o["redemption"] = redemption_services.redeem(
        community=community,
        household=o["household"],
        quantities={o["item"].pk: 1},
        submission_key=uuid.uuid4(),
        by=admin,
    )
    w.receipt = o["redemption"].number
    # A party member who reported here (报到), and a dues project for the roll-call (no
    # activity of its own: the pages' tests count the world's one activity).
    o["party_member"] = NonResidentFactory(community=community, name=f"{tag}党员")
    PartyMember.objects.create(
        community=community, member=o["party_member"], reported_on=datetime.date(2026, 1, 5)
    )
    o["dues_project"] = ProjectFactory(community=community, category=category, name=f"{tag}党费")
    ProjectRole.objects.create(community=community, project=o["dues_project"], duty=Duty.DUES)
    o["import_upload"] = ImportUpload.objects.create(
        community=community,
        user=admin,
        file_name=f"{tag}名册.csv",
        content=f"姓名,小区,楼号,室号\n{tag}导入人,{tag}小区,9,901\n".encode(),
    )
    o["export"] = ExportRecord.objects.create(
        community=community, user=admin, what=f"{tag}导出", file_format="csv", rows=1
    )
    o["visit"] = needs_services.record_visit(
        community=community,
        by=admin,
        submission_key=uuid.uuid4(),
        household=o["household"],
        visited_on=timezone.localdate(),
        visitors=f"{tag}走访人",
        findings=f"{tag}走访情况",
        need_text=f"{tag}走访需求",
    )[0]
    o["need"] = o["visit"].needs.get()
    o["partner"] = PartnerUnit.objects.create(community=community, name=f"{tag}共建单位")
    # The sub-district's star building-group contest, with the community's entry.
    o["star_contest"] = StarContest.objects.create(
        subdistrict=community.subdistrict,
        year=2026,
        title=f"{tag}评选",
        kinds=["study", "health"],
        measures=["participation"],
        criteria=f"{tag}评选标准",
        opened_by=admin,
    )
    entry = StarEntry(
        community=community,
        contest=o["star_contest"],
        building_group=o["building_group"],
        kind="study",
        plan=f"{tag}创建方案",
        entered_by=admin,
    )
    entry.photo.save("walk.jpg", ContentFile(JPEG), save=False)
    entry.photo_2.save("walk.jpg", ContentFile(JPEG), save=False)
    entry.save()
    o["star_entry"] = entry
    o["pairing"] = needs_services.pair(
        community=community,
        by=admin,
        household=o["household"],
        kind="companion",
        started_on=timezone.localdate(),
        member=o["member"],
        note=f"{tag}结对",
    )
    o["served"], _created = add_served(activity=o["activity"], household=o["household"], by=admin)
    o["partner_person"] = PartnerPerson.objects.create(
        community=community, unit=o["partner"], member=o["member"], joined_on=timezone.localdate()
    )
    # 公示 of the community's standings, with an objection.
    o["publication"] = Publication.objects.create(
        community=community,
        period="2026Q3",
        title=f"{tag}公示",
        rows={"households": [], "groups": []},
        published_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=6),
        published_by=admin,
    )
    o["objection"] = Objection.objects.create(
        community=community,
        publication=o["publication"],
        raised_by=f"{tag}异议人",
        raised_on=timezone.localdate(),
        content="积分少算",
        recorded_by=admin,
    )
    # Last year's contest, its result under 公示, with an objection.
    o["contest_under_publication"] = StarContest.objects.create(
        subdistrict=community.subdistrict,
        year=2025,
        title=f"{tag}去年评选",
        kinds=["study"],
        criteria=f"{tag}评选标准",
        opened_by=admin,
    )
    StarEntry.objects.create(
        community=community,
        contest=o["contest_under_publication"],
        building_group=o["building_group"],
        kind="study",
        plan=f"{tag}创建方案",
        photo=entry.photo.name,
        entered_by=admin,
        stars=2,
        rated_by=admin,
        rated_at=timezone.now(),
    )
    StarContest.objects.filter(pk=o["contest_under_publication"].pk).update(
        status=StarContest.Status.PUBLISHED,
        published_by=admin,
        published_at=timezone.now(),
        published_on=timezone.localdate() - datetime.timedelta(days=9),
        ends_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    o["contest_objection"] = ContestObjection.objects.create(
        contest=o["contest_under_publication"],
        raised_by=f"{tag}评选异议人",
        raised_on=timezone.localdate(),
        content="星级有误",
        recorded_by=admin,
    )
    o["notice"] = Notice.objects.create(
        community=community,
        title=f"{tag}公告",
        body="兑换时间",
        expires_on=timezone.localdate() + datetime.timedelta(days=7),
        created_by=admin,
    )
    w.revoked_token = issue_tokens(households=[o["household"]], by=admin)[o["household"].pk]
    w.token = issue_tokens(households=[o["household"]], by=admin)[o["household"].pk]
    AccessAttempt = _optional_model("axes", "AccessAttempt")
    if AccessAttempt is not None:  # the admin is locked out: enough failed logins
        o["lockout"] = AccessAttempt.objects.create(
            username=admin.username.lower(),
            ip_address="10.9.9.9",
            user_agent="walk",
            failures_since_start=getattr(settings, "LOGIN_FAILURE_LIMIT", 5),
        )
    w.markers = [
        community.name,
        f"{tag}小区",
        f"{tag}家庭类型",
        f"{tag}楼组",
        f"{tag}户主",
        f"{tag}成员",
        f"{tag}类别",
        f"{tag}项目",
        f"{tag}团队",
        f"{tag}规则",
        f"{tag}活动",
        f"{tag}奖品",
        f"{tag}兑换期",
        f"{tag}名册",
        f"{tag}导入人",
        f"{tag}导出",
        f"{tag}评选",
        f"{tag}创建方案",
        f"{tag}公示",
        f"{tag}异议人",
        f"{tag}去年评选",
        f"{tag}评选异议人",
        f"{tag}公告",
        f"{tag}开户",
        f"{tag}走访人",
        f"{tag}走访情况",
        f"{tag}走访需求",
        f"{tag}共建单位",
        f"{tag}党员",
        f"{tag}党费",
        f"{tag}结对",
        o["household"].passbook_number,
        o["household"].phone,
        w.receipt,
        w.token,
        w.revoked_token,
        admin.username,
    ]
    return w


def _optional_model(app_label: str, name: str) -> type[models.Model] | None:
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


# Filling a pattern's arguments ---------------------------------------------------------------

# `pk` means the object of the route's first segments (longest prefix wins).
PK_BY_ROUTE_PREFIX: dict[str, Callable[[World], object]] = {
    "households/import/": lambda w: w.import_upload.pk,
    "households/": lambda w: w.household.pk,
    "activities/": lambda w: w.activity.pk,
    "projects/categories/": lambda w: w.category.pk,
    "projects/": lambda w: w.project.pk,
    "teams/": lambda w: w.team.pk,
    "points/rules/": lambda w: w.rule.pk,
    "rewards/": lambda w: w.reward.pk,
    "rounds/": lambda w: w.round.pk,
    "counter/households/": lambda w: w.household.pk,
    "redemptions/": lambda w: w.redemption.pk,
    "visits/": lambda w: w.visit.pk,
    "wishes/": lambda w: w.need.pk,
    # The sub-district's read-only view of one of its communities, its contests and their
    # entries; a community's side of the contest.
    "subdistrict/communities/": lambda w: w.community.pk,
    "subdistrict/star-groups/": lambda w: w.star_contest.pk,
    "subdistrict/star-groups/entries/": lambda w: w.star_entry.pk,
    "star-groups/": lambda w: w.star_contest.pk,
    "star-groups/entries/": lambda w: w.star_entry.pk,
    "party/members/": lambda w: w.party_member.pk,
    "partners/": lambda w: w.partner.pk,
    "pairings/": lambda w: w.pairing.pk,
    "publications/": lambda w: w.publication.pk,
    "notices/": lambda w: w.notice.pk,
    # The access helper's lockout page: a login failure of the other community's admin.
    "security/lockouts/": lambda w: w.lockout.pk,
    "login/lockouts/": lambda w: w.lockout.pk,
}

# Every other argument, by its name.
BY_ARGUMENT: dict[str, Callable[[World], object]] = {
    "attendance_pk": lambda w: w.pending.pk,
    "claim_pk": lambda w: w.claim.pk,
    "member_pk": lambda w: w.head.pk,
    "entry_pk": lambda w: w.adjustment.pk,
    "item_pk": lambda w: w.item.pk,
    "object_id": lambda w: w.household.pk,
    "table": lambda w: "residents_household",
    "file_format": lambda w: "csv",
    "household_pk": lambda w: w.household.pk,
    "round_pk": lambda w: w.round.pk,
    "reward_pk": lambda w: w.reward.pk,
    "activity_pk": lambda w: w.activity.pk,
    "user_pk": lambda w: w.admin.pk,
    "person_pk": lambda w: w.partner_person.pk,
    "objection_pk": lambda w: w.objection.pk,
    "link_pk": lambda w: w.served.pk,
}

# Whole sets of arguments for patterns that need several fillings.
BY_NAME: dict[str, Callable[[World], list[dict]]] = {
    "residents:setting_create": lambda w: [
        {"kind": k} for k in ("compound", "building-group", "household-type")
    ],
    "residents:setting_edit": lambda w: [
        {"kind": "compound", "pk": w.compound.pk},
        {"kind": "building-group", "pk": w.building_group.pk},
        {"kind": "household-type", "pk": w.household_type.pk},
    ],
    "residents:audit_object": lambda w: [
        {"table": "residents_household", "object_id": w.household.pk},
        {"table": "residents_member", "object_id": w.head.pk},
        {"table": "redemption_round", "object_id": w.round.pk},
        {"table": "points_pointrule", "object_id": w.rule.pk},
    ],
    "residents:import_template": lambda w: [{"file_format": "csv"}, {"file_format": "xlsx"}],
    # 公示 of a contest's result: last year's, under 公示 (this year's is still open).
    "subdistrict:contest_objection_create": lambda w: [{"pk": w.contest_under_publication.pk}],
    "subdistrict:contest_objection_decide": lambda w: [
        {"pk": w.contest_under_publication.pk, "objection_pk": w.contest_objection.pk}
    ],
    "subdistrict:contest_finalize": lambda w: [{"pk": w.contest_under_publication.pk}],
    "subdistrict:contest_notice": lambda w: [{"pk": w.contest_under_publication.pk}],
    # The link's token is the capability itself (whoever holds the paper passbook); the walk
    # tries what someone without it might have: the stored hash and a revoked link.
    "points:passbook_open": lambda w: [
        {"token": token_hash(w.token)},
        {"token": w.revoked_token},
    ],
    "points:ledger_undo": lambda w: [
        {"pk": w.household.pk, "entry_pk": w.adjustment.pk},
        {"pk": w.household.pk, "entry_pk": w.redemption.entry_id},
    ],
    "volunteering:attendance_remove": lambda w: [
        {"pk": w.activity.pk, "attendance_pk": w.pending.pk},
        {"pk": w.activity.pk, "attendance_pk": w.approved.pk},
    ],
}

HOW_TO_FILL = (
    "tests/security/walk.py cannot fill the arguments of the URL pattern {route!r} "
    "({name}): {missing}. Add an entry to BY_ARGUMENT (argument name → the World's object), "
    "to PK_BY_ROUTE_PREFIX (for `pk`: route prefix → object) or to BY_NAME (view name → list "
    "of kwargs), creating the object in build_world() if the World has none, so the walk "
    "can request the page with another community's object."
)


class UnfillablePattern(Exception):
    pass


def fillings(pattern: Pattern, world: World) -> list[dict]:
    """The keyword arguments to request `pattern` with, from `world`'s objects."""
    if pattern.name in BY_NAME:
        return BY_NAME[pattern.name](world)
    kwargs, missing = {}, []
    for argument in pattern.arguments:
        filler = BY_ARGUMENT.get(argument)
        if argument == "pk":
            prefixes = [p for p in PK_BY_ROUTE_PREFIX if pattern.route.startswith(p)]
            filler = PK_BY_ROUTE_PREFIX[max(prefixes, key=len)] if prefixes else None
        if filler is None:
            missing.append(argument)
            continue
        try:
            kwargs[argument] = filler(world)
        except AttributeError as error:
            missing.append(f"{argument} (the World has no {error})")
    if missing:
        raise UnfillablePattern(
            HOW_TO_FILL.format(route=pattern.route, name=pattern.name, missing=", ".join(missing))
        )
    return [kwargs]


# Arguments that are not an object of the community (a settings list's kind, a file
# format): a pattern with only these is one of A's own pages, like one without arguments.
NOT_OBJECT_ARGUMENTS = {"kind", "file_format"}


def names_an_object(pattern: Pattern) -> bool:
    return bool(set(pattern.arguments) - NOT_OBJECT_ARGUMENTS)


def walk(world: World) -> tuple[list[tuple[Pattern, str, dict]], list[str]]:
    """(pattern, filled URL, its arguments) for every walked pattern, and the problems of
    the patterns it cannot fill."""
    patterns, _skipped = url_patterns()
    urls, problems = [], []
    for pattern in patterns:
        try:
            for kwargs in fillings(pattern, world):
                urls.append((pattern, reverse(pattern.name, kwargs=kwargs), kwargs))
        except UnfillablePattern as problem:
            problems.append(str(problem))
    return urls, problems


# Snapshots ----------------------------------------------------------------------------------


def _community_path(model: type[models.Model]) -> str | None:
    """The lookup from `model` to its community: `community`, or through one foreign key
    (a many-to-many table, a line of a redemption)."""
    names = {f.name: f for f in model._meta.concrete_fields}
    if "community" in names:
        return "community"
    if model is Community:
        return "pk"
    for f in model._meta.concrete_fields:
        target = f.related_model
        if (
            f.is_relation
            and target is not None
            and target is not Community
            and any(g.name == "community" for g in target._meta.concrete_fields)
        ):
            return f"{f.name}__community"
    return None


def snapshot(community: Community, *, exclude: tuple[type[models.Model], ...] = ()) -> dict:
    """A fingerprint of every row belonging to `community` in every table (count and a hash
    of the rows' values), plus the figures that matter most: the ledger sum, the stored
    balances, stock taken and money spent, and the stored picture files."""
    result: dict[str, object] = {}
    for model in apps.get_models(include_auto_created=True):
        if model in exclude:
            continue
        path = _community_path(model)
        if path is None:
            continue
        lookup = {path: community.pk} if path == "pk" else {path: community}
        rows = list(model._base_manager.filter(**lookup).order_by("pk").values_list())
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        result[model._meta.label] = (len(rows), digest)
    AccessAttempt = _optional_model("axes", "AccessAttempt")
    if AccessAttempt is not None and AccessAttempt not in exclude:
        names = [
            name.lower()
            for name in StaffMembership.objects.filter(community=community).values_list(
                "user__username", flat=True
            )
        ]
        rows = list(AccessAttempt.objects.filter(username__in=names).order_by("pk").values_list())
        result["login failures of its staff"] = (len(rows), repr(rows))
    from points.models import Account, LedgerEntry
    from redemption.models import Reward, Round, RoundItem

    result["ledger sum"] = LedgerEntry.objects.filter(community=community).aggregate(
        s=models.Sum("amount")
    )["s"]
    result["balances"] = Account.objects.filter(community=community).aggregate(
        s=models.Sum("balance")
    )["s"]
    result["stock/taken"] = list(
        RoundItem.objects.filter(community=community).order_by("pk").values_list("stock", "taken")
    )
    result["spent"] = list(
        Round.objects.filter(community=community).order_by("pk").values_list("spent_yuan")
    )
    pictures = {}
    for reward in Reward.objects.filter(community=community).exclude(picture=""):
        with reward.picture.open("rb") as f:
            pictures[reward.picture.name] = hashlib.sha256(f.read()).hexdigest()[:16]
    result["pictures"] = pictures
    return result


def changed(before: dict, after: dict) -> list[str]:
    return [
        f"{key}: {before.get(key)} → {after.get(key)}"
        for key in before
        if before[key] != after.get(key)
    ] + [f"{key}: new" for key in after if key not in before]


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def actor_client(**extra) -> Client:
    return Client(raise_request_exception=False, **extra)
