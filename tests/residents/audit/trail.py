"""What the audit trail's tests share: the events of an object, the history's address and
the actor the database session holds."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from residents.models import AuditEvent

LIST_URL = reverse("residents:audit_list")


def events_of(obj, table: str | None = None):
    table = table or obj._meta.db_table
    return list(AuditEvent.objects.filter(table=table, object_id=obj.pk).order_by("pk"))


def history_url(table: str, object_id: int) -> str:
    return reverse("residents:audit_object", args=[table, object_id])


def current_actor_setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('passbook.actor', true)")
        return cursor.fetchone()[0]
