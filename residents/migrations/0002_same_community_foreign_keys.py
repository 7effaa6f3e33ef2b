"""Rows that point at each other must belong to the same community, enforced by PostgreSQL.

Django's foreign keys check only that the target row exists. Composite foreign keys over
(id, community_id) make it impossible, even in raw SQL, to put a member into another
community's household or a household into another community's compound or building group.
"""

from django.db import migrations

PAIRS = [
    # (table, its foreign key column, target table)
    ("residents_household", "compound_id", "residents_compound"),
    ("residents_household", "building_group_id", "residents_buildinggroup"),
    ("residents_member", "household_id", "residents_household"),
    ("residents_buildinggroup", "compound_id", "residents_compound"),
    ("residents_buildinggroup", "leader_id", "residents_member"),
]
TARGETS = sorted({target for _table, _column, target in PAIRS})


def forward_sql() -> str:
    statements = [
        f"ALTER TABLE {target} ADD CONSTRAINT {target}_id_community UNIQUE (id, community_id);"
        for target in TARGETS
    ]
    statements += [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_same_community "
        f"FOREIGN KEY ({column}, community_id) REFERENCES {target} (id, community_id) "
        f"DEFERRABLE INITIALLY DEFERRED;"
        for table, column, target in PAIRS
    ]
    return "\n".join(statements)


def reverse_sql() -> str:
    statements = [
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_same_community;"
        for table, column, _target in PAIRS
    ]
    statements += [
        f"ALTER TABLE {target} DROP CONSTRAINT {target}_id_community;" for target in TARGETS
    ]
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
