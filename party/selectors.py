"""Reads of the party pages: the register (四情数据库), the standings and the base standard.

Every page is a fixed handful of queries, whatever the number of party members."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Length, TruncMonth
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from party.models import (
    Duty,
    PartyAccount,
    PartyEntry,
    PartyMember,
    PartySettings,
    Post,
    ProjectRole,
)
from points.selectors import TOP_SAVER_RANKS, mask_name
from residents.models import BuildingGroup, Community, Member, MemberQuerySet
from residents.reporting import Period, ranked
from volunteering.models import ProjectClaim

CHINESE_COUNTS = "零一二三四五六七八九十"


def chinese_count(n: int) -> str:
    """3 → 三, 2 → 两, 12 → 十二 (months in a reason: 三个月党费, 两个月党费)."""
    if n == 2:
        return "两"
    if n <= 10:
        return CHINESE_COUNTS[n]
    if n < 20:
        return "十" + CHINESE_COUNTS[n - 10]
    return str(n)


def months_word(n: int) -> str:
    """The number of months as the active language writes it in a reason: 三 in Chinese, 3 in
    English ("Dues for 3 months 2/3")."""
    return chinese_count(n) if (get_language() or "zh-hans").startswith("zh") else str(n)


class ArrayToString(Func):
    function = "ARRAY_TO_STRING"
    output_field = TextField()


def party_members(community: Community) -> MemberQuerySet:
    """The community's party members on the register today (residents and 报到)."""
    return Member.objects.filter(community=community, is_party_member=True).current()


def posts_of(community: Community) -> dict[int, str]:
    """Project id → the post (议事岗 …) a claim on it counts as. One query."""
    return dict(
        ProjectRole.objects.filter(community=community)
        .exclude(post="")
        .values_list("project_id", "post")
    )


def search_register(queryset: MemberQuerySet, data: dict | None, posts: dict[int, str]):
    """The register's filters (RegisterFilterForm's cleaned data) applied, in natural order:
    residents by address, then the non-residents (报到) by name."""
    queryset = queryset.annotate(
        is_leader=Exists(BuildingGroup.objects.filter(leader=OuterRef("pk"))),
        holds_post=Exists(
            ProjectClaim.objects.filter(
                member=OuterRef("pk"), project__is_active=True, project_id__in=list(posts)
            )
        ),
    )
    if data:
        if text := data.get("q"):
            queryset = queryset.annotate(
                skills=ArrayToString("specialties", Value(" "), output_field=TextField())
            ).filter(
                Q(name__icontains=text)
                | Q(employer__icontains=text)
                | Q(job_title__icontains=text)
                | Q(skills__icontains=text)
            )
        service = data.get("service")
        if service == "in_service":
            queryset = queryset.filter(is_in_service_party_member=True)
        elif service == "retired":
            queryset = queryset.filter(is_in_service_party_member=False)
        if residence := data.get("residence"):
            queryset = queryset.filter(residence=residence)
        leader = data.get("leader")
        if leader == "yes":
            queryset = queryset.filter(is_leader=True)
        elif leader == "no":
            queryset = queryset.filter(is_leader=False)
        post = data.get("post")
        if post == "none":
            queryset = queryset.filter(holds_post=False)
        elif post == "any":
            queryset = queryset.filter(holds_post=True)
        elif post in Post.values:
            wanted = [pk for pk, kind in posts.items() if kind == post]
            queryset = queryset.filter(
                Exists(
                    ProjectClaim.objects.filter(
                        member=OuterRef("pk"), project__is_active=True, project_id__in=wanted
                    )
                )
            )
        if group := data.get("building_group"):
            queryset = queryset.filter(household__building_group=group)
    return queryset.order_by(
        F("household__compound__name").asc(nulls_last=True),
        Length("household__building"),
        "household__building",
        Length("household__room"),
        "household__room",
        "name",
        "pk",
    )


def with_register_facts(queryset: MemberQuerySet) -> MemberQuerySet:
    """What each register row shows, in a fixed number of queries (for one page of rows)."""
    return (
        queryset.select_related("household__compound", "household__building_group")
        .annotate(
            reported_on=Subquery(
                PartyMember.objects.filter(member=OuterRef("pk")).values("reported_on")[:1]
            ),
            party_balance=Coalesce(
                Subquery(PartyAccount.objects.filter(member=OuterRef("pk")).values("balance")[:1]),
                0,
            ),
        )
        .prefetch_related(
            Prefetch(
                "project_claims",
                queryset=ProjectClaim.objects.filter(project__is_active=True)
                .select_related("project")
                .order_by("project__name"),
                to_attr="current_claims",
            )
        )
    )


@dataclass
class ClaimShown:
    project: str
    post: str  # the post's label, or ""


def claims_shown(member: Member, posts: dict[int, str]) -> list[ClaimShown]:
    labels = dict(Post.choices)
    return [
        ClaimShown(claim.project.name, str(labels[posts[claim.project_id]]))
        if claim.project_id in posts
        else ClaimShown(claim.project.name, "")
        for claim in member.current_claims
    ]


