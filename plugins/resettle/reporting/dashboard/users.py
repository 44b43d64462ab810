"""Dashboard accounts in `access.dashboard_user`: add, list, disable, and the demo accounts.

Run with the admin connection (the dashboard's own login role may only read this table). A disabled user
keeps its row, so the access log still names who did what.
"""

from __future__ import annotations

import hashlib
import secrets

import psycopg

from resettle.domain.config import DISTRICTS
from resettle.reporting.dashboard.auth import ROLES, hash_password


class UserError(ValueError):
    """A user cannot be added or changed; the message says why."""


def add_user(
    conn: psycopg.Connection, username: str, role: str, district: str | None = None, password: str | None = None
) -> str:
    """Create or replace (re-enable, new password) a user; returns the password (generated when None)."""
    username = username.strip().lower()
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if (role == "district") != bool(district):
        raise UserError("a district user needs --district; other roles must not have one")
    if district and district not in DISTRICTS:
        raise UserError(f"unknown district {district!r}: one of {', '.join(DISTRICTS)}")
    password = password or secrets.token_urlsafe(12)
    try:
        conn.execute(
            """insert into access.dashboard_user (username, role, district, password_hash)
               values (%s, %s, %s, %s)
               on conflict (username) do update set role = excluded.role, district = excluded.district,
                   password_hash = excluded.password_hash, disabled = false, disabled_at = null""",
            (username, role, district, hash_password(password)),
        )
    except psycopg.errors.CheckViolation as err:
        conn.rollback()
        raise UserError(f"invalid user name {username!r}: 2-40 of a-z 0-9 _ . -") from err
    conn.commit()
    return password


def list_users(conn: psycopg.Connection) -> list[dict]:
    rows = conn.execute(
        "select username, role, district, disabled, created_at, disabled_at from access.dashboard_user "
        "order by username"
    ).fetchall()
    keys = ("username", "role", "district", "disabled", "created_at", "disabled_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def disable_user(conn: psycopg.Connection, username: str) -> bool:
    """Disable a user; False when no such user."""
    done = conn.execute(
        "update access.dashboard_user set disabled = true, disabled_at = coalesce(disabled_at, now()) "
        "where username = %s",
        (username.strip().lower(),),
    ).rowcount
    conn.commit()
    return bool(done)


def demo_password(username: str) -> str:
    """Deterministic, for the demo only: anyone who reads this code knows it. Never use on real data."""
    return "demo-" + hashlib.sha256(f"resettle-demo:{username}".encode()).hexdigest()[:10]


def demo_accounts() -> list[tuple[str, str, str | None]]:
    return [
        ("leader", "leader", None),
        ("office", "office", None),
        ("engineer", "engineer", None),
        *[(f"district_{d}", "district", d) for d in DISTRICTS],
    ]


class RealUsersPresent(UserError):
    """Demo users are refused in a warehouse that has real users."""


def ensure_demo_users(admin_conn: psycopg.Connection) -> list[tuple[str, str, str | None, str]]:
    """One demo user per role and per district: (username, role, district, password), with passwords anyone
    can derive, so only in a warehouse without real users: a warehouse with any user that is not one of the
    demo accounts raises RealUsersPresent. An existing account is never touched (not re-enabled, no new
    password); the accounts returned are those created now."""
    names = [name for name, _, _ in demo_accounts()]
    conn = admin_conn
    with conn.transaction():
        conn.execute("lock table access.dashboard_user in share row exclusive mode")
        real = [
            r[0]
            for r in conn.execute(
                "select username from access.dashboard_user where not (username = any(%s)) order by 1", (names,)
            )
        ]
        if real:
            raise RealUsersPresent(
                f"this warehouse has real dashboard users ({', '.join(real[:5])}"
                f"{'...' if len(real) > 5 else ''}): demo users are for demo warehouses only"
            )
        created = []
        for username, role, district in demo_accounts():
            password = demo_password(username)
            done = conn.execute(
                """insert into access.dashboard_user (username, role, district, password_hash)
                   values (%s, %s, %s, %s) on conflict (username) do nothing""",
                (username, role, district, hash_password(password)),
            ).rowcount
            if done:
                created.append((username, role, district, password))
    conn.commit()
    return created
