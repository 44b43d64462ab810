"""Dashboard roles, what each may see, and password log-in.

Roles decide pages and columns in the UI; the rows a user can read are decided by PostgreSQL (see
resettle.warehouse.access): a role maps to a scope role the queries run as. Passwords are stored as
salted scrypt hashes (memory-hard, in the standard library) and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

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
QUALITY_DETAIL_ROLES = frozenset({"engineer", "office", "district"})
"""Who sees file-level data-quality detail (file names, the message a sender got, every problem found): the
office chases senders for corrected files, engineers debug, and a district reads its own files' problems
(row security on `submission_files` and `submission_findings` shows it no other sender's). Leaders see the
summary and the open rejections."""
UNMATCHED_RECORD_ROLES = frozenset({"engineer", "office"})
"""Who sees department records that matched no ledger developer: work for the office and the engineers.
The database agrees for districts (the mart has no district: row security shows them nothing)."""


def roles_zh(roles: frozenset[str]) -> str:
    """The Chinese names of some roles, in the order of ROLES: `领导小组办公室、数据工程师`."""
    return "、".join(name for role, name in ROLES.items() if role in roles)


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
"""After this many failed log-ins for one name from one address within the window, that name is refused from
that address until the window has passed without failures (a cool-down, never a permanent lock; others
failing from elsewhere cannot lock a user out)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district: str | None
    token: str | None = field(default=None, repr=False, compare=False)
    """The session token access.log_in handed out: the access log takes the user from it."""

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
        actual = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=len(digest) // 2, n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(8))


def digest_for(password: str, salt_spec: str) -> str:
    """The scrypt digest of a password under a stored hash's parameters and salt (`scrypt$n$r$p$salt`)."""
    try:
        _scheme, n, r, p, salt = salt_spec.split("$")
        return hashlib.scrypt(
            (password or "").encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        ).hex()
    except (ValueError, TypeError):
        return ""


def authenticate(conn: psycopg.Connection, username: str, password: str, address: str | None = None) -> User | None:
    """The user when the password is right and the account enabled; the attempt is logged either way.

    Runs as the log-in role, which cannot read password hashes: the database hands out the salt
    (`access.login_salt`, a made-up one for an unknown name, so names cannot be probed), the digest is
    computed here, and `access.log_in` compares it, logs the attempt with the server's time and the client's
    address, applies the lock-out (per name and address, with a cool-down) and returns a session token.
    """
    username = (username or "").strip().lower()[:64]
    salt_spec = conn.execute("select access.login_salt(%s)", (username,)).fetchone()[0]
    row = conn.execute(
        "select role, district, token from access.log_in(%s, %s, %s, %s, %s)",
        (username or "?", digest_for(password, salt_spec), address, LOCKOUT_FAILURES, LOCKOUT_MINUTES),
    ).fetchone()
    conn.commit()
    return User(username, row[0], row[1], row[2]) if row else None


def log_event(conn: psycopg.Connection, user: User, event: str, detail: dict) -> None:
    """One row in access.access_log for the user's session (in the caller's transaction); the database sets
    the user (from the session token) and the time."""
    from psycopg.types.json import Jsonb

    conn.execute("select access.log_event(%s, %s, %s)", (user.token, event, Jsonb(detail)))
