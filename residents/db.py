"""SQL that keeps tenant rows together, shared by the apps' migrations."""

from __future__ import annotations

from collections.abc import Sequence


def same_community_sql(
    pairs: Sequence[tuple[str, str, str]], new_targets: Sequence[str]
) -> tuple[str, str]:
    """Forward and reverse SQL for composite foreign keys over (id, community_id).

    `pairs` are (table, foreign key column, target table): the row and the row it points at
    must belong to the same community, which PostgreSQL then enforces even for raw SQL.
    `new_targets` are the target tables that still need their UNIQUE (id, community_id).
    """
    forward = [
        f"ALTER TABLE {target} ADD CONSTRAINT {target}_id_community UNIQUE (id, community_id);"
        for target in new_targets
    ]
    forward += [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_same_community "
        f"FOREIGN KEY ({column}, community_id) REFERENCES {target} (id, community_id) "
        f"DEFERRABLE INITIALLY DEFERRED;"
        for table, column, target in pairs
    ]
    reverse = [
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_same_community;"
        for table, column, _target in pairs
    ]
    reverse += [
        f"ALTER TABLE {target} DROP CONSTRAINT {target}_id_community;" for target in new_targets
    ]
    return "\n".join(forward), "\n".join(reverse)
