"""The PostgreSQL advisory locks the platform's processes share, each key in one place: two purposes under one
key would make unrelated work wait for each other.

Keys of one bigint (`pg_advisory_xact_lock(key)`) and of two ints (`pg_advisory_lock(class, key)`) are apart in
PostgreSQL; within each kind, every value here is different (tests/unit/test_locks.py).
"""

from __future__ import annotations

BOOTSTRAP_LOCK = 20191111
"""Everything that changes the platform's own tables' shape (the raw tables the contracts describe)."""
MIGRATIONS_LOCK = 20191112
"""Two services starting at once apply each migration once."""
ALERT_CHECKS_LOCK = 20191113
"""Two alert checks at once (the hourly DAG and a CLI run) must not both send."""

INTAKE_LOCK_CLASS = 0x52535401
"""A file's whole intake, per source and month (the key: `hashtext` of their name)."""
PUBLISH_LOCK_CLASS = 0x52535402
"""Publishing to the marts' inputs (the key: `hashtext('marts')`)."""
DECISIONS_LOCK_CLASS = 0x52535403
"""File decisions being committed (key 0), which a dbt build waits out before it takes its time: also in
dbt_project/macros/record_invocation.sql as 1381192707 (tests/integration/test_dbt_project.py holds that a
build waits for it)."""

SINGLE_KEY_LOCKS = {"bootstrap": BOOTSTRAP_LOCK, "migrations": MIGRATIONS_LOCK, "alert checks": ALERT_CHECKS_LOCK}
LOCK_CLASSES = {"intake": INTAKE_LOCK_CLASS, "publish": PUBLISH_LOCK_CLASS, "decisions": DECISIONS_LOCK_CLASS}
