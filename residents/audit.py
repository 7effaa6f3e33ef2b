"""The audit trail: who changed what, and reading it back.

PostgreSQL writes the trail (the trigger function passbook_audit() in
residents/migrations/0005_audit_triggers.py), so bulk updates, raw SQL and the Django admin
are recorded as surely as the pages' own saves. This module
- names the actor: AuditActorMiddleware puts the signed-in user's id into the database
  session setting `passbook.actor` around each unsafe request, which the trigger reads;
- turns stored events into something an admin can read: field names from the models'
  verbose names, choices by label, yes/no, Chinese dates, foreign keys by name — with one
  query per related model, however many events a page shows.

Which tables are audited is said twice, on purpose: the migration of the app that owns a
table attaches the trigger to it (the database side), and the app registers the table's
model here, in its `AppConfig.ready()`, for reading it back:

    audited_tables.register(Member, page=..., part_of="household")
    audited_tables.register_link(Household, "types")
    audited_tables.register(Round, labels={"opened_by": _("开始兑换的人")})

so this module never names another app's tables, URLs or columns
(tests/residents/test_audit_registry.py checks that both sides name the same tables).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.fields import ArrayField
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.models import AuditEvent, Community
from residents.phones import mask_phone

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class AuditedTable:
    """A table the trigger watches, as its model's app registered it."""

    table: str
    model: type[models.Model]
    # Where an object itself is shown, when not at its model's get_absolute_url.
    page: Callable[[models.Model], str] | None = None
    # The foreign key to the object whose history also shows this row's changes (a
    # member's are in its household's), if any.
    part_of: str | None = None
    # Names for the audited columns whose model field gives none.
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkTable:
    """A many-to-many table: its events are filed under the row that owns the link (the
    trigger stores the owner's id as object_id), e.g. a household's types."""

    owner_table: str
    owner_column: str
    m2m_field: str


