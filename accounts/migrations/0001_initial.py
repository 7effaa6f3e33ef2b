"""Staff sign-in records move from residents to accounts, tables and all: UserSession keeps
its table (residents_usersession, made by residents/0006) and LoginAttempt is a proxy of
django-axes' table (residents/0008). Only Django's idea of which app holds them changes
(here and in residents/0009); the database is left as it is, but for the content types,
which follow the models so that permissions given on them stay given."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

MOVED = ["loginattempt", "usersession"]


def content_types_to(app_label: str, other: str):
    def move(apps, schema_editor) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=other, model__in=MOVED).update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("residents", "0008_login_attempts_by_axes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LoginAttempt",
                    fields=[],
                    options={
                        "verbose_name": "登录失败记录",
                        "verbose_name_plural": "登录失败记录",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("axes.accessattempt",),
                ),
                migrations.CreateModel(
                    name="UserSession",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("session_key", models.CharField(max_length=40, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(
                                db_default=django.db.models.functions.datetime.Now()
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "登录会话",
                        "verbose_name_plural": "登录会话",
                        "db_table": "residents_usersession",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_to("accounts", "residents"), content_types_to("residents", "accounts")
        ),
    ]
