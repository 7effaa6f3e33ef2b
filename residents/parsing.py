"""One way to read a request.

Every integer, decimal, date, period, choice and piece of text a view takes from the query
string or a form is read here: by the functions below when a view reads a parameter itself,
or by the form fields below (ModelForms get them through `ModelForm`). Never by hand with
`int()`, `Decimal()`, `isdigit()` or `date.fromisoformat()`. The rules, in one place:

- **Digits are ASCII.** What staff type on a Chinese keyboard is normalised first, as the
  register does for phone numbers (full-width １２ → 12); any other digit (², ①, Arabic-Indic
  ٣, …) is refused. Every number has a range.
- **Decimals are plain and finite**: digits and one point, never NaN, sNaN, Infinity or an
  exponent, and bounded.
- **Dates are ISO** (2026-03-01) and inside the window that makes sense for what they date
  (`DateWindow` below: activities, claims and joining a team from 2000 to today; adjustments
  and move-outs five years back to today; rounds and point rules five years back to two years
  ahead; list filters from 2000 to two years ahead). Quarters and years (`period`) run from
  2000 to next year.
- **Text** has no control characters (tab and line breaks only in multi-line notes) and no
  Unicode direction overrides or isolates, and a maximum length: too long is refused with a
  message, never cut.

A refusal is a `ValidationError` with a Chinese message; forms show it next to the field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from residents.phones import normalize_digits

# Numbers ------------------------------------------------------------------------------------

# Database ids (bigint) and plain integer columns.
MAX_ID = 2**63 - 1
MAX_INTEGER = 2**31 - 1
# Longest number anyone types: enough for any id, short enough that nothing large is parsed.
MAX_NUMBER_LENGTH = 24

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def normalized(value: object) -> str:
    """Full-width characters become ASCII and surrounding space goes: the normalisation the
    register applies to phone numbers."""
    return normalize_digits(str(value if value is not None else ""))


def is_digits(text: str) -> bool:
    """Whether `text` is one or more ASCII digits (str.isdigit() also says yes to ², ① and
    ٣, which int() then refuses or reads as something else)."""
    return bool(text) and text.isascii() and text.isdigit()


def integer(value: object, *, min_value: int = -MAX_INTEGER, max_value: int = MAX_INTEGER) -> int:
    """An integer typed as ASCII digits (after normalising), within the range."""
    text = normalized(value)
    if len(text) > MAX_NUMBER_LENGTH or not _INTEGER.fullmatch(text):
        raise ValidationError(_("请填写整数，如 12。"), code="invalid")
    number = int(text)
    _check_range(number, min_value, max_value)
    return number


def identifier(value: object) -> int:
    """A record's id as a form or link sends it: a positive integer."""
    try:
        return integer(value, min_value=1, max_value=MAX_ID)
    except ValidationError:
        raise ValidationError(_("所选记录有误，请刷新页面后重试。"), code="invalid_id") from None


def identifiers(values: Iterable[object]) -> list[int]:
    """Ids posted as repeated inputs (`p=3&p=7`), in their order, without repeats."""
    seen: dict[int, None] = {}
    for value in values:
        seen.setdefault(identifier(value))
    return list(seen)


def optional_identifier(value: object) -> int | None:
    """An id from the query string, or None when it is absent or malformed (a link that
    has been tampered with falls back to the page without it)."""
    try:
        return identifier(value) if value not in (None, "") else None
    except ValidationError:
        return None


def page_number(value: object) -> int:
    """`?page=` for a paginator: a bad or absent one is the first page."""
    try:
        return integer(value, min_value=1, max_value=MAX_INTEGER)
    except ValidationError:
        return 1


def decimal(
    value: object,
    *,
    min_value: Decimal,
    max_value: Decimal,
    places: int,
) -> Decimal:
    """A plain decimal number (1.5, ０.５), finite, within the range, at most `places`
    digits after the point."""
    text = normalized(value)
    if len(text) > MAX_NUMBER_LENGTH or not _DECIMAL.fullmatch(text):
        raise ValidationError(_("请填数字，如 1.5。"), code="invalid")
    number = Decimal(text)
    _check_range(number, min_value, max_value)
    if -number.normalize().as_tuple().exponent > places:
        if places == 0:
            raise ValidationError(_("请填整数。"), code="max_decimal_places")
        raise ValidationError(
            _("小数点后最多 %(places)s 位。"), code="max_decimal_places", params={"places": places}
        )
    return number


