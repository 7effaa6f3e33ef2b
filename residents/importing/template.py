"""The roster template to download (.xlsx with drop-down lists and notes, or .csv): the
headers the import reads best, an example row, and what each column takes."""

from __future__ import annotations

import itertools

from django.utils.translation import gettext as _

from residents import spreadsheets
from residents.importing.columns import TEMPLATE_HEADERS
from residents.importing.reading import max_rows
from residents.models import BuildingGroup, Community, Compound, HouseholdType

# What the template offers in its drop-down (the data format is Chinese in any language).
RELATION_CHOICES = ("户主", "配偶", "子女", "儿媳/女婿", "父母", "孙子女", "兄弟姐妹", "其他")


def _example_row(community: Community) -> list[str]:
    compound = Compound.objects.for_community(community).order_by("sort_key", "name").first()
    group = (
        BuildingGroup.objects.for_community(community)
        .filter(compound=compound)
        .order_by("sort_key", "name")
        .first()
    )
    kind = HouseholdType.objects.for_community(community).first()
    return [
        compound.name if compound else "阳光苑",
        "5",
        "1",
        "302",
        group.name if group else "",
        kind.name if kind else "",
        "021-64001234",
        "郑兴友",
        "男",
        "1951",
        "户主",
        "13812341234",
        "是",
        "否",
        "",
        "",
        "维修家电、理发",
    ]


# Columns typed as text, so that Excel keeps a phone's digits and does not turn 5-302 into
# a date; columns offering a drop-down of the 可选值 sheet (家庭类型 allows several values).
_TEXT_COLUMNS = ("楼号", "单元", "室号", "家庭电话", "手机", "出生年份")
_WIDE_COLUMNS = ("小区", "特长", "工作单位")
_CHOICE_COLUMNS = ("小区", "楼组", "家庭类型", "性别", "与户主关系", "是否党员", "在职党员")


def _template_table(community: Community, *, with_choices: bool) -> spreadsheets.Table:
    choices = _("可选值")
    columns = [
        spreadsheets.Column(
            header,
            width=22 if header in _WIDE_COLUMNS else 12,
            text=header in _TEXT_COLUMNS,
            choices=(choices, header) if with_choices and header in _CHOICE_COLUMNS else None,
            choices_strict=header != "家庭类型",  # several types: 独居老人、困难家庭
        )
        for header in TEMPLATE_HEADERS
    ]
    return spreadsheets.Table(
        _("住户名册"), columns, [_example_row(community)], input_rows=max_rows()
    )


def template_csv(community: Community) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers correctly."""
    return spreadsheets.csv_bytes(_template_table(community, with_choices=False))


def template_xlsx(community: Community) -> bytes:
    """The headers and an example row; a sheet of the community's compounds, building groups
    and household types (the drop-down lists) and a sheet with what each column takes."""
    lists = {
        "小区": [
            c.name for c in Compound.objects.for_community(community).order_by("sort_key", "name")
        ],
        "楼组": [
            g.name
            for g in BuildingGroup.objects.for_community(community).order_by("sort_key", "name")
        ],
        "家庭类型": [t.name for t in HouseholdType.objects.for_community(community)],
        "性别": ["男", "女"],
        "与户主关系": list(RELATION_CHOICES),
        "是否党员": ["是", "否"],
        "在职党员": ["是", "否"],
    }
    choices = spreadsheets.Table(
        _("可选值"),
        [spreadsheets.Column(header, width=18) for header in lists],
        [list(row) for row in itertools.zip_longest(*lists.values())],
    )
    notes = spreadsheets.Table(
        _("填写说明"),
        [
            spreadsheets.Column("", width=14, bold=True, wrap=True),
            spreadsheets.Column("", width=90, wrap=True),
        ],
        _template_notes(),
        header=False,
    )
    return spreadsheets.workbook_bytes(
        [_template_table(community, with_choices=True), choices, notes]
    )


def _template_notes() -> list[tuple[str, str]]:
    return [
        (_("怎么填"), _("每行一位居民；地址（小区、楼号、单元、室号）相同的行是同一户。")),
        (
            _("必填"),
            _(
                "姓名、楼号、室号；本居民区只有一个小区时“小区”可不填。已登记的户也可以只写存折编号。"
            ),
        ),
        ("小区", _("须是本居民区已有的小区（见“可选值”）。导入不会新建小区。")),
        ("楼号 / 单元 / 室号", _("只填数字或字母，如 5、1、302；“5号楼”“302室”也可以。")),
        ("楼组", _("须是本居民区已有的楼组（见“可选值”）。导入不会新建楼组。")),
        ("家庭类型", _("可不填；多个用顿号分隔，如 独居老人、困难家庭。")),
        ("家庭电话", _("全户的联系电话，可不填；不填时用户主的手机。")),
        ("性别", _("男 或 女。")),
        ("出生年份", _("如 1951，也可以填出生日期 1951-03-01。")),
        (
            "与户主关系",
            _("户主、配偶、子女、儿媳/女婿、父母、孙子女、兄弟姐妹、其他。一户一位户主。"),
        ),
        ("手机", _("11 位手机号，或带区号的固定电话，如 021-64001234。")),
        ("是否党员 / 在职党员", _("是 或 否。工作单位、职务只为在职党员登记。")),
        ("特长", _("可不填；多个用顿号分隔，如 维修家电、理发。")),
        (
            _("再次导入"),
            _(
                "同一地址（或同一存折编号）的户会更新，不会重复登记；居民按姓名对应。"
                "空白的格子不会清掉名册里已有的内容；文件里没有的居民不会被删除。"
            ),
        ),
        (
            _("限制"),
            _("文件不超过 5 MB、%(rows)s 行。支持 .xlsx 和 CSV（UTF-8 或 GBK）。")
            % {"rows": max_rows()},
        ),
    ]
