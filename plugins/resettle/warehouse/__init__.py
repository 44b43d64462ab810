"""The warehouse: where it is, how to connect, and the schemas and ops tables the platform owns."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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


def describe(database_url: str) -> str:
    """host:port/database of a URL, without credentials: what an error message may show."""
    parts = urlsplit(database_url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


def connect(autocommit: bool = False, connect_timeout: int = 10) -> psycopg.Connection:
    """A connection to the warehouse; one that cannot be made is a WarehouseError naming the host."""
    # psycopg is imported here, not above: DAG files reach this package (the dbt runner) at parse time.
    import psycopg

    target = url()
    try:
        return psycopg.connect(target, autocommit=autocommit, connect_timeout=connect_timeout)
    except psycopg.OperationalError as err:
        reason = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise WarehouseError(f"cannot reach the warehouse at {describe(target)}: {reason}") from None


def initialize(admin_url: str) -> dict:
    """Set up (or upgrade) a warehouse in one transaction: pending migrations of `ops` and `access`, raw
    tables from the contracts, roles, grants and row security. Idempotent; nothing is left half-done."""
    import psycopg

    from resettle.warehouse.access import ensure_roles
    from resettle.warehouse.migrations import applied, migrate
    from resettle.warehouse.schema import bootstrap

    try:
        conn = psycopg.connect(admin_url, connect_timeout=10)
    except psycopg.OperationalError as err:
        reason = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise WarehouseError(f"cannot reach the warehouse at {describe(admin_url)}: {reason}") from None
    with conn, conn.transaction():
        before = max(applied(conn), default=0)
        ran = migrate(conn)
        bootstrap(conn)
        scopes = ensure_roles(conn, commit=False)
        version = max(applied(conn), default=0)
    return {"from_version": before, "version": version, "migrations": ran, "roles": scopes}


__all__ = ["WarehouseError", "connect", "describe", "initialize", "url"]
