"""The party ledger's invariants, kept by PostgreSQL itself (as points' 0002 and 0007 do
for the household passbook):

- entries are insert-only: UPDATE, DELETE and TRUNCATE on party_partyentry fail (TRUNCATE
  only where passbook.allow_truncate = on, and only for the owner: the test database);
- inserting an entry moves its account's stored balance in the same statement (under the
  account's row lock), by a function that runs as the owner and only as this trigger; the
  entry's balance_after must equal the new balance;
- a reversing entry undoes exactly the entry it names, on the same account, with the same
  kind and duty;
- the stored balance changes only by an entry, and a new account starts at 0;
- rows point only at rows of their own community (composite keys, residents/0002);
- the settings, project roles and profiles join the audit trail (residents/0005's trigger).
"""

from django.db import migrations

from residents.db import same_community_sql

SEARCH_PATH = "SET search_path = pg_catalog, public, pg_temp"

GUARDS = rf"""
CREATE FUNCTION party_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql
    {SEARCH_PATH} AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('passbook.allow_truncate', true) = 'on'
            AND pg_has_role(current_user,
                (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'party_partyentry is insert-only: % refused; post a reversing entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER party_ledger_insert_only
    BEFORE UPDATE OR DELETE ON party_partyentry
    FOR EACH ROW EXECUTE FUNCTION party_ledger_refuse_change();
CREATE TRIGGER party_ledger_no_truncate
    BEFORE TRUNCATE ON party_partyentry
    FOR EACH STATEMENT EXECUTE FUNCTION party_ledger_refuse_change();

CREATE FUNCTION party_ledger_post() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER {SEARCH_PATH} AS $$
DECLARE
    new_balance integer;
    reversed record;
BEGIN
    IF TG_RELID <> 'public.party_partyentry'::regclass OR TG_OP <> 'INSERT'
            OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION 'party_ledger_post() posts only entries inserted into the ledger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.reverses_id IS NOT NULL THEN
        SELECT account_id, amount, kind, duty INTO reversed FROM public.party_partyentry
            WHERE id = NEW.reverses_id;
        IF reversed.account_id <> NEW.account_id OR reversed.amount <> -NEW.amount
                OR reversed.kind <> NEW.kind OR reversed.duty <> NEW.duty THEN
            RAISE EXCEPTION 'a reversing entry must undo exactly entry %', NEW.reverses_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    UPDATE public.party_partyaccount SET balance = balance + NEW.amount, updated_at = now()
        WHERE id = NEW.account_id
        RETURNING balance INTO new_balance;
    IF new_balance IS DISTINCT FROM NEW.balance_after THEN
        RAISE EXCEPTION 'balance_after % does not match the account balance %',
            NEW.balance_after, new_balance USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION party_ledger_post() FROM PUBLIC;

CREATE TRIGGER party_ledger_moves_balance
    BEFORE INSERT ON party_partyentry
    FOR EACH ROW EXECUTE FUNCTION party_ledger_post();

CREATE FUNCTION party_account_balance_by_entries_only() RETURNS trigger
    LANGUAGE plpgsql {SEARCH_PATH} AS $$
BEGIN
    IF NEW.balance <> OLD.balance AND NOT (pg_trigger_depth() >= 2 AND pg_has_role(
            current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE'))
    THEN
        RAISE EXCEPTION 'a party account balance changes only by posting an entry'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER party_account_balance_guard
    BEFORE UPDATE ON party_partyaccount
    FOR EACH ROW EXECUTE FUNCTION party_account_balance_by_entries_only();

CREATE FUNCTION party_account_starts_empty() RETURNS trigger LANGUAGE plpgsql
    {SEARCH_PATH} AS $$
BEGIN
    IF NEW.balance <> 0 THEN
        RAISE EXCEPTION 'a new party account starts at 0 points' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER party_account_opens_at_zero
    BEFORE INSERT ON party_partyaccount
    FOR EACH ROW EXECUTE FUNCTION party_account_starts_empty();
"""

DROP_GUARDS = """
DROP TRIGGER party_account_opens_at_zero ON party_partyaccount;
DROP FUNCTION party_account_starts_empty();
DROP TRIGGER party_account_balance_guard ON party_partyaccount;
DROP FUNCTION party_account_balance_by_entries_only();
DROP TRIGGER party_ledger_moves_balance ON party_partyentry;
DROP FUNCTION party_ledger_post();
DROP TRIGGER party_ledger_no_truncate ON party_partyentry;
DROP TRIGGER party_ledger_insert_only ON party_partyentry;
DROP FUNCTION party_ledger_refuse_change();
"""

PAIRS = [
    ("party_partyaccount", "member_id", "residents_member"),
    ("party_partymember", "member_id", "residents_member"),
    ("party_projectrole", "project_id", "volunteering_project"),
    ("party_partyentry", "account_id", "party_partyaccount"),
    ("party_partyentry", "attendance_id", "volunteering_attendance"),
    ("party_partyentry", "activity_id", "volunteering_activity"),
    ("party_partyentry", "reverses_id", "party_partyentry"),
]
NEW_TARGETS = ["party_partyaccount", "party_partyentry"]

AUDITED = ["party_partysettings", "party_projectrole", "party_partymember"]
AUDIT = "\n".join(
    f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION passbook_audit();"
    for table in AUDITED
)
DROP_AUDIT = "\n".join(f"DROP TRIGGER {table}_audit ON {table};" for table in AUDITED)


class Migration(migrations.Migration):
    dependencies = [
        ("party", "0001_initial"),
        ("points", "0007_guards_run_as_owner"),
        ("residents", "0005_audit_triggers"),
    ]

    operations = [
        migrations.RunSQL(GUARDS, DROP_GUARDS),
        migrations.RunSQL(*same_community_sql(PAIRS, NEW_TARGETS)),
        migrations.RunSQL(AUDIT, DROP_AUDIT),
    ]
