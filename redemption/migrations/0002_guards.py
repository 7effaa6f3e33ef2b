"""Redemption's invariants, kept by PostgreSQL itself (beside the CHECKs in 0001).

- Rows point only at rows of their own community (composite foreign keys, residents/0002).
- A redemption's entry is a `redeem` entry of that household's passbook for exactly its
  points; its reversal is the entry that reverses that one.
- A line takes an item of its redemption's round.
- A round only moves forward: draft → open → closed, and a closed round stays closed.
"""

from django.db import migrations

from residents.db import same_community_sql

GUARDS = r"""
CREATE FUNCTION redemption_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    posted record;
BEGIN
    SELECT e.kind, e.amount, a.household_id INTO posted
        FROM points_ledgerentry e JOIN points_account a ON a.id = e.account_id
        WHERE e.id = NEW.entry_id;
    IF posted.kind IS DISTINCT FROM 'redeem' OR posted.amount <> -NEW.points
            OR posted.household_id <> NEW.household_id THEN
        RAISE EXCEPTION 'redemption % must be paid by a redeem entry of % points on its household',
            NEW.number, NEW.points USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.reversal_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM points_ledgerentry
            WHERE id = NEW.reversal_id AND reverses_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'the reversal of redemption % must reverse its entry', NEW.number
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.entry_id <> OLD.entry_id OR NEW.points <> OLD.points
            OR NEW.cost_yuan <> OLD.cost_yuan OR NEW.household_id <> OLD.household_id
            OR NEW.round_id <> OLD.round_id OR NEW.number <> OLD.number
            OR OLD.reversal_id IS NOT NULL) THEN
        RAISE EXCEPTION 'a redemption is only ever cancelled, once; nothing else changes'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER redemption_paid_by_its_entry
    BEFORE INSERT OR UPDATE ON redemption_redemption
    FOR EACH ROW EXECUTE FUNCTION redemption_check_entry();

CREATE FUNCTION redemption_line_same_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
            SELECT 1 FROM redemption_rounditem i JOIN redemption_redemption r
                ON r.round_id = i.round_id
            WHERE i.id = NEW.item_id AND r.id = NEW.redemption_id) THEN
        RAISE EXCEPTION 'a redemption line must take an item of its own round'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER redemption_line_item_of_round
    BEFORE INSERT OR UPDATE ON redemption_redemptionline
    FOR EACH ROW EXECUTE FUNCTION redemption_line_same_round();

CREATE FUNCTION redemption_round_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> OLD.status AND NOT (
            (OLD.status = 'draft' AND NEW.status = 'open')
            OR (OLD.status = 'open' AND NEW.status = 'closed')) THEN
        RAISE EXCEPTION 'a round goes draft → open → closed, not % → %', OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'closed' AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        RAISE EXCEPTION 'a closed round is settled and does not change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER redemption_round_status_forward
    BEFORE UPDATE ON redemption_round
    FOR EACH ROW EXECUTE FUNCTION redemption_round_moves_forward();
"""

DROP_GUARDS = """
DROP TRIGGER redemption_round_status_forward ON redemption_round;
DROP FUNCTION redemption_round_moves_forward();
DROP TRIGGER redemption_line_item_of_round ON redemption_redemptionline;
DROP FUNCTION redemption_line_same_round();
DROP TRIGGER redemption_paid_by_its_entry ON redemption_redemption;
DROP FUNCTION redemption_check_entry();
"""

PAIRS = [
    ("redemption_rounditem", "round_id", "redemption_round"),
    ("redemption_rounditem", "reward_id", "redemption_reward"),
    ("redemption_redemption", "round_id", "redemption_round"),
    ("redemption_redemption", "household_id", "residents_household"),
    ("redemption_redemption", "entry_id", "points_ledgerentry"),
    ("redemption_redemption", "reversal_id", "points_ledgerentry"),
    ("redemption_redemptionline", "redemption_id", "redemption_redemption"),
    ("redemption_redemptionline", "item_id", "redemption_rounditem"),
]
NEW_TARGETS = [
    "redemption_reward",
    "redemption_round",
    "redemption_rounditem",
    "redemption_redemption",
    "points_ledgerentry",
]


class Migration(migrations.Migration):
    dependencies = [
        ("redemption", "0001_initial"),
        ("points", "0004_expiry_entries"),
    ]

    operations = [
        migrations.RunSQL(GUARDS, DROP_GUARDS),
        migrations.RunSQL(*same_community_sql(PAIRS, NEW_TARGETS)),
    ]
