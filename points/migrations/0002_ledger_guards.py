"""The ledger's invariants, kept by PostgreSQL itself.

- Entries are insert-only: UPDATE, DELETE and TRUNCATE on points_ledgerentry fail
  (TRUNCATE is let through only where the database sets passbook.allow_truncate = on,
  which the test suite does on its throw-away test database).
- Inserting an entry moves its account's stored balance by the amount, in the same
  statement (the UPDATE takes the account's row lock); the entry's balance_after must equal
  the new balance, and the balance CHECK keeps it from going below zero.
- The stored balance cannot be changed except by an entry.
- A reversing entry undoes exactly the entry it names, on the same account.
- Rows point only at rows of their own community (see residents/0002).
"""

from django.db import migrations

from residents.db import same_community_sql

GUARDS = r"""
CREATE FUNCTION points_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Emptying the whole ledger is for throw-away databases only (the test suite sets this
    -- on its own database); `manage.py flush` on a real one is refused.
    IF TG_OP = 'TRUNCATE' AND current_setting('passbook.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'points_ledgerentry is insert-only: % refused; post a reversing entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER points_ledger_insert_only
    BEFORE UPDATE OR DELETE ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_refuse_change();
CREATE TRIGGER points_ledger_no_truncate
    BEFORE TRUNCATE ON points_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_refuse_change();

CREATE FUNCTION points_ledger_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_balance integer;
    reversed record;
BEGIN
    IF NEW.kind = 'reverse' THEN
        SELECT account_id, amount INTO reversed FROM points_ledgerentry WHERE id = NEW.reverses_id;
        IF reversed.account_id <> NEW.account_id OR reversed.amount <> -NEW.amount THEN
            RAISE EXCEPTION 'a reversing entry must undo exactly entry %', NEW.reverses_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    UPDATE points_account SET balance = balance + NEW.amount, updated_at = now()
        WHERE id = NEW.account_id
        RETURNING balance INTO new_balance;
    IF new_balance IS DISTINCT FROM NEW.balance_after THEN
        RAISE EXCEPTION 'balance_after % does not match the account balance %',
            NEW.balance_after, new_balance USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER points_ledger_moves_balance
    BEFORE INSERT ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_post();

CREATE FUNCTION points_account_balance_by_entries_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is a statement from outside; the ledger trigger's own UPDATE runs at depth 2.
    IF NEW.balance <> OLD.balance AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'an account balance changes only by posting a ledger entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER points_account_balance_guard
    BEFORE UPDATE ON points_account
    FOR EACH ROW EXECUTE FUNCTION points_account_balance_by_entries_only();

CREATE FUNCTION points_account_starts_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.balance <> 0 THEN
        RAISE EXCEPTION 'a new account starts at 0 points' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER points_account_opens_at_zero
    BEFORE INSERT ON points_account
    FOR EACH ROW EXECUTE FUNCTION points_account_starts_empty();
"""

DROP_GUARDS = """
DROP TRIGGER points_account_opens_at_zero ON points_account;
DROP FUNCTION points_account_starts_empty();
DROP TRIGGER points_account_balance_guard ON points_account;
DROP FUNCTION points_account_balance_by_entries_only();
DROP TRIGGER points_ledger_moves_balance ON points_ledgerentry;
DROP FUNCTION points_ledger_post();
DROP TRIGGER points_ledger_no_truncate ON points_ledgerentry;
DROP TRIGGER points_ledger_insert_only ON points_ledgerentry;
DROP FUNCTION points_ledger_refuse_change();
"""

PAIRS = [
    ("points_pointrule", "project_id", "volunteering_project"),
    ("points_pointrule", "category_id", "volunteering_projectcategory"),
    ("points_account", "household_id", "residents_household"),
    ("points_ledgerentry", "account_id", "points_account"),
    ("points_ledgerentry", "member_id", "residents_member"),
    ("points_ledgerentry", "activity_id", "volunteering_activity"),
    ("points_ledgerentry", "attendance_id", "volunteering_attendance"),
    ("points_ledgerentry", "rule_id", "points_pointrule"),
]
NEW_TARGETS = ["volunteering_attendance", "points_pointrule", "points_account"]


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0001_initial"),
        ("volunteering", "0003_review_fields"),
    ]

    operations = [
        migrations.RunSQL(GUARDS, DROP_GUARDS),
        migrations.RunSQL(*same_community_sql(PAIRS, NEW_TARGETS)),
    ]