class AuditedTables:
    """The registry of audited tables, in the order the trail's filter offers them (the
    order of registration: INSTALLED_APPS, then each app's own order)."""

    def __init__(self) -> None:
        self._tables: dict[str, AuditedTable | LinkTable] = {}
        self._models: dict[str, type[models.Model]] = {}

    def register(
        self,
        model: type[models.Model],
        *,
        page: Callable[[models.Model], str] | None = None,
        part_of: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        if part_of is not None:
            model._meta.get_field(part_of)  # a typo fails at start-up, not on a history page
        table = model._meta.db_table
        self._tables[table] = AuditedTable(table, model, page, part_of, dict(labels or {}))
        self._models[table] = model

    def register_link(self, owner: type[models.Model], m2m_field: str) -> None:
        """The table behind `owner.<m2m_field>`, whose rows are filed under their owner."""
        through = owner._meta.get_field(m2m_field).remote_field.through
        owner_key = next(
            f for f in through._meta.concrete_fields if f.is_relation and f.related_model is owner
        )
        table = through._meta.db_table
        self._tables[table] = LinkTable(owner._meta.db_table, owner_key.column, m2m_field)
        self._models[table] = through

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __contains__(self, table: object) -> bool:
        return table in self._tables

    def model(self, table: str) -> type[models.Model]:
        """The table's model (for a link table, Django's through model)."""
        return self._models[table]

    def get(self, table: str) -> AuditedTable | None:
        found = self._tables.get(table)
        return found if isinstance(found, AuditedTable) else None

    def link(self, table: str) -> LinkTable | None:
        found = self._tables.get(table)
        return found if isinstance(found, LinkTable) else None

    def links_of(self, owner_table: str) -> list[str]:
        return [
            table
            for table in self._tables
            if (link := self.link(table)) is not None and link.owner_table == owner_table
        ]

    def parts_of(self, owner_table: str) -> list[AuditedTable]:
        """The tables whose rows belong to an object of `owner_table` (a household's members)."""
        return [
            audited
            for table in self._tables
            if (audited := self.get(table)) is not None
            and audited.part_of is not None
            and audited.model._meta.get_field(audited.part_of).related_model._meta.db_table
            == owner_table
        ]


audited_tables = AuditedTables()

# Names for audited columns whose model gives them none, whatever the table.
FALLBACK_LABELS = {
    "created_by": gettext_lazy("创建人"),
}

# Never worth showing: the row's own keys. (Creation and update times are left out too:
# the event has its own.)
HIDDEN_COLUMNS = frozenset({"id", "community_id"})


# -- The actor ------------------------------------------------------------------------------


def _set_actor(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('passbook.actor', %s, false)", [value])


class AuditActorMiddleware:
    """Names the signed-in user as the actor of every change an unsafe request makes.

    The setting lives in the database session, which outlives the request when connections
    are reused; it is therefore cleared after the view (also when the view raises), so a
    command or the next request on the same connection is never attributed to this user.
    Safe requests (GET, HEAD) change nothing and cost no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE_METHODS or not request.user.is_authenticated:
            return self.get_response(request)
        _set_actor(str(request.user.pk))
        try:
            return self.get_response(request)
        finally:
            self._clear()

    @staticmethod
    def _clear() -> None:
        try:
            _set_actor("")
        except DatabaseError:
            # The view left the connection unusable. Inside a transaction (as in tests) its
            # rollback undoes the setting too; otherwise a fresh connection starts clean.
            if not connection.in_atomic_block:
                connection.close()


# -- Which model a table holds --------------------------------------------------------------


def subject_model(table: str) -> type[models.Model]:
    """The model an event of `table` is about (a link table's events are about the owner)."""
    link = audited_tables.link(table)
    return audited_tables.model(link.owner_table if link else table)


def table_label(table: str) -> str:
    link = audited_tables.link(table)
    if link:
        owner = audited_tables.model(link.owner_table)
        m2m = owner._meta.get_field(link.m2m_field)
        return _("%(owner)s的%(what)s") % {
            "owner": owner._meta.verbose_name,
            "what": m2m.verbose_name,
        }
    return str(audited_tables.model(table)._meta.verbose_name)


def table_choices() -> list[tuple[str, str]]:
    return [(table, table_label(table)) for table in audited_tables]


def is_browsable(table: str) -> bool:
    """Whether `table` has per-object history pages (link tables show on their owner's)."""
    return audited_tables.get(table) is not None


def _has_community(model: type[models.Model]) -> bool:
    return any(f.name == "community" for f in model._meta.concrete_fields)


def _fetch(model: type[models.Model], ids: Iterable[int], community: Community) -> dict:
    """Objects by id in one query, with the rows their names are made of (one level of
    foreign keys joined, which every __str__ here needs at most)."""
    queryset = model._base_manager.filter(pk__in=set(ids)).order_by()
    if _has_community(model):
        queryset = queryset.filter(community=community)
    joins = [f.name for f in model._meta.concrete_fields if f.is_relation]
    return {obj.pk: obj for obj in queryset.select_related(*joins)}


# -- Reading ---------------------------------------------------------------------------------


def history_filter(table: str, object_id: int) -> Q:
    """An object's own events, its links' and those of the rows that belong to it."""
    condition = Q(table=table, object_id=object_id)
    for link_table in audited_tables.links_of(table):
        condition |= Q(table=link_table, object_id=object_id)
    for part in audited_tables.parts_of(table):
        children = part.model._base_manager.filter(**{f"{part.part_of}_id": object_id})
        condition |= Q(table=part.table, object_id__in=children.values("pk"))
    return condition


def find_object(table: str, object_id: int, community: Community) -> models.Model | None:
    """The object, if it still exists in `community`."""
    return _fetch(audited_tables.model(table), [object_id], community).get(object_id)


def object_page(table: str, obj: models.Model) -> str | None:
    """Where the object itself is shown, if anywhere."""
    audited = audited_tables.get(table)
    try:
        if audited is not None and audited.page is not None:
            return audited.page(obj)
        if hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
    except NoReverseMatch:  # that app's pages are not there (yet)
        return None
    return None


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""


@dataclass
class EventView:
    """An event as a page shows it."""

    event: AuditEvent
    table_label: str
    subject: str
    subject_table: str
    subject_id: int
    actor: str
    action: str
    changes: list[Change] = field(default_factory=list)
    # Whether the event is about the object whose history is shown (its own row or its
    # links), rather than a row that belongs to it (a member of a household).
    is_main: bool = False

    @property
    def history_url(self) -> str:
        return reverse("residents:audit_object", args=[self.subject_table, self.subject_id])


def describe(
    events: Iterable[AuditEvent],
    *,
    community: Community,
    full_phones: bool,
    main: tuple[str, int] | None = None,
) -> list[EventView]:
    """Readable events. Queries: one per model named by the events' foreign keys and
    subjects (a handful at most), not one per event. Events need `actor` selected."""
    events = list(events)
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for event in events:
        wanted[subject_model(event.table)].add(event.object_id)
        columns = _columns(event.table)
        hidden = _hidden_columns(event.table)
        for values in (event.old, event.new):
            for column, value in (values or {}).items():
                model_field = columns.get(column)
                if column in hidden or model_field is None or value is None:
                    continue
                if model_field.is_relation:
                    wanted[model_field.related_model].add(value)
    found = {model: _fetch(model, ids, community) for model, ids in wanted.items()}

    views = []
    for event in events:
        link = audited_tables.link(event.table)
        subject_table = link.owner_table if link else event.table
        model = subject_model(event.table)
        obj = found[model].get(event.object_id)
        views.append(
            EventView(
                event=event,
                table_label=table_label(event.table),
                subject=str(obj) if obj is not None else _deleted_label(model, event),
                subject_table=subject_table,
                subject_id=event.object_id,
                actor=_actor_name(event),
                action=_action_label(event, link),
                changes=_changes(event, found, full_phones),
                is_main=main == (subject_table, event.object_id),
            )
        )
    return views


@cache
def _columns(table: str) -> dict[str, models.Field]:
    return {f.column: f for f in audited_tables.model(table)._meta.concrete_fields}


def _action_label(event: AuditEvent, link: LinkTable | None) -> str:
    if link is None:
        return event.get_action_display()
    # A link row is added to or taken from its owner (a household gains a type).
    return _("添加") if event.action == AuditEvent.Action.INSERT else _("移除")


def _hidden_columns(table: str) -> frozenset[str]:
    link = audited_tables.link(table)
    return (HIDDEN_COLUMNS | {link.owner_column}) if link else HIDDEN_COLUMNS


def _actor_name(event: AuditEvent) -> str:
    if event.actor_id is None:
        return _("系统/命令")
    if event.actor is None:
        return _("已删除的用户 #%(id)s") % {"id": event.actor_id}
    return _user_name(event.actor)


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _deleted_label(model: type[models.Model], event: AuditEvent) -> str:
    values = event.old or event.new or {}
    for key in ("name", "passbook_number", "code"):
        if values.get(key):
            return _("%(name)s（已删除）") % {"name": values[key]}
    return _("%(what)s #%(id)s（已删除）") % {
        "what": model._meta.verbose_name,
        "id": event.object_id,
    }


def _changes(event: AuditEvent, found: dict, full_phones: bool) -> list[Change]:
    link = audited_tables.link(event.table)
    audited = audited_tables.get(event.table)
    labels = {**FALLBACK_LABELS, **(audited.labels if audited else {})}
    columns = _columns(event.table)
    old, new = event.old or {}, event.new or {}
    hidden = _hidden_columns(event.table)
    order = {column: index for index, column in enumerate(columns)}
    changes = []
    # In the model's field order (the JSON keeps its own).
    for column in sorted({*old, *new}, key=lambda c: (order.get(c, len(order)), c)):
        model_field = columns.get(column)
        if column in hidden or _is_timestamp(model_field):
            continue
        if event.action != AuditEvent.Action.UPDATE and _is_empty(old.get(column, new.get(column))):
            continue  # a new or removed row: only what it held
        label = _field_label(model_field, column, link, labels)
        display = _displayer(model_field, found, full_phones)
        changes.append(
            Change(
                label=label,
                old=display(old[column]) if column in old else "",
                new=display(new[column]) if column in new else "",
            )
        )
    return changes


def _is_timestamp(model_field: models.Field | None) -> bool:
    """Creation and update times: the event's own time says when."""
    return isinstance(model_field, models.DateTimeField) and (
        model_field.auto_now or model_field.auto_now_add
    )


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def _field_label(
    model_field: models.Field | None, column: str, link: LinkTable | None, labels: Mapping
) -> str:
    if link is not None:
        owner = audited_tables.model(link.owner_table)
        return str(owner._meta.get_field(link.m2m_field).verbose_name)
    if model_field is None:  # a column the model no longer has
        return column
    if model_field.verbose_name == model_field.name.replace("_", " "):  # Django's default
        return str(labels.get(model_field.name, model_field.verbose_name))
    return str(model_field.verbose_name)


def _displayer(model_field: models.Field | None, found: dict, full_phones: bool):
    def display(value) -> str:
        if _is_empty(value):
            return "—"
        if model_field is None:
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return _readable(model_field, value, found, full_phones)

    return display


def _readable(model_field: models.Field, value, found: dict, full_phones: bool) -> str:
    if model_field.is_relation:
        obj = found.get(model_field.related_model, {}).get(value)
        if obj is None:
            return _("#%(id)s（已删除）") % {"id": value}
        if isinstance(obj, AbstractBaseUser):  # people by name, as the page header shows them
            return _user_name(obj)
        return str(obj)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return (
            formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else value
        )
    if isinstance(model_field, models.DateField):
        day = parse_date(str(value))
        return formats.date_format(day, "DATE_FORMAT") if day else value
    if isinstance(model_field, models.DecimalField):
        return _decimal(model_field, value)
    if isinstance(model_field, ArrayField):
        return "、".join(str(item) for item in value)
    if model_field.name == "phone" and not full_phones:
        return mask_phone(str(value))
    return str(value)


def _decimal(model_field: models.DecimalField, value) -> str:
    try:
        amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-model_field.decimal_places))
    except (InvalidOperation, ValueError):
        return str(value)
    # Money in yuan (cost_yuan, budget_yuan …) reads as money.
    return f"¥{amount}" if model_field.name.endswith("_yuan") else str(amount)
