"""config.database.libpq_url: one URL for pg_dump, psycopg and a child process's
DATABASE_URL, whether Django keeps the host in HOST or, as for the embedded server's Unix
socket, in OPTIONS."""

import environ
import pytest
from django.db import connection
from psycopg.conninfo import conninfo_to_dict

from config.database import libpq_url


def settings_from(url: str) -> dict:
    return environ.Env.db_url_config(url)


def test_a_socket_folder_kept_in_options_is_the_host_not_localhost():
    embedded = settings_from("postgresql://postgres:@/passbook?host=/home/ann/my%20app/.pgdata")
    assert embedded["HOST"] == ""

    url = libpq_url(embedded)

    assert conninfo_to_dict(url) == {
        "user": "postgres",
        "dbname": "passbook",
        "host": "/home/ann/my app/.pgdata",
    }
    again = settings_from(url)  # what a child process given DATABASE_URL=url connects to
    assert (again["NAME"], again["USER"], again["OPTIONS"]) == (
        "passbook",
        "postgres",
        {"host": "/home/ann/my app/.pgdata"},
    )


def test_a_server_address_password_and_options_survive_the_round_trip():
    url = libpq_url(
        settings_from("postgres://app:p%40ss%2Fw@db.internal:5433/passbook?sslmode=require")
    )

    assert conninfo_to_dict(url) == {
        "user": "app",
        "password": "p@ss/w",
        "host": "db.internal",
        "port": "5433",
        "dbname": "passbook",
        "sslmode": "require",
    }
    again = settings_from(url)
    assert (again["HOST"], again["PORT"], again["PASSWORD"]) == ("db.internal", 5433, "p@ss/w")


def test_another_database_or_role_on_the_same_server_never_gets_the_owners_password():
    owner = settings_from("postgres://owner:secret@/passbook?host=/run/pg")

    assert conninfo_to_dict(libpq_url(owner, database="postgres")) == {
        "user": "owner",
        "password": "secret",
        "dbname": "postgres",
        "host": "/run/pg",
    }
    assert conninfo_to_dict(libpq_url(owner, user="passbook_app")) == {
        "user": "passbook_app",
        "dbname": "passbook",
        "host": "/run/pg",
    }
    assert "password=" not in libpq_url(owner, user="passbook_app", password="")
    assert conninfo_to_dict(libpq_url(owner, user="passbook_app", password="x y"))["password"] == (
        "x y"
    )


@pytest.mark.django_db
def test_by_default_it_is_the_database_this_process_uses():
    import psycopg

    with psycopg.connect(libpq_url()) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert name == connection.settings_dict["NAME"]
