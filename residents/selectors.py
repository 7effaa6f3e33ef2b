"""Reads of the household register shared by several views."""

from __future__ import annotations

import re

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length

from residents.models import Compound, Household, HouseholdQuerySet, Member, MemberQuerySet
from residents.parsing import is_digits
from residents.phones import normalize_digits

# 5-302, 5-2-302 (building-unit-room), 5号302, 5号2单元302室, 5栋302
_ROOM = re.compile(
    r"^(?P<building>[0-9A-Za-z]+)\s*(?:号|栋|幢|-)\s*"
    r"(?:(?P<unit>[0-9A-Za-z]+)\s*(?:单元|-)\s*)?(?P<room>[0-9A-Za-z]+)\s*室?$"
)
_PASSBOOK = re.compile(r"^[A-Za-z]{1,6}-?\d+$", re.ASCII)


def search_households(queryset: HouseholdQuerySet, query: str) -> HouseholdQuerySet:
    """Find households by what staff remember: a name, a phone's last digits, a passbook
    number, or an address like `5-302`."""
    text = normalize_digits(query).replace("—", "-").replace("－", "-")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return queryset

    if _PASSBOOK.match(text):
        letters = re.match(r"^[A-Za-z]+", text).group(0)
        number = text[len(letters) :].lstrip("-")
        return queryset.filter(
            passbook_number__iexact=f"{letters}-{int(number):05d}"
            if is_digits(number) and len(number) <= 5
            else text
        )

    room = _ROOM.match(text)
    if room:
        found = Q(building__iexact=room["building"], room__iexact=room["room"])
        if room["unit"]:
            found &= Q(unit__iexact=room["unit"])
        return queryset.filter(found)

    members = Member.objects.filter(household=OuterRef("pk"))
    if is_digits(text):
        # Phone tails (4+ digits), a room number, or the numeric part of a passbook number.
        by_phone = Q(phone__endswith=text) | Exists(members.filter(phone__endswith=text))
        found = Q(room=text) | Q(passbook_number__endswith=f"-{text.zfill(5)}")
        if len(text) >= 4:
            found |= by_phone
        return queryset.filter(found)

    return queryset.filter(Exists(members.filter(name__icontains=text)))


def search_members(queryset: MemberQuerySet, query: str, limit: int = 20) -> list[Member]:
    """People for a picker: by name, pinyin (`zxy`, `zhengxy`), a skill (特长, e.g. 电工:
    the specialties' GIN index), phone tail, passbook number or address (`5-302`). Only
    people living in an active household, and non-residents (报到) on the register, listed
    after the residents."""
    text = normalize_digits(query).strip()
    if not text:
        return []
    people = queryset.current().select_related("household__compound", "household__building_group")
    lowered = text.lower()
    if re.fullmatch(r"[a-z]+", lowered):
        found = Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        if len(lowered) >= 2:
            found |= Q(name__icontains=text)  # Latin names
    elif any("\u4e00" <= ch <= "\u9fff" for ch in text):
        found = Q(name__icontains=text) | Q(specialties__contains=[text])
    else:
        households = search_households(Household.objects.all(), text)
        if households.query.where:  # an address, passbook number or digits
            found = Q(household__in=households.values("pk"))
            if is_digits(text) and len(text) >= 4:
                found |= Q(phone__endswith=text)
        else:
            return []
    return list(
        people.filter(found).order_by(
            # Natural order, as in the register: building 7 before building 10; non-residents
            # (no household: NULL, which PostgreSQL sorts last) last.
            "household__compound__sort_key",
            Length("household__building"),
            "household__building",
            Length("household__room"),
            "household__room",
            "position",
        )[:limit]
    )


def filter_households(queryset, data: dict | None):
    """The households the register list (and its export) shows for the filter form's
    cleaned data — those in residence when there is none — in natural order: building 2
    before building 10, room 302 before room 1201."""
    status = ""
    if data is not None:
        queryset = search_households(queryset, data["q"])
        for field in ("compound", "building_group"):
            if data[field]:
                queryset = queryset.filter(**{field: data[field]})
        if data["type"]:
            queryset = queryset.filter(types=data["type"])
        status = data["status"]
    if status == "moved_out":
        queryset = queryset.filter(status=Household.Status.MOVED_OUT)
    elif status != "all":
        queryset = queryset.active()
    return queryset.order_by("compound__sort_key", *WITHIN_COMPOUND)


# Natural order within a compound: building 2 before building 10, room 302 before room 1201.
# The index residents_household_natural (community, compound, then these) holds it.
WITHIN_COMPOUND = (Length("building"), "building", "unit", Length("room"), "room", "pk")


class HouseholdPages:
    """The households of filter_households(), for a Paginator, without sorting them all.

    The register orders by compound, then naturally within the compound, and a community has
    few compounds: the count is one grouped count (by compound, from the households it scans
    anyway, then the compounds' sort keys), and a page reads, from each compound it falls
    in, just its slice in the index's order (a subquery each), then loads those rows in one
    query. Compounds with the same sort key are one run, sorted together, as the single
    ORDER BY would. Same households, same order, same count as the queryset.
    """

    def __init__(self, queryset: HouseholdQuerySet) -> None:
        self.queryset = queryset
        self._runs: list[tuple[list[int], int]] | None = None

    def runs(self) -> list[tuple[list[int], int]]:
        """(compound ids, how many households) per sort key, in order."""
        if self._runs is None:
            grouped = (
                self.queryset.order_by()
                .prefetch_related(None)
                .select_related(None)
                .values("compound")
                .annotate(n=Count("*"))  # not COUNT(id): the count index has no id
            )
            try:
                sql, params = grouped.query.sql_with_params()
            except EmptyResultSet:  # a filter that can match nothing
                self._runs = []
                return self._runs
            compound = Compound._meta.db_table
            # Counted first, then joined to the few compounds: not a join per household.
            with connections[self.queryset.db].cursor() as cursor:
                cursor.execute(
                    f"SELECT c.id, c.sort_key, g.n FROM ({sql}) AS g (compound_id, n)"
                    f" JOIN {compound} c ON c.id = g.compound_id ORDER BY c.sort_key, c.id",
                    params,
                )
                counts = cursor.fetchall()
            runs: dict[str, tuple[list[int], int]] = {}
            for pk, key, n in counts:
                compounds, total = runs.get(key, ([], 0))
                runs[key] = ([*compounds, pk], total + n)
            self._runs = list(runs.values())
        return self._runs

    def count(self) -> int:
        return sum(n for _, n in self.runs())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("HouseholdPages takes a slice")
        start, stop = index.start or 0, index.stop
        within = self.queryset.order_by().prefetch_related(None).select_related(None)
        slices, offset = [], 0
        for compounds, n in self.runs():
            if stop is not None and offset >= stop:
                break
            if offset + n > start:
                low = max(start - offset, 0)
                high = n if stop is None else min(stop - offset, n)
                run = within.filter(compound__in=compounds).order_by(*WITHIN_COMPOUND)
                slices.append(run.values("pk")[low:high])
            offset += n
        if not slices:
            return []
        page = slices[0].union(*slices[1:], all=True) if len(slices) > 1 else slices[0]
        return list(self.queryset.filter(pk__in=page))
