"""`manage.py import_households FILE --community SLUG [--dry-run] [--only-good-rows]
[--replace-phones] [--create-missing]`: the household roster from an Excel or CSV file (see
residents.importing). Every change to a household or member on record is printed, old → new;
a phone number on record is replaced only with --replace-phones; compounds, building groups
and household types the register lacks are created only with --create-missing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents import importing
from residents.models import Community

MISSING_LISTED = 20


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）或 CSV 文件导入住户名册：每行一位居民，地址相同的行为一户。"
        "先核对全部行，有错误时什么都不导入（除非加 --only-good-rows）；"
        "再次导入同一文件不会重复登记。进度每 1000 行写到标准错误输出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名册文件（.xlsx 或 .csv，UTF-8 或 GBK）。")
        parser.add_argument(
            "--community", required=True, metavar="SLUG", help="居民区代号，如 shanxin。"
        )
        parser.add_argument("--dry-run", action="store_true", help="只核对并报告，不保存。")
        parser.add_argument(
            "--only-good-rows",
            action="store_true",
            help="有错误时只导入没有问题的户（有错误的户整户跳过）。",
        )
        parser.add_argument(
            "--replace-phones",
            action="store_true",
            help="名册里已有的手机号码与文件不同时，按文件替换（不加则保留名册里的号码）。",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="新建文件里有、本居民区还没有的小区、楼组和家庭类型（先用 --dry-run 核对名称）。",
        )

    def handle(
        self,
        *args,
        file: str,
        community: str,
        dry_run: bool,
        only_good_rows: bool,
        replace_phones: bool,
        create_missing: bool,
        **options,
    ) -> None:
        found = Community.objects.filter(slug=community).first()
        if found is None:
            raise CommandError(f"没有代号为“{community}”的居民区。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            importing.check_size(path.stat().st_size)
            content = path.read_bytes()
            choices = importing.ImportChoices(
                replace_phones=replace_phones, create_missing=create_missing
            )
            if dry_run:
                check = importing.check_roster(
                    community=found,
                    content=content,
                    file_name=path.name,
                    progress=self._progress,
                    choices=choices,
                )
            else:
                check = importing.import_roster(
                    community=found,
                    content=content,
                    file_name=path.name,
                    only_good_rows=only_good_rows,
                    progress=self._progress,
                    choices=choices,
                )
        except importing.RosterRejected as rejected:
            self._report(rejected.check)
            raise CommandError(
                f"{rejected.message}改正后重新导入，或加 --only-good-rows 只导入没有问题的户。"
            ) from rejected
        except importing.RosterError as error:
            raise CommandError(error.message) from error

        self._report(check)
        if check.created:
            listed = "、".join(f"{kind}“{name}”" for kind, name in check.created)
            self.stdout.write(f"已新建 {len(check.created)} 个名称：{listed}")
        if dry_run:
            self.stdout.write(f"试运行，没有保存。导入后将是——{check.summary()}。")
            if check.has_errors and not only_good_rows:
                raise CommandError(
                    f"有 {len(check.errors)} 处错误：照这样导入，什么都不会保存"
                    "（加 --only-good-rows 则只导入没有问题的户）。"
                )
            return
        self.stdout.write(
            f"已导入 {path.name}（{found.name}）：{check.summary()}。用时 {check.seconds:.1f} 秒。"
        )

    def _progress(self, event: importing.Progress) -> None:
        self.stderr.write(event.describe(), style_func=lambda text: text)

    def _report(self, check: importing.RosterCheck) -> None:
        where = f"工作表“{check.sheet_name}”" if check.file_format == "xlsx" else check.encoding
        self.stdout.write(
            f"{check.file_name}（{where}）：表头在第 {check.header_row} 行，"
            f"{check.row_count} 位居民。"
        )
        ignored = [cell.text for cell in check.ignored_columns]
        if ignored:
            self.stdout.write(f"不导入的列：{'、'.join(ignored)}")
        for notice in check.notices:
            self.stdout.write(f"说明：{notice}")
        for label, names in (
            ("小区", check.unknown_compounds),
            ("楼组", check.unknown_building_groups),
            ("家庭类型", check.unknown_household_types),
        ):
            if names:
                listed = "、".join(f"{name}（{rows} 行）" for name, rows in names)
                self.stdout.write(f"本居民区没有的{label}（加 --create-missing 则新建）：{listed}")
        for problem in check.problems:
            kind = "错误" if problem.is_error else "提示"
            self.stdout.write(f"{kind} 第 {problem.row} 行 · {problem.column}：{problem.message}")
        self._report_changes(check)
        if check.missing_members:
            listed = "、".join(
                f"{name}（{household}）"
                for household, name in check.missing_members[:MISSING_LISTED]
            )
            more = " 等" if len(check.missing_members) > MISSING_LISTED else ""
            self.stdout.write(
                f"文件里没有，未改动：{len(check.missing_members)} 位居民：{listed}{more}"
            )

    def _report_changes(self, check: importing.RosterCheck) -> None:
        for plan in check.changed_plans:
            self.stdout.write(f"修改 {plan.label}：")
            lines = [("", change) for change in plan.changes]
            for member in plan.member_changes:
                if member.is_new:
                    self.stdout.write(f"  {member.name}：新增居民")
                lines += [(f"{member.name} · ", change) for change in member.changes]
            for whose, change in lines:
                note = ""
                if change.held:
                    note = "（保留原号码；加 --replace-phones 才替换）"
                elif change.phone_key:
                    note = "（替换原号码）"
                self.stdout.write(f"  {whose}{change.label}：{change.old} → {change.new}{note}")
        held = check.held_phones
        if held:
            self.stdout.write(
                f"有 {len(held)} 个手机号码与名册不同，保留了名册里的号码"
                "（加 --replace-phones 按文件替换）。"
            )
