"""`manage.py reconcile_ledger`: stored balances against the sum of their entries."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from points.models import Account, LedgerEntry


class Command(BaseCommand):
    help = "核对每户存折：账户余额是否等于全部积分明细之和。有差异时列出并以非零状态退出。"

    def handle(self, *args, **options) -> None:
        sums = (
            LedgerEntry.objects.filter(account=OuterRef("pk"))
            .order_by()
            .values("account")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        accounts = Account.objects.annotate(entries_total=Coalesce(Subquery(sums), 0))
        checked = accounts.count()
        wrong = list(
            accounts.exclude(balance=Coalesce(Subquery(sums), 0))
            .select_related("household")
            .order_by("pk")
        )
        entries = LedgerEntry.objects.count()
        for account in wrong:
            self.stderr.write(
                f"  {account.household.passbook_number}: 余额 {account.balance}，"
                f"明细合计 {account.entries_total}，差 {account.balance - account.entries_total}"
            )
        summary = f"核对 {checked} 个存折、{entries} 条明细：{len(wrong)} 个不符。"
        if wrong:
            raise CommandError(summary)
        self.stdout.write(summary)
