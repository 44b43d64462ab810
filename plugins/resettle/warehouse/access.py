"""Who may read which rows of the marts: PostgreSQL roles, grants and row-level security.

The dashboard must not be the only thing standing between a district user and another district's
households, so the scope is enforced by PostgreSQL itself:

* `resettle_reader` may select the marts (never owns them); personal columns (`*_masked`,
  `household_pseudonym`) only through `resettle_household_reader`.
* Scope roles, all NOLOGIN: `resettle_city` (every district, figures only: leader, engineer),
  `resettle_office` (every district and the masked household list) and one `resettle_district_<code>`
  per district (its own rows and its own households), members of the policy group `resettle_district`.
* Every mart gets row-level security with two policies: `city_wide` (all rows, for `resettle_city` and so
  `resettle_office`) and `own_district` (rows whose `district` is the current role's district). Rows
  without a district (a department's submissions and alerts) are city-wide only. `developer_risk` has no
  district: a district sees a developer that has a project in that district in the same month (via
  `access.developer_in_current_district`). A mart with neither column shows districts nothing:
  fail closed, e.g. `unmatched_company_records`, which are department records for the office.
* `resettle_dashboard` is the only LOGIN role: not superuser, not owner, no BYPASSRLS, and no privilege on
  the marts of its own. It is a member of each scope role WITH INHERIT FALSE, SET TRUE, so it can read
  only after `SET LOCAL ROLE <scope>` inside a transaction (see resettle.reporting.dashboard.data).

dbt recreates mart tables on every build (dropping grants and policies), so one PL/pgSQL function,
`access.apply_row_security(regclass)`, re-applies all of the above; the dbt post-hook
(`dbt_project/macros/row_security.sql`) calls it inside the model's own transaction, so a rebuilt table
never becomes visible without its policies; `ensure_roles` calls it for the tables already built.
The function grants nothing on a table it has not secured: a new mart is unreadable until secured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from resettle.domain.config import DISTRICTS, settings

LOGIN_ROLE = "resettle_dashboard"
READER = "resettle_reader"
HOUSEHOLD_READER = "resettle_household_reader"
CITY = "resettle_city"
OFFICE = "resettle_office"
DISTRICT_GROUP = "resettle_district"
DISTRICT_PREFIX = "resettle_district_"
MARTS_SCHEMA = "marts"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

ACCESS_DDL = """
create schema if not exists access;
revoke all on schema access from public;

create table if not exists access.dashboard_user (
    username text primary key check (username ~ '^[a-z0-9][a-z0-9_.-]{1,39}$'),
    role text not null check (role in ('leader', 'office', 'district', 'engineer')),
    district text check (district ~ '^[a-z][a-z0-9_]*$'),
    password_hash text not null,
    disabled boolean not null default false,
    created_at timestamptz not null default now(),
    disabled_at timestamptz,
    check ((role = 'district') = (district is not null))
);
comment on table access.dashboard_user is
    '看板用户 — dashboard users: role, district, scrypt password hash; disabled users cannot log in.';

create table if not exists access.access_log (
    log_id bigserial primary key,
    logged_at timestamptz not null default now(),
    username text not null,
    role text,
    event text not null,
    detail jsonb not null default '{}'
);
create index if not exists access_log_user_idx on access.access_log (username, logged_at);
comment on table access.access_log is
    '访问日志 — log-ins, failed log-ins, household-list views (with their filter) and exports.';
"""

FUNCTIONS_SQL = r"""
create or replace function access.current_district() returns text
language sql stable
as $$
    select case when current_user::text like 'resettle\_district\_%'
                then substr(current_user::text, length('resettle_district_') + 1) end
$$;

-- PL/pgSQL, not SQL: its body is not checked against marts.project_joint_review at creation (the marts
-- may not be built yet) and records no dependency on it, so dbt can drop and recreate that table.
create or replace function access.developer_in_current_district(codes text[], for_period text)
returns boolean
language plpgsql stable
as $$
begin
    return exists (
        select 1 from marts.project_joint_review as p
        where p.period = for_period and p.project_code = any(codes)
          and p.district = access.current_district()
    );
end
$$;

create or replace function access.apply_row_security(target regclass) returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $fn$
declare
    columns_open text;
    has_district boolean;
    has_developer boolean;
    has_personal boolean;
begin
    select
        string_agg(quote_ident(attname), ', ' order by attnum)
            filter (where attname !~ '_masked$' and attname <> 'household_pseudonym'),
        bool_or(attname = 'district'),
        bool_or(attname = 'project_codes') and bool_or(attname = 'period'),
        bool_or(attname ~ '_masked$' or attname = 'household_pseudonym')
    into columns_open, has_district, has_developer, has_personal
    from pg_attribute
    where attrelid = target and attnum > 0 and not attisdropped;

    execute format('alter table %s enable row level security', target);
    execute format('drop policy if exists city_wide on %s', target);
    execute format('drop policy if exists own_district on %s', target);
    execute format('create policy city_wide on %s for select to resettle_city using (true)', target);
    if has_district then
        execute format('create policy own_district on %s for select to resettle_district'
                       ' using (district = access.current_district())', target);
    elsif has_developer then
        execute format('create policy own_district on %s for select to resettle_district'
                       ' using (access.developer_in_current_district(project_codes::text[], period))', target);
    end if;

    execute format('revoke all on %s from resettle_reader, resettle_household_reader', target);
    if has_personal then
        execute format('grant select (%s) on %s to resettle_reader', columns_open, target);
        execute format('grant select on %s to resettle_household_reader', target);
    else
        execute format('grant select on %s to resettle_reader', target);
    end if;