def _check_range(number, min_value, max_value) -> None:
    if not min_value <= number <= max_value:
        raise ValidationError(
            _("应在 %(min)s 到 %(max)s 之间。"),
            code="out_of_range",
            params={"min": min_value, "max": max_value},
        )


# Choices ------------------------------------------------------------------------------------


def choice(value: object, options: Iterable[str], default: str | None = None) -> str | None:
    """One of a fixed set of words (`?format=csv`, `action=add`): the value when it is one of
    `options`, else `default`."""
    text = str(value) if value is not None else ""
    return text if text in set(options) else default


# Text ---------------------------------------------------------------------------------------

# C0 and C1 control characters, DEL, and the Unicode direction embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069), which can make a name display as another.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Multi-line notes (a household's remarks, an activity's notes, a project's description).
NOTE_MAX_LENGTH = 2000
SEARCH_MAX_LENGTH = 50


def check_characters(value: str, *, multiline: bool = False) -> None:
    """Refuse control characters (tab and line breaks are allowed in multi-line text) and
    direction overrides."""
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        raise ValidationError(
            _("不能含有控制字符或改变文字方向的隐藏字符，请重新输入。"), code="control_character"
        )


def check_length(value: str, max_length: int) -> None:
    if len(value) > max_length:
        raise ValidationError(
            ngettext(
                "最多 %(max)s 个字（现在有 %(count)s 个）。",
                "最多 %(max)s 个字（现在有 %(count)s 个）。",
                len(value),
            ),
            code="max_length",
            params={"max": max_length, "count": len(value)},
        )


def text(value: object, *, max_length: int, multiline: bool = False) -> str:
    """Text typed into a form or a search box: surrounding space removed, then refused if it
    holds control characters or is longer than `max_length`."""
    result = str(value or "").strip()
    check_characters(result, multiline=multiline)
    check_length(result, max_length)
    return result


def search_text(value: object, *, max_length: int = SEARCH_MAX_LENGTH) -> str:
    """What was typed into a search box (`?q=`)."""
    return text(value, max_length=max_length)


# Dates --------------------------------------------------------------------------------------

