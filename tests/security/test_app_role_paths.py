"""The application works as its database role: `seed_demo` (which approves, undoes, adjusts,
redeems, cancels and closes rounds through the services), `reconcile_ledger`, and a working
session (tests/security/app_role_session.py), each in its own process with DATABASE_URL
naming a role made by `setup_app_role` on the migrated test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from points.models import LedgerEntry
from redemption.models import Cancellation, Redemption
from tests.security.roles import app_role, database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.long]


def test_seeding_reconciling_and_a_working_session_run_as_the_application_role():
    root = Path(settings.BASE_DIR)
    with app_role() as (name, password):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(user=name, password=password),
            "DATABASE_APP_ROLE": "",
        }

        def run(*args: str) -> subprocess.CompletedProcess:
            done = subprocess.run(
                [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
            return done

        run("manage.py", "seed_demo", "--households", "60")
        reconciled = run("manage.py", "reconcile_ledger")
        session = run("-m", "tests.security.app_role_session")

    assert "0 个不符" in reconciled.stdout
    assert session.stdout.startswith(f"{name}: ")
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"earn", "reverse", "adjust", "redeem"} <= kinds
    cancelled = Redemption.objects.filter(cancelled_at__isnull=False)
    assert cancelled.count() == Cancellation.objects.count() > 1
    for redemption in cancelled.select_related("cancellation"):
        record = redemption.cancellation
        assert (redemption.cancelled_at, redemption.cancelled_by_id) == (record.at, record.by_id)
        assert (redemption.cancel_reason, redemption.reversal_id) == (
            record.reason,
            record.reversal_id,
        )
