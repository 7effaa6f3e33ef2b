"""`manage.py reconcile_ledger`: stored balances against the sum of their entries, for the
household passbooks and every ledger registered in points.ledgers (the party accounts); and
the running totals the ledger keeps (points.tallies) against its entries."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from points import tallies
from points.ledgers import ledgers
from points.models import Account, LedgerEntry


def _wrong(account_model, entry_model):
    """(accounts checked, entries, the accounts whose balance is not their entries' sum)."""
    sums = (
        entry_model.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    accounts = account_model.objects.annotate(entries_total=Coalesce(Subquery(sums), 0))
    wrong = list(accounts.exclude(balance=Coalesce(Subquery(sums), 0)).order_by("pk"))
    return accounts.count(), entry_model.objects.count(), wrong


class Command(BaseCommand):
    help = (
        "核对每户存折（及党员积分账户等）：账户余额是否等于全部明细之和；"
        "月度、季度积分合计是否与明细相符。有差异时列出并以非零状态退出。"
    )

    def handle(self, *args, **options) -> None:
        failures = []
        checked, entries, wrong = _wrong(Account, LedgerEntry)
        for account in wrong:
            self.stderr.write(
                f"  {account.household.passbook_number}: 余额 {account.balance}，"
                f"明细合计 {account.entries_total}，差 {account.balance - account.entries_total}"
            )
        summary = f"核对 {checked} 个存折、{entries} 条明细：{len(wrong)} 个不符。"
        if wrong:
            failures.append(summary)
        lines = [summary]
        for ledger in ledgers:
            checked, entries, wrong = _wrong(ledger.account, ledger.entry)
            for account in wrong:
                difference = account.balance - account.entries_total
                self.stderr.write(
                    f"  {ledger.describe(account)}: 余额 {account.balance}，"
                    f"明细合计 {account.entries_total}，差 {difference}"
                )
            line = f"核对 {checked} 个{ledger.label}、{entries} 条明细：{len(wrong)} 个不符。"
            lines.append(line)
            if wrong:
                failures.append(line)
        wrong_totals = {table: n for table, n in tallies.mismatches().items() if n}
        line = "核对积分合计（月度、户季度、成员季度）：" + (
            "；".join(f"{table} {n} 行不符" for table, n in wrong_totals.items())
            if wrong_totals
            else "全部相符。"
        )
        lines.append(line)
        if wrong_totals:
            failures.append(line)
        if failures:
            raise CommandError(" ".join(failures))
        self.stdout.write("\n".join(lines))
