"""The sub-district (街道) above its communities: `Community.subdistrict` was a name typed in
(text); it becomes a foreign key to a SubDistrict, one per distinct name, made from the
names already there. Going back writes the names back."""

import django.db.models.deletion
from django.db import migrations, models


def names_to_subdistricts(apps, schema_editor):
    Community = apps.get_model("residents", "Community")
    SubDistrict = apps.get_model("residents", "SubDistrict")
    for community in Community.objects.exclude(subdistrict_name=""):
        name = community.subdistrict_name.strip()
        if name:
            community.subdistrict = SubDistrict.objects.get_or_create(name=name)[0]
            community.save(update_fields=["subdistrict"])


def subdistricts_to_names(apps, schema_editor):
    Community = apps.get_model("residents", "Community")
    for community in Community.objects.exclude(subdistrict=None).select_related("subdistrict"):
        community.subdistrict_name = community.subdistrict.name
        community.save(update_fields=["subdistrict_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0009_sign_in_records_leave"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubDistrict",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="名称")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
            ],
            options={
                "verbose_name": "街道",
                "verbose_name_plural": "街道",
                "ordering": ["name"],
            },
        ),
        migrations.RenameField("community", "subdistrict", "subdistrict_name"),
        migrations.AddField(
            model_name="community",
            name="subdistrict",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="communities",
                to="residents.subdistrict",
                verbose_name="所属街道",
            ),
        ),
        migrations.RunPython(names_to_subdistricts, subdistricts_to_names),
        migrations.RemoveField("community", "subdistrict_name"),
    ]
