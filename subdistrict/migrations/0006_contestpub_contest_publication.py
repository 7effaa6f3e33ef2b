"""The star contest's result goes through 公示 as a community's standings do: published for
N days (published_on..ends_on), objections recorded (ContestObjection), then final and
frozen. The triggers of 0005 froze a contest once published; now a contest under 公示 may
only become final (nothing else of it changes), its entries are as published from then on,
and its objections change only while it is under 公示. A result published before this
migration was final at once: it becomes 'final', its 公示 the day it was published."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TRIGGERS = """
DROP TRIGGER subdistrict_starentry_frozen ON subdistrict_starentry;
DROP FUNCTION subdistrict_starentry_frozen();
DROP TRIGGER subdistrict_starcontest_frozen ON subdistrict_starcontest;
DROP FUNCTION subdistrict_starcontest_frozen();
"""

PUBLISHED_WAS_FINAL = """
UPDATE subdistrict_starcontest
   SET status = 'final',
       published_on = (published_at AT TIME ZONE 'Asia/Shanghai')::date,
       ends_on = (published_at AT TIME ZONE 'Asia/Shanghai')::date,
       finalized_at = published_at,
       finalized_by_id = published_by_id
 WHERE status = 'published';
"""

FROZEN = """
CREATE FUNCTION subdistrict_starcontest_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'contest % is final and cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'published' AND (TG_OP = 'DELETE' OR NEW.status <> 'final'
        OR (to_jsonb(NEW) - 'status' - 'finalized_by_id' - 'finalized_at')
           IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'finalized_by_id' - 'finalized_at')) THEN
        RAISE EXCEPTION 'contest % is under publication: it can only become final', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subdistrict_starcontest_frozen BEFORE UPDATE OR DELETE
    ON subdistrict_starcontest FOR EACH ROW EXECUTE FUNCTION subdistrict_starcontest_frozen();

CREATE FUNCTION subdistrict_starentry_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    contests bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        contests := ARRAY[NEW.contest_id];
    ELSIF TG_OP = 'UPDATE' THEN
        contests := ARRAY[NEW.contest_id, OLD.contest_id];
    ELSE
        contests := ARRAY[OLD.contest_id];
    END IF;
    -- FOR SHARE waits for a contest being published in another transaction.
    PERFORM 1 FROM subdistrict_starcontest
        WHERE id = ANY (contests) AND status <> 'open' FOR SHARE;
    IF FOUND THEN
        RAISE EXCEPTION 'the contest is published: its entries cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subdistrict_starentry_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON subdistrict_starentry FOR EACH ROW EXECUTE FUNCTION subdistrict_starentry_frozen();

CREATE FUNCTION subdistrict_contestobjection_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    contests bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        contests := ARRAY[NEW.contest_id];
    ELSIF TG_OP = 'UPDATE' THEN
        contests := ARRAY[NEW.contest_id, OLD.contest_id];
    ELSE
        contests := ARRAY[OLD.contest_id];
    END IF;
    -- FOR SHARE waits for a contest being made final in another transaction.
    PERFORM 1 FROM subdistrict_starcontest
        WHERE id = ANY (contests) AND status <> 'published' FOR SHARE;
    IF FOUND THEN
        RAISE EXCEPTION 'objections change only while the contest is under publication'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subdistrict_contestobjection_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON subdistrict_contestobjection FOR EACH ROW
    EXECUTE FUNCTION subdistrict_contestobjection_frozen();
"""
UNFROZEN = """
DROP TRIGGER subdistrict_contestobjection_frozen ON subdistrict_contestobjection;
DROP FUNCTION subdistrict_contestobjection_frozen();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0012_merge_phone_reveals'),
        ('subdistrict', '0005_contest_frozen'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(OLD_TRIGGERS, migrations.RunSQL.noop),
        migrations.CreateModel(
            name='ContestObjection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('raised_by', models.CharField(max_length=50, verbose_name='提出人')),
                ('raised_on', models.DateField(verbose_name='提出日期')),
                ('content', models.TextField(max_length=1000, verbose_name='异议内容')),
                ('decision', models.TextField(blank=True, max_length=1000, verbose_name='处理结果')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
            ],
            options={
                'verbose_name': '评选结果异议',
                'verbose_name_plural': '评选结果异议',
                'ordering': ['raised_on', 'id'],
                'abstract': False,
            },
        ),
        migrations.RemoveConstraint(
            model_name='starcontest',
            name='subdistrict_starcontest_published_has_time',
        ),
        migrations.AddField(
            model_name='starcontest',
            name='ends_on',
            field=models.DateField(blank=True, null=True, verbose_name='公示截止'),
        ),
        migrations.AddField(
            model_name='starcontest',
            name='finalized_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='定稿时间'),
        ),
        migrations.AddField(
            model_name='starcontest',
            name='finalized_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='定稿人'),
        ),
        migrations.AddField(
            model_name='starcontest',
            name='published_on',
            field=models.DateField(blank=True, null=True, verbose_name='公示开始'),
        ),
        migrations.AlterField(
            model_name='starcontest',
            name='status',
            field=models.CharField(choices=[('open', '接受申报'), ('published', '公示中'), ('final', '已定稿')], default='open', max_length=10, verbose_name='状态'),
        ),
        migrations.RunSQL(PUBLISHED_WAS_FINAL, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='starcontest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('finalized_at__isnull', True), ('published_at__isnull', True), ('status', 'open')), models.Q(('ends_on__gte', models.F('published_on')), ('finalized_at__isnull', True), ('published_at__isnull', False), ('published_on__isnull', False), ('status', 'published')), models.Q(('ends_on__gte', models.F('published_on')), ('finalized_at__isnull', False), ('published_at__isnull', False), ('published_on__isnull', False), ('status', 'final')), _connector='OR'), name='subdistrict_starcontest_publication_dates'),
        ),
        migrations.AddField(
            model_name='contestobjection',
            name='contest',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='subdistrict.starcontest', verbose_name='评选'),
        ),
        migrations.AddField(
            model_name='contestobjection',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处理人'),
        ),
        migrations.AddField(
            model_name='contestobjection',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人'),
        ),
        migrations.RunSQL(FROZEN, UNFROZEN + OLD_TRIGGERS),
    ]
