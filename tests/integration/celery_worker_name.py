"""Each Celery worker of the topology test reports its own host name (in containers every worker has one;
on one machine they would all report the same)."""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["RESETTLE_TEST_WORKER_NAME"]
