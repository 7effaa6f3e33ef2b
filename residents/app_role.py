"""The database role the application runs as: it owns nothing and may do only what the
application does (DESIGN.md "Database roles").

Migrations run as the role that owns the schema. The application connects as a second
role, set up by `manage.py setup_app_role NAME`: LOGIN, not a superuser, no CREATEDB,
CREATEROLE, REPLICATION or BYPASSRLS, member of no role, owner of nothing. It gets CONNECT,
USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on the application's tables and USAGE/SELECT
on their sequences — except on the tables an app declares protected here, where it may read,
perhaps insert, and update only the columns named. Never TRUNCATE, REFERENCES or TRIGGER,
never CREATE anywhere, no temporary tables. What the protected tables need beyond that
(moving a balance, writing the audit trail, marking a redemption cancelled) is done by
trigger functions that run as the owner (SECURITY DEFINER with a fixed search_path), so
switching them off or going round them needs the owner's password, not the application's.

Each app declares its own protected tables in its `AppConfig.ready()`:

    protected_tables.register(LedgerEntry)                      # read and append only
    protected_tables.register(Account, update_fields=["updated_at"])   # never the balance
    protected_tables.register(AuditEvent, insert=False)         # read only

so this module never names another app's tables. New tables of a later migration get their
grants when the grants are applied again: by `setup_app_role` (idempotent), or after every
`migrate` when the setting DATABASE_APP_ROLE names the role (the post_migrate receiver below).
Grants are always recomputed from nothing, so a table that becomes protected loses what it
had before.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from psycopg import sql

ORDINARY_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Django's record of applied migrations: runserver and `migrate --check` read it; only the
# owner's `migrate` writes it.
READ_ONLY_TABLES = ("django_migrations",)
ROLE_ATTRIBUTES = ("rolsuper", "rolcreatedb", "rolcreaterole", "rolreplication", "rolbypassrls")


@dataclass(frozen=True)
class Protection:
    """What the application role may do to one protected table: read it, insert into it if
    `insert`, update only `update_columns`; never delete or truncate."""

    table: str
    insert: bool
    update_columns: tuple[str, ...]


class ProtectedTables:
    """The registry of protected tables; apps register their models at start-up."""

    def __init__(self) -> None:
        self._tables: dict[str, Protection] = {}

    def register(
        self,
        model: type[models.Model],
        *,
        insert: bool = True,
        update_fields: Iterable[str] = (),
    ) -> None:
        columns = tuple(model._meta.get_field(name).column for name in update_fields)
        table = model._meta.db_table
        self._tables[table] = Protection(table, insert, columns)

    def get(self, table: str) -> Protection | None:
        return self._tables.get(table)

    def __iter__(self) -> Iterator[Protection]:
        return iter(sorted(self._tables.values(), key=lambda p: p.table))


protected_tables = ProtectedTables()


class AppRoleError(Exception):
    """The role cannot be set up as asked (a name taken by an owner, missing rights…)."""


@dataclass
class AppRoleReport:
    name: str
    created: bool
    password: str | None  # a password generated for a new role, shown once
    tables: int
    protected: int
    sequences: int


def setup_app_role(
    *, name: str, password: str | None = None, using: str = DEFAULT_DB_ALIAS
) -> AppRoleReport:
    """Create or update the login role `name` for the application, with exactly the
    privileges it needs in this database. Run it as the owner of the tables (the role that
    runs `migrate`), which needs CREATEROLE. Idempotent: a second run changes nothing
    unless the tables, the protections or `password` changed. A new role without a
    password gets a random one (returned in the report); an existing role keeps its own."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid, " + ", ".join(ROLE_ATTRIBUTES) + ", rolcanlogin FROM pg_roles "
            "WHERE rolname = %s",
            [name],
        )
        existing = cursor.fetchone()
        cursor.execute("SELECT current_user")
        (me,) = cursor.fetchone()
        if name == me:
            raise AppRoleError(f"“{name}”是正在运行本命令的角色（表的所有者），请另取一个名字。")
        if existing is not None:
            oid, is_superuser, *_ = existing
            if is_superuser:
                raise AppRoleError(f"角色“{name}”是超级用户，不能用作应用的角色，请另取一个名字。")
            cursor.execute(
                "SELECT count(*) FROM pg_shdepend WHERE refobjid = %s AND deptype = 'o'", [oid]
            )
            if cursor.fetchone()[0]:
                raise AppRoleError(
                    f"角色“{name}”拥有数据库对象（表、函数或数据库），不能用作应用的角色。"
                )
        generated = None
        if existing is None and password is None:
            password = generated = secrets.token_urlsafe(24)
        role = sql.Identifier(name)
        if existing is None:
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            cursor.execute(sql.SQL("CREATE ROLE {} " + attributes).format(role))
        else:
            # Only what differs: PostgreSQL 15 lets a CREATEROLE owner (not a superuser)
            # name NOSUPERUSER, NOREPLICATION or NOBYPASSRLS only when they change.
            _oid, _super, *others, can_login = existing
            changes = [] if can_login else ["LOGIN"]
            changes += [
                "NO" + attribute[3:].upper()
                for attribute, on in zip(ROLE_ATTRIBUTES[1:], others, strict=True)
                if on
            ]
            if changes:
                cursor.execute(sql.SQL("ALTER ROLE {} " + " ".join(changes)).format(role))
        if password is not None:
            cursor.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    role, sql.Literal(_encrypted(connection, name, password))
                )
            )
        # Whatever it was granted before, it inherits no other role's rights.
        cursor.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %s)",
            [name],
        )
        for (granted,) in cursor.fetchall():
            cursor.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(granted), role))
        _close_public_doors(cursor)
        counts = _grant(cursor, name)
        problems = app_role_problems(name=name, using=using)
        if problems:
            raise AppRoleError("角色“{}”权限过多：{}。".format(name, "；".join(problems)))
    return AppRoleReport(name, existing is None, generated, *counts)


