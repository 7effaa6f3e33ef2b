"""The one parsing path for request input (residents/parsing.py)."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from residents import parsing

TODAY = datetime.date(2026, 5, 20)


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 12 ", 12), ("１２", 12), ("－５", -5), ("-5", -5), ("+7", 7)],
)
def test_integers_are_ascii_digits_after_normalising_full_width(text, number):
    assert parsing.integer(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "٣",
        "፩",
        "𐩀",
        "²",
        "①",
        "𝟑",
        "1.5",
        "1e3",
        "NaN",
        "",
        " ",
        "0x10",
        "1_000",
        "1 000",
        "\x001",
        "9" * 10_000,
    ],
)
def test_anything_else_is_not_an_integer(text):
    with pytest.raises(ValidationError) as refused:
        parsing.integer(text)
    assert refused.value.code == "invalid"


def test_an_integer_out_of_its_range_is_refused_with_the_range():
    with pytest.raises(ValidationError) as refused:
        parsing.integer("10000", min_value=-9999, max_value=9999)
    assert "-9999 到 9999" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        parsing.integer(str(2**63))


def test_a_bad_id_in_a_link_is_no_id_and_a_bad_page_is_the_first():
    assert parsing.optional_identifier("42") == 42
    for text in ("٣", "0", "-1", "abc", str(2**64), "", None):
        assert parsing.optional_identifier(text) is None
    assert parsing.page_number("3") == 3
    for text in ("٣", "0", "NaN", "9" * 100, None):
        assert parsing.page_number(text) == 1


def test_posted_ids_keep_their_order_without_repeats_and_refuse_a_bad_one():
    assert parsing.identifiers(["7", "3", "7"]) == [7, 3]
    with pytest.raises(ValidationError):
        parsing.identifiers(["7", "٣"])


@pytest.mark.parametrize(
    ("text", "number"), [("1.5", Decimal("1.5")), ("０.５", Decimal("0.5")), (".5", Decimal("0.5"))]
)
def test_decimals_are_plain_numbers(text, number):
    assert parsing.decimal(text, min_value=0, max_value=24, places=1) == number


@pytest.mark.parametrize(
    "text", ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e1", "1E-1", "1,5"]
)
def test_no_decimal_is_nan_infinite_or_written_with_an_exponent(text):
    with pytest.raises(ValidationError):
        parsing.decimal(text, min_value=0, max_value=24, places=1)


def test_a_decimal_keeps_its_range_and_places():
    with pytest.raises(ValidationError, match="0 到 24"):
        parsing.decimal("25", min_value=0, max_value=24, places=1)
    with pytest.raises(ValidationError, match="1 位"):
        parsing.decimal("1.25", min_value=0, max_value=24, places=1)
    assert parsing.decimal("1.50", min_value=0, max_value=24, places=1) == Decimal("1.5")


@pytest.mark.parametrize(
    ("window", "earliest", "latest"),
    [
        (parsing.PAST_DAYS, datetime.date(2000, 1, 1), TODAY),
        (parsing.RECENT_DAYS, datetime.date(2021, 5, 20), TODAY),
        (parsing.PLANNING_DAYS, datetime.date(2021, 5, 20), datetime.date(2028, 5, 20)),
        (parsing.FILTER_DAYS, datetime.date(2000, 1, 1), datetime.date(2028, 5, 20)),
    ],
)
def test_every_kind_of_date_has_a_window_around_today(window, earliest, latest):
    assert window.bounds(TODAY) == (earliest, latest)
    for day in (earliest, latest):
        assert parsing.date(day.isoformat(), window=window, what="日期", today=TODAY) == day
    for day in (earliest - datetime.timedelta(days=1), latest + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            parsing.date(day.isoformat(), window=window, what="日期", today=TODAY)


def test_a_date_out_of_its_window_says_which_dates_are_allowed():
    with pytest.raises(ValidationError) as refused:
        parsing.date("9999-10-01", window=parsing.PLANNING_DAYS, what="开始日期", today=TODAY)
    assert refused.value.messages == ["开始日期应在 2021年5月20日 至 2028年5月20日 之间。"]
    with pytest.raises(ValidationError) as refused:
        parsing.date("2026-05-21", window=parsing.PAST_DAYS, what="活动日期", today=TODAY)
    assert refused.value.messages == ["活动日期不能晚于今天。"]


@pytest.mark.parametrize(
    "text",
    ["0001-01-01", "0000-01-01", "10000-01-01", "2026-02-30", "2026/03/01", "26-3-1", "٢٠٢٦-03-01"],
)
def test_a_date_is_iso_and_real(text):
    with pytest.raises(ValidationError):
        parsing.date(text, window=parsing.FILTER_DAYS, what="日期", today=TODAY)


def test_a_date_may_be_typed_with_full_width_digits():
    day = parsing.date("２０２６-０３-０１", window=parsing.PAST_DAYS, what="日期", today=TODAY)
    assert day == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "period"), [("2026Q4", (2026, 4)), ("2026", (2026, None)), ("2000q1", (2000, 1))]
)
def test_a_period_is_a_year_that_could_have_data(text, period):
    assert parsing.period(text, today=TODAY) == period


@pytest.mark.parametrize("text", ["9999Q4", "0001Q1", "0000", "10000Q1", "1999", "2028", "٢٠٢٦"])
def test_a_period_of_a_year_without_data_is_refused(text):
    with pytest.raises(ValidationError):
        parsing.period(text, today=TODAY)


@pytest.mark.parametrize(
    "text", ["张\x00", "a\x07b", "a\tb", "a\nb", "a\x85b", "\u202eevil", "x\u2066y", "\x7f"]
)
def test_text_refuses_control_characters_and_direction_overrides(text):
    with pytest.raises(ValidationError) as refused:
        parsing.text(text, max_length=100)
    assert refused.value.code == "control_character"


def test_multiline_text_keeps_tabs_and_line_breaks_but_not_other_controls():
    assert parsing.text("第一行\r\n第二行\t完", max_length=100, multiline=True)
    with pytest.raises(ValidationError):
        parsing.text("第一行\x00", max_length=100, multiline=True)


def test_text_too_long_is_refused_never_cut():
    assert parsing.text("好" * 100, max_length=100) == "好" * 100
    with pytest.raises(ValidationError) as refused:
        parsing.text("好" * 101, max_length=100)
    assert refused.value.messages == ["最多 100 个字（现在有 101 个）。"]


def test_direction_marks_that_do_not_override_are_ordinary_text():
    assert parsing.text("王\u200f芳", max_length=10) == "王\u200f芳"


class Sample(forms.Form):
    count = parsing.IntegerField(min_value=0, max_value=10)
    hours = parsing.DecimalField(max_digits=4, decimal_places=1)
    day = parsing.DateField(window=parsing.PAST_DAYS, label="活动日期")
    note = parsing.TextField(max_length=5, required=False)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", "٣"),
        ("count", "11"),
        ("count", "9" * 10_000),
        ("hours", "NaN"),
        ("hours", "sNaN"),
        ("hours", "Infinity"),
        ("hours", "1000"),
        ("day", "0001-01-01"),
        ("day", "10000-01-01"),
        ("note", "一二三四五六"),
        ("note", "\x00"),
    ],
)
def test_the_form_fields_refuse_what_the_functions_refuse(field, value):
    data = {"count": "3", "hours": "1.5", "day": timezone.localdate().isoformat(), "note": ""}
    form = Sample({**data, field: value})
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_the_form_fields_read_full_width_input():
    form = Sample({"count": "３", "hours": "１.５", "day": "２０２０-０１-０２", "note": "好"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "count": 3,
        "hours": Decimal("1.5"),
        "day": datetime.date(2020, 1, 2),
        "note": "好",
    }


def test_the_date_picker_offers_the_window_of_the_day_the_form_is_made():
    Sample.base_fields["day"].widget.attrs["max"] = "2001-01-01"  # as if made long ago
    html = str(Sample()["day"])
    assert f'max="{timezone.localdate().isoformat()}"' in html
    assert 'min="2000-01-01"' in html
