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
* `resettle_dashboard` is the log-in role: not superuser, not owner, no BYPASSRLS, no TEMP, no membership
  in any scope and no privilege on any table. It may only call `access.login_salt` and `access.log_in`
  (SECURITY DEFINER): the function compares the scrypt digest the app computed, logs the attempt itself,
  locks out a name *from one address* for a cool-down after repeated failures, and hands out a session
  token. It never reads a password hash.
* One LOGIN role per scope, `resettle_login_<scope without prefix>` (e.g. `resettle_login_district_xingan`),
  a member of that scope alone (INHERIT TRUE, SET FALSE): a district's connection cannot switch to another
  scope, since it is a member of no other. Its only writes: `access.log_event(token, event, detail)`, which
  takes the user from the session token and the time from the server. Passwords of these roles are
  generated once and kept (0600) under RESETTLE_HOME.
* Row-level security is FORCEd: the tables' owner is subject to it too (through an `owner_all` policy, so
  dbt can still read what it builds), and nobody else bypasses it.

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

from resettle.domain.config import DISTRICTS, ConfigError, secret, settings

LOGIN_ROLE = "resettle_dashboard"
READER = "resettle_reader"
HOUSEHOLD_READER = "resettle_household_reader"
CITY = "resettle_city"
OFFICE = "resettle_office"
DISTRICT_GROUP = "resettle_district"
DISTRICT_PREFIX = "resettle_district_"
MARTS_SCHEMA = "marts"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

