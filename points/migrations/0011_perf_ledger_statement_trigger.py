"""The ledger moves balances once per statement, not once per entry (issue 21, item 1).

Closing a round posts 100,000 expiry entries in one INSERT … SELECT; the row-level trigger of
0002/0007 ran 100,000 times (one UPDATE of points_account each, and the balance guard on each).
The same guarantees now hold set-based, with the statement's inserted rows read from a
transition table:

- points_ledger_post() runs AFTER INSERT … FOR EACH STATEMENT (still SECURITY DEFINER, fixed
  search_path, EXECUTE revoked from PUBLIC, refusing to run as anything but this trigger);
- a reversing entry must undo exactly the entry it names, on the same account;
- every account named by the statement is moved by the sum of its entries in ONE UPDATE
  (which takes each account's row lock), and every entry's balance_after must equal the
  account's running balance after it (the balance before the statement plus the entry's
  own and all earlier entries of the statement for that account, in id order): so each
  entry still carries the balance it leaves, and the entry's CHECK (balance_after >= 0)
  still forbids a balance that dips below zero in the middle of a statement;
- the balance guard on points_account becomes a statement-level check too: a balance may
  change only inside the ledger's trigger (one level down and as the tables' owner), judged
  once per UPDATE statement from its old and new rows.
Any failure raises inside the INSERT (or UPDATE) statement, with the same messages and
error codes as before, so nothing partial is left.
"""

from django.db import migrations

SEARCH_PATH = "SET search_path = pg_catalog, public, pg_temp"

FORWARD = rf"""
DROP TRIGGER points_ledger_moves_balance ON points_ledgerentry;
DROP TRIGGER points_account_balance_guard ON points_account;

CREATE OR REPLACE FUNCTION points_ledger_post() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER {SEARCH_PATH} AS $$
DECLARE
    bad record;
BEGIN
    IF TG_RELID <> 'public.points_ledgerentry'::regclass OR TG_OP <> 'INSERT'
            OR TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' THEN
        RAISE EXCEPTION 'points_ledger_post() posts only entries inserted into the ledger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT p.reverses_id INTO bad
        FROM posted p JOIN public.points_ledgerentry r ON r.id = p.reverses_id
        WHERE p.kind = 'reverse' AND (r.account_id <> p.account_id OR r.amount <> -p.amount)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a reversing entry must undo exactly entry %', bad.reverses_id
            USING ERRCODE = 'check_violation';
    END IF;
    WITH moved AS (
        SELECT account_id, sum(amount) AS total FROM posted GROUP BY account_id
    ), updated AS (
        UPDATE public.points_account a SET balance = a.balance + m.total, updated_at = now()
            FROM moved m WHERE a.id = m.account_id
            RETURNING a.id, a.balance - m.total AS opening
    )
    SELECT c.balance_after, c.running INTO bad FROM (
        SELECT p.balance_after,
            u.opening + sum(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.id) AS running
        FROM posted p LEFT JOIN updated u ON u.id = p.account_id
    ) c
    WHERE c.running IS DISTINCT FROM c.balance_after
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'balance_after % does not match the account balance %',
            bad.balance_after, bad.running USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION points_ledger_post() FROM PUBLIC;

CREATE TRIGGER points_ledger_moves_balance
    AFTER INSERT ON points_ledgerentry REFERENCING NEW TABLE AS posted
    FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_post();

CREATE OR REPLACE FUNCTION points_account_balance_by_entries_only() RETURNS trigger
    LANGUAGE plpgsql {SEARCH_PATH} AS $$
BEGIN
    -- Only the ledger's trigger changes a balance: it runs one level down (depth 2) and as
    -- the owner. Depth alone is not enough: a trigger on anyone's temporary table runs at
    -- depth 2 too, but as its caller.
    IF pg_trigger_depth() >= 2 AND pg_has_role(
            current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE')
    THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM before_update o JOIN after_update n ON n.id = o.id
               WHERE n.balance <> o.balance) THEN
        RAISE EXCEPTION 'an account balance changes only by posting a ledger entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER points_account_balance_guard
    AFTER UPDATE ON points_account
    REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update
    FOR EACH STATEMENT EXECUTE FUNCTION points_account_balance_by_entries_only();
"""

# 0007's row-level functions and 0002's triggers, as they were.
REVERSE = rf"""
DROP TRIGGER points_ledger_moves_balance ON points_ledgerentry;
DROP TRIGGER points_account_balance_guard ON points_account;

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

CREATE TRIGGER points_ledger_moves_balance
    BEFORE INSERT ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_post();

CREATE OR REPLACE FUNCTION points_account_balance_by_entries_only() RETURNS trigger
    LANGUAGE plpgsql {SEARCH_PATH} AS $$
BEGIN
    IF NEW.balance <> OLD.balance AND NOT (pg_trigger_depth() >= 2 AND pg_has_role(
            current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE'))
    THEN
        RAISE EXCEPTION 'an account balance changes only by posting a ledger entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER points_account_balance_guard
    BEFORE UPDATE ON points_account
    FOR EACH ROW EXECUTE FUNCTION points_account_balance_by_entries_only();
"""


class Migration(migrations.Migration):
    dependencies = [("points", "0010_demodates_entry_written_at")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
