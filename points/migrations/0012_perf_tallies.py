"""Running totals kept by the ledger (issue 21): a community's points earned and redeemed
by month, a passbook's and a member's points earned by quarter (points/tallies.py says what
counts). The ledger's statement trigger adds each statement's entries to them in the same
statement, as the tables' owner; the totals are filled from the entries already there.
The application's role only reads them (PointsConfig.ready registers them protected).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from points import tallies

_0011 = importlib.import_module("points.migrations.0011_perf_ledger_statement_trigger")
START = "CREATE OR REPLACE FUNCTION points_ledger_post()"
END = "REVOKE EXECUTE ON FUNCTION points_ledger_post() FROM PUBLIC;"
# 0011's points_ledger_post(), as it was.
BEFORE = _0011.FORWARD[_0011.FORWARD.index(START) : _0011.FORWARD.index(END) + len(END)]
# The same, adding the statement's entries to the totals after every check has passed.
AFTER = BEFORE.replace(
    "    RETURN NULL;\nEND $$;", tallies.add_posted_sql() + "\n    RETURN NULL;\nEND $$;", 1
)
assert AFTER != BEFORE


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0011_perf_ledger_statement_trigger"),
        ("residents", "0012_merge_phone_reveals"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("quarter", models.DateField(verbose_name="季度")),
                ("earned", models.IntegerField(default=0, verbose_name="获得积分")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="points.account",
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="residents.community",
                    ),
                ),
            ],
            options={
                "verbose_name": "户季度积分合计",
                "verbose_name_plural": "户季度积分合计",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("community", "quarter", "account"),
                        name="points_accounttally_once_a_quarter",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MemberTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("quarter", models.DateField(verbose_name="季度")),
                ("base", models.IntegerField(default=0, verbose_name="基础分")),
                ("value_added", models.IntegerField(default=0, verbose_name="增值分")),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="residents.community",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="residents.member",
                    ),
                ),
            ],
            options={
                "verbose_name": "成员季度积分合计",
                "verbose_name_plural": "成员季度积分合计",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("community", "quarter", "member"),
                        name="points_membertally_once_a_quarter",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="月份")),
                ("earned", models.IntegerField(default=0, verbose_name="获得积分")),
                ("redeemed", models.IntegerField(default=0, verbose_name="兑换积分")),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="residents.community",
                    ),
                ),
            ],
            options={
                "verbose_name": "月度积分合计",
                "verbose_name_plural": "月度积分合计",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("community", "month"), name="points_monthtally_once_a_month"
                    )
                ],
            },
        ),
        migrations.RunSQL(AFTER, BEFORE),
        migrations.RunSQL(tallies.rebuild_sql(), migrations.RunSQL.noop),
    ]
