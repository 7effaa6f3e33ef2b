"""Staff accounts managed by a community's admin: every action on an account is a row of
AccountEvent, insert-only, and copied into the audit trail by passbook_audit() (residents
0005/0007), which reads its community_id."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('residents', '0009_sign_in_records_leave'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('created', '添加账号'), ('password_reset', '重设密码'), ('password_changed', '本人修改密码'), ('deactivated', '停用账号'), ('reactivated', '恢复账号')], max_length=20, verbose_name='操作')),
                ('at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='时间')),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.community', verbose_name='居民区')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='账号')),
            ],
            options={
                'verbose_name': '账号操作',
                'verbose_name_plural': '账号操作',
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['community', 'user', '-at'], name='accounts_event_user')],
            },
        ),
        migrations.RunSQL(
            "CREATE TRIGGER accounts_accountevent_audit AFTER INSERT OR UPDATE OR DELETE "
            "ON accounts_accountevent FOR EACH ROW EXECUTE FUNCTION passbook_audit();",
            "DROP TRIGGER accounts_accountevent_audit ON accounts_accountevent;",
        ),
    ]
