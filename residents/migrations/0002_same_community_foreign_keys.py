"""Rows that point at each other must belong to the same community, enforced by PostgreSQL.

Django's foreign keys check only that the target row exists. Composite foreign keys over
(id, community_id) make it impossible, even in raw SQL, to put a member into another
community's household or a household into another community's compound or building group.
"""

from django.db import migrations

from residents.db import same_community_sql

PAIRS = [
    # (table, its foreign key column, target table)
    ("residents_household", "compound_id", "residents_compound"),
    ("residents_household", "building_group_id", "residents_buildinggroup"),
    ("residents_member", "household_id", "residents_household"),
    ("residents_buildinggroup", "compound_id", "residents_compound"),
    ("residents_buildinggroup", "leader_id", "residents_member"),
]
TARGETS = sorted({target for _table, _column, target in PAIRS})


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]

    operations = [migrations.RunSQL(*same_community_sql(PAIRS, TARGETS))]
