"""`manage.py import_households`: one summary line, progress on stderr, a dry run, the
problems listed, only the good rows if asked."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from residents.models import Household, Member
from tests.residents.importing.roster import (
    DIGITS,
    csv_file,
    nothing_saved,
    person,
    spouse,
    write,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


def test_the_command_imports_and_prints_one_summary_line(community, register, tmp_path):
    path = write(tmp_path, "名册.xlsx", xlsx_file([person(), spouse()]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", path, community="shanxin", stdout=out, stderr=err)

    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("已导入 名册.xlsx（山鑫阳光城）：户：1 新增，0 更新，0 未变；")
    assert "用时" in last
    assert Member.objects.filter(community=community).count() == 2


def test_the_command_prints_progress_to_stderr_every_thousand_rows(community, register, tmp_path):
    people = [
        person(室号=str(1000 + n), 姓名=f"居民{n:04d}".translate(DIGITS)) for n in range(2000)
    ]
    path = write(tmp_path, "big.csv", csv_file(people, encoding="gbk"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", path, community="shanxin", stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert "读取文件：已读 1000 行" in lines
    assert "核对：1000 / 2000 行" in lines
    assert "写入：2000 / 2000 行" in lines
    assert "读取" not in out.getvalue()


def test_the_commands_dry_run_saves_nothing(community, register, tmp_path):
    path = write(tmp_path, "名册.csv", csv_file([person(), spouse()]))
    out = io.StringIO()
    call_command(
        "import_households",
        path,
        community="shanxin",
        dry_run=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "试运行，没有保存。导入后将是——户：1 新增" in out.getvalue()
    assert nothing_saved(community)


def test_the_command_lists_problems_and_saves_nothing_on_error(community, register, tmp_path):
    path = write(tmp_path, "名册.xlsx", xlsx_file([person(), spouse(手机="123")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="没有导入任何内容"):
        call_command(
            "import_households", path, community="shanxin", stdout=out, stderr=io.StringIO()
        )
    assert "错误 第 3 行 · 手机：手机号应为 11 位" in out.getvalue()
    assert nothing_saved(community)

    with pytest.raises(CommandError, match="有 1 处错误"):
        call_command(
            "import_households",
            path,
            "--dry-run",
            community="shanxin",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_the_command_can_import_only_the_good_rows(community, register, tmp_path):
    content = xlsx_file([person(), person(室号="402", 姓名="李秀英", 手机="123")])
    path = write(tmp_path, "名册.xlsx", content)
    out = io.StringIO()
    call_command(
        "import_households",
        path,
        "--only-good-rows",
        community="shanxin",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "跳过 1 行（1 户）" in out.getvalue()
    assert list(Household.objects.values_list("room", flat=True)) == ["302"]


def test_the_command_refuses_an_unknown_community_or_file(community, tmp_path):
    with pytest.raises(CommandError, match="没有代号为“nowhere”的居民区"):
        call_command("import_households", "x.csv", community="nowhere")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_households", str(tmp_path / "none.csv"), community="shanxin")
    path = write(tmp_path, "big.csv", b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(CommandError, match="文件太大"):
        call_command("import_households", path, community="shanxin")
