"""Pinyin keys for finding residents by typing `zxy` for 郑兴友."""

from __future__ import annotations

from pypinyin import lazy_pinyin

# Surnames read differently from the character's everyday reading (曾 is zēng, not céng).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "区": "ou",
    "解": "xie",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "缪": "miao",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "尉": "yu",
    "种": "chong",
    "繁": "po",
    "召": "shao",
    "宿": "su",
    "员": "yun",
    "隗": "wei",
}


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case, e.g. ("zhengxingyou", "zxy").

    Non-Chinese characters are kept as they are (lower-cased), so "Anna李" still works.
    """
    syllables = [s.lower() for s in lazy_pinyin(name, errors=lambda chars: list(chars))]
    if name and name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [s for s in syllables if s.strip() and s not in {"·", "•", "."}]
    return "".join(syllables), "".join(s[0] for s in syllables)
