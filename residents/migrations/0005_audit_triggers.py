"""The audit trail, written by PostgreSQL itself: one generic trigger function,
passbook_audit(), attached AFTER INSERT OR UPDATE OR DELETE to each audited table (this
migration attaches it to the register's tables; points and redemption attach it to theirs).

Because the database writes the trail, bulk `.update()`, raw SQL and the Django admin are
recorded as surely as the pages' own saves. Each event keeps:

- the table and the row's id (for a link table such as residents_household_types: the id
  of the row it belongs to, e.g. the household, so a household's history shows its types);
- the action; for INSERT the new row and for DELETE the old row (as JSON, to_jsonb); for
  UPDATE only the columns that changed, old values in `old` and new ones in `new`;
- the row's community_id (for a link table: its owner's), NULL for tables without one;
- the actor: the setting passbook.actor, which residents.audit.AuditActorMiddleware sets to
  the signed-in user's id around each unsafe request (NULL for commands and the shell);
- now(), the time of the transaction.

Columns that change on every save and say nothing (updated_at, name_pinyin, name_initials)
are left out of the record, and an UPDATE that changes nothing else writes no event.
Trigger arguments: (1) further columns to leave out, comma-separated, e.g. counters kept
by other records; (2) and (3) for link tables, the column naming the owning row and the
owner's table.
"""

from django.db import migrations

FUNCTION = r"""
CREATE FUNCTION passbook_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored text[] := ARRAY['updated_at', 'name_pinyin', 'name_initials'];
    owner_column text;
    owner_table text;
    whole jsonb;
    old_values jsonb;
    new_values jsonb;
    row_id bigint;
    row_community bigint;
    actor_setting text := current_setting('passbook.actor', true);
BEGIN
    IF TG_NARGS > 0 AND TG_ARGV[0] <> '' THEN
        ignored := ignored || string_to_array(TG_ARGV[0], ',');
    END IF;
    IF TG_NARGS > 2 THEN
        owner_column := TG_ARGV[1];
        owner_table := TG_ARGV[2];
    END IF;

    IF TG_OP = 'INSERT' THEN
        whole := to_jsonb(NEW);
        new_values := whole - ignored;
    ELSIF TG_OP = 'DELETE' THEN
        whole := to_jsonb(OLD);
        old_values := whole - ignored;
    ELSE
        whole := to_jsonb(NEW);
        old_values := to_jsonb(OLD) - ignored;
        new_values := whole - ignored;
        IF old_values = new_values THEN
            RETURN NULL;  -- nothing worth recording changed
        END IF;
        -- Keep only what changed, on both sides.
        SELECT jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, new_values -> o.key)
            INTO old_values, new_values
            FROM jsonb_each(old_values) AS o
            WHERE new_values -> o.key IS DISTINCT FROM o.value;
    END IF;

    IF owner_column IS NOT NULL THEN
        row_id := (whole ->> owner_column)::bigint;
        EXECUTE format('SELECT community_id FROM %I WHERE id = $1', owner_table)
            INTO row_community USING row_id;
    ELSE
        row_id := (whole ->> 'id')::bigint;
        row_community := (whole ->> 'community_id')::bigint;
    END IF;

    INSERT INTO residents_auditevent
        ("table", object_id, action, old, new, actor_id, community_id, at)
    VALUES (
        TG_TABLE_NAME, row_id, lower(TG_OP), old_values, new_values,
        CASE WHEN actor_setting ~ '^[0-9]+$' THEN actor_setting::bigint END,
        row_community, now()
    );
    RETURN NULL;
END $$;
"""

# (table, trigger arguments)
TABLES = [
    ("residents_compound", ""),
    ("residents_buildinggroup", ""),
    ("residents_householdtype", ""),
    ("residents_household", ""),
    ("residents_household_types", "'', 'household_id', 'residents_household'"),
    ("residents_member", ""),
    ("residents_staffmembership", ""),
]

ATTACH = "\n".join(
    f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION passbook_audit({arguments});"
    for table, arguments in TABLES
)
DETACH = "\n".join(f"DROP TRIGGER {table}_audit ON {table};" for table, _ in TABLES)


class Migration(migrations.Migration):
    dependencies = [("residents", "0004_audit_exports_imports")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION passbook_audit();"),
        migrations.RunSQL(ATTACH, DETACH),
    ]
