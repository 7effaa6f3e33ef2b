"""`manage.py setup_app_role NAME [--password PASSWORD | --password -]`: the database role
the application runs as (see residents.app_role). Run as the owner, after `migrate`."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from residents.app_role import AppRoleError, setup_app_role


class Command(BaseCommand):
    help = (
        "创建或更新应用连接数据库所用的角色：能登录，不是超级用户，不拥有任何对象，"
        "只有应用需要的权限（积分明细、兑换记录和修改记录不能改、不能删，余额只能由记账改变）。"
        "请用执行 migrate 的所有者角色运行；可重复运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="角色名，如 passbook_app。")
        parser.add_argument(
            "--password",
            metavar="PASSWORD",
            help="设置登录密码；写 - 则从标准输入读取一行。新角色不给密码时随机生成一个并显示一次；"
            "已有的角色不给密码时保持原密码。",
        )

    def handle(self, *args, name: str, password: str | None, **options) -> None:
        if password == "-":
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("标准输入没有读到密码。")
        try:
            report = setup_app_role(name=name, password=password)
        except AppRoleError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:  # e.g. run as a role without CREATEROLE
            raise CommandError(f"数据库拒绝了：{exc}（请用表的所有者或超级用户运行）") from exc
        done = "已创建" if report.created else "已更新"
        self.stdout.write(
            f"{done}角色 {report.name}（数据库 {connection.settings_dict['NAME']}）："
            f"{report.tables} 张表，其中 {report.protected} 张受保护，{report.sequences} 个序列。"
        )
        if report.password:
            self.stdout.write(f"随机生成的密码（只显示这一次，请记下）：{report.password}")