end
$fn$;
comment on function access.apply_row_security(regclass) is
    'Enable row-level security on a mart, (re)create its city_wide and own_district policies and grant '
    'select to resettle_reader (personal columns only to resettle_household_reader). Idempotent; '
    'called by the dbt post-hook after every build.';
"""


def scope_role(role: str, district: str | None) -> str:
    """The NOLOGIN role a dashboard user's queries run as."""
    if role == "district":
        if not district or not _CODE.match(district):
            raise ValueError(f"not a district code: {district!r}")
        return DISTRICT_PREFIX + district
    if role == "office":
        return OFFICE
    if role in ("leader", "engineer"):
        return CITY
    raise ValueError(f"unknown dashboard role: {role!r}")


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677), computed here so the clear password
    never travels to the server or its statement log. The generated password is ASCII, so SASLprep is
    the identity."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return (f"SCRAM-SHA-256${iterations}:{b64(salt)}"
            f"${b64(hashlib.sha256(client_key).digest())}:{b64(server_key)}")


def _password_file() -> Path:
    return settings().home / "dashboard.json"


def login_password() -> str:
    """The dashboard login role's password, generated once and kept (0600) under RESETTLE_HOME."""
    path = _password_file()
    if path.exists():
        return json.loads(path.read_text())["password"]
    password = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"role": LOGIN_ROLE, "password": password}))
    path.chmod(0o600)
    return password


def login_url(admin_url: str) -> str:
    """The warehouse URL with the dashboard login role's credentials instead of the admin's."""
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{LOGIN_ROLE}:{quote(login_password(), safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _districts(conn: psycopg.Connection) -> list[str]:
    """Districts from the config and, when seeded, the `reference.districts` seed (names are data)."""
    found = set(DISTRICTS)
    if conn.execute("select to_regclass('reference.districts')").fetchone()[0]:
        found |= {r[0] for r in conn.execute("select district from reference.districts")}
    bad = sorted(d for d in found if not _CODE.match(d))
    if bad:
        raise ValueError(f"district codes unusable as role names: {bad}")
    return sorted(found)


def _create_role(conn: psycopg.Connection, name: str, login: bool = False) -> None:
    if not conn.execute("select 1 from pg_roles where rolname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("create role {} " + ("login" if login else "nologin")).format(sql.Identifier(name)))
    conn.execute(sql.SQL("alter role {} nosuperuser nocreatedb nocreaterole noreplication nobypassrls "
                         + ("login" if login else "nologin")).format(sql.Identifier(name)))


def _grant_role(conn: psycopg.Connection, role: str, member: str, inherit: bool = True) -> None:
    conn.execute(sql.SQL("grant {} to {} with inherit {}, set {}").format(
        sql.Identifier(role), sql.Identifier(member), sql.SQL("true" if inherit else "false"),
        sql.SQL("true")))


def ensure_roles(admin_conn: psycopg.Connection) -> list[str]:
    """Create the roles, grants, `access` schema and policy function; secure the marts already built.

    Idempotent: run on every deployment and after restoring a warehouse. Commits. Returns the scope roles.
    """
    conn = admin_conn
    for name in (READER, HOUSEHOLD_READER, CITY, OFFICE, DISTRICT_GROUP):
        _create_role(conn, name)
    _grant_role(conn, READER, CITY)
    _grant_role(conn, CITY, OFFICE)
    _grant_role(conn, HOUSEHOLD_READER, OFFICE)
    _grant_role(conn, READER, DISTRICT_GROUP)
    scopes = [CITY, OFFICE]
    for district in _districts(conn):
        role = DISTRICT_PREFIX + district
        _create_role(conn, role)
        _grant_role(conn, DISTRICT_GROUP, role)
        _grant_role(conn, HOUSEHOLD_READER, role)
        scopes.append(role)

    _create_role(conn, LOGIN_ROLE, login=True)
    conn.execute(sql.SQL("alter role {} password {}").format(
        sql.Identifier(LOGIN_ROLE), sql.Literal(scram_verifier(login_password()))))
    for scope in scopes:
        _grant_role(conn, scope, LOGIN_ROLE, inherit=False)

    conn.execute(ACCESS_DDL)
    conn.execute(FUNCTIONS_SQL)
    conn.execute(f"create schema if not exists {MARTS_SCHEMA}")
    conn.execute(f"grant usage on schema {MARTS_SCHEMA}, access to {READER}")
    conn.execute(f"grant usage on schema access to {LOGIN_ROLE}")
    conn.execute(f"grant select on access.dashboard_user to {LOGIN_ROLE}")
    conn.execute(f"grant insert on access.access_log to {LOGIN_ROLE}")
    conn.execute(f"grant select (username, event, logged_at) on access.access_log to {LOGIN_ROLE}")
    conn.execute(f"grant usage on sequence access.access_log_log_id_seq to {LOGIN_ROLE}")
    secure_marts(conn)
    conn.commit()
    return scopes


def secure_marts(conn: psycopg.Connection) -> list[str]:
    """Apply row-level security and grants to every table already in the marts schema."""
    tables = [r[0] for r in conn.execute(
        "select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('r', 'p') order by 1", (MARTS_SCHEMA,))]
    for table in tables:
        conn.execute("select access.apply_row_security(%s::regclass)", (table,))
    return tables
