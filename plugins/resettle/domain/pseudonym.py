"""Keyed pseudonyms for people: the same resident ID always gives the same token, which cannot be reversed
or recomputed without the key.

Marts and dashboards join a household across months by this token instead of the ID number. The key
comes from RESETTLE_PSEUDONYM_KEY; the embedded setup generates one under RESETTLE_HOME on first use.
It is never committed and never sent to the database, so no compiled SQL or log can reveal it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets

import pandas as pd

from resettle.domain.config import settings

KEY_ENV = "RESETTLE_PSEUDONYM_KEY"


def key() -> bytes:
    configured = os.environ.get(KEY_ENV)
    if configured:
        return configured.encode()
    path = settings().home / "pseudonym.key"
    if not path.exists():
        _create_once(path, secrets.token_hex(32))
    return path.read_text().strip().encode()


def _create_once(path, text: str) -> None:
    """Write a new key readable by the service user only (0600 from the start), atomically and only if no
    other process created one first: two runs starting together must not pseudonymize with two keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        with contextlib.suppress(FileExistsError):  # another process linked its key first: theirs is used
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def pseudonyms(values: pd.Series) -> pd.Series:
    """HMAC-SHA256 of each value (hex, 32 characters); missing stays missing."""
    secret = key()
    distinct = {v: hmac.new(secret, v.encode(), hashlib.sha256).hexdigest()[:32] for v in values.dropna().unique()}
    return values.map(distinct).astype(object).where(values.notna(), None)
