"""Dashboard roles, what each may see, and password log-in.

Roles decide pages and columns in the UI; the rows a user can read are decided by PostgreSQL (see
resettle.warehouse.access): a role maps to a scope role the queries run as. Passwords are stored as
salted scrypt hashes (memory-hard, in the standard library) and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import psycopg

from resettle.warehouse.access import scope_role

ROLES = {
    "leader": "领导",
    "office": "领导小组办公室",
    "district": "区",
    "engineer": "数据工程师",
}
HOUSEHOLD_LIST_ROLES = frozenset({"office", "district"})
"""Who may open the masked household list. Leaders need counts, not people (PIPL minimisation); engineers
debug from file findings and counts. The database agrees: their scope role cannot select masked columns."""
QUALITY_DETAIL_ROLES = frozenset({"engineer", "office"})
"""Who sees file-level data-quality detail (file names, the message a sender got)."""
UNMATCHED_RECORD_ROLES = frozenset({"engineer", "office"})
"""Who sees department records that matched no ledger developer: work for the office and the engineers.
The database agrees for districts (the mart has no district: row security shows them nothing)."""

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
"""After this many failed log-ins for one name within the window, that name is refused until it passes."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district: str | None

    @property
    def scope_role(self) -> str:
        return scope_role(self.role, self.district)

    @property
    def may_list_households(self) -> bool:
        return self.role in HOUSEHOLD_LIST_ROLES

    @property
    def sees_quality_detail(self) -> bool:
        return self.role in QUALITY_DETAIL_ROLES

    @property
    def sees_unmatched_records(self) -> bool:
        return self.role in UNMATCHED_RECORD_ROLES

    @property
    def role_zh(self) -> str:
        return ROLES[self.role]


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` with a random 16-byte salt."""
    if not password:
        raise ValueError("empty password")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=len(digest) // 2,
                                n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(8))


def authenticate(conn: psycopg.Connection, username: str, password: str) -> User | None:
    """The user when the password is right and the account enabled; logs the attempt either way.

    An unknown name costs the same scrypt as a known one, so timing does not reveal which names exist; a
    name with LOCKOUT_FAILURES failed attempts in the last LOCKOUT_MINUTES is refused even with the right
    password (kept in the database, so it holds across browser sessions and app processes).
    """
    username = (username or "").strip().lower()[:64]
    row = conn.execute(
        "select role, district, password_hash, disabled from access.dashboard_user where username = %s",
        (username,)).fetchone()
    recent_failures = conn.execute(
        "select count(*) from access.access_log where username = %s and event in ('login_failed', 'login_locked')"
        " and logged_at > now() - make_interval(mins => %s)", (username, LOCKOUT_MINUTES)).fetchone()[0]
    ok = verify_password(password or "", row[2] if row else _DUMMY_HASH) and row is not None and not row[3]
    locked = recent_failures >= LOCKOUT_FAILURES
    event = "login_locked" if locked else ("login" if ok else "login_failed")
    log_event(conn, username or "?", row[0] if row else None, event,
              {"disabled": bool(row and row[3])} if row and not ok else {})
    conn.commit()
    return User(username, row[0], row[1]) if ok and not locked else None


def log_event(conn: psycopg.Connection, username: str, role: str | None, event: str, detail: dict) -> None:
    """One row in access.access_log (in the caller's transaction)."""
    from psycopg.types.json import Jsonb

    conn.execute("insert into access.access_log (username, role, event, detail) values (%s, %s, %s, %s)",
                 (username, role, event, Jsonb(detail)))
