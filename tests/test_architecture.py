"""The shape of the code: dependencies point one way, config only wires, modules stay short.

Apps are layered `residents ← accounts ← volunteering ← points ← redemption` (accounts and
volunteering only need residents; the order between them just keeps either from naming the
other). A lower app never names a higher one — not by import, and not in a string either:
a URL name (`"redemption:…"`), a table (`redemption_…`), a dotted path for importlib or a
setting (`"redemption.…"`), a template (`"redemption/…"`), or, in its templates, a URL, an
include or a tag library of a higher app. Where a lower app must show, guard or seed
something of a higher one, it offers a registry the higher app registers into
(residents.audit, residents.dashboard, residents.demo_steps, residents.app_role,
residents.household_page, residents.home_pages, points.panels,
points.middleware.resident_page). Docstrings may
show how a higher app registers; they are documentation, not code, and are not read here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAYERS = ("residents", "accounts", "volunteering", "points", "redemption")
APPLICATION = (*LAYERS, "config")
MAX_MODULE_LINES = 700


def _python_files(folder: str) -> Iterator[Path]:
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module and its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _higher(app: str) -> tuple[str, ...]:
    return LAYERS[LAYERS.index(app) + 1 :]


def _string_names(text: str, higher: tuple[str, ...]) -> str | None:
    """The higher app a string names, as a URL name, table, dotted path or template."""
    for other in higher:
        if re.search(rf"(?<![\w.]){other}(?:[:./]\w|_[a-z])", text):
            return other
    return None


def _python_names(path: Path, higher: tuple[str, ...]) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        for module in modules:
            if module.split(".")[0] in higher:
                found.append(f"{_relative(path)}:{node.lineno}: imports {module}")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (other := _string_names(node.value, higher))
        ):
            found.append(f"{_relative(path)}:{node.lineno}: names {other} in {node.value!r}")
    return found


def _tag_libraries() -> dict[str, str]:
    """Template tag library → the app that defines it."""
    return {
        library.stem: app
        for app in LAYERS
        for library in (ROOT / app / "templatetags").glob("*.py")
        if library.stem != "__init__"
    }


TEMPLATE_NAMES = re.compile(r"\{%[^%]*?['\"](\w+)[:/][^'\"]*['\"][^%]*%\}")
TEMPLATE_LOADS = re.compile(r"\{%\s*load\s+([^%]+?)\s*%\}")


def _template_names(path: Path, higher: tuple[str, ...], libraries: dict[str, str]) -> list[str]:
    text = path.read_text()
    found = []
    for match in TEMPLATE_NAMES.finditer(text):
        if match.group(1) in higher:
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{_relative(path)}:{line}: names {match.group(1)} in {match.group(0)}")
    for match in TEMPLATE_LOADS.finditer(text):
        for library in match.group(1).split():
            if libraries.get(library) in higher:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{_relative(path)}:{line}: loads {library} of {libraries[library]}")
    return found


def test_no_lower_app_names_a_higher_one_in_its_code():
    offenders = []
    for app in LAYERS:
        for path in _python_files(app):
            offenders += _python_names(path, _higher(app))
    assert not offenders, (
        "A lower app names a higher one; offer a registry the higher app registers into "
        "in its AppConfig.ready() instead:\n" + "\n".join(offenders)
    )


def test_no_lower_apps_template_names_a_higher_app():
    libraries = _tag_libraries()
    offenders = []
    for app in LAYERS:
        for path in sorted((ROOT / "templates" / app).rglob("*.html")):
            offenders += _template_names(path, _higher(app), libraries)
    assert not offenders, (
        "A lower app's template names a higher app; let the higher app register what it "
        "shows there:\n" + "\n".join(offenders)
    )


def test_config_imports_no_app_but_to_wire_its_urls():
    offenders = []
    for path in _python_files("config"):
        if _relative(path) == "config/urls.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
                offenders += [
                    f"{_relative(path)}:{node.lineno}: imports {name}"
                    for name in names
                    if name.split(".")[0] in LAYERS
                ]
    assert not offenders, "config only wires settings and URLs:\n" + "\n".join(offenders)


def test_the_architecture_checks_can_see_a_violation(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        '"""Register like `redemption.apps` does."""\n'
        "from points.models import Account\n"
        'URL = "redemption:dashboard"\n'
        'TABLE = "SELECT 1 FROM points_ledgerentry"\n'
        'STEP = "points.demo.seed_demo"\n'
        'PAGE = "redemption/dashboard/dashboard.html"\n'
        'FINE = "积分 points and redemption, in words"\n'
    )
    template = tmp_path / "page.html"
    template.write_text(
        "{% load i18n passbook %}{% url 'redemption:receipt' 1 %}"
        "{% include \"points/includes/_x.html\" %}{% url 'residents:settings' %}"
    )

    found = _python_names(module, ("points", "redemption"))
    assert [line.split(": ", 1)[1] for line in found] == [
        "imports points.models",
        "names redemption in 'redemption:dashboard'",
        "names points in 'SELECT 1 FROM points_ledgerentry'",
        "names points in 'points.demo.seed_demo'",
        "names redemption in 'redemption/dashboard/dashboard.html'",
    ]
    found = _template_names(template, ("points", "redemption"), {"passbook": "points"})
    assert len(found) == 3


# -- Long modules -------------------------------------------------------------------------

# Modules another branch of issue 16 is splitting (s16residents: the importing package and
# demo data as data). The test fails when one is short enough, so the list only shrinks.
BEING_SPLIT = {
    "residents/importing.py",
    "residents/demo.py",
    "volunteering/demo.py",
}
DEMO_DATA = re.compile(r"(^|/)(demo_data|data)(/|\.py$)|/demo/data")


def _long_modules() -> dict[str, int]:
    lengths = {}
    for folder in APPLICATION:
        for path in _python_files(folder):
            relative = _relative(path)
            if DEMO_DATA.search(relative):
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                lengths[relative] = lines
    return lengths


def test_no_application_module_is_over_700_lines():
    long = {path: n for path, n in _long_modules().items() if path not in BEING_SPLIT}
    assert not long, f"Split these along their sections (at most {MAX_MODULE_LINES} lines): {long}"


def test_the_modules_being_split_are_still_long_or_leave_the_list():
    done = BEING_SPLIT - set(_long_modules())
    assert not done, f"Short enough now: take them off BEING_SPLIT: {sorted(done)}"
