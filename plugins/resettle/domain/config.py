"""Settings from RESETTLE_* environment variables, read in one place.

Every path the platform writes to is derived here so that the CLI, the DAGs and the tests agree on where
the landing zone, the archive, the outbox and the embedded services live. Secrets (the warehouse password,
the pseudonym key, the dashboard's password) are read here too, from `NAME` or from the file `NAME_FILE`
names (how container platforms hand secrets over), so every process of a deployment reads the same value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parents[3]

DISTRICTS = ("taishan", "xingan", "xiangyang", "gongnong", "nanshan", "xingshan")
DEPARTMENTS = ("housing_bureau", "housing_center", "court", "police", "tax", "registration", "petition")
OFFICE = "office"
"""The leading-group office (领导小组办公室): it sends the joint review's own records."""
SOURCES = DISTRICTS + DEPARTMENTS + (OFFICE,)

WAREHOUSE_CONN_ID = "resettle_warehouse"
LANDING_WATCH_STATE = "landing_watch.json"
"""The landing watcher's state file, in RESETTLE_HOME."""


class ConfigError(RuntimeError):
    """A setting is missing or unreadable; the message names the variable (one line, for a service's log)."""


def secret(name: str, required: bool = False) -> str | None:
    """A secret from the environment variable `name`, or from the file named by `name_FILE`.

    Surrounding whitespace (a trailing newline) is dropped. Setting both, naming a file that cannot be read
    or is empty, or (with `required`) setting neither is a ConfigError naming the variable.
    """
    direct = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if direct and path:
        raise ConfigError(f"{name} and {name}_FILE are both set: set one")
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as err:
            raise ConfigError(f"{name}_FILE: cannot read {path} ({err.strerror or err})") from None
        if not value:
            raise ConfigError(f"{name}_FILE: {path} is empty")
        return value
    if direct:
        return direct.strip()
    if required:
        raise ConfigError(f"{name} (or {name}_FILE) is not set")
    return None


def _warehouse_url() -> str | None:
    """RESETTLE_WAREHOUSE_URL (or _FILE); a URL without a password takes RESETTLE_WAREHOUSE_PASSWORD (or _FILE)."""
    url = secret("RESETTLE_WAREHOUSE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.password is not None or not parts.hostname:
        return url
    password = secret("RESETTLE_WAREHOUSE_PASSWORD")
    if password is None:
        return url
    user = parts.username or "postgres"
    netloc = f"{user}:{quote(password, safe='')}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Settings:
    """Where things live; every field can be moved by an environment variable."""

    home: Path
    landing: Path
    outbox: Path
    archive: Path
    warehouse_url: str | None
    dbt_project_dir: Path
    expectations_dir: Path
    dags_dir: Path
    plugins_dir: Path
    settle_seconds: float = 30.0
    """A landed file younger than this (by its modification time) waits for the next run: it may still be
    uploading. Tests that write files and process them at once set RESETTLE_SETTLE_SECONDS=0."""
    received_clock: str = "first_seen"
    """What `received_at` records: `first_seen` (when the platform first saw the file; a sender cannot
    back-date it) or `mtime` (the file's modification time: only for replaying generated or backfilled
    landing folders, whose times are the history being replayed)."""

    ingest_slots: int = 2
    """RESETTLE_INGEST_SLOTS: ingestion tasks an ingestion wave runs at once, each on one batch of the wave's
    files. Each holds one file's frames in memory at a time (a million-row roster about 1.6 GB): raise it
    with the workers' memory when scaling out."""

    base_url: str | None = None
    """RESETTLE_BASE_URL: the address users open the dashboard at (`https://resettle.example.org/`); links
    in alerts and the bulletin start here. Unset: they carry no dashboard link."""
    airflow_url: str | None = None
    """RESETTLE_AIRFLOW_URL: the address users reach the Airflow UI at; failure alerts link task logs there
    (the embedded Airflow also takes it as its `[api] base_url`)."""

    @property
    def state_dir(self) -> Path:
        """Embedded services' state: the PostgreSQL cluster and AIRFLOW_HOME."""
        return self.home

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def landing_watch_state(self) -> Path:
        """What the landing watcher has announced (see `resettle.airflow.landing_trigger`)."""
        return self.home / LANDING_WATCH_STATE


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def settings() -> Settings:
    """Read the environment now (not at import), so tests and CLI flags can change it."""
    home = _path("RESETTLE_HOME", PROJECT_ROOT / ".resettle")
    data = PROJECT_ROOT / "data"
    return Settings(
        home=home,
        landing=_path("RESETTLE_LANDING", data / "landing"),
        outbox=_path("RESETTLE_OUTBOX", data / "outbox"),
        archive=_path("RESETTLE_ARCHIVE", data / "archive"),
        warehouse_url=_warehouse_url(),
        dbt_project_dir=_path("RESETTLE_DBT_PROJECT_DIR", PROJECT_ROOT / "dbt_project"),
        expectations_dir=_path("RESETTLE_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations"),
        dags_dir=_path("RESETTLE_DAGS_DIR", PROJECT_ROOT / "dags"),
        plugins_dir=PROJECT_ROOT / "plugins",
        settle_seconds=float(os.environ.get("RESETTLE_SETTLE_SECONDS") or 30),
        received_clock=_received_clock(os.environ.get("RESETTLE_RECEIVED_CLOCK") or "first_seen"),
        ingest_slots=ingest_slots(),
        base_url=_base_url("RESETTLE_BASE_URL", slash=True),
        airflow_url=_base_url("RESETTLE_AIRFLOW_URL", slash=False),
    )


def ingest_slots() -> int:
    """RESETTLE_INGEST_SLOTS alone (see `Settings.ingest_slots`): what the ingestion DAG reads when it is
    parsed, without the secrets and paths the rest of `settings()` reads."""
    return _positive_int("RESETTLE_INGEST_SLOTS", 2)


def _positive_int(name: str, default: int) -> int:
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _base_url(name: str, slash: bool) -> str | None:
    """An http(s) address from the environment, with (or without) its trailing slash; empty is unset."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"{name} must be an http:// or https:// address, not {value!r}")
    value = value.rstrip("/")
    return value + "/" if slash else value


def _received_clock(value: str) -> str:
    if value not in ("first_seen", "mtime"):
        raise ValueError(f"RESETTLE_RECEIVED_CLOCK must be first_seen or mtime, not {value!r}")
    return value
