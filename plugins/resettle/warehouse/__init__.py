"""The warehouse: where it is, how to connect, and the schemas and ops tables the platform owns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resettle.domain.config import settings
from resettle.warehouse import server
from resettle.warehouse.server import WarehouseError

if TYPE_CHECKING:
    import psycopg


def url(start: bool = False) -> str:
    """The libpq URL of the warehouse: RESETTLE_WAREHOUSE_URL, else the embedded cluster.

    With start=True the embedded cluster is started when it is not running.
    """
    configured = settings().warehouse_url
    if configured:
        return configured
    if start:
        return server.start().url()
    if not server.is_running():
        raise WarehouseError("内嵌数据仓库未启动 / the embedded warehouse is not running: run `resettle warehouse up`")
    return server.embedded_url()


def connect(autocommit: bool = False) -> psycopg.Connection:
    # psycopg is imported here, not above: DAG files reach this package (the dbt runner) at parse time.
    import psycopg

    return psycopg.connect(url(), autocommit=autocommit)


__all__ = ["WarehouseError", "connect", "url"]
