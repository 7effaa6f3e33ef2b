"""The machinery of the hostile-input test (test_fuzz.py): what a page reads, and what to
send it instead.

What a page reads is found, not listed, two ways, so a new field is fuzzed as soon as it
exists: `ReadRecorder` (a middleware the test puts first) swaps `request.GET` and
`request.POST` for QueryDicts that note every key a view or form looks up — even a key that
is absent (`request.GET.get("before")`) — and `forms_in()` reads the `name=` of every input,
select, textarea and button of the forms in a rendered page, with the values the page offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.http import QueryDict

# Read-recording -------------------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A QueryDict that tells ReadRecorder every key looked up in it."""

    def __getitem__(self, key):
        ReadRecorder.note(key)
        return super().__getitem__(key)

    def _getlist(self, key, default=None, force_list=False):
        ReadRecorder.note(key)
        return super()._getlist(key, default, force_list)

    def __contains__(self, key) -> bool:
        ReadRecorder.note(key)
        return super().__contains__(key)


def _recording(data: QueryDict) -> RecordingQueryDict:
    copy = RecordingQueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        copy.setlist(key, values)
    copy._mutable = False
    return copy


class ReadRecorder:
    """Middleware: while `reads` is a set, every key a request's GET or POST is asked for
    lands in it (by method)."""

    reads: dict[str, set[str]] | None = None
    _method = "GET"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if ReadRecorder.reads is not None:
            request.GET = _recording(request.GET)
            if request.method == "POST":
                request.POST = _recording(request.POST)
            ReadRecorder._method = request.method
        return self.get_response(request)

    @classmethod
    def note(cls, key) -> None:
        if cls.reads is not None and isinstance(key, str):
            cls.reads.setdefault(cls._method, set()).add(key)


# Forms in a page --------------------------------------------------------------------------------


@dataclass
class PageForm:
    """One <form>: where it goes, its fields with the values the page offers, its buttons."""

    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    # Fields whose values come from a fixed menu (select, radio, checkbox).
    menus: set[str] = field(default_factory=set)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.current: PageForm | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self.current = PageForm(method=(a.get("method") or "get").lower(), action=action)
            self.forms.append(self.current)
            return
        form, name = self.current, a.get("name")
        if tag == "option" and form is not None and self.select is not None:
            if a.get("value"):
                form.fields[self.select].append(a["value"])
            return
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", "")))
                return
            if kind in ("checkbox", "radio"):
                form.menus.add(name)
            form.fields.setdefault(name, []).append(
                a.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select":
            self.select = name
            form.menus.add(name)
            form.fields.setdefault(name, [])
        elif tag == "textarea":
            self.textarea = name
            form.fields.setdefault(name, [])

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.textarea is not None and data.strip():
            self.current.fields[self.textarea].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_in(html: str, page_url: str) -> list[PageForm]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def split_action(action: str) -> tuple[str, dict[str, str]]:
    """A form's action as a path and the parameters already in it."""
    parts = urlsplit(action)
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))


# Hostile values -----------------------------------------------------------------------------------

LONG = "长" * 10_000
NINES = "9" * 10_000
# Each kind of field gets one value of its list per sweep step: SWEEP values each, so every
# field meets every value of its kind. Each list also carries a few values of other kinds.
SWEEP = 12
HOSTILE: dict[str, list[str]] = {
    "number": [
        "²", "①", "٣", "１２", "-1", NINES, "99999999999999999999",
        "NaN", "1e3", "\x00", "\u202e1", "",
    ],
    "decimal": [
        "NaN", "sNaN", "Infinity", "-Infinity", "1e400", "²", "٣", NINES,
        "-0.5", "\x00", "1,5", "",
    ],
    "date": [
        "0001-01-01", "0000-01-01", "10000-01-01", "9999-12-31", "1999-12-31", "2026-02-30",
        "１９９９-１２-３１", "٢٠٢٦-٠١-٠١", NINES, "\x00", "2026-01-01\u202e", "",
    ],
    "period": [
        "9999Q4", "10000Q1", "0Q1", "0001", "1999", "٢٠٢٦Q1", "2026Q5", "²⁰²⁶",
        NINES, "\x00", "2026Q1\u202e", "",
    ],
    "text": [
        "\x00", "张\x00三", "\x07\x1b[2J", "a\x85b", "\u202e恶意", "\u2066隔离\u2069",
        "\u200f王\u200e", LONG, "²", "NaN", "0001-01-01", "",
    ],
    # A field the page reads but offers no value for (`?before=`, `?quarter=`): a bit of
    # everything.
    "unknown": [
        "²", "①", "٣", "NaN", "sNaN", "9999Q4", "0001-01-01", "10000-01-01", NINES,
        "\x00", "\u202e恶意", "-1",
    ],
}  # fmt: skip
assert all(len(values) == SWEEP for values in HOSTILE.values())
PREFIXED_TAILS = ["²", "①", "٣", "-1", "9" * 30, None, "", "\x00", NINES, "1\u202e", "0", "NaN"]
# Characters that hostile text is drawn from (Hypothesis examples).
HOSTILE_ALPHABET = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\ufeff\ufffd²³¹①②٣٤０１２９𝟑፩-+.eE:Q张三1 \t\r\n"
)
ALL_HOSTILE = sorted({value for values in HOSTILE.values() for value in values})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"\d{4}Q[1-4]")
_PREFIXED = re.compile(r"([a-z_-]+):\d+")
_NUMBER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d*\.\d+")


def kind_of(values: list[str]) -> str:
    """What kind of value a field takes, from the values the page and the walk give it."""
    values = [v for v in values if v not in ("", None)]
    if not values:
        return "unknown"
    for kind, pattern in (
        ("date", _DATE),
        ("period", _PERIOD),
        ("prefixed", _PREFIXED),
        ("number", _NUMBER),
        ("decimal", _DECIMAL),
    ):
        if any(pattern.fullmatch(str(v)) for v in values):
            return kind
    return "text"


def hostile_value(kind: str, values: list[str], step: int) -> str:
    """The hostile value for sweep step `step` of a field of `kind`."""
    if kind == "prefixed":
        prefix = next(
            _PREFIXED.fullmatch(str(v)).group(1) for v in values if _PREFIXED.fullmatch(str(v))
        )
        tail = PREFIXED_TAILS[step % SWEEP]
        return "x:1" if tail is None else f"{prefix}:{tail}"
    return HOSTILE[kind][step % SWEEP]
