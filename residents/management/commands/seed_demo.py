"""`manage.py seed_demo`: demo communities, households and logins (see residents.demo),
then the demo steps the later apps registered (residents.demo_steps), all in one
transaction."""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from residents.demo import DEFAULT_HOUSEHOLDS, DEMO_PASSWORD, CommunitySummary, seed_demo
from residents.demo_steps import demo_steps

BASE_URL = "http://127.0.0.1:8000"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = (
        "生成演示数据：山鑫阳光城居民区（默认 1530 户）和齐河第三居民区（60 户），"
        "各角色的演示账号，以及后续模块（志愿服务等）的演示数据。"
        "可重复运行：已存在的居民区、账号和数据不会改动。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--households",
            type=int,
            default=DEFAULT_HOUSEHOLDS,
            metavar="N",
            help=f"山鑫阳光城的户数（默认 {DEFAULT_HOUSEHOLDS}）。",
        )

    def handle(self, *args, households: int, **options) -> None:
        if households < 1:
            raise CommandError("--households 须为正整数。")
        started = time.monotonic()
        with transaction.atomic():
            report = seed_demo(households=households)
            communities = {s.community.slug: s.community for s in report.communities}
            app_reports = demo_steps.run(communities=communities)
        elapsed = time.monotonic() - started

        for summary in report.communities:
            self._community(summary)
        for app_name, lines in app_reports:
            self.stdout.write(f"{app_name}：")
            for line in lines:
                self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}，已有的账号不会被改动）：")
        rows = [("用户名", "姓名", "角色", "居民区", "密码")]
        rows += [
            (login.username, login.full_name, login.role, login.community, login.password)
            for login in [*report.logins, *demo_steps.logins]
        ]
        widths = [max(_width(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
        for row in rows:
            line = "".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  " + line.rstrip())
        self.stdout.write("")
        if report.sample_household is not None:
            url = BASE_URL + report.sample_household.get_absolute_url()
            self.stdout.write(f"示例存折（工作人员页面）: {url}")
        self.stdout.write(f"用时 {elapsed:.1f} 秒。")

    def _community(self, s: CommunitySummary) -> None:
        state = "已创建" if s.created else "已存在，未改动"
        self.stdout.write(f"{s.community.name}（{s.community.slug}）：{state}")
        self.stdout.write(
            f"  小区 {s.compounds} 个 · 楼组 {s.building_groups} 个"
            f"（楼组长中党员 {s.party_leaders} 位）"
            f" · 户 {s.households} 户（在册 {s.active_households}，"
            f"已迁出 {s.households - s.active_households}）"
            f" · 居民 {s.members} 位 · 党员 {s.party_members} 位"
            f"（在职党员 {s.in_service_party_members} 位）"
        )