FUNCTIONS_SQL = r"""
-- The district of the scope the current role reads as: the district scope role itself (a session that
-- SET ROLE to it) or the one district scope its per-scope login role is a member of.
create or replace function access.current_district() returns text
language sql stable
as $$
    select substr(r.rolname, length('resettle_district_') + 1)
    from pg_roles as r
    where r.rolname like 'resettle\_district\_%' and pg_has_role(current_user, r.oid, 'USAGE')
    order by r.rolname
    limit 1
$$;

create or replace function access.login_salt(p_username text) returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        (select array_to_string((string_to_array(password_hash, '$'))[1:5], '$')
         from access.dashboard_user where username = p_username),
        'scrypt$16384$8$1$' || md5((select value from access.secret where name = 'unknown_salt') || p_username))
$$;
comment on function access.login_salt(text) is
    'The scrypt parameters and salt of a user (a stable made-up salt for an unknown name, so names cannot be '
    'probed); never the digest.';

create or replace function access.log_in(p_username text, p_digest text, p_address text,
                                         p_max_failures integer, p_cooldown_minutes integer)
returns table (role text, district text, token text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    found_user record;
    failures integer;
    matches boolean;
    event text;
    new_token text;
begin
    select u.role, u.district, u.password_hash, u.disabled into found_user
    from access.dashboard_user as u where u.username = p_username;
    select count(*) into failures from access.access_log as l
    where l.username = p_username and l.detail ->> 'address' is not distinct from p_address
      and l.event in ('login_failed', 'login_locked')
      and l.logged_at > now() - make_interval(mins => p_cooldown_minutes);
    matches := found_user.password_hash is not null
        and sha256(convert_to(split_part(found_user.password_hash, '$', 6), 'UTF8'))
            = sha256(convert_to(coalesce(p_digest, ''), 'UTF8'));
    event := case when failures >= p_max_failures then 'login_locked'
                  when matches and not found_user.disabled then 'login' else 'login_failed' end;
    insert into access.access_log (username, role, event, detail)
    values (left(p_username, 64), found_user.role, event,
            jsonb_strip_nulls(jsonb_build_object('address', p_address,
                'disabled', case when found_user.disabled and event <> 'login' then true end)));
    if event = 'login' then
        new_token := replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
        delete from access.dashboard_session where expires_at < now();
        insert into access.dashboard_session (token_hash, username, expires_at)
        values (encode(sha256(convert_to(new_token, 'UTF8')), 'hex'), p_username, now() + interval '12 hours');
        return query select found_user.role, found_user.district, new_token;
    end if;
end
$$;
comment on function access.log_in(text, text, text, integer, integer) is
    'Check a log-in (the scrypt digest of the password under access.login_salt), log it, lock a name out from '
    'one address for a cool-down after repeated failures, and return the role and a session token.';

create or replace function access.log_event(p_token text, p_event text, p_detail jsonb) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    who record;
begin
    if p_event in ('login', 'login_failed', 'login_locked') then
        raise exception 'log-in events are written by access.log_in only';
    end if;
    select s.username, u.role into who
    from access.dashboard_session as s join access.dashboard_user as u using (username)
    where s.token_hash = encode(sha256(convert_to(coalesce(p_token, ''), 'UTF8')), 'hex')
      and s.expires_at > now() and not u.disabled;
    if not found then
        raise exception 'no valid dashboard session' using errcode = '28000';
    end if;
    insert into access.access_log (username, role, event, detail)
    values (who.username, who.role, p_event, coalesce(p_detail, '{}'::jsonb));
end
$$;
comment on function access.log_event(text, text, jsonb) is
    'Write one access-log row for the user of a session token, at the server''s time.';

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
    execute format('alter table %s force row level security', target);
    execute format('drop policy if exists owner_all on %s', target);
    execute format('drop policy if exists city_wide on %s', target);
    execute format('drop policy if exists own_district on %s', target);
    execute format('create policy owner_all on %s to %I using (true) with check (true)', target,
                   (select pg_get_userbyid(relowner) from pg_class where oid = target));
    execute format('create policy city_wide on %s for select to resettle_city using (true)', target);
    if has_district then
        execute format('create policy own_district on %s for select to resettle_district'
                       ' using (district = (select access.current_district()))', target);
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
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(hashlib.sha256(client_key).digest())}:{b64(server_key)}"


def _password_file() -> Path:
    return settings().home / "dashboard.json"


PASSWORD_ENV = "RESETTLE_DASHBOARD_PASSWORD"
"""In a deployment, the one dashboard secret: the log-in role's password, from which each scope's login role
password is derived (HMAC-SHA256), so the set-up and the dashboard containers compute the same ones."""


def _configured_password() -> str | None:
    configured = secret(PASSWORD_ENV)
    if configured and (not configured.isascii() or len(configured) < 12):
        raise ConfigError(f"{PASSWORD_ENV}: use at least 12 ASCII characters (e.g. `openssl rand -hex 24`)")
    return configured


def _passwords() -> dict:
    """The login roles' passwords: {"role", "password", "scopes": {scope: password}}, generated once and kept
    (0600, written atomically) under RESETTLE_HOME."""
    path = _password_file()
    data = json.loads(path.read_text()) if path.exists() else {}
    changed = not data
    data.setdefault("role", LOGIN_ROLE)
    data.setdefault("password", secrets.token_urlsafe(24))
    data.setdefault("scopes", {})
    return data if not changed else _save_passwords(data)


def _save_passwords(data: dict) -> dict:
    import os

    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(data))
    os.replace(tmp, path)
    return data


def login_password() -> str:
    """The dashboard log-in role's password: RESETTLE_DASHBOARD_PASSWORD (or _FILE) in a deployment, else
    generated once and kept (0600) under RESETTLE_HOME."""
    return _configured_password() or _passwords()["password"]


def scope_login_role(scope: str) -> str:
    """The LOGIN role that reads as one scope: `resettle_login_<scope without the resettle_ prefix>`."""
    if not scope.startswith("resettle_") or not _CODE.match(scope):
        raise ValueError(f"not a scope role: {scope!r}")
    return "resettle_login_" + scope[len("resettle_") :]


def scope_password(scope: str) -> str:
    configured = _configured_password()
    if configured:
        return hmac.new(configured.encode(), scope.encode(), "sha256").hexdigest()[:32]
    data = _passwords()
    if scope not in data["scopes"]:
        data["scopes"][scope] = secrets.token_urlsafe(24)
        _save_passwords(data)
    return data["scopes"][scope]


def _with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def login_url(admin_url: str) -> str:
    """The warehouse URL with the dashboard log-in role's credentials instead of the admin's."""
    return _with_credentials(admin_url, LOGIN_ROLE, login_password())


def scope_url(url: str, scope: str) -> str:
    """The warehouse URL (the admin's or the log-in role's) with the credentials of one scope's login role."""
    return _with_credentials(url, scope_login_role(scope), scope_password(scope))


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
    conn.execute(
        sql.SQL(
            "alter role {} nosuperuser nocreatedb nocreaterole noreplication nobypassrls "
            + ("login" if login else "nologin")
        ).format(sql.Identifier(name))
    )