# Nothing in the scheme happened before this day: no activity, no passbook, no round.
FIRST_DAY = datetime.date(2000, 1, 1)
# Rounds, point rules, adjustments and move-outs: at most this many years back …
PAST_YEARS = 5
# … and rounds and point rules at most this many years ahead.
FUTURE_YEARS = 2

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateWindow:
    """The days that make sense for one kind of date, relative to today (Asia/Shanghai).

    `past_years`/`future_years` None means: from FIRST_DAY / not after today."""

    past_years: int | None
    future_years: int | None

    def bounds(self, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        today = today or timezone.localdate()
        earliest = FIRST_DAY if self.past_years is None else _years_from(today, -self.past_years)
        latest = today if self.future_years is None else _years_from(today, self.future_years)
        return max(earliest, FIRST_DAY), latest

    def check(self, day: datetime.date, *, what: str, today: datetime.date | None = None) -> None:
        today = today or timezone.localdate()
        earliest, latest = self.bounds(today)
        if earliest <= day <= latest:
            return
        if day > latest and self.future_years is None:
            raise ValidationError(_("%(what)s不能晚于今天。"), code="future", params={"what": what})
        raise ValidationError(
            _("%(what)s应在 %(earliest)s 至 %(latest)s 之间。"),
            code="out_of_window",
            params={
                "what": what,
                "earliest": date_format(earliest, "DATE_FORMAT"),
                "latest": date_format(latest, "DATE_FORMAT"),
            },
        )


# Activities, claims, joining a team: from 2000 to today.
PAST_DAYS = DateWindow(past_years=None, future_years=None)
# Adjustments and move-outs: the last five years, not in the future.
RECENT_DAYS = DateWindow(past_years=PAST_YEARS, future_years=None)
# Rounds and point rules: five years back to two years ahead.
PLANNING_DAYS = DateWindow(past_years=PAST_YEARS, future_years=FUTURE_YEARS)
# Filters of lists (activities, the review queue): any day that could have data.
FILTER_DAYS = DateWindow(past_years=None, future_years=FUTURE_YEARS)


def date(
    value: object, *, window: DateWindow, what: str, today: datetime.date | None = None
) -> datetime.date:
    """An ISO date (2026-03-01; full-width digits allowed) inside `window`."""
    match = _ISO_DATE.fullmatch(normalized(value))
    if not match:
        raise ValidationError(_("日期格式应为 2026-03-01。"), code="invalid")
    try:
        day = datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValidationError(_("没有这一天，请检查日期。"), code="invalid") from None
    window.check(day, what=what, today=today)
    return day


# Periods (a quarter or a year) ----------------------------------------------------------------

_PERIOD = re.compile(r"([0-9]{4})\s*(?:[Qq]\s*([1-4]))?", re.ASCII)


def period(value: object, *, today: datetime.date | None = None) -> tuple[int, int | None]:
    """`2026Q4` → (2026, 4), `2026` → (2026, None), for a year that could have data: from
    FIRST_DAY's year to next year."""
    match = _PERIOD.fullmatch(normalized(value))
    if not match:
        raise ValidationError(_("统计期写法应为 2026Q4（季度）或 2026（全年）。"), code="invalid")
    year = int(match.group(1))
    latest = (today or timezone.localdate()).year + 1
    if not FIRST_DAY.year <= year <= latest:
        raise ValidationError(
            _("统计期应在 %(first)s 年至 %(last)s 年之间。"),
            code="out_of_range",
            params={"first": FIRST_DAY.year, "last": latest},
        )
    return year, int(match.group(2)) if match.group(2) else None


# Form fields ----------------------------------------------------------------------------------


class TextField(forms.CharField):
    """Text with a maximum length (said, never cut) and no control characters (a multi-line
    field keeps tab and line breaks)."""

    default_error_messages = {
        "max_length": gettext_lazy("最多 %(limit_value)s 个字（现在有 %(show_value)s 个）。"),
    }

    def __init__(self, *, max_length: int | None = None, multiline: bool = False, **kwargs) -> None:
        self.multiline = multiline
        if max_length is None:
            max_length = NOTE_MAX_LENGTH if multiline else 200
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value) -> str:
        result = super().to_python(value)
        if isinstance(result, str):
            check_characters(result, multiline=self.multiline)
        return result


class IntegerField(forms.IntegerField):
    """An integer of ASCII digits (after normalising), always bounded."""

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs):
        super().__init__(
            min_value=-MAX_INTEGER if min_value is None else min_value,
            max_value=MAX_INTEGER if max_value is None else max_value,
            **kwargs,
        )

    def to_python(self, value) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return integer(value, min_value=-(2**63), max_value=2**63)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DecimalField(forms.DecimalField):
    """A plain, finite decimal (never NaN, sNaN, Infinity or an exponent), always bounded."""

    def __init__(
        self,
        *,
        max_value: Decimal | None = None,
        min_value: Decimal | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        **kwargs,
    ) -> None:
        if max_value is None and max_digits is not None:
            whole = max_digits - (decimal_places or 0)
            max_value = Decimal(10**whole) - Decimal(1).scaleb(-(decimal_places or 0))
        if min_value is None and max_value is not None:
            min_value = -max_value
        super().__init__(
            max_value=max_value if max_value is not None else Decimal(MAX_INTEGER),
            min_value=min_value if min_value is not None else -Decimal(MAX_INTEGER),
            max_digits=max_digits,
            decimal_places=decimal_places,
            **kwargs,
        )

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        text = normalized(value)
        if len(text) > MAX_NUMBER_LENGTH or not _DECIMAL.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return Decimal(text)


class DateField(forms.DateField):
    """An ISO date inside `window`; the message names the date (`what`, else the label)."""

    def __init__(self, *, window: DateWindow, what: str | None = None, **kwargs) -> None:
        self.window = window
        self.what = what
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def to_python(self, value) -> datetime.date | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        match = _ISO_DATE.fullmatch(normalized(value))
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None:
            self.window.check(value, what=str(self.what or self.label or _("日期")))

    def widget_attrs(self, widget) -> dict:
        return {**super().widget_attrs(widget), **self._bounds()}

    def __deepcopy__(self, memo):
        # Every form copies its fields when it is made: the browser's date picker gets
        # today's window, not the one of the day the server started.
        result = super().__deepcopy__(memo)
        result.widget.attrs.update(result._bounds())
        return result

    def _bounds(self) -> dict[str, str]:
        earliest, latest = self.window.bounds()
        return {"min": earliest.isoformat(), "max": latest.isoformat()}


