"""The shape of the code (issue 16), read from the source: views orchestrate and services
write; no private name crosses an app; no views module imports another; an app never names
one above it (`residents ← volunteering ← points ← redemption`), in an import, a string or a
template; no application module is over 700 lines (migrations and demo data aside).

Issue 16 is done in three parts. What the other parts have still to mend is excused below,
offence by offence, and every excuse must still be needed: the list only shrinks."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Lowest first: each app may use the ones before it, never one after it.
# accounts and volunteering each need only residents; the order between them just keeps
# either from naming the other.
LAYERS = (
    "residents",
    "accounts",
    "volunteering",
    "points",
    "redemption",
    "party",
    "needs",
    "subdistrict",
)
MAX_LINES = 700

# Calls that write, wherever they are made from; `.update(` only on a queryset (a dict's
# update is not a write).
WRITE_CALLS = frozenset(
    {
        "save",
        "create",
        "delete",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "select_for_update",
    }
)
QUERYSET_CALLS = frozenset({"filter", "exclude", "all", "select_related", "only", "defer"})

# Offences the other parts of issue 16 mend (one entry an offence: "path: what").
EXCUSED = {
    "writes": set(),
    "private imports": set(),
    "views importing views": set(),
    "names of apps above": set(),
}


@dataclass(frozen=True)
class Module:
    path: str  # relative to the project, e.g. residents/views/households.py
    name: str  # dotted, e.g. residents.views.households
    app: str
    source: str

    @property
    def is_views(self) -> bool:
        return is_views(self.name)

    @property
    def tree(self) -> ast.Module:
        return _parse(self.source)


def is_views(dotted: str) -> bool:
    """A views module: in a `views` package, or named `views` or `…_views`."""
    return any(part == "views" or part.endswith("_views") for part in dotted.split("."))


@cache
def _parse(source: str) -> ast.Module:
    return ast.parse(source)


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for app in (*LAYERS, "config"):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            found.append(Module(relative.as_posix(), name, app, path.read_text(encoding="utf-8")))
    return tuple(found)


def _imported(module: Module) -> Iterator[tuple[str, list[str]]]:
    """(module imported from, names imported) for each import of the module."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def writes_in(source: str) -> set[str]:
    """The kinds of write a piece of source makes: the write calls, `atomic`, and `.update(`
    on a queryset."""
    found = set()
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Attribute | ast.Name) and "atomic" in (
            getattr(node, "attr", None),
            getattr(node, "id", None),
        ):
            found.add("atomic")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if method in WRITE_CALLS:
            found.add(method)
        elif method == "update" and (
            (isinstance(receiver, ast.Attribute) and receiver.attr == "objects")
            or (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr in QUERYSET_CALLS
            )
        ):
            found.add("update")
    return found


def _strings(tree: ast.Module) -> Iterator[str]:
    """The string constants of a module, docstrings left out (they may explain the layers)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.value


@cache
def tag_libraries() -> dict[str, str]:
    """Template tag library → the app that defines it."""
    return {
        path.stem: app
        for app in LAYERS
        for path in (ROOT / app / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }


@cache
def _tables_of(app: str) -> tuple[str, ...]:
    """The app's table names (party_partyentry …); none for an app not installed here."""
    from django.apps import apps as registry

    if app not in registry.app_configs:
        return ()
    return tuple(model._meta.db_table for model in registry.get_app_config(app).get_models())


def apps_named_in_string(text: str, above: tuple[str, ...]) -> set[str]:
    """The apps of `above` a string names: an import path, a URL name or a table name of
    the app. The bare label is not enough: "party" and "subdistrict" are also ordinary words
    of the register (a member's party membership, a community's subdistrict)."""
    named = set()
    for app in above:
        if re.search(rf"(?<![\w/.-]){app}(?=[.:][a-z])", text):
            named.add(app)
        for table in _tables_of(app) or (rf"{app}_[a-z]+",):
            if re.search(rf"(?<![\w/.-]){table}(?![\w])", text):
                named.add(app)
    return named


def apps_named_in_template(text: str, above: tuple[str, ...]) -> set[str]:
    """The apps of `above` a template names: by URL, by template path or by tag library."""
    named = set()
    for app in above:
        if re.search(rf"""{{%\s*(url|include|extends)\s+['"]{app}[:/]""", text):
            named.add(app)
    for load in re.findall(r"{%\s*load\s+([\w\s]+?)\s*%}", text):
        for library in load.split():
            if tag_libraries().get(library) in above:
                named.add(tag_libraries()[library])
    return named


