"""LoginAttempt and UserSession are the accounts app's now (accounts/0001 takes them over,
tables and all): only Django's record of them leaves residents; the database keeps them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("residents", "0008_login_attempts_by_axes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="LoginAttempt"),
                migrations.DeleteModel(name="UserSession"),
            ],
            database_operations=[],
        ),
    ]
