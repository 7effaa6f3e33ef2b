"""Every volunteering row points only at rows of its own community (see residents/0002)."""

from django.db import migrations

from residents.db import same_community_sql

PAIRS = [
    ("volunteering_project", "category_id", "volunteering_projectcategory"),
    ("volunteering_projectclaim", "project_id", "volunteering_project"),
    ("volunteering_projectclaim", "member_id", "residents_member"),
    ("volunteering_team", "leader_id", "residents_member"),
    ("volunteering_teammembership", "team_id", "volunteering_team"),
    ("volunteering_teammembership", "member_id", "residents_member"),
    ("volunteering_activity", "project_id", "volunteering_project"),
    ("volunteering_attendance", "activity_id", "volunteering_activity"),
    ("volunteering_attendance", "member_id", "residents_member"),
]
NEW_TARGETS = [
    "volunteering_projectcategory",
    "volunteering_project",
    "volunteering_team",
    "volunteering_activity",
]


class Migration(migrations.Migration):
    dependencies = [
        ("volunteering", "0001_initial"),
        ("residents", "0002_same_community_foreign_keys"),
    ]

    operations = [migrations.RunSQL(*same_community_sql(PAIRS, NEW_TARGETS))]
