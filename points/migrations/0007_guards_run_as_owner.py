"""The ledger's triggers hold against the application's own database role
(residents.app_role), not only against mistakes.

That role may insert entries but has no UPDATE on balances, so:
- points_ledger_post(), which moves the balance, runs as the owner (SECURITY DEFINER) and
  only as the ledger's own trigger; nobody else may EXECUTE it, so nobody can attach it to
  a table of their own and move a balance with a row that is not an entry;
- the balance guard lets a balance change only from a trigger running as the table's owner
  (0002 only asked for trigger depth 2, which a trigger on a temporary table also has);
- the ledger's TRUNCATE escape hatch (passbook.allow_truncate, which any role may set) is
  the owner's alone (and the application's role has no TRUNCATE anyway).
Every function gets a fixed search_path: pg_catalog, public, then pg_temp last (left out,
a session's temporary tables would be searched first and could stand in for ours).
"""

from django.db import migrations

SEARCH_PATH = "SET search_path = pg_catalog, public, pg_temp"

GUARDS = rf"""
CREATE OR REPLACE FUNCTION points_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql
    {SEARCH_PATH} AS $$
BEGIN
    -- Emptying the whole ledger is for throw-away databases only (the test suite sets this
    -- on its own database), and only for the tables' owner: any role may set the setting.
    IF TG_OP = 'TRUNCATE' AND current_setting('passbook.allow_truncate', true) = 'on'
            AND pg_has_role(current_user,
                (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'points_ledgerentry is insert-only: % refused; post a reversing entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE OR REPLACE FUNCTION points_ledger_post() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER {SEARCH_PATH} AS $$
DECLARE
    new_balance integer;
    reversed record;
BEGIN
    IF TG_RELID <> 'public.points_ledgerentry'::regclass OR TG_OP <> 'INSERT'
            OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION 'points_ledger_post() posts only entries inserted into the ledger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.kind = 'reverse' THEN
        SELECT account_id, amount INTO reversed FROM public.points_ledgerentry
            WHERE id = NEW.reverses_id;
        IF reversed.account_id <> NEW.account_id OR reversed.amount <> -NEW.amount THEN
            RAISE EXCEPTION 'a reversing entry must undo exactly entry %', NEW.reverses_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    UPDATE public.points_account SET balance = balance + NEW.amount, updated_at = now()
        WHERE id = NEW.account_id
        RETURNING balance INTO new_balance;
    IF new_balance IS DISTINCT FROM NEW.balance_after THEN
        RAISE EXCEPTION 'balance_after % does not match the account balance %',
            NEW.balance_after, new_balance USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION points_ledger_post() FROM PUBLIC;

CREATE OR REPLACE FUNCTION points_account_balance_by_entries_only() RETURNS trigger
    LANGUAGE plpgsql {SEARCH_PATH} AS $$
BEGIN
    -- Only the ledger's trigger changes a balance: it runs one level down (depth 2) and as
    -- the owner. Depth alone is not enough: a trigger on anyone's temporary table runs at
    -- depth 2 too, but as its caller.
    IF NEW.balance <> OLD.balance AND NOT (pg_trigger_depth() >= 2 AND pg_has_role(
            current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE'))
    THEN
        RAISE EXCEPTION 'an account balance changes only by posting a ledger entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION points_account_starts_empty() {SEARCH_PATH};
"""

# 0002's functions, as they were.
REVERSE = r"""
ALTER FUNCTION points_account_starts_empty() RESET search_path;

CREATE OR REPLACE FUNCTION points_account_balance_by_entries_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is a statement from outside; the ledger trigger's own UPDATE runs at depth 2.
    IF NEW.balance <> OLD.balance AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'an account balance changes only by posting a ledger entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

GRANT EXECUTE ON FUNCTION points_ledger_post() TO PUBLIC;
CREATE OR REPLACE FUNCTION points_ledger_post() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION points_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Emptying the whole ledger is for throw-away databases only (the test suite sets this
    -- on its own database); `manage.py flush` on a real one is refused.
    IF TG_OP = 'TRUNCATE' AND current_setting('passbook.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'points_ledgerentry is insert-only: % refused; post a reversing entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("points", "0006_entry_account_day")]

    operations = [migrations.RunSQL(GUARDS, REVERSE)]
