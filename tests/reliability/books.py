"""Whether the books balance: shared by the concurrency report and the fault injection."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from points.models import Account, LedgerEntry


def books_balance() -> tuple[int, str]:
    """(accounts whose balance differs from the sum of their entries, reconcile_ledger's
    summary); reconcile_ledger raises CommandError (exit status 1) on any difference."""
    sums = (
        LedgerEntry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    unbalanced = (
        Account.objects.annotate(summed=Coalesce(Subquery(sums), 0))
        .exclude(balance=F("summed"))
        .count()
    )
    out = StringIO()
    call_command("reconcile_ledger", stdout=out)
    return unbalanced, out.getvalue().strip()