def grant_app_role(*, name: str, using: str = DEFAULT_DB_ALIAS) -> tuple[int, int, int]:
    """Apply the privileges again (after new migrations): (tables, protected, sequences)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names the role “{name}”, which does not exist: "
                f"run `manage.py setup_app_role {name}` first."
            )
        return _grant(cursor, name)


def _encrypted(connection, name: str, password: str) -> str:
    """The password as the server's own hash (SCRAM), so the clear text never reaches the
    server and its logs."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    return pgconn.encrypt_password(password.encode(), name.encode()).decode()


def _close_public_doors(cursor) -> None:
    """What PUBLIC (every role) may do in this database by default but the application
    never does: temporary tables (a temporary table's trigger is how the old guards were
    got round) and creating objects in the schema (PostgreSQL 14 and older allowed it)."""
    cursor.execute("SELECT current_database(), current_schema()")
    database, schema = cursor.fetchone()
    cursor.execute(
        sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
    )
    cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(schema)))


def _tables(cursor) -> list[str]:
    """The application's tables (every installed model's, and Django's own) that exist in
    the schema, by name."""
    connection = cursor.db
    wanted = set(connection.introspection.django_table_names(only_existing=True))
    wanted.update(READ_ONLY_TABLES)
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s) ORDER BY c.relname",
        [sorted(wanted)],
    )
    return [row[0] for row in cursor.fetchall()]


def _grant(cursor, name: str) -> tuple[int, int, int]:
    role = sql.Identifier(name)
    cursor.execute("SELECT current_database(), current_schema()")
    database, schema = cursor.fetchone()
    schema_id = sql.Identifier(schema)
    # From nothing, so a table that became protected loses what it had.
    for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
        cursor.execute(
            sql.SQL("REVOKE ALL ON ALL {} IN SCHEMA {} FROM {}").format(
                sql.SQL(kind), schema_id, role
            )
        )
    cursor.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(schema_id, role))
    cursor.execute(
        sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(sql.Identifier(database), role)
    )
    cursor.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role)
    )
    cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, role))

    tables = _tables(cursor)
    inserting = []
    protected = 0
    for table in tables:
        target = sql.Identifier(schema, table)
        if table in READ_ONLY_TABLES:
            protection = Protection(table, insert=False, update_columns=())
        else:
            protection = protected_tables.get(table)
        if protection is None:
            privileges = sql.SQL(", ").join(map(sql.SQL, ORDINARY_PRIVILEGES))
            inserting.append(table)
        else:
            protected += 1
            privileges = sql.SQL("SELECT, INSERT" if protection.insert else "SELECT")
            if protection.insert:
                inserting.append(table)
            if protection.update_columns:
                columns = sql.SQL(", ").join(map(sql.Identifier, protection.update_columns))
                cursor.execute(
                    sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(columns, target, role)
                )
        cursor.execute(sql.SQL("GRANT {} ON {} TO {}").format(privileges, target, role))

    # The sequences behind the id columns of the tables it inserts into.
    cursor.execute(
        "SELECT DISTINCT s.relname FROM pg_depend d "
        "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass "
        "AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
        "ORDER BY 1",
        [inserting],
    )
    sequences = [row[0] for row in cursor.fetchall()]
    for sequence in sequences:
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(
                sql.Identifier(schema, sequence), role
            )
        )

    # Functions that run as the owner are for the owner's triggers: nobody else may call
    # them, or attach them to a table of their own. (The migrations that make them revoke
    # this too; here it also covers one that forgot.)
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "WHERE p.pronamespace = current_schema()::regnamespace AND p.prosecdef "
        "AND pg_has_role(current_user, p.proowner, 'USAGE')"
    )
    for (function,) in cursor.fetchall():
        cursor.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
    # A role that does not own the tables is answered with a warning, not an error, when it
    # grants on them: check that the grants took.
    cursor.execute(
        "SELECT t FROM unnest(%s::text[]) AS t WHERE NOT has_table_privilege(%s, t, 'SELECT') "
        "OR (t = ANY(%s) AND NOT has_table_privilege(%s, t, 'INSERT')) ORDER BY 1",
        [tables, name, inserting, name],
    )
    missing = [row[0] for row in cursor.fetchall()]
    if missing:
        raise AppRoleError(
            f"没能给角色“{name}”授权（{', '.join(missing[:3])} …）：请用表的所有者"
            "（执行 migrate 的角色）运行。"
        )
    return len(tables), protected, len(sequences)


