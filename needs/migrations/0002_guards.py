"""The needs app's invariants, kept by PostgreSQL itself (beside the CHECKs in 0001).

- Rows point only at rows of their own community (composite foreign keys, residents/0002).
- A need only makes the moves Need.MOVES allows (the trigger below repeats that table: a
  raw UPDATE cannot take a finished need back to 待派单).
- Visits and needs join the audit trail (the trigger function is residents/0005's);
  a need's events are a record of their own (insert only, residents.app_role).
"""

from django.db import migrations

from residents.db import same_community_sql

PAIRS = [
    ("needs_visit", "household_id", "residents_household"),
    ("needs_need", "household_id", "residents_household"),
    ("needs_need", "visit_id", "needs_visit"),
    ("needs_need", "member_id", "residents_member"),
    ("needs_need", "team_id", "volunteering_team"),
    ("needs_need", "partner_id", "needs_partnerunit"),
    ("needs_need", "activity_id", "volunteering_activity"),
    ("needs_needevent", "need_id", "needs_need"),
    ("needs_pairing", "household_id", "residents_household"),
    ("needs_pairing", "member_id", "residents_member"),
    ("needs_pairing", "partner_id", "needs_partnerunit"),
]
NEW_TARGETS = ["needs_visit", "needs_partnerunit", "needs_need"]

MOVES = r"""
CREATE FUNCTION needs_need_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state AND (OLD.state, NEW.state) NOT IN (
            ('pending', 'dispatched'), ('pending', 'taken'), ('pending', 'withdrawn'),
            ('dispatched', 'taken'), ('dispatched', 'pending'), ('dispatched', 'withdrawn'),
            ('taken', 'done'), ('done', 'followed')) THEN
        RAISE EXCEPTION 'a need cannot go from % to %', OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.community_id <> OLD.community_id THEN
        RAISE EXCEPTION 'a need stays in its community' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER needs_need_moves BEFORE UPDATE ON needs_need
    FOR EACH ROW EXECUTE FUNCTION needs_need_moves();
"""

AUDITED = ["needs_visit", "needs_need", "needs_partnerunit", "needs_pairing"]


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0001_initial"),
        ("residents", "0005_audit_triggers"),
        ("volunteering", "0002_same_community_foreign_keys"),
    ]

    operations = [
        migrations.RunSQL(*same_community_sql(PAIRS, NEW_TARGETS)),
        migrations.RunSQL(
            MOVES,
            "DROP TRIGGER needs_need_moves ON needs_need; DROP FUNCTION needs_need_moves();",
        ),
        migrations.RunSQL(
            "\n".join(
                f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION passbook_audit('');"
                for table in AUDITED
            ),
            "\n".join(f"DROP TRIGGER {table}_audit ON {table};" for table in AUDITED),
        ),
    ]
