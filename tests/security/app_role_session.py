"""A working session of the application on demo data, run in its own process with
DATABASE_URL naming the application's database role (tests/security/test_app_role_paths.py):
the start-up check for unapplied migrations, a staff login, the main pages, a download, a
resident's passbook link, and one approval, one redemption and one cancellation through the
services. Fails with an AssertionError (and a
non-zero exit) at the first thing the role may not do.

    DATABASE_URL=postgres://app:…@host/db python -m tests.security.app_role_session
"""

from __future__ import annotations

import os
import uuid


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models import F
    from django.test import Client
    from django.urls import reverse

    from points import services as points_services
    from points.models import Account
    from redemption import services as redemption_services
    from redemption.models import Round
    from residents.demo import DEMO_PASSWORD
    from residents.models import Community, Household
    from volunteering.models import Attendance

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        user, is_superuser = cursor.fetchone()
    assert not is_superuser, f"{user} is a superuser"
    # What runserver checks at start-up (and `migrate --check`): it reads django_migrations.
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())

    community = Community.objects.get(slug="shanxin")
    household = Household.objects.filter(community=community).order_by("pk").first()
    round_ = Round.objects.get(community=community, status=Round.Status.OPEN)

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(reverse("login"), {"username": "sx_admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = [
        reverse("residents:household_list"),
        reverse("residents:household_detail", args=[household.pk]),
        reverse("points:household_ledger", args=[household.pk]),
        reverse("points:review_queue"),
        reverse("points:rule_list"),
        reverse("points:standings"),
        reverse("redemption:reward_list"),
        reverse("redemption:round_list"),
        reverse("redemption:round_detail", args=[round_.pk]),
        reverse("redemption:counter"),
        reverse("redemption:dashboard"),
        reverse("residents:audit_list"),
        reverse("residents:export_log"),
        reverse("volunteering:activity_list"),
        reverse("residents:household_export") + "?format=csv",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)

    resident = Client(HTTP_HOST="127.0.0.1")
    token = "demo-passbook-shanxin-00001-scan-me-not-for-production"
    assert resident.get(reverse("points:passbook_open", args=[token])).status_code == 302
    assert resident.get(reverse("points:passbook")).status_code == 200

    staff = community.memberships.get(user__username="sx_admin").user
    pending = Attendance.objects.filter(
        community=community, status=Attendance.Status.PENDING
    ).first()
    approved = points_services.approve(community=community, attendance_ids=[pending.pk], by=staff)

    item = round_.items.filter(taken__lt=F("stock")).order_by("point_price").first()
    account = (
        Account.objects.filter(
            community=community,
            balance__gte=item.point_price,
            household__status=Household.Status.ACTIVE,
        )
        .order_by("-balance")
        .first()
    )
    redemption = redemption_services.redeem(
        community=community,
        household=account.household,
        quantities={item.pk: 1},
        submission_key=uuid.uuid4(),
        by=staff,
    )
    cancelled = redemption_services.cancel(redemption=redemption, reason="演示取消", by=staff)
    assert cancelled.is_cancelled and cancelled.reversal.amount == item.point_price
    account.refresh_from_db()
    print(
        f"{user}: {len(pages) + 2} pages, approved {len(approved.approved)}, "
        f"redeemed and cancelled {redemption.number}, balance {account.balance}"
    )


if __name__ == "__main__":
    main()
