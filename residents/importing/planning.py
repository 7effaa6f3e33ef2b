"""Planning each household of the file: rows of one address (or one passbook number) form a
household, matched with the one on record; its members are matched by name, and what
importing it would add or change is worked out, with the problems of each row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.importing.changes import (
    held_phone,
    household_changes,
    member_changes,
    types_change,
)
from residents.importing.columns import COLUMN_BY_KEY, RELATION_VALUES, R
from residents.importing.results import (
    HouseholdPlan,
    ImportChoices,
    MemberChanges,
    Problems,
    RosterCheck,
    Row,
)
from residents.models import Community, Compound, Household, HouseholdType, Member

Head = Member.Relation.HEAD

# What the check loads of the matched households and members: what it compares and what
# the update writes (deferring the rest; loading 10,000 timestamps is not free).
HOUSEHOLD_LOADED = (
    "community_id",
    "passbook_number",
    "compound__name",
    "building",
    "unit",
    "room",
    "building_group_id",
    "phone",
    "status",
)
MEMBER_LOADED = (
    "community_id",
    "household_id",
    "name",
    "gender",
    "birth_year",
    "phone",
    "relation",
    "specialties",
    "is_party_member",
    "is_in_service_party_member",
    "employer",
    "job_title",
    "position",
    "is_active",
)


class HouseholdPlanner:
    """Plans the households of one community's roster, filing what is wrong on `problems`."""

    def __init__(
        self,
        community: Community,
        problems: Problems,
        *,
        columns: set[str],
        default_compound: Compound | None,
        choices: ImportChoices | None = None,
        group_names: dict[int, str] | None = None,
        type_names: dict[int, str] | None = None,
    ) -> None:
        self.community = community
        self.choices = choices or ImportChoices()
        # Names of the register's building groups and household types, for the changes.
        self.group_names = group_names or {}
        self.type_names = type_names or {}
        self.problems = problems
        self.columns = columns  # the columns the file has
        self.default_compound = default_compound
        self.members: dict[int, list[Member]] = {}
        self.types: dict[int, set[int]] = {}
        self.work_dropped = 0  # rows with an employer or title for someone not in service

    def _address(self, row: Row) -> tuple[Compound, str, str, str] | None:
        values = row.values
        compound = values.get("compound")
        if compound is None and "compound" not in row.failed:
            compound = self.default_compound
        building, room = values.get("building"), values.get("room")
        if compound and building and room:
            return compound, building, values.get("unit", ""), room
        if "passbook_number" in values and not (building or room or "compound" in values):
            return None  # found by its passbook number alone
        for key, present in (("compound", compound), ("building", building), ("room", room)):
            if not present and key not in row.failed:
                self.problems.error(
                    row, key, _("缺少%(column)s。") % {"column": COLUMN_BY_KEY[key].label}
                )
        return None

    def group(self, rows: list[Row]) -> tuple[list[HouseholdPlan], list[Row]]:
        """Rows of one address (or one passbook number) form a household."""
        by_address: dict[tuple, HouseholdPlan] = {}
        by_number: dict[str, HouseholdPlan] = {}
        plans: list[HouseholdPlan] = []
        loose: list[Row] = []
        for row in rows:
            address = self._address(row)
            number = row.values.get("passbook_number", "")
            if address is None and not number:
                loose.append(row)
                continue
            key = _address_key(address) if address else None
            plan_by_address = by_address.get(key) if key else None
            plan_by_number = by_number.get(number) if number else None
            if plan_by_address and plan_by_number and plan_by_address is not plan_by_number:
                self.problems.error(
                    row,
                    "passbook_number",
                    _("存折编号 %(number)s 在第 %(row)s 行对应的是另一个地址。")
                    % {"number": number, "row": plan_by_number.rows[0].number},
                )
                plan_by_address.rows.append(row)
                continue
            plan = plan_by_address or plan_by_number
            if plan is None:
                plan = HouseholdPlan(rows=[row])
                plans.append(plan)
            else:
                if number and plan.passbook_number and plan.passbook_number != number:
                    self.problems.error(
                        row,
                        "passbook_number",
                        _("同一地址的存折编号不一致：第 %(row)s 行是 %(number)s。")
                        % {"row": plan.rows[0].number, "number": plan.passbook_number},
                    )
                plan.rows.append(row)
            if address and plan.address is None:
                plan.address = address
                by_address[key] = plan
            if number and not plan.passbook_number:
                plan.passbook_number = number
                by_number[number] = plan
        return plans, loose

    def match_households(self, plans: list[HouseholdPlan]) -> None:
        community = self.community
        active = {
            (compound, building, unit, room): pk
            for pk, compound, building, unit, room in Household.objects.filter(
                community=community, status=Household.Status.ACTIVE
            ).values_list("pk", "compound_id", "building", "unit", "room")
        }
        numbers = {plan.passbook_number for plan in plans if plan.passbook_number}
        by_number = {
            number: (pk, status, (compound, building, unit, room))
            for pk, number, status, compound, building, unit, room in Household.objects.filter(
                community=community, passbook_number__in=numbers
            ).values_list(
                "pk", "passbook_number", "status", "compound_id", "building", "unit", "room"
            )
        }
        wanted: dict[int, HouseholdPlan] = {}
        for plan in plans:
            pk = None
            if plan.passbook_number:
                row = next(r for r in plan.rows if r.values.get("passbook_number"))
                found = by_number.get(plan.passbook_number)
                if found is None:
                    self.problems.error(
                        row,
                        "passbook_number",
                        _("本居民区没有存折编号为 %(number)s 的户。")
                        % {"number": plan.passbook_number},
                    )
                elif found[1] != Household.Status.ACTIVE:
                    self.problems.error(
                        row,
                        "passbook_number",
                        _("存折编号 %(number)s 的户已迁出；如要导入，请先在该户页面办理迁回。")
                        % {"number": plan.passbook_number},
                    )
                else:
                    pk = found[0]
                    key = _address_key(plan.address) if plan.address else found[2]
                    other = active.get(key)
                    if other is not None and other != pk:
                        self.problems.error(
                            row,
                            "passbook_number",
                            _("这个地址已有另一户在册，与存折编号 %(number)s 不是同一户。")
                            % {"number": plan.passbook_number},
                        )
                        pk = None
            elif plan.address:
                pk = active.get(_address_key(plan.address))
            if pk is None:
                continue
            if pk in wanted:
                self.problems.error(
                    plan.rows[0],
                    "passbook_number" if plan.passbook_number else "room",
                    _("与第 %(row)s 行是名册里的同一户，但地址或存折编号写得不一样。")
                    % {"row": wanted[pk].rows[0].number},
                )
                continue
            wanted[pk] = plan

        households = (
            Household.objects.filter(community=community, pk__in=list(wanted))
            .select_related("compound")
            .only(*HOUSEHOLD_LOADED)
        )
        for household in households:
            plan = wanted[household.pk]
            plan.household = household
            plan.is_new = False
        members = Member.objects.filter(community=community, household_id__in=list(wanted))
        for member in members.only(*MEMBER_LOADED).order_by(
            "household_id", "-is_active", "position", "pk"
        ):
            self.members.setdefault(member.household_id, []).append(member)
        through = Household.types.through.objects.filter(household_id__in=list(wanted))
        for household_id, type_id in through.values_list("household_id", "householdtype_id"):
            self.types.setdefault(household_id, set()).add(type_id)

    def _first(self, plan: HouseholdPlan, key: str, describe: Callable[[Any], str]) -> Any:
        """A household value given on several rows: the first one counts; a different one
        on a later row is warned about."""
        first = None
        for row in plan.rows:
            value = row.values.get(key)
            if value is None:
                continue
            if first is None:
                first = (row, value)
            elif value != first[1]:
                self.problems.warn(
                    row,
                    key,
                    _(
                        "同一户第 %(row)s 行写的是“%(first)s”，这里是“%(this)s”："
                        "按第 %(row)s 行导入。"
                    )
                    % {
                        "row": first[0].number,
                        "first": describe(first[1]),
                        "this": describe(value),
                    },
                )
        return first

    def plan(self, plan: HouseholdPlan) -> None:
        household = plan.household
        if household is None and plan.address is None:
            return  # a passbook number that was not found: already an error
        members = self.members.get(household.pk, []) if household else []

        group = self._first(plan, "building_group", lambda g: g.name)
        home_phone = self._first(plan, "household_phone", str)
        kinds: list[HouseholdType] | None = None
        for row in plan.rows:
            for kind in row.values.get("household_types") or ():
                kinds = kinds or []
                if kind not in kinds:
                    kinds.append(kind)

        # Members: by name within the household.
        seen: dict[str, Row] = {}
        matched: dict[int, Row] = {}
        pairs: list[tuple[Row, Member | None]] = []
        for row in plan.rows:
            name = row.values.get("name")
            if not name:
                continue
            if name in seen:
                self.problems.error(
                    row,
                    "name",
                    _("同一户里“%(name)s”出现了两次（第 %(row)s 行），是否重复填写？")
                    % {"name": name, "row": seen[name].number},
                )
                continue
            seen[name] = row
            member = self._match_member(row, name, members)
            if member is not None:
                matched[member.pk] = row
            pairs.append((row, member))

        # One head (户主) per household, counting the members the file does not mention.
        heads = [row for row, _m in pairs if row.values.get("relation") == Head]
        for row in heads[1:]:
            self.problems.error(
                row,
                "relation",
                _("一户只能有一位户主（第 %(row)s 行已是户主）。") % {"row": heads[0].number},
            )
        kept_heads = [
            m
            for m in members
            if m.is_active
            and m.relation == Head
            and (m.pk not in matched or "relation" not in matched[m.pk].values)
        ]
        if heads and kept_heads:
            self.problems.error(
                heads[0],
                "relation",
                _(
                    "这一户在名册里的户主是%(name)s。如要换户主，请在文件里把%(name)s的"
                    "与户主关系也改掉。"
                )
                % {"name": kept_heads[0].name},
            )
        has_head = bool(heads or kept_heads)

        position = max((m.position for m in members), default=-1) + 1
        for row, member in pairs:
            relation = row.values.get("relation")
            if relation is not None and relation not in RELATION_VALUES:
                self.problems.warn(
                    row,
                    "relation",
                    _("与户主关系“%(value)s”不在列表里，按“其他”登记。") % {"value": relation},
                )
                relation = R.OTHER
            if relation is None and member is None:
                relation = R.OTHER if has_head else Head
                has_head = True
                if relation == R.OTHER and "relation" in self.columns:
                    self.problems.warn(row, "relation", _("没有填与户主关系，按“其他”登记。"))
            values = self._member_values(row, member, relation)
            if member is None:
                if household is not None:
                    plan.member_changes.append(MemberChanges(row.values["name"], is_new=True))
                plan.new_members.append(
                    Member(
                        community=self.community,
                        name=row.values["name"],
                        position=position,
                        **values,
                    )
                )
                position += 1
                continue
            changes = {
                attr: value for attr, value in values.items() if getattr(member, attr) != value
            }
            if not member.is_active:
                changes["is_active"] = True
            # A phone on record is replaced only when agreed to (each or all at once).
            key = f"member-{member.pk}" if member.phone else ""
            held = []
            if key and "phone" in changes and not self.choices.may_replace(key):
                held.append(held_phone(Member, member.phone, changes.pop("phone"), key))
            shown = member_changes(member, changes, phone_key=key) + held
            if shown:
                plan.member_changes.append(MemberChanges(member.name, shown))
            if changes:
                plan.changed_members.append((member, changes))
            else:
                plan.unchanged_members += 1
        plan.missing_members = [m for m in members if m.is_active and m.pk not in matched]

        # The household itself.
        if home_phone is None and "household_phone" not in self.columns:
            # Without a household phone column, the head's (or first person's) phone.
            with_phone = [row for row, _m in pairs if row.values.get("phone")]
            first = next((row for row in with_phone if row in heads), None) or (
                with_phone[0] if with_phone else None
            )
            home_phone = (first, first.values["phone"]) if first else None
        compound = plan.address[0] if plan.address else household.compound
        if group and group[1].compound_id and group[1].compound_id != compound.pk:
            self.problems.error(
                group[0],
                "building_group",
                _("楼组“%(group)s”属于%(compound)s，与所填小区不符。")
                % {"group": group[1].name, "compound": group[1].compound.name},
            )
        if household is None:
            plan.fields = {
                "compound": compound,
                "building": plan.address[1],
                "unit": plan.address[2],
                "room": plan.address[3],
                "building_group": group[1] if group else None,
                "phone": home_phone[1] if home_phone else "",
            }
            plan.types = {kind.pk for kind in kinds or ()}
            return
        if plan.address is not None:
            for name, value in zip(
                ("compound", "building", "unit", "room"), plan.address, strict=True
            ):
                if getattr(household, name) != value:
                    plan.fields[name] = value
        if group and group[1].pk != household.building_group_id:
            plan.fields["building_group"] = group[1]
        key = f"household-{household.pk}" if household.phone else ""
        held = []
        if home_phone and home_phone[1] != household.phone:
            if not household.phone:
                plan.fields["phone"] = home_phone[1]
            elif "household_phone" in self.columns:  # else the members' phones stand in
                if self.choices.may_replace(key):
                    plan.fields["phone"] = home_phone[1]
                else:
                    held.append(held_phone(Household, household.phone, home_phone[1], key))
        plan.changes = household_changes(
            household, plan.fields, group_names=self.group_names, phone_key=key
        )
        if kinds is not None:
            wanted = {kind.pk for kind in kinds}
            current = self.types.get(household.pk, set())
            plan.add_types, plan.remove_types = wanted - current, current - wanted
            if wanted != current:
                plan.changes.append(types_change(current, wanted, self.type_names))
        plan.changes += held

    def _match_member(self, row: Row, name: str, members: list[Member]) -> Member | None:
        same = [m for m in members if m.name == name]
        active = [m for m in same if m.is_active]
        candidates = active or same
        if len(candidates) > 1 and "birth" in row.values:
            candidates = [m for m in candidates if m.birth_year == row.values["birth"]]
        if len(candidates) > 1:
            self.problems.error(
                row,
                "name",
                ngettext(
                    "名册里这一户有 %(count)s 位“%(name)s”，无法确定是哪一位；请在该户页面处理。",
                    "名册里这一户有 %(count)s 位“%(name)s”，无法确定是哪一位；请在该户页面处理。",
                    len(candidates),
                )
                % {"count": len(candidates), "name": name},
            )
            return None
        return candidates[0] if candidates else None

    def _member_values(self, row: Row, member: Member | None, relation: str | None) -> dict:
        """The member's fields the row sets. A blank cell never erases what is on record."""
        given = row.values
        values: dict[str, Any] = {}
        for key, attr in (
            ("gender", "gender"),
            ("birth", "birth_year"),
            ("phone", "phone"),
            ("specialties", "specialties"),
        ):
            if key in given:
                values[attr] = given[key]
            elif member is None:
                values[attr] = Member._meta.get_field(attr).get_default()
        if relation is not None:
            values["relation"] = relation

        party_given = given.get("party")
        party = party_given[0] if party_given else (member.is_party_member if member else False)
        in_service_given = given.get("in_service")
        if in_service_given is None and party_given:
            in_service_given = party_given[1]
        in_service = (
            in_service_given
            if in_service_given is not None
            else (member.is_in_service_party_member if member else False)
        )
        if in_service and not party:
            if party_given:  # "是否党员: 否" outranks an in-service flag on record
                in_service = False
            else:
                party = True
        values["is_party_member"] = party
        values["is_in_service_party_member"] = in_service
        if not in_service and (given.get("employer") or given.get("job_title")):
            self.work_dropped += 1
        for key in ("employer", "job_title"):
            if not in_service or (member is None and key not in given):
                values[key] = ""
            elif key in given:
                values[key] = given[key]
        return values

    def count(self, check: RosterCheck, plans: list[HouseholdPlan], loose: list[Row]) -> None:
        """The check's figures: households and members new, updated, unchanged, skipped."""
        check.rows_skipped = len(loose)
        for plan in plans:
            if plan.bad:
                check.households_skipped += 1
                check.rows_skipped += len(plan.rows)
                continue
            if plan.is_new:
                check.households_new += 1
            elif plan.changed:
                check.households_updated += 1
            else:
                check.households_unchanged += 1
            check.members_new += len(plan.new_members)
            check.members_updated += len(plan.changed_members)
            check.members_unchanged += plan.unchanged_members
            check.missing_members += [(plan.label, m.name) for m in plan.missing_members]


def _address_key(address: tuple[Compound, str, str, str]) -> tuple[int, str, str, str]:
    compound, building, unit, room = address
    return compound.pk, building, unit, room
