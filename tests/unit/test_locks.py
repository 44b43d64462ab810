"""Each advisory lock of the platform under its own key (`resettle.domain.locks`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from resettle.domain.locks import LOCK_CLASSES, SINGLE_KEY_LOCKS

PLUGINS = Path(__file__).resolve().parents[2] / "plugins" / "resettle"


def test_no_two_locks_share_a_key():
    assert len(set(SINGLE_KEY_LOCKS.values())) == len(SINGLE_KEY_LOCKS), SINGLE_KEY_LOCKS
    assert len(set(LOCK_CLASSES.values())) == len(LOCK_CLASSES), LOCK_CLASSES


def test_every_advisory_lock_takes_its_key_from_the_registry():
    """No module writes a key of its own in place: each call passes the registry's (a key 0 within a class
    aside)."""
    calls = []
    for path in PLUGINS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "pg_advisory" in node.value:
                calls.append((path.relative_to(PLUGINS), node.value))
    assert calls
    written_in_place = [(path, sql) for path, sql in calls if re.search(r"pg_advisory\w*\([^)]*\d{2}", sql)]
    assert not written_in_place, written_in_place
