"""Issue 17, item 13: one word for one thing. Every template, script and module of the apps
says the counter, a sold-out item, points coming in and the redemption window the same way,
so a resident and a clerk never wonder whether 兑换台 and 兑换柜台 are two places."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

# The word used → the variants it replaces.
ONE_WORD = {
    "兑换柜台": ("兑换台", "兑换点"),
    "已兑完": ("已换完",),
    "存入": ("收入",),  # the passbook's column, as on a bank passbook: 存入 / 支出 / 余额
    "兑换期": ("兑换活动",),
}
APPS = (
    "config",
    "residents",
    "accounts",
    "volunteering",
    "points",
    "redemption",
    "party",
    "needs",
    "subdistrict",
)


def _sources() -> list[Path]:
    root = Path(settings.BASE_DIR)
    files = sorted((root / "templates").rglob("*.html")) + sorted(
        (root / "static" / "js").glob("*.js")
    )
    for app in APPS:
        files += [p for p in sorted((root / app).rglob("*.py")) if "migrations" not in p.parts]
        files += sorted((root / app).rglob("*.html"))
    return files


def test_each_thing_has_one_name_in_every_template_script_and_module():
    root = Path(settings.BASE_DIR)
    found = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for word, variants in ONE_WORD.items():
            for variant in variants:
                # 兑换柜台 contains no variant; a variant inside the chosen word is not one.
                count = text.count(variant) - (text.count(word) if variant in word else 0)
                if count > 0:
                    found.append(f"{path.relative_to(root)}: {variant} → {word}")
    assert not found, "Say it the one way:\n" + "\n".join(found)


# Counts in English need their plural forms ("1 household", "12 households"): a number of
# things is translated with ngettext / {% blocktranslate count %}. Ordinals (第 3 行) and
# rank cut-offs (前 3 名, "top 3") are not counts.
COUNT_WORDS = "户|人|条|场|张|次|位|项|栋|行|名|个"
TEMPLATE_BLOCK = re.compile(
    r"\{% blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{% endblocktranslate %\}", re.S
)
TEMPLATE_COUNT = re.compile(r"(?<![第前] )(?<![第前])\{\{ ?\w+ ?\}\} ?(?:" + COUNT_WORDS + ")")
PYTHON_COUNT = re.compile(
    r"(?<![n_])(?:_|gettext|gettext_lazy)\(\s*\"[^\"]*%\((?:count|n)\)s ?(?:" + COUNT_WORDS + ")"
)


def test_every_count_of_things_has_plural_forms():
    root = Path(settings.BASE_DIR)
    found = []
    for path in _sources():
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            for block in TEMPLATE_BLOCK.finditer(text):
                if " count " not in block.group("args") and TEMPLATE_COUNT.search(
                    block.group("body")
                ):
                    found.append(f"{relative}: {block.group('body').strip()[:60]}")
        else:
            found += [f"{relative}: {m.group(0)[:60]}" for m in PYTHON_COUNT.finditer(text)]
    assert not found, "Use ngettext / {% blocktranslate count %}:\n" + "\n".join(found)
