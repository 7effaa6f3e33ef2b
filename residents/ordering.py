"""Counting order (一期 二期 … 十期 十一期; 1 2 … 10 11 … 20): the one sort key for names of
compounds and building groups.

Each run of digits (0-9, full-width too) or of Chinese numerals (一 … 九, 十 百 千, 万 after
a numeral, 零/〇, 两) becomes its value written with at least ten digits, so that comparing
the keys as text (collation "C") puts 二期 before 十期 and 2号楼组 before 10号楼组; every
other character stays as it is. PostgreSQL computes the same key (`residents_counting_key`,
created by migration 0010) into a stored generated column `sort_key`, so lists are ordered
in SQL and a name changed by any path (form, import, raw SQL) is ordered right at once.
`counting_key()` is the same rule in Python, for lists ordered in memory; a test checks
that the two agree.
"""

from __future__ import annotations

from django.db import models

WIDTH = 10
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _number(digits: str) -> str:
    digits = digits.lstrip("0") or "0"
    return digits.rjust(WIDTH, "0")


def _chinese(run: str) -> str:
    if not any(ch in _UNITS or ch == "万" for ch in run):
        return _number("".join(str(_DIGITS[ch]) for ch in run))  # 二〇二六 → 2026
    total = section = digit = 0
    for ch in run:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
        else:  # 万
            total += (section + digit or 1) * 10000
            section = digit = 0
    return _number(str(total + section + digit))


def counting_key(name: str) -> str:
    text = name.translate(_FULL_WIDTH)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if "0" <= ch <= "9":
            j = i
            while j < n and "0" <= text[j] <= "9":
                j += 1
            out.append(_number(text[i:j]))
            i = j
        elif ch in _DIGITS or ch in _UNITS:
            j = i
            while j < n and (text[j] in _DIGITS or text[j] in _UNITS or text[j] == "万"):
                j += 1
            out.append(_chinese(text[i:j]))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class CountingKey(models.Func):
    function = "residents_counting_key"
    output_field = models.TextField()


def sort_key_field() -> models.GeneratedField:
    """The stored `sort_key` column of a model with a `name`: order by it, then name."""
    return models.GeneratedField(
        expression=CountingKey("name"),
        output_field=models.TextField(db_collation="C"),
        db_persist=True,
    )
