"""Dashboard accounts against an attacker holding the dashboard's database credentials, or failing someone
else's log-in: demo users never touch real accounts; the log-in role reads no password hash, has no TEMP and
writes the access log only through functions that set the user and time; a scope cannot switch to another;
lock-out is per name and address with a cool-down; row-level security is FORCEd on every mart."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from resettle.reporting.dashboard.auth import LOCKOUT_FAILURES, LOCKOUT_MINUTES, authenticate, log_event
from resettle.reporting.dashboard.users import (
    RealUsersPresent,
    add_user,
    demo_password,
    disable_user,
    ensure_demo_users,
)
from resettle.warehouse.access import ensure_roles, login_url, scope_url

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(warehouse_url, resettle_env):
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute("create table marts.some_mart (district text, households integer)")
        conn.execute("insert into marts.some_mart values ('xingan', 3), ('taishan', 5)")
        conn.commit()
        ensure_roles(conn)
        yield conn


def test_demo_users_only_in_a_warehouse_without_real_users_and_never_touching_an_account(admin):
    created = ensure_demo_users(admin)
    assert {u for u, *_ in created} >= {"leader", "office", "district_xingan"}
    admin.execute("update access.dashboard_user set password_hash = 'scrypt$changed' where username = 'office'")
    admin.commit()
    disable_user(admin, "leader")
    assert ensure_demo_users(admin) == [], "existing accounts are left alone"
    office_hash, leader_disabled = admin.execute(
        "select (select password_hash from access.dashboard_user where username = 'office'),"
        " (select disabled from access.dashboard_user where username = 'leader')"
    ).fetchone()
    assert office_hash == "scrypt$changed" and leader_disabled, "no reset password, no re-enabled account"
    add_user(admin, "wang.li", "office", password="a-real-password-1")
    with pytest.raises(RealUsersPresent):
        ensure_demo_users(admin)
    assert demo_password("office") not in str(admin.execute("select * from access.dashboard_user").fetchall())


def test_the_login_role_reads_no_hash_has_no_temp_and_cannot_forge_the_access_log(admin, warehouse_url):
    add_user(admin, "zhao", "leader", password="right-password-1")
    with psycopg.connect(login_url(warehouse_url)) as conn:
        for statement in (
            "select password_hash from access.dashboard_user",
            "insert into access.access_log (username, event) values ('zhao', 'export')",
            "select * from access.access_log",
            "select * from access.dashboard_session",
            "create temp table t (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
        user = authenticate(conn, "zhao", "right-password-1")
        assert user is not None and user.role == "leader" and user.token
        assert authenticate(conn, "zhao", "wrong") is None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select access.log_event(%s, 'export', '{}')", (user.token,))
    with psycopg.connect(scope_url(warehouse_url, user.scope_role)) as conn:
        for token, event in (("forged-token", "export"), (user.token, "login")):
            with pytest.raises((psycopg.errors.RaiseException, psycopg.errors.InvalidAuthorizationSpecification)):
                conn.execute("select access.log_event(%s, %s, '{}')", (token, event))
            conn.rollback()
        log_event(conn, user, "export", {"rows": 3})
        conn.commit()
    events = admin.execute(
        "select username, role, event, logged_at > now() - interval '1 minute' from access.access_log order by log_id"
    ).fetchall()
    assert events == [
        ("zhao", "leader", "login", True),
        ("zhao", "leader", "login_failed", True),
        ("zhao", "leader", "export", True),
    ]


def test_a_scope_cannot_switch_to_another_and_security_is_forced(admin, warehouse_url):
    with psycopg.connect(scope_url(warehouse_url, "resettle_district_xingan")) as conn:
        assert conn.execute("select district, households from marts.some_mart").fetchall() == [("xingan", 3)]
        for other in ("resettle_district_taishan", "resettle_city", "resettle_office"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("set role {}").format(sql.Identifier(other)))
            conn.rollback()
    with psycopg.connect(login_url(warehouse_url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("set role resettle_city")
    assert admin.execute(
        "select relrowsecurity and relforcerowsecurity from pg_class where oid = 'marts.some_mart'::regclass"
    ).fetchone()[0]


def test_lock_out_is_per_name_and_address_and_cools_down(admin, warehouse_url):
    add_user(admin, "chen", "office", password="right-password-2")
    with psycopg.connect(login_url(warehouse_url)) as conn:
        for _ in range(LOCKOUT_FAILURES):
            assert authenticate(conn, "chen", "guess", "203.0.113.9") is None
        assert authenticate(conn, "chen", "right-password-2", "203.0.113.9") is None, "locked from there"
        assert authenticate(conn, "chen", "right-password-2", "10.1.2.3") is not None, "not from her own desk"
    admin.execute(
        "update access.access_log set logged_at = logged_at - make_interval(mins => %s)", (LOCKOUT_MINUTES + 1,)
    )
    admin.commit()
    with psycopg.connect(login_url(warehouse_url)) as conn:
        assert authenticate(conn, "chen", "right-password-2", "203.0.113.9") is not None, "after the cool-down"
