"""The application's database role in tests: created in the test database by the real
`setup_app_role`, under a name of its own, and dropped afterwards; connections as that
role (and as the owner) on the same server the tests use, whether it listens on a TCP
port or on a Unix socket (the embedded server)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection

from config.database import libpq_url
from residents.app_role import setup_app_role


def connection_params(*, user: str | None = None, password: str | None = None) -> dict:
    """Keyword arguments for psycopg.connect to the test database: as the tests' own user,
    or as `user`."""
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in {"cursor_factory", "context", "prepare_threshold"}
    }
    if user is not None:
        params["user"] = user
        params.pop("password", None)
        if password is not None:
            params["password"] = password
    return params


def database_url(*, user: str, password: str) -> str:
    """DATABASE_URL for the test database as `user` (config.database builds it, socket
    folder included)."""
    return libpq_url(user=user, password=password)


def connect(**params) -> psycopg.Connection:
    conn = psycopg.connect(**params, autocommit=True)
    # A refused statement must fail, never wait on a lock the test itself holds.
    conn.execute("SET lock_timeout = '5s'")
    return conn


@contextmanager
def app_role() -> Iterator[tuple[str, str]]:
    """A new application role (name, password) in the test database, made by
    setup_app_role; dropped with everything granted to it on leaving."""
    name = f"approle_test_{uuid.uuid4().hex[:10]}"
    password = secrets.token_urlsafe(16)
    try:
        setup_app_role(name=name, password=password)
        yield name, password
    finally:
        with connect(**connection_params()) as owner:
            exists = owner.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if exists.fetchone():
                role = psycopg.sql.Identifier(name)
                owner.execute(psycopg.sql.SQL("DROP OWNED BY {}").format(role))
                owner.execute(psycopg.sql.SQL("DROP ROLE {}").format(role))