# The base standard and the standings -------------------------------------------------------


@dataclass
class StandingRow:
    rank: int
    member: Member
    base: int = 0
    value_added: int = 0
    dues_paid: int = 0
    dues_required: int = 0
    meetings: int = 0
    meetings_required: int = 0

    @property
    def total(self) -> int:
        return self.base + self.value_added

    @property
    def meets_standard(self) -> bool:
        return self.dues_paid >= self.dues_required and self.meetings >= self.meetings_required

    @property
    def shortfalls(self) -> list[str]:
        """Why the standard is not met: 三个月党费 2/3, 组织生活 1/3."""
        reasons = []
        if self.dues_paid < self.dues_required:
            reasons.append(
                ngettext(
                    "%(months)s个月党费 %(paid)s/%(required)s",
                    "%(months)s个月党费 %(paid)s/%(required)s",
                    self.dues_required,
                )
                % {
                    "months": months_word(self.dues_required),
                    "paid": self.dues_paid,
                    "required": self.dues_required,
                }
            )
        if self.meetings < self.meetings_required:
            reasons.append(
                _("组织生活 %(done)s/%(required)s")
                % {"done": self.meetings, "required": self.meetings_required}
            )
        return reasons

    @property
    def masked_name(self) -> str:
        return mask_name(self.member.name)

    @property
    def top_saver(self) -> bool:
        return self.total > 0 and self.rank <= TOP_SAVER_RANKS


@dataclass
class PartyStandings:
    period: Period
    rows: list[StandingRow] = field(default_factory=list)
    dues_required: int = 0
    meetings_required: int = 0

    @property
    def top_savers(self) -> list[StandingRow]:
        return [row for row in self.rows if row.top_saver]

    @property
    def meeting_count(self) -> int:
        return sum(1 for row in self.rows if row.meets_standard)


def months_due(period: Period, today: datetime.date) -> int:
    """Months of the period ended by today: each month's dues are asked for once the month
    is over (a quarter under way asks for its past months so far)."""
    if today > period.end:
        return (
            (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        )
    return max((today.year - period.start.year) * 12 + today.month - period.start.month, 0)


def meetings_due(period: Period, today: datetime.date, per_quarter: int) -> int:
    """The meetings asked for: `per_quarter` for each quarter of the period begun by today."""
    if today < period.start:
        return 0
    last = min(period.end, today)
    months = (last.year - period.start.year) * 12 + last.month - period.start.month + 1
    return per_quarter * ((months + 2) // 3)


def standings(
    *, community: Community, period: Period, today: datetime.date, settings: PartySettings
) -> PartyStandings:
    """Every current party member's base and value-added points in the period (entries net
    of their reversals, by the date the points belong to), with the base standard: dues
    for each month begun, and the meetings asked for. Best first; four queries."""
    result = PartyStandings(
        period=period,
        dues_required=months_due(period, today),
        meetings_required=meetings_due(period, today, settings.meetings_per_quarter),
    )
    in_period = PartyEntry.objects.filter(
        community=community, occurred_on__gte=period.start, occurred_on__lte=period.end
    )
    points = {
        row["account__member_id"]: row
        for row in in_period.values("account__member_id")
        .annotate(
            base=Coalesce(Sum("amount", filter=Q(kind=PartyEntry.Kind.BASE)), 0),
            value_added=Coalesce(Sum("amount", filter=Q(kind=PartyEntry.Kind.VALUE_ADDED)), 0),
        )
        .order_by()
    }
    # Duties done: entries still standing (neither a reversal nor reversed).
    standing = in_period.filter(reverses__isnull=True, reversals__isnull=True)
    dues = dict(
        standing.filter(duty=Duty.DUES)
        .values("account__member_id")
        .annotate(months=Count(TruncMonth("occurred_on"), distinct=True))
        .values_list("account__member_id", "months")
        .order_by()
    )
    meetings = dict(
        standing.filter(duty=Duty.MEETING)
        .values("account__member_id")
        .annotate(n=Count("pk", output_field=IntegerField()))
        .values_list("account__member_id", "n")
        .order_by()
    )
    members = party_members(community).select_related("household__compound").order_by("pk")
    rows = [
        StandingRow(
            rank=0,
            member=member,
            base=points.get(member.pk, {}).get("base", 0),
            value_added=points.get(member.pk, {}).get("value_added", 0),
            dues_paid=dues.get(member.pk, 0),
            dues_required=result.dues_required,
            meetings=meetings.get(member.pk, 0),
            meetings_required=result.meetings_required,
        )
        for member in members
    ]
    rows.sort(key=lambda row: (-row.total, -row.base, row.member.name, row.member.pk))
    for rank, row in ranked(rows, key=lambda row: row.total):
        row.rank = rank
    result.rows = rows
    return result


def account_of(member: Member) -> PartyAccount | None:
    return PartyAccount.objects.filter(member=member).first()


def entries_of(account: PartyAccount | None):
    if account is None:
        return PartyEntry.objects.none()
    return (
        PartyEntry.objects.filter(account=account)
        .select_related("activity__project", "reverses")
        .order_by("-pk")
    )
