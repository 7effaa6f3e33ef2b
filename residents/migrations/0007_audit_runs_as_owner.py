"""The audit trail is written as the owner: passbook_audit() becomes SECURITY DEFINER with a
fixed search_path, so the application's database role (residents.app_role) needs no INSERT
on residents_auditevent and cannot write or rewrite the trail itself.

- search_path is pg_catalog, public, pg_temp: catalog functions and operators first, then
  our tables, and a session's temporary tables last (left out, PostgreSQL would search them
  first and a temporary table could stand in for ours).
- Nobody but the owner may EXECUTE it, so nobody can attach it to a table of their own
  (CREATE TRIGGER needs EXECUTE; the owner's triggers fire whatever the caller's rights).
- It refuses to run for a table its owner does not own, should it be attached anyway.
"""

import importlib

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION passbook_audit() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
    IF (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID)
            <> (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'passbook_audit() records only tables of its owner, not %', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
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
        EXECUTE format('SELECT community_id FROM public.%I WHERE id = $1', owner_table)
            INTO row_community USING row_id;
    ELSE
        row_id := (whole ->> 'id')::bigint;
        row_community := (whole ->> 'community_id')::bigint;
    END IF;

    INSERT INTO public.residents_auditevent
        ("table", object_id, action, old, new, actor_id, community_id, at)
    VALUES (
        TG_TABLE_NAME, row_id, lower(TG_OP), old_values, new_values,
        CASE WHEN actor_setting ~ '^[0-9]+$' THEN actor_setting::bigint END,
        row_community, now()
    );
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION passbook_audit() FROM PUBLIC;
"""

# Back to 0005's function, running as the caller.
_before = importlib.import_module("residents.migrations.0005_audit_triggers")
REVERSE = (
    _before.FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    + "\nGRANT EXECUTE ON FUNCTION passbook_audit() TO PUBLIC;"
)


class Migration(migrations.Migration):
    dependencies = [("residents", "0006_login_failures_user_sessions")]

    operations = [migrations.RunSQL(FUNCTION, REVERSE)]
