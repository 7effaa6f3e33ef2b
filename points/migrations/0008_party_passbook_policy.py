"""Whether a community lets party members' base points (dues, meetings) into household
passbooks (off by default); the setting joins the audit trail (residents/0005's trigger)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('points', '0007_guards_run_as_owner'),
        ('residents', '0010_party_nonresident_members'),
        ('residents', '0005_audit_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='PassbookPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('base_points_to_passbook', models.BooleanField(default=False, verbose_name='基础分也计入家庭存折')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('community', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='passbook_policy', to='residents.community')),
            ],
            options={
                'verbose_name': '存折记分设置',
                'verbose_name_plural': '存折记分设置',
            },
        ),
        migrations.RunSQL(
            "CREATE TRIGGER points_passbookpolicy_audit AFTER INSERT OR UPDATE OR DELETE "
            "ON points_passbookpolicy FOR EACH ROW EXECUTE FUNCTION passbook_audit();",
            "DROP TRIGGER points_passbookpolicy_audit ON points_passbookpolicy;",
        ),
    ]
