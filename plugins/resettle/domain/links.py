"""Links people follow from alerts and the bulletin: the dashboard at RESETTLE_BASE_URL, the Airflow UI at
RESETTLE_AIRFLOW_URL (both in `config.settings`).

Without a configured address a message carries no link rather than a loopback one (`127.0.0.1`) that
nobody but the server itself can open; the embedded setup on one machine, with nothing configured, keeps
Airflow's own loopback log links for the engineer sitting at it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from resettle.domain.config import settings

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


def dashboard(page: str = "") -> str | None:
    """The dashboard (or one of its pages, by url path such as `quality`) at the configured address."""
    base = settings().base_url
    return base + page.strip("/") if base else None


def airflow(url: str | None) -> str | None:
    """A link Airflow made (a task's log): moved onto RESETTLE_AIRFLOW_URL when it points at this machine;
    dropped when it points at this machine and only RESETTLE_BASE_URL is set (users are elsewhere)."""
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.hostname or "") not in LOCAL_HOSTS:
        return url
    s = settings()
    if s.airflow_url:
        return s.airflow_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return None if s.base_url else url