def offences() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {key: set() for key in EXCUSED}
    found["long modules"] = set()
    for module in modules():
        if module.is_views:
            found["writes"] |= {f"{module.path}: {kind}" for kind in writes_in(module.source)}
        above = LAYERS[LAYERS.index(module.app) + 1 :] if module.app in LAYERS else ()
        for imported, names in _imported(module):
            app = imported.split(".")[0]
            if app in LAYERS and app != module.app:
                found["private imports"] |= {
                    f"{module.path}: {imported}.{name}" for name in names if name.startswith("_")
                }
            if module.is_views and app in LAYERS and is_views(imported):
                found["views importing views"].add(f"{module.path}: {imported}")
            if app in above:
                found["names of apps above"].add(f"{module.path}: {app}")
        for text in _strings(module.tree):
            found["names of apps above"] |= {
                f"{module.path}: {app}" for app in apps_named_in_string(text, above)
            }
        lines = module.source.count("\n")
        if lines > MAX_LINES and not module.name.endswith("demo_data"):
            found["long modules"].add(f"{module.path}: {lines} lines")
    for app in LAYERS:
        above = LAYERS[LAYERS.index(app) + 1 :]
        for path in sorted((ROOT / "templates" / app).rglob("*.html")):
            named = apps_named_in_template(path.read_text(encoding="utf-8"), above)
            relative = path.relative_to(ROOT).as_posix()
            found["names of apps above"] |= {f"{relative}: {other}" for other in named}
    return found


def _unexcused(kind: str) -> list[str]:
    return sorted(offences()[kind] - EXCUSED.get(kind, set()))


def test_no_views_module_writes():
    assert not _unexcused("writes"), (
        "Views orchestrate; a service writes (keyword-only, one transaction, under "
        "residents.transactions.retry_on_conflict)"
    )


def test_no_module_imports_a_private_name_from_another_app():
    assert not _unexcused("private imports"), "Give the name a public home, or a named read"


def test_no_views_module_imports_another_views_module():
    assert not _unexcused("views importing views"), (
        "Share a read through a selector or queryset, a decorator through a non-view module"
    )


def test_no_app_names_an_app_above_it():
    assert not _unexcused("names of apps above"), (
        "The lower app offers a registry; the higher one registers in AppConfig.ready()"
    )


def test_no_application_module_is_over_700_lines():
    assert not _unexcused("long modules"), "Split it along its own seams"


def test_every_excused_offence_still_offends():
    # Once a part of issue 16 has mended an offence, its excuse goes.
    found = offences()
    assert {kind: sorted(excused - found[kind]) for kind, excused in EXCUSED.items()} == {
        kind: [] for kind in EXCUSED
    }


def test_the_write_finder_tells_writes_from_reads():
    writes = """
with transaction.atomic():
    Reward.objects.filter(pk=1).update(is_active=False)
    Round.objects.select_for_update().get(pk=1)
    form.save()
    RoundItem.objects.create(name="x")
    default_storage.delete(name)
"""
    assert writes_in(writes) == {
        "atomic",
        "update",
        "select_for_update",
        "save",
        "create",
        "delete",
    }
    reads = "context.update({'a': 1})\nquery.update(page=2)\nRound.objects.filter(pk=1).get()\n"
    assert writes_in(reads) == set()


def test_the_name_finders_see_urls_tables_imports_and_tag_libraries():
    above = ("points", "redemption")
    assert apps_named_in_string("redemption:counter", above) == {"redemption"}
    assert apps_named_in_string("points_pointrule", above) == {"points"}
    assert apps_named_in_string("redemption.demo", above) == {"redemption"}
    assert apps_named_in_string("points_ledgerentry", above) == {"points"}
    assert apps_named_in_string("points", above) == set()
    assert apps_named_in_string("points_earned", above) == set()  # a word, not a table
    assert apps_named_in_string("积分 points, 2 points. ", above) == set()
    assert apps_named_in_string("templates/points/x.html", above) == set()
    template = "{% load i18n passbook %}<a href=\"{% url 'redemption:counter' %}\">"
    assert apps_named_in_template(template, above) == {"points", "redemption"}
    assert apps_named_in_template("{% include 'redemption/includes/_card.html' %}", above) == {
        "redemption"
    }
    assert apps_named_in_template("{% load i18n static %}<p>points</p>", above) == set()
