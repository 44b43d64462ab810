"""`resettle warehouse init` on an external PostgreSQL: versioned migrations, an upgrade of a warehouse the
previous release created, idempotence, and one clear line when a secret or the server is missing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from resettle.domain.contracts import DATASETS
from resettle.warehouse.access import FUNCTIONS_SQL
from resettle.warehouse.migrations import available
from resettle.warehouse.schema import raw_ddl
from tests.databases import fresh_database

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PREVIOUS_RELEASE = REPO / "tests" / "fixtures" / "warehouse" / "previous_release.sql"
SINCE_PREVIOUS_RELEASE = (
    # apply_row_security FORCEs row security, with an owner_all policy so that dbt still reads what it builds
    ("    execute format('alter table %s force row level security', target);\n", ""),
    ("    execute format('drop policy if exists owner_all on %s', target);\n", ""),
    (
        "    execute format('create policy owner_all on %s to %I using (true) with check (true)', target,\n"
        "                   (select pg_get_userbyid(relowner) from pg_class where oid = target));\n",
        "",
    ),
    # and own_district asks for the current district once per statement, not once per row
    ("(select access.current_district())", "access.current_district()"),
)
"""What access.FUNCTIONS_SQL changed in the two functions it shares with the previous release: (now, then)."""
PREVIOUS_RELEASE_SHA256 = "7ef596a6fdae75454c96be60391233fd6bc8cab4ae86eabc930e0247a7b5dee7"
"""previous_release() rebuilds history, which never changes: nor may what it is rebuilt from."""


def previous_release() -> str:
    """The SQL of a warehouse the release before versioned migrations created: migrations 0001 and 0002 (they
    adopt its tables as they stand), previous_release.sql, and this release's developer_in_current_district and
    apply_row_security as they were then, so that init has old functions to replace."""
    shared = FUNCTIONS_SQL[FUNCTIONS_SQL.index("-- PL/pgSQL, not SQL") :]
    for now, then in SINCE_PREVIOUS_RELEASE:
        shared = shared.replace(now, then)
    sql = "\n".join([*(m.sql for m in available()[:2]), PREVIOUS_RELEASE.read_text(), shared])
    assert hashlib.sha256(sql.encode()).hexdigest() == PREVIOUS_RELEASE_SHA256, (
        "the previous release's SQL changed: migrations 0001 and 0002 are never edited, and a change to "
        "access.developer_in_current_district or access.apply_row_security goes into SINCE_PREVIOUS_RELEASE"
    )
    return sql


def _without_password(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    netloc = f"{parts.username}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")), parts.password


@pytest.fixture
def deploy_env(tmp_path, warehouse_url) -> dict:
    """The environment a container gets: the URL without its password, every secret in a file."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    url, password = _without_password(warehouse_url)
    values = {"warehouse_password": password, "pseudonym_key": "k" * 64, "dashboard_password": "d" * 24}
    for name, value in values.items():
        (secrets / name).write_text(value + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESETTLE_")}
    env.update(
        {
            "PYTHONPATH": str(REPO / "plugins"),
            "RESETTLE_HOME": str(tmp_path / "home"),
            "RESETTLE_WAREHOUSE_URL": url,
            "RESETTLE_WAREHOUSE_PASSWORD_FILE": str(secrets / "warehouse_password"),
            "RESETTLE_PSEUDONYM_KEY_FILE": str(secrets / "pseudonym_key"),
            "RESETTLE_DASHBOARD_PASSWORD_FILE": str(secrets / "dashboard_password"),
        }
    )
    return env


def _init(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "resettle.cli", "warehouse", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _catalog(url: str) -> dict:
    """What the platform owns in `ops` and `access`: columns, constraints, indexes, functions."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name, data_type, is_nullable, column_default "
            "from information_schema.columns where table_schema in ('ops', 'access') order by 1, 2, 3"
        ).fetchall()
        constraints = conn.execute(
            "select n.nspname, conname, pg_get_constraintdef(c.oid) from pg_constraint c "
            "join pg_namespace n on n.oid = c.connamespace where n.nspname in ('ops', 'access') order by 1, 2"
        ).fetchall()
        indexes = conn.execute(
            "select schemaname, indexname, indexdef from pg_indexes where schemaname in ('ops', 'access', 'raw') "
            "order by 1, 2"
        ).fetchall()
        functions = conn.execute(
            "select p.proname, md5(pg_get_functiondef(p.oid)) from pg_proc p join pg_namespace n "
            "on n.oid = p.pronamespace where n.nspname = 'access' order by 1"
        ).fetchall()
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "functions": functions}


def test_init_creates_a_fresh_warehouse_and_is_idempotent(deploy_env, warehouse_url):
    first = _init(deploy_env)
    assert first.returncode == 0, first.stderr
    assert f"schema version 0 -> {len(available())}" in first.stdout
    catalog = _catalog(warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        versions = conn.execute("select version, name from ops.schema_version order by 1").fetchall()
        assert versions == [(m.version, m.name) for m in available()]
        assert conn.execute("select to_regclass('raw.household_roster')").fetchone()[0] == "raw.household_roster"
        # What dbt's sources do not test because PostgreSQL holds it (models/staging/*/_*__sources.yml).
        raw_ids = conn.execute(
            "select table_name, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and column_name = 'submission_id'"
        ).fetchall()
        assert {table for table, _ in raw_ids} == set(DATASETS) and {n for _, n in raw_ids} == {"NO"}, raw_ids
        primary_keys = conn.execute(
            "select conrelid::regclass::text, (select array_agg(attname::text order by attnum) from pg_attribute "
            "where attrelid = conrelid and attnum = any(conkey)) from pg_constraint where contype = 'p' "
            "and conrelid = any(array['ops.submission', 'ops.due_extension', 'ops.alert', 'ops.finding']::regclass[])"
        ).fetchall()
        assert dict(primary_keys) == {
            "ops.submission": ["submission_id"],
            "ops.due_extension": ["extension_id"],
            "ops.alert": ["alert_id"],
            "ops.finding": ["submission_id", "finding_no"],
        }
        assert conn.execute("select rolcanlogin from pg_roles where rolname = 'resettle_dashboard'").fetchone() == (
            True,
        )

    again = _init(deploy_env)
    assert again.returncode == 0, again.stderr
    assert "(migrations: none pending)" in again.stdout
    assert _catalog(warehouse_url) == catalog

    # The dashboard logs in with the password from its secret file (the role's verifier was set from it).
    dashboard = urlsplit(warehouse_url)._replace(
        netloc=f"resettle_dashboard:{'d' * 24}@{urlsplit(warehouse_url).hostname}:{urlsplit(warehouse_url).port}"
    )
    with psycopg.connect(urlunsplit(dashboard)) as conn:
        assert conn.execute("select current_user").fetchone() == ("resettle_dashboard",)


def test_init_upgrades_a_warehouse_of_the_previous_release_to_the_fresh_schema(deploy_env, warehouse_url, pg_server):
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(previous_release())
        for statement in raw_ddl("project_ledger"):
            conn.execute(statement)
        conn.execute(
            "insert into ops.submission (source, dataset, period, file_name, landing_path, sha256, size_bytes, "
            "received_at, archive_path, status) values ('taishan', 'project_ledger', '2026-09', 'a.xlsx', "
            "'taishan/2026-09/a.xlsx', 'ab', 1, now(), 'ab/ab.xlsx', 'accepted')"
        )
        conn.execute(
            "insert into access.dashboard_user (username, role, password_hash) values ('leader1', 'leader', 'scrypt$x')"
        )
    upgraded = _init(deploy_env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"schema version 0 -> {len(available())}" in upgraded.stdout

    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select file_name, status, processed_by from ops.submission").fetchall() == [
            ("a.xlsx", "accepted", None)
        ]
        assert conn.execute("select username from access.dashboard_user").fetchall() == [("leader1",)]

    with fresh_database(pg_server, "t_fresh") as fresh:
        fresh_url = warehouse_url.rsplit("/", 1)[0] + "/" + fresh.rsplit("/", 1)[1]
        fresh_env = {**deploy_env, "RESETTLE_WAREHOUSE_URL": _without_password(fresh_url)[0]}
        assert _init(fresh_env).returncode == 0
        assert _catalog(warehouse_url) == _catalog(fresh_url), "an upgraded warehouse equals a fresh one"


def test_init_refuses_a_warehouse_of_a_newer_release_and_an_edited_migration(deploy_env, warehouse_url):
    assert _init(deploy_env).returncode == 0
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("insert into ops.schema_version (version, name, sha256) values (999, 'future', 'x')")
    newer = _init(deploy_env)
    assert newer.returncode == 2
    assert newer.stderr.strip() == (
        f"error: the warehouse is at schema version 999, newer than this release knows "
        f"({len(available())}): run the newer release of resettle"
    )
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("delete from ops.schema_version where version = 999")
        conn.execute("update ops.schema_version set sha256 = 'edited' where version = 1")
    edited = _init(deploy_env)
    assert edited.returncode == 2
    assert "0001_ops_baseline.sql differs from the one applied" in edited.stderr


@pytest.mark.parametrize(
    "broken, expected",
    [
        (
            {"RESETTLE_PSEUDONYM_KEY_FILE": None},
            "error: RESETTLE_PSEUDONYM_KEY (or RESETTLE_PSEUDONYM_KEY_FILE) is not set",
        ),
        (
            {"RESETTLE_DASHBOARD_PASSWORD_FILE": "/nonexistent/dashboard_password"},
            "error: RESETTLE_DASHBOARD_PASSWORD_FILE: cannot read /nonexistent/dashboard_password "
            "(No such file or directory)",
        ),
        ({"RESETTLE_WAREHOUSE_URL": None}, "error: RESETTLE_WAREHOUSE_URL (or RESETTLE_WAREHOUSE_URL_FILE) is not set"),
    ],
)
def test_init_with_a_missing_secret_says_which_and_touches_nothing(deploy_env, warehouse_url, broken, expected):
    env = dict(deploy_env)
    for name, value in broken.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    result = _init(env)
    assert result.returncode == 2
    assert result.stderr.strip() == expected
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute(
            "select count(*) from pg_namespace where nspname in ('ops', 'access', 'raw')"
        ).fetchone() == (0,)


def test_init_against_an_unreachable_server_names_the_host(deploy_env):
    from resettle.domain.net import free_port

    port = free_port()
    env = {**deploy_env, "RESETTLE_WAREHOUSE_URL": f"postgresql://resettle@127.0.0.1:{port}/resettle"}
    result = _init(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach the warehouse at 127.0.0.1:{port}/resettle: ")
    assert "Traceback" not in result.stderr


def test_init_adopts_a_warehouse_whose_schema_version_holds_only_ddl_digests(deploy_env, warehouse_url):
    """An earlier build recorded only a digest of its DDL in ops.schema_version: a cache, replaced by the
    versioned table, the data kept."""
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(previous_release())
        conn.execute(
            "create table ops.schema_version (digest text primary key, applied_at timestamptz not null default now())"
        )
        conn.execute("insert into ops.schema_version (digest) values ('abc')")
    result = _init(deploy_env)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(warehouse_url) as conn:
        assert [v for (v,) in conn.execute("select version from ops.schema_version order by 1")] == [
            m.version for m in available()
        ]