def app_role_problems(*, name: str, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Every way the role has more than the application needs, in words; empty when it is
    as it should be. Checked at the end of setup_app_role (and by the tests)."""
    problems = []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT oid, rolcanlogin, " + ", ".join(ROLE_ATTRIBUTES) + " FROM pg_roles "
            "WHERE rolname = %s",
            [name],
        )
        row = cursor.fetchone()
        if row is None:
            return [f"角色“{name}”不存在"]
        oid, can_login, *attributes = row
        if not can_login:
            problems.append("不能登录")
        problems += [
            f"有 {a[3:].upper()} 属性"
            for a, on in zip(ROLE_ATTRIBUTES, attributes, strict=True)
            if on
        ]
        cursor.execute(
            "SELECT count(*) FROM pg_shdepend WHERE refobjid = %s AND deptype = 'o'", [oid]
        )
        if cursor.fetchone()[0]:
            problems.append("拥有数据库对象")
        cursor.execute("SELECT count(*) FROM pg_auth_members WHERE member = %s", [oid])
        if cursor.fetchone()[0]:
            problems.append("是其他角色的成员")
        cursor.execute(
            "SELECT has_database_privilege(%(r)s, current_database(), 'CREATE'), "
            "has_database_privilege(%(r)s, current_database(), 'TEMPORARY'), "
            "has_schema_privilege(%(r)s, current_schema(), 'CREATE')",
            {"r": name},
        )
        create_schema, temporary, create_here = cursor.fetchone()
        if create_schema:
            problems.append("可以在数据库里建模式")
        if temporary:
            problems.append(
                "可以建临时表（REVOKE TEMPORARY ON DATABASE … FROM PUBLIC 需要数据库所有者来做）"
            )
        if create_here:
            problems.append(
                "可以在模式里建对象（REVOKE CREATE ON SCHEMA … FROM PUBLIC 需要模式所有者来做）"
            )
        cursor.execute(
            "SELECT c.relname, p.privilege FROM pg_class c "
            "CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege) "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
            "AND has_table_privilege(%s, c.oid, p.privilege) ORDER BY 1, 2",
            [name],
        )
        problems += [f"对 {table} 有 {privilege} 权限" for table, privilege in cursor.fetchall()]
        for protection in protected_tables:
            cursor.execute(
                "SELECT has_table_privilege(%(r)s, %(t)s, 'DELETE'), "
                "has_table_privilege(%(r)s, %(t)s, 'INSERT'), "
                "array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %(t)s::regclass "
                "AND a.attnum > 0 AND NOT a.attisdropped "
                "AND has_column_privilege(%(r)s, a.attrelid, a.attnum, 'UPDATE') ORDER BY 1)",
                {"r": name, "t": sql.Identifier(protection.table).as_string(cursor.connection)},
            )
            delete, insert, updatable = cursor.fetchone()
            if delete:
                problems.append(f"可以删除 {protection.table} 的行")
            if insert and not protection.insert:
                problems.append(f"可以向 {protection.table} 插入行")
            extra = sorted(set(updatable) - set(protection.update_columns))
            if extra:
                problems.append(f"可以修改 {protection.table} 的 {', '.join(extra)}")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.prosecdef "
            "AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1",
            [name],
        )
        problems += [f"可以调用以所有者身份运行的函数 {f}" for (f,) in cursor.fetchall()]
    return problems


def grant_after_migrate(sender, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver: new tables get their grants as soon as `migrate` made them,
    when DATABASE_APP_ROLE names the application's role. Only after a real migrate (which
    passes a plan), not after `flush`."""
    name = getattr(settings, "DATABASE_APP_ROLE", "")
    if name and "plan" in kwargs and using == DEFAULT_DB_ALIAS:
        grant_app_role(name=name, using=using)
