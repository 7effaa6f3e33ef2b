"""What a roster file's columns mean (the headers each column is known by, the template's
headers) and the words their cells may hold (genders, relations, yes and no, party
membership), with how a cell is read as text."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from residents.models import Member
from residents.phones import normalize_digits


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    headers: tuple[str, ...]


COLUMNS = (
    Column(
        "compound", gettext_lazy("小区"), ("小区", "小区名称", "小区名", "所在小区", "所属小区")
    ),
    Column(
        "building",
        gettext_lazy("楼号"),
        ("楼号", "楼栋", "楼栋号", "楼幢", "楼幢号", "栋号", "幢号", "栋", "幢", "号楼"),
    ),
    Column("unit", gettext_lazy("单元"), ("单元", "单元号")),
    Column("room", gettext_lazy("室号"), ("室号", "房号", "房间号", "室", "门牌号", "户室号")),
    Column("building_group", gettext_lazy("楼组"), ("楼组", "楼组名称", "所属楼组", "所在楼组")),
    Column(
        "household_types",
        gettext_lazy("家庭类型"),
        ("家庭类型", "户类型", "家庭类别", "家庭情况", "家庭性质"),
    ),
    Column("passbook_number", gettext_lazy("存折编号"), ("存折编号", "存折号", "存折号码")),
    Column(
        "household_phone",
        gettext_lazy("家庭电话"),
        ("家庭电话", "住宅电话", "住宅号码", "宅电", "固定电话", "座机", "户电话"),
    ),
    Column("name", gettext_lazy("姓名"), ("姓名", "名字", "居民姓名", "成员姓名", "人员姓名")),
    Column("gender", gettext_lazy("性别"), ("性别",)),
    Column(
        "birth",
        gettext_lazy("出生年份"),
        ("出生年份", "出生年", "出生日期", "出生年月", "出生年月日", "生日"),
    ),
    Column(
        "phone",
        gettext_lazy("手机"),
        ("手机", "手机号", "手机号码", "移动电话", "个人电话", "本人电话", "本人手机"),
    ),
    Column(
        "relation",
        gettext_lazy("与户主关系"),
        ("与户主关系", "与户主的关系", "户主关系", "家庭关系", "关系"),
    ),
    Column("party", gettext_lazy("是否党员"), ("是否党员", "党员", "政治面貌")),
    Column("in_service", gettext_lazy("在职党员"), ("在职党员", "是否在职党员")),
    Column("employer", gettext_lazy("工作单位"), ("工作单位", "单位", "单位名称", "工作单位名称")),
    Column("job_title", gettext_lazy("职务"), ("职务", "职位")),
    Column(
        "specialties",
        gettext_lazy("特长"),
        ("特长", "专长", "技能", "特长爱好", "爱好特长", "兴趣特长"),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# "电话" alone is the person's phone, unless the file also has a mobile column: then it is
# the household's (landline) number.
AMBIGUOUS_PHONE_HEADERS = ("电话", "联系电话", "电话号码", "联系方式", "联系号码", "号码")
AMBIGUOUS = "phone-or-household-phone"

# The template's headers, in order (the data format: always Chinese).
TEMPLATE_HEADERS = (
    "小区",
    "楼号",
    "单元",
    "室号",
    "楼组",
    "家庭类型",
    "家庭电话",
    "姓名",
    "性别",
    "出生年份",
    "与户主关系",
    "手机",
    "是否党员",
    "在职党员",
    "工作单位",
    "职务",
    "特长",
)


def _header_key(text: str) -> str:
    """手机号码（必填） and "* 手机号码 :" both become 手机号码."""
    key = normalize_digits(text)
    key = re.sub(r"[(\[【〔].*?[)\]】〕]", "", key)
    return re.sub(r"[\s*:]+", "", key).lower()


_HEADER_FIELDS = {_header_key(h): column.key for column in COLUMNS for h in column.headers}
_HEADER_FIELDS.update({_header_key(h): AMBIGUOUS for h in AMBIGUOUS_PHONE_HEADERS})


def header_field(text: str) -> str | None:
    key = _header_key(text)
    if key in _HEADER_FIELDS:
        return _HEADER_FIELDS[key]
    # "手机/电话" or "楼号、栋": the first part that means something.
    for part in re.split(r"[/、|,]", key):
        if part in _HEADER_FIELDS:
            return _HEADER_FIELDS[part]
    return None


GENDERS = {
    "男": Member.Gender.MALE,
    "男性": Member.Gender.MALE,
    "m": Member.Gender.MALE,
    "male": Member.Gender.MALE,
    "女": Member.Gender.FEMALE,
    "女性": Member.Gender.FEMALE,
    "f": Member.Gender.FEMALE,
    "female": Member.Gender.FEMALE,
}
R = Member.Relation
RELATION_VALUES = frozenset(R.values)
RELATIONS = {
    **dict.fromkeys(("户主", "本人", "户主本人"), R.HEAD),
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老伴"), R.SPOUSE),
    **dict.fromkeys(
        ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "三子", "长女", "次女", "三女"),
        R.CHILD,
    ),
    **dict.fromkeys(("儿媳", "女婿", "儿媳妇", "儿媳/女婿", "媳妇"), R.CHILD_IN_LAW),
    **dict.fromkeys(("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆"), R.PARENT),
    **dict.fromkeys(("孙子女", "孙子", "孙女", "外孙", "外孙女", "孙", "孙辈"), R.GRANDCHILD),
    **dict.fromkeys(
        ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"),
        R.SIBLING,
    ),
    **dict.fromkeys(("其他", "其它"), R.OTHER),
}
YES = {"是", "y", "yes", "1", "true", "√", "✓", "✔", "有", "对"}
NO = {"否", "n", "no", "0", "false", "×", "✗", "✘", "x", "无", "不是", "非"}
# 是否党员 / 政治面貌: (is a Party member, is an in-service Party member or None if not said).
PARTY_VALUES = {
    **{value: (True, None) for value in YES},
    **{value: (False, None) for value in NO},
    **dict.fromkeys(
        ("党员", "中共党员", "共产党员", "正式党员", "预备党员", "中共预备党员"), (True, None)
    ),
    "在职党员": (True, True),
    **dict.fromkeys(
        (
            "群众",
            "非党员",
            "共青团员",
            "团员",
            "民主党派",
            "无党派",
            "无党派人士",
            "无党派民主人士",
        ),
        (False, None),
    ),
}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: 5.0 → "5" (Excel stores numbers as floats), full-width → ASCII."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return normalize_digits(str(value))


def name_key(name: str) -> str:
    """How compound, building group and household type names are compared."""
    return re.sub(r"\s+", "", normalize_digits(name)).casefold()


_BARE_GROUP = re.compile(r"^[0-9A-Za-z-]+$")


def group_name(name: str) -> str:
    """A group written as its building alone (5) is created as 5号楼组 (which the file's
    5 then finds, as it finds an existing 5号楼组)."""
    return f"{name}号楼组" if _BARE_GROUP.match(name) else name
