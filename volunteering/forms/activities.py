from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from residents import parsing
from residents.models import BuildingGroup, Community, Member
from residents.selectors import search_members
from volunteering.models import MAX_HOURS, Activity, Attendance, Project, Team
from volunteering.services.activities import ParticipantRow


class ActivityForm(parsing.ModelForm):
    date = parsing.DateField(
        label=gettext_lazy("日期"), window=parsing.PAST_DAYS, what=gettext_lazy("活动日期")
    )
    hours = parsing.DecimalField(
        label=gettext_lazy("时长（小时）"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=MAX_HOURS,
        decimal_places=1,
        help_text=gettext_lazy("不填时按开始、结束时间计算，或用项目的默认时长。"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    class Meta:
        model = Activity
        fields = [
            "project",
            "title",
            "date",
            "start_time",
            "end_time",
            "hours",
            "place",
            "organiser",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "title": forms.TextInput(attrs={"placeholder": gettext_lazy("不填时用项目名称")}),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(
            community=community, is_active=True
        ).select_related("category")
        self.fields["project"].label_from_instance = lambda p: f"{p.category.name} · {p.name}"
        self.fields["title"].required = False
        self.fields["date"].initial = timezone.localdate
        self.fields["project"].error_messages["required"] = _("请选择公益项目。")

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("结束时间应晚于开始时间。"))
        if not cleaned.get("hours") and "hours" not in self.errors:
            if start and end and end > start:
                span = datetime.datetime.combine(
                    datetime.date.min, end
                ) - datetime.datetime.combine(datetime.date.min, start)
                cleaned["hours"] = (Decimal(span.seconds) / 3600).quantize(Decimal("0.1"))
            elif cleaned.get("project"):
                cleaned["hours"] = cleaned["project"].default_hours
            else:
                cleaned["hours"] = None
        if not cleaned.get("title") and cleaned.get("project"):
            cleaned["title"] = cleaned["project"].name
        return cleaned

    def _post_clean(self) -> None:
        self._validate_unique = False
        super()._post_clean()


@dataclass
class PickerRow:
    member: Member
    hours: str = ""
    role: str = Attendance.Role.PARTICIPANT
    note: str = ""
    present: bool = True
    error: str = ""


@dataclass
class ParticipantPicker:
    """The participant list of the logging page, kept in the form itself.

    Rows post as `p` (member ids, in order) with `hours-<id>`, `role-<id>`, `note-<id>` and
    the `present-<id>` tick. Without JavaScript the page posts back with `action` = search
    (`q`), add (ticked `add` results) or add_group (`group` = team:<id> / bg:<id>), and is
    re-rendered with everything kept; with JavaScript the same rows are added in place.
    """

    community: Community
    rows: list[PickerRow] = field(default_factory=list)
    query: str = ""
    results: list[Member] = field(default_factory=list)
    submission_key: uuid.UUID = field(default_factory=uuid.uuid4)
    message: str = ""

    # Malformed input of the list itself (a tampered id, a search too long): not saved.
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_post(cls, community: Community, data: QueryDict) -> ParticipantPicker:
        picker = cls(community=community)
        try:
            picker.query = parsing.search_text(data.get("q", ""))
        except ValidationError as error:
            picker.refuse(ValidationError(_("查找：%(problem)s") % {"problem": error.messages[0]}))
        # A missing or garbled key gets a fresh one: that form simply cannot be deduplicated.
        with contextlib.suppress(ValueError):
            picker.submission_key = uuid.UUID(data.get("submission_key", ""))
        ids = picker.ids(data.getlist("p"))
        members = _members(community, ids)
        note_length = Attendance._meta.get_field("note").max_length
        for member_id in ids:
            member = members.get(member_id)
            if member is None:
                continue  # not in this community: dropped, never shown
            role = data.get(f"role-{member_id}", Attendance.Role.PARTICIPANT)
            row = PickerRow(
                member=member,
                hours=data.get(f"hours-{member_id}", "").strip(),
                role=parsing.choice(role, Attendance.Role.values, Attendance.Role.PARTICIPANT),
                note=data.get(f"note-{member_id}", "").strip(),
                present=data.get(f"present-{member_id}") is not None,
            )
            if role not in Attendance.Role.values:
                row.error = _("角色无效。")
            try:  # a note too long is said, never cut
                row.note = parsing.text(row.note, max_length=note_length)
            except ValidationError as error:
                row.error = _("备注：%(problem)s") % {"problem": error.messages[0]}
            picker.rows.append(row)
        return picker

    def ids(self, values: list[str]) -> list[int]:
        """Member ids as posted, in order (a repeated one stays, for the service to name)."""
        ids = []
        for value in values:
            try:
                ids.append(parsing.identifier(value))
            except ValidationError as error:
                self.refuse(error)
        return ids

    def refuse(self, error: ValidationError) -> None:
        for message in error.messages:
            if message not in self.problems:
                self.problems.append(message)
        self.message = " ".join(self.problems)

    # Actions of the no-JavaScript path

    def search(self) -> None:
        self.results = search_members(Member.objects.filter(community=self.community), self.query)
        if self.query and not self.results:
            self.message = _("没有找到“%(q)s”。") % {"q": self.query}

    def add(self, member_ids: list[int]) -> None:
        self.add_members(list(_members(self.community, member_ids).values()))

    def add_group(self, group: str, *, adults_only: bool = False, ticked: bool = True) -> None:
        """Everyone of a team or building group (the adults only, if asked), ticked as
        present or not (then the clerk ticks who came)."""
        people = group_members(self.community, group, adults_only=adults_only)
        before = len(self.rows)
        self.add_members(people, present=ticked)
        added = len(self.rows) - before
        if ticked:
            self.message = ngettext(
                "已加入 %(count)s 人，请取消勾选缺席的人。",
                "已加入 %(count)s 人，请取消勾选缺席的人。",
                added,
            ) % {"count": added}
        else:
            self.message = ngettext(
                "已列出 %(count)s 人，都未勾选：请勾选到场的人。",
                "已列出 %(count)s 人，都未勾选：请勾选到场的人。",
                added,
            ) % {"count": added}

    def tick_all(self, present: bool) -> None:
        """Bulk tick or untick every row of the list."""
        for row in self.rows:
            row.present = present

    def add_members(self, members: list[Member], *, present: bool = True) -> None:
        listed = {row.member.pk for row in self.rows}
        for member in members:
            if member.pk not in listed:
                self.rows.append(PickerRow(member=member, present=present))
                listed.add(member.pk)

    # Saving

    @property
    def present_rows(self) -> list[PickerRow]:
        return [row for row in self.rows if row.present]

    def participant_rows(self) -> list[ParticipantRow] | None:
        """The ticked rows for the service; None (with row errors set) if a row's own
        input is malformed."""
        result, ok = [], not self.problems
        for row in self.present_rows:
            if row.error:
                ok = False
                continue
            hours = None
            if row.hours:
                try:  # the service says what hours are allowed
                    hours = parsing.decimal(
                        row.hours,
                        min_value=-HOURS_LIMIT,
                        max_value=HOURS_LIMIT,
                        places=parsing.MAX_NUMBER_LENGTH,
                    )
                except ValidationError:
                    row.error = _("时长请填数字，如 1.5。")
                    ok = False
                    continue
            result.append(
                ParticipantRow(member_id=row.member.pk, hours=hours, role=row.role, note=row.note)
            )
        return result if ok else None

    def show_errors(self, errors: dict[int, str]) -> None:
        for row in self.rows:
            if row.member.pk in errors:
                row.error = errors[row.member.pk]


# Hours read from a row before the service checks them (0 < hours ≤ 24, one decimal).
HOURS_LIMIT = Decimal(1000)


def _members(community: Community, ids: list[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {
        m.pk: m
        for m in Member.objects.filter(community=community, pk__in=ids).select_related(
            "household__compound"
        )
    }


# Adding a building group for a turnout adds its adults (born this many years ago or more,
# or of unknown age) unless the clerk asks for everyone.
ADULT_AGE = 18


def adults(prefix: str = "", *, today: datetime.date | None = None) -> Q:
    """Members who are adults by birth year (an unknown year counts as adult)."""
    born_by = (today or timezone.localdate()).year - ADULT_AGE
    return Q(**{f"{prefix}birth_year__isnull": True}) | Q(**{f"{prefix}birth_year__lte": born_by})


def _buildings(values: list[str] | None) -> str:
    """15、16 (counting order); the first four and how many more."""
    shown = sorted({v for v in values or [] if v}, key=lambda v: (len(v), v))
    if len(shown) > 4:
        return ngettext("%(first)s 等 %(count)s 栋", "%(first)s 等 %(count)s 栋", len(shown)) % {
            "first": "、".join(shown[:4]),
            "count": len(shown),
        }
    return "、".join(shown)


def _group_label(group: BuildingGroup) -> str:
    parts = [group.name]
    if group.compound_id:
        parts.append(group.compound.name)
    buildings = _buildings(group.buildings)
    if buildings:
        parts.append(_("%(buildings)s号楼") % {"buildings": buildings})
    parts.append(
        ngettext(
            "%(size)s 人，成人 %(adults)s",
            "%(size)s 人，成人 %(adults)s",
            group.size,
        )
        % {"size": group.size, "adults": group.adults}
    )
    return " · ".join(parts)


def group_choices(community: Community) -> list[tuple[str, list[tuple[str, str]]]]:
    """Teams and building groups for the "add a whole group" menu, each with what it covers
    and its size (people in residence): two queries."""
    # People who may take part: residents of an active household and non-residents (报到).
    in_team = Q(members__is_active=True) & (
        Q(members__household__status="active") | Q(members__household__isnull=True)
    )
    teams = (
        Team.objects.filter(community=community, is_active=True)
        .annotate(
            size=Count("members", filter=in_team, distinct=True),
            adults=Count("members", filter=in_team & adults("members__"), distinct=True),
        )
        .order_by("name")
    )
    living = Q(households__status="active", households__members__is_active=True)
    groups = (
        BuildingGroup.objects.filter(community=community)
        .select_related("compound")
        .annotate(
            size=Count("households__members", filter=living, distinct=True),
            adults=Count(
                "households__members",
                filter=living & adults("households__members__"),
                distinct=True,
            ),
            buildings=ArrayAgg(
                "households__building", filter=Q(households__status="active"), distinct=True
            ),
        )
        .order_by("compound__sort_key", "sort_key", "name")
    )

    def team_label(team: Team) -> str:
        return ngettext(
            "%(name)s · %(size)s 人，成人 %(adults)s",
            "%(name)s · %(size)s 人，成人 %(adults)s",
            team.size,
        ) % {"name": team.name, "size": team.size, "adults": team.adults}

    return [
        (pgettext("menu", "团队"), [(f"team:{t.pk}", team_label(t)) for t in teams]),
        (_("楼组"), [(f"bg:{g.pk}", _group_label(g)) for g in groups]),
    ]


def group_members(community: Community, group: str, *, adults_only: bool = False) -> list[Member]:
    """Current people in a team (`team:<id>`, non-residents too) or building group
    (`bg:<id>`), the adults only if asked; nobody for anything else."""
    kind, _sep, raw_id = group.partition(":")
    group_id = parsing.optional_identifier(raw_id)
    if group_id is None:
        return []
    people = (
        Member.objects.filter(community=community).current().select_related("household__compound")
    )
    if kind == "team":
        people = people.filter(teams__pk=group_id, teams__community=community)
    elif kind == "bg":
        people = people.filter(household__building_group_id=group_id)
    else:
        return []
    if adults_only:
        people = people.filter(adults())
    return list(people.order_by("household__building", "household__room", "position"))


class ActivityFilterForm(forms.Form):
    project = parsing.ModelChoiceField(
        label=gettext_lazy("项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部项目"),
    )
    date_from = parsing.DateField(
        label=gettext_lazy("从"), required=False, window=parsing.FILTER_DAYS
    )
    date_to = parsing.DateField(
        label=gettext_lazy("到"), required=False, window=parsing.FILTER_DAYS
    )
    status = forms.ChoiceField(
        label=gettext_lazy("审核"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("pending", gettext_lazy("有待审核")),
            ("reviewed", gettext_lazy("已审核完")),
        ],
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(community=community)
