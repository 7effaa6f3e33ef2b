"""An index for the passbook page's quarter and year (bench/: the page must not slow down
as a household's history grows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0005_audit_triggers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["account", "occurred_on"], name="points_entry_account_day"),
        ),
    ]
