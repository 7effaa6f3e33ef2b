"""Point rules join the audit trail (the trigger function is residents/0005's).

Not the ledger: its entries are insert-only and are themselves the record of who posted
what, when; nor accounts, whose balance moves with every entry."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0004_expiry_entries"),
        ("residents", "0005_audit_triggers"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER points_pointrule_audit AFTER INSERT OR UPDATE OR DELETE "
            "ON points_pointrule FOR EACH ROW EXECUTE FUNCTION passbook_audit();",
            "DROP TRIGGER points_pointrule_audit ON points_pointrule;",
        ),
    ]
