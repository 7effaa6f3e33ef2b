"""The reward catalogue, rounds and their items join the audit trail (the trigger
function is residents/0005's).

Not redemptions and their lines: they are records of their own (who, when, a receipt, a
ledger entry) and are cancelled, never edited. For the same reason the counters that every
redemption moves are left out of the trail — a round's spent_yuan and receipt_serial, an
item's taken — so the counter's busy days do not bury the staff's real changes."""

from django.db import migrations

# (table, further columns left out of the trail)
TABLES = [
    ("redemption_reward", ""),
    ("redemption_round", "spent_yuan,receipt_serial"),
    ("redemption_rounditem", "taken"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("redemption", "0002_guards"),
        ("residents", "0005_audit_triggers"),
    ]

    operations = [
        migrations.RunSQL(
            "\n".join(
                f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION passbook_audit('{ignored}');"
                for table, ignored in TABLES
            ),
            "\n".join(f"DROP TRIGGER {table}_audit ON {table};" for table, _ in TABLES),
        ),
    ]
