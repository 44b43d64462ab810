"""District scope is enforced by PostgreSQL, not only by the dashboard: as the dashboard's login role, after
`SET LOCAL ROLE` to a district's role (what the dashboard does), every mart returns only that district's rows;
the login role alone reads nothing; figures-only scopes cannot read masked columns; and the policies come
back after dbt rebuilds a mart."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from resettle.domain.config import DISTRICTS

pytestmark = pytest.mark.integration


def _marts(conn) -> dict[str, set[str]]:
    rows = conn.execute(
        "select c.relname, a.attname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        " where n.nspname = 'marts' and c.relkind = 'r'"
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _count(conn, table: str, where: str = "true", params: tuple = ()) -> int:
    query = sql.SQL("select count(*) from marts.{} where " + where).format(sql.Identifier(table))
    return conn.execute(query, params).fetchone()[0]


def _as_scope(login_url: str, scope: str):
    """A connection as the scope's own login role (as the dashboard reads for a user of that scope); the
    scope's password is the one kept in the world's home."""
    from resettle.warehouse.access import scope_url

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESETTLE_HOME", str(_HOME[0]))
        return psycopg.connect(scope_url(login_url, scope))


_HOME: list = []


@pytest.fixture(autouse=True)
def _world_home(world):
    _HOME[:] = [world.home]


def test_every_mart_has_row_security_and_the_login_role_is_neither_superuser_nor_owner(world):
    tables = world.rows(
        "select c.relname, c.relrowsecurity, pg_get_userbyid(c.relowner),"
        " (select count(*) from pg_policy p where p.polrelid = c.oid)"
        " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts' and c.relkind = 'r'"
    )
    role = world.rows("select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'resettle_dashboard'")
    assert tables
    for name, secured, owner, policies in tables:
        assert secured and policies >= 1, name
        assert owner != "resettle_dashboard"
    assert role == [(False, False, True)]


def test_the_login_role_alone_reads_no_mart(world):
    with psycopg.connect(world.login_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select count(*) from marts.district_monthly_progress")


@pytest.mark.parametrize("district", DISTRICTS)
def test_a_district_role_reads_only_its_own_rows_from_every_mart(world, district):
    with psycopg.connect(world.admin_url) as admin:
        tables = _marts(admin)
        expected = {
            t: _count(admin, t, "district = %s", (district,)) for t, cols in tables.items() if "district" in cols
        }
        developers = admin.execute(
            "select count(*) from marts.developer_risk d where exists (select 1 from marts.project_joint_review p"
            " where p.period = d.period and p.project_code = any(d.project_codes) and p.district = %s)",
            (district,),
        ).fetchone()[0]
    conn = _as_scope(world.login_url, f"resettle_district_{district}")
    try:
        for table, columns in tables.items():
            if "district" in columns:
                assert _count(conn, table, "district is distinct from %s", (district,)) == 0, table
                assert _count(conn, table) == expected[table], table
            elif table == "developer_risk":
                assert _count(conn, table) == developers
            else:
                assert _count(conn, table) == 0, f"{table} has no district: districts see none of it"
        assert expected["household_resettlement"] > 0 and expected["project_joint_review"] > 0
        assert "district" in tables["submission_findings"], "a district reads its own files' problems, no one else's"
    finally:
        conn.close()


def test_figures_only_scope_counts_households_but_cannot_read_masked_columns(world):
    conn = _as_scope(world.login_url, "resettle_city")
    try:
        assert conn.execute("select count(*) from marts.household_resettlement where not is_resettled").fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select head_name_masked from marts.household_resettlement limit 1")
    finally:
        conn.close()
    conn = _as_scope(world.login_url, "resettle_office")
    try:
        assert conn.execute("select count(distinct district) from marts.household_resettlement").fetchone()[0] == 6
        assert conn.execute("select head_name_masked from marts.household_resettlement limit 1").fetchone()
    finally:
        conn.close()


def test_no_connection_can_switch_to_another_scope(world):
    for url, scope in ((world.login_url, None), (world.login_url, "resettle_district_xingan")):
        conn = psycopg.connect(url) if scope is None else _as_scope(url, scope)
        try:
            for target in ("resettle_district_taishan", "resettle_city", "resettle_office"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(target)))
                conn.rollback()
        finally:
            conn.close()


def test_policies_come_back_after_dbt_rebuilds_a_mart(world, monkeypatch):
    from resettle.warehouse.dbt_runner import run_dbt

    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", world.admin_url)
    with psycopg.connect(world.admin_url) as conn:
        before = conn.execute(
            "select oid from pg_class where oid = 'marts.district_monthly_progress'::regclass"
        ).fetchone()[0]
    outcome = run_dbt(["run", "--select", "district_monthly_progress", "--full-refresh"], world.admin_url)
    assert outcome.success, outcome.failures
    with psycopg.connect(world.admin_url) as conn:
        after, secured = conn.execute(
            "select oid, relrowsecurity from pg_class where oid = 'marts.district_monthly_progress'::regclass"
        ).fetchone()
    assert after != before and secured, "the table was recreated and secured again"
    conn = _as_scope(world.login_url, "resettle_district_xingan")
    try:
        districts = conn.execute("select distinct district from marts.district_monthly_progress").fetchall()
    finally:
        conn.close()
    assert districts == [("xingan",)]
