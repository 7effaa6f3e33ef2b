"""A redemption is cancelled by inserting its Cancellation, never by the application
updating it (its database role, residents.app_role, has no UPDATE on redemptions).

- The cancellation's trigger, running as the owner (SECURITY DEFINER, fixed search_path,
  EXECUTE for nobody else), copies who, when, why and the reversing entry into the
  redemption — only for a redemption of the same community, not yet cancelled, in a round
  still open; 0002's guard on the redemption checks that the entry reverses its payment.
- Cancellations are insert-only, like the ledger.
- Cancellations point only at rows of their own community (composite keys, residents/0002).
- 0002's guards get a fixed search_path too: pg_catalog, public, pg_temp last (left out,
  a session's temporary tables would be searched first).
"""

from django.db import migrations

from residents.db import same_community_sql

SEARCH_PATH = "SET search_path = pg_catalog, public, pg_temp"

GUARDS = rf"""
CREATE FUNCTION redemption_mark_cancelled() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER {SEARCH_PATH} AS $$
BEGIN
    IF TG_RELID <> 'public.redemption_cancellation'::regclass OR TG_OP <> 'INSERT'
            OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION 'redemption_mark_cancelled() runs only for a new cancellation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.redemption_redemption r
        SET cancelled_at = NEW.at, cancelled_by_id = NEW.by_id, cancel_reason = NEW.reason,
            reversal_id = NEW.reversal_id
        FROM public.redemption_round o
        WHERE r.id = NEW.redemption_id AND r.community_id = NEW.community_id
            AND r.reversal_id IS NULL AND o.id = r.round_id AND o.status = 'open';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'redemption % cannot be cancelled: already cancelled, its round closed,'
            ' or of another community', NEW.redemption_id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION redemption_mark_cancelled() FROM PUBLIC;

CREATE TRIGGER redemption_cancellation_marks_redemption
    AFTER INSERT ON redemption_cancellation
    FOR EACH ROW EXECUTE FUNCTION redemption_mark_cancelled();

CREATE FUNCTION redemption_cancellation_refuse_change() RETURNS trigger LANGUAGE plpgsql
    {SEARCH_PATH} AS $$
BEGIN
    RAISE EXCEPTION 'redemption_cancellation is insert-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER redemption_cancellation_insert_only
    BEFORE UPDATE OR DELETE ON redemption_cancellation
    FOR EACH ROW EXECUTE FUNCTION redemption_cancellation_refuse_change();

ALTER FUNCTION redemption_check_entry() {SEARCH_PATH};
ALTER FUNCTION redemption_line_same_round() {SEARCH_PATH};
ALTER FUNCTION redemption_round_moves_forward() {SEARCH_PATH};
"""

DROP_GUARDS = """
ALTER FUNCTION redemption_round_moves_forward() RESET search_path;
ALTER FUNCTION redemption_line_same_round() RESET search_path;
ALTER FUNCTION redemption_check_entry() RESET search_path;
DROP TRIGGER redemption_cancellation_insert_only ON redemption_cancellation;
DROP FUNCTION redemption_cancellation_refuse_change();
DROP TRIGGER redemption_cancellation_marks_redemption ON redemption_cancellation;
DROP FUNCTION redemption_mark_cancelled();
"""

PAIRS = [
    ("redemption_cancellation", "redemption_id", "redemption_redemption"),
    ("redemption_cancellation", "reversal_id", "points_ledgerentry"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("redemption", "0004_cancellation_record"),
        ("points", "0007_guards_run_as_owner"),
    ]

    operations = [
        migrations.RunSQL(GUARDS, DROP_GUARDS),
        migrations.RunSQL(*same_community_sql(PAIRS, [])),
    ]
