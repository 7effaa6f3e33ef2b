"""Every form of the project reads its input through residents/parsing.py, and no view,
form or selector checks digits or dates by hand (issue 15: `isdigit()` let ² and ① through
to `int()`). The fuzz test (test_fuzz.py) proves it at run time; this says where a new field
went wrong before anything runs."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from django import forms
from django.conf import settings

from residents import parsing

APPS = ("residents", "accounts", "volunteering", "points", "redemption")
# Another branch owns these (login throttling); the fuzz test still sends them hostile input.
NOT_OURS = {"accounts.auth"}


def _modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                yield importlib.import_module(info.name)


def _project_forms() -> list[type[forms.BaseForm]]:
    found, seen = [], set()
    for module in _modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__.split(".")[0] in APPS
                and value.__module__ not in NOT_OURS
                and value not in seen
            ):
                seen.add(value)
                found.append(value)
    return found


def test_every_field_of_every_form_is_read_by_the_parsing_module_or_is_a_fixed_choice():
    project_forms = _project_forms()
    assert len(project_forms) >= 25, [f.__name__ for f in project_forms]
    wrong = [
        f"{form.__module__}.{form.__name__}.{name}: {type(field).__module__}.{type(field).__name__}"
        for form in project_forms
        for name, field in form.base_fields.items()
        if not isinstance(field, parsing.SAFE_FIELD_TYPES)
    ]
    assert not wrong, (
        "Use residents.parsing's fields (TextField, IntegerField, DecimalField, DateField "
        "with a window, ModelChoiceField …) or a ModelForm based on parsing.ModelForm:\n"
        + "\n".join(wrong)
    )


def test_every_date_field_has_a_window_and_every_text_field_a_maximum_length():
    for form in _project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, parsing.DateField):
                assert isinstance(field.window, parsing.DateWindow), (form, name)
            if isinstance(field, parsing.TextField):
                assert field.max_length, (form, name)


# Hand-made checks that the parsing module replaces.
BY_HAND = re.compile(r"\.isdigit\(\)|\.isdecimal\(\)|\.isnumeric\(\)|fromisoformat\(|float\(")
ALLOWED = {"residents/parsing.py", "residents/phones.py"}


def test_no_view_form_or_selector_checks_digits_or_dates_by_hand():
    root = Path(settings.BASE_DIR)
    offenders = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in ALLOWED or "/migrations/" in relative or relative.endswith("demo.py"):
                continue
            if not re.search(r"(views|forms|selectors|_views)(/|\.py$)", relative):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if BY_HAND.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "Read it with residents.parsing instead:\n" + "\n".join(offenders)
