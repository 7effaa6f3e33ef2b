"""The roll-up as a workbook (residents.spreadsheets writes it): one row per community, the
total last, numbers as numbers, shares in per cent."""

from __future__ import annotations

from django.utils.translation import gettext as _

from residents.models import SubDistrict
from residents.spreadsheets import Column, Table
from subdistrict.rollup import Rollup


def rollup_tables(*, subdistrict: SubDistrict, table: Rollup) -> list[Table]:
    columns = [Column(_("居民区"), width=22, bold=True)] + [
        Column(f"{h.label}（%）" if h.percent else h.label, width=14) for h in table.headings
    ]
    rows = [[line.community.name, *(c.value for c in line.cells)] for line in table.lines]
    rows.append([_("合计"), *(c.value for c in table.total)])
    return [
        Table(
            title=_("各居民区概况"),
            heading=_("%(name)s · %(period)s · 各居民区概况")
            % {"name": subdistrict.name, "period": table.period.label},
            columns=columns,
            rows=rows,
            bold_last_row=True,
        )
    ]
