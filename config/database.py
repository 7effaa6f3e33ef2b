"""The one place that turns Django's database settings into a libpq connection URL.

Everything that talks to PostgreSQL outside Django's own connection takes its address from
here: pg_dump and pg_restore, a second psycopg connection, a gunicorn or manage.py child
process (as its DATABASE_URL). Django's settings may keep the host in OPTIONS rather than
HOST — the embedded server (config/embedded_db.py) listens only on a Unix socket in
`.pgdata/`, given as `?host=/…/.pgdata` — and a URL rebuilt from HOST alone then goes to
localhost:5432: another server, or nothing at all.

The URL works for libpq (psql, pg_dump, psycopg) and for django-environ alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

# OPTIONS that Django's PostgreSQL backend consumes itself; libpq does not know them.
_DJANGO_ONLY_OPTIONS = {
    "assume_role",
    "context",
    "cursor_factory",
    "isolation_level",
    "pool",
    "prepare_threshold",
    "server_side_binding",
}


def libpq_url(
    settings_dict: Mapping[str, Any] | None = None,
    *,
    database: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> str:
    """A `postgresql://` URL for the database Django uses, or for another database on the
    same server (`database`), or as another role (`user`, with its own `password`: the
    settings' password is never handed to another role).

    `settings_dict` defaults to the default connection's, which during tests names the
    test database. HOST and PORT win over OPTIONS, as in Django's backend."""
    if settings_dict is None:
        from django.db import connection

        settings_dict = connection.settings_dict
    options = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if key not in _DJANGO_ONLY_OPTIONS and isinstance(value, str | int)
    }
    host = str(settings_dict.get("HOST") or options.pop("host", "") or "")
    port = str(settings_dict.get("PORT") or options.pop("port", "") or "")
    options.pop("host", None)
    options.pop("port", None)
    name = database or settings_dict.get("NAME") or options.pop("dbname", "") or "postgres"
    options.pop("dbname", None)
    if user is None:
        user = settings_dict.get("USER") or options.get("user") or ""
        password = settings_dict.get("PASSWORD") or options.get("password") or ""
    options.pop("user", None)
    options.pop("password", None)

    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    if credentials:
        credentials += "@"
    query: dict[str, Any] = {}
    if host.startswith("/"):  # a Unix socket folder: only the query form reads it back
        authority = ""
        query["host"] = host
        if port:
            query["port"] = port
    else:
        authority = f"[{host}]" if ":" in host else host
        if port:
            authority += f":{port}"
    query.update(options)
    url = f"postgresql://{credentials}{authority}/{quote(name, safe='')}"
    if query:
        url += "?" + urlencode(query, safe="/", quote_via=quote)  # %20, never +: libpq
    return url
