"""The template files (.xlsx and .csv): the headers and an example that imports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from residents import importing
from tests.residents.importing.roster import do_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_template_has_the_headers_and_an_example_that_imports(community, register, file_format):
    if file_format == "xlsx":
        content = importing.template_xlsx(community)
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        assert "填写说明" in workbook.sheetnames and "可选值" in workbook.sheetnames
    else:
        content = importing.template_csv(community)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == importing.TEMPLATE_HEADERS
    assert rows[1][0] == "山鑫阳光城一期"
    assert len(rows) == 2

    result = do_import(community, content, name=f"模板.{file_format}")
    assert (result.households_new, result.members_new) == (1, 1)