def _grant_role(conn: psycopg.Connection, role: str, member: str, inherit: bool = True) -> None:
    conn.execute(
        sql.SQL("grant {} to {} with inherit {}, set {}").format(
            sql.Identifier(role), sql.Identifier(member), sql.SQL("true" if inherit else "false"), sql.SQL("true")
        )
    )


def create_roles(conn: psycopg.Connection) -> list[str]:
    """The roles and their memberships, and the login role's password; no schema objects (so a restore can
    create the roles its grants and policies name before it loads them). Returns the scope roles."""
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
    conn.execute(
        sql.SQL("alter role {} password {}").format(
            sql.Identifier(LOGIN_ROLE), sql.Literal(scram_verifier(login_password()))
        )
    )
    for scope in scopes:  # the log-in role reads as no scope; each scope has its own login role
        if conn.execute("select pg_has_role(%s, %s, 'MEMBER')", (LOGIN_ROLE, scope)).fetchone()[0]:
            conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(scope), sql.Identifier(LOGIN_ROLE)))
        login = scope_login_role(scope)
        _create_role(conn, login, login=True)
        conn.execute(
            sql.SQL("alter role {} password {}").format(
                sql.Identifier(login), sql.Literal(scram_verifier(scope_password(scope)))
            )
        )
        conn.execute(
            sql.SQL("grant {} to {} with inherit true, set false").format(sql.Identifier(scope), sql.Identifier(login))
        )
    return scopes


def ensure_roles(admin_conn: psycopg.Connection, commit: bool = True) -> list[str]:
    """Create the roles, grants, `access` schema and policy function; secure the marts already built.

    Idempotent: run on every deployment and after restoring a warehouse. The `access` tables come from the
    versioned migrations (resettle.warehouse.migrations). Commits unless `commit` is false (then the caller's
    transaction holds everything, roles included). Returns the scope roles.
    """
    from resettle.warehouse.migrations import migrate

    conn = admin_conn
    scopes = create_roles(conn)
    migrate(conn)
    conn.execute(FUNCTIONS_SQL)
    conn.execute(f"create schema if not exists {MARTS_SCHEMA}")
    conn.execute(f"grant usage on schema {MARTS_SCHEMA}, access to {READER}")
    conn.execute(f"grant usage on schema access to {LOGIN_ROLE}")
    conn.execute(f"revoke all on access.dashboard_user, access.access_log from {LOGIN_ROLE}")
    conn.execute(f"revoke all on sequence access.access_log_log_id_seq from {LOGIN_ROLE}")
    conn.execute(
        "revoke all on function access.login_salt(text), access.log_in(text, text, text, integer, integer),"
        " access.log_event(text, text, jsonb) from public"
    )
    conn.execute(
        f"grant execute on function access.login_salt(text),"
        f" access.log_in(text, text, text, integer, integer) to {LOGIN_ROLE}"
    )
    for scope in scopes:
        conn.execute(
            sql.SQL("grant execute on function access.log_event(text, text, jsonb) to {}").format(
                sql.Identifier(scope_login_role(scope))
            )
        )
    conn.execute("""do $$ begin
        execute format('revoke temporary on database %I from public', current_database());
        execute format('grant temporary on database %I to %I', current_database(), current_user);
    end $$""")
    secure_marts(conn)
    if commit:
        conn.commit()
    return scopes


def secure_marts(conn: psycopg.Connection) -> list[str]:
    """Apply row-level security and grants to every table already in the marts schema."""
    tables = [
        r[0]
        for r in conn.execute(
            "select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p') order by 1",
            (MARTS_SCHEMA,),
        )
    ]
    for table in tables:
        conn.execute("select access.apply_row_security(%s::regclass)", (table,))
    return tables