_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", re.ASCII)


class TimeField(forms.TimeField):
    """A time of day as 19:00 or 19:00:00 (full-width digits allowed)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        super().__init__(**kwargs)

    def to_python(self, value) -> datetime.time | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.time):
            return value
        match = _TIME.fullmatch(normalized(value))
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.time(*(int(part) for part in match.groups() if part is not None))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class ModelChoiceField(forms.ModelChoiceField):
    """A record chosen by id: the id is read as an integer before any query."""

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        if self.to_field_name is None:
            try:
                value = identifier(value)
            except ValidationError:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                ) from None
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Records chosen by id (ticked boxes): every id is read as an integer before any query."""

    def _check_values(self, value):
        if self.to_field_name is None:
            try:
                value = [str(identifier(pk)) for pk in value]
            except (ValidationError, TypeError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": ""},
                ) from None
        return super()._check_values(value)


class IdListField(forms.Field):
    """Record ids posted as repeated inputs (`attendance=3&attendance=7`), sorted."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return sorted(identifiers(value))


def formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    """The form field for a model field, built on this module (ModelForm's callback)."""
    if db_field.choices is None:
        if isinstance(db_field, models.TextField):
            kwargs.setdefault("form_class", TextField)
            kwargs.setdefault("multiline", True)
        elif isinstance(db_field, models.CharField):
            kwargs.setdefault("form_class", TextField)
        elif isinstance(db_field, models.DecimalField):
            kwargs.setdefault("form_class", DecimalField)
        elif isinstance(db_field, models.IntegerField | models.BigIntegerField):
            kwargs.setdefault("form_class", IntegerField)
            low, high = _integer_range(db_field)
            kwargs.setdefault("min_value", low)
            kwargs.setdefault("max_value", high)
        elif isinstance(db_field, models.DateField) and not isinstance(
            db_field, models.DateTimeField
        ):
            kwargs.setdefault("form_class", DateField)
            kwargs.setdefault("window", FILTER_DAYS)
        elif isinstance(db_field, models.TimeField):
            kwargs.setdefault("form_class", TimeField)
        elif isinstance(db_field, models.ForeignKey):
            kwargs.setdefault("form_class", ModelChoiceField)
        elif isinstance(db_field, models.ManyToManyField):
            kwargs.setdefault("form_class", ModelMultipleChoiceField)
    return db_field.formfield(**kwargs)


def _integer_range(db_field: models.Field) -> tuple[int, int]:
    low, high = -MAX_INTEGER, MAX_INTEGER
    positive = (
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
    )
    if isinstance(db_field, positive):
        low = 0
    if isinstance(db_field, models.SmallIntegerField | models.PositiveSmallIntegerField):
        high = 32767
    return low, high


class ModelForm(forms.ModelForm):
    """A ModelForm whose generated fields are this module's (declared fields should be too)."""

    def __init_subclass__(cls, **kwargs) -> None:
        # Django reads `formfield_callback` from the form's own Meta only, so a subclass
        # writing `class Meta:` would lose it; give every subclass's Meta the callback
        # before the metaclass builds the fields from it.
        meta = cls.__dict__.get("Meta")
        if meta is not None and getattr(meta, "formfield_callback", None) is None:
            meta.formfield_callback = staticmethod(formfield)
        super().__init_subclass__(**kwargs)


# What a form may hold besides this module's fields: a fixed set of words, a tick, a file,
# a one-time key. (tests/security/test_parsing_fields.py holds every form to it.)
SAFE_FIELD_TYPES: tuple[type[forms.Field], ...] = (
    TextField,
    IntegerField,
    DecimalField,
    DateField,
    TimeField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    IdListField,
    forms.ChoiceField,  # and TypedChoiceField, MultipleChoiceField
    forms.BooleanField,
    forms.FileField,
    forms.UUIDField,
)
