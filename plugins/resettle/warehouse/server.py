"""The embedded warehouse: a PostgreSQL cluster under `.resettle/` run from pgserver's binaries.

pgserver ties a server's life to the Python process that opened it; the platform needs one that stays up
between commands (`resettle warehouse up` ... `down`) and listens on TCP, because Airflow connections and
Cosmos need a host and port. So the bundled binaries are driven with pg_ctl directly.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from resettle.domain.config import settings
from resettle.domain.net import LOOPBACK, free_port, port_in_use

DATABASE = "resettle"
SUPERUSER = "postgres"
SERVICE_USER = "pgserver"
"""The account the server runs as when the platform runs as root (PostgreSQL refuses root)."""
HOST = LOOPBACK
SERVER_SETTINGS = {
    "random_page_cost": "1.1",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
}
"""Server settings of the warehouses this project runs (this embedded one and docker-compose.yml's
`warehouse-db`; a city's own PostgreSQL should be given the same, see the README's deployment section).
- `random_page_cost`: on solid-state storage a page read out of order costs about what the next one does; at
  PostgreSQL's default (4) the planner reads a whole household table rather than one month of it through its
  index on `period`: a monthly build then reads every month of the mart in each project-level view (4 s
  instead of 80 ms).
- `wal_level` minimal (which needs `max_wal_senders` 0): a table dbt creates and fills in one transaction is
  not copied into the write-ahead log, so a full build writes its millions of household rows once, not twice.
  Backups are `pg_dump`s (`resettle backup`), which need no more; a server that streams to a replica keeps
  `replica`, and its builds are slower by about a tenth.
- `max_wal_size`: a month's build writes gigabytes; at 1GB it would force a checkpoint every few models.
- `work_mem`, `maintenance_work_mem`: the household tables' sorts, hashes and unique indexes in memory
  rather than in temporary files (each query of a build, of which two run at a time, and each index build)."""


ENCODING = "UTF8"
COLLATION = "C"
CHARACTER_CLASSES = "C.UTF-8"
INITDB_LOCALE = (f"--encoding={ENCODING}", f"--locale={CHARACTER_CLASSES}", f"--lc-collate={COLLATION}")
"""The warehouses' encoding and locale: given to `initdb` (this embedded cluster and docker-compose.yml's
`warehouse-db`) and to every database the platform creates (`create_database`; a city's own PostgreSQL should
create the warehouse with `LC_COLLATE 'C'` too). UTF-8 text, C.UTF-8's character classes (`upper()`, regular
expressions over Chinese text), and the C collation. On glibc 2.35 and later C.UTF-8 orders text by code
point, which in UTF-8 is byte order: C orders every value the same way (`tests/integration/test_warehouse_locale.py`)
without a call into the C library per comparison, and it is the only libc collation PostgreSQL sorts on
abbreviated keys. The key index of a two-year household mart (4.8M rows) is built in about a fifth less
time, a full build of the marts in about a twentieth less."""


def create_database(conn, name: str, owner: str | None = None) -> None:
    """Create database `name` (on `conn`, in autocommit) with the warehouses' locale, whatever the cluster's
    default: a cluster initialised before `INITDB_LOCALE` gave the collation still creates C databases."""
    owned = f" owner {owner}" if owner else ""
    conn.execute(
        f"create database \"{name}\"{owned} template template0 encoding '{ENCODING}' "
        f"lc_collate '{COLLATION}' lc_ctype '{CHARACTER_CLASSES}'"
    )


class WarehouseError(RuntimeError):
    """The warehouse could not be started, reached or stopped; the message says what to do."""


@dataclass(frozen=True)
class EmbeddedState:
    port: int
    password: str

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@{HOST}:{self.port}/{database}"


def _pgserver():
    """pgserver's modules, imported quietly (it warns about XDG_RUNTIME_DIR on servers without a session)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands
        import pgserver.utils

    return pgserver


def _bin(name: str) -> Path:
    return _pgserver()._commands.POSTGRES_BIN_PATH / name


def _state_file() -> Path:
    return settings().home / "warehouse.json"


def _run_as() -> dict:
    """postgres refuses to run as root; as root, run it as the unprivileged user pgserver creates."""
    if os.geteuid() != 0:
        return {}
    utils = _pgserver().utils
    entry = _service_user()
    pgdata = settings().pgdata
    pgdata.mkdir(parents=True, exist_ok=True)
    utils.ensure_prefix_permissions(pgdata)
    bin_path = _bin("postgres").parent
    utils.ensure_prefix_permissions(bin_path)
    utils.ensure_folder_permissions(bin_path, 0o555)
    utils.ensure_folder_permissions(bin_path.parent / "lib", 0o444)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def _service_user():
    """The unprivileged account, created once even when several processes start clusters at the same moment.

    Two `useradd` runs racing on a fresh machine left the first one's uid without a passwd entry, so every
    cluster started by the first process failed in initdb; one lock across processes orders them.
    """
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / f"resettle-{SERVICE_USER}-user.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _pgserver().utils.ensure_user_exists(SERVICE_USER)


def _load_state() -> EmbeddedState | None:
    path = _state_file()
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    return EmbeddedState(port=raw["port"], password=raw["password"])


def _save_state(state: EmbeddedState) -> None:
    path = _state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"port": state.port, "password": state.password}))
    path.chmod(0o600)


def _pg_ctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_bin("pg_ctl")), "-D", str(settings().pgdata), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
        **_run_as(),
    )


def is_running() -> bool:
    pgdata = settings().pgdata
    if not (pgdata / "PG_VERSION").exists():
        return False
    return _pg_ctl("status", check=False).returncode == 0


def _initdb(password: str) -> None:
    pgdata = settings().pgdata
    pgdata.mkdir(parents=True, exist_ok=True)
    pwfile = pgdata.parent / ".pwfile"
    pwfile.write_text(password + "\n")
    run_as = _run_as()
    if run_as:
        os.chown(pwfile, run_as["user"], run_as["group"])
    try:
        subprocess.run(
            [
                str(_bin("initdb")),
                "-D",
                str(pgdata),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                *INITDB_LOCALE,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            **run_as,
        )
    except subprocess.CalledProcessError as err:
        raise WarehouseError(f"initdb failed: {err.stderr.strip()}") from err
    finally:
        pwfile.unlink(missing_ok=True)


def start() -> EmbeddedState:
    """Start (or reuse) the embedded cluster and make sure the `resettle` database exists."""
    state = _load_state()
    if state is None or not (settings().pgdata / "PG_VERSION").exists():
        state = EmbeddedState(port=free_port(), password=secrets.token_urlsafe(18))
        _initdb(state.password)
        _save_state(state)
    if not is_running():
        if port_in_use(state.port):
            state = EmbeddedState(port=free_port(), password=state.password)
            _save_state(state)
        log = settings().pgdata / "server.log"
        settings_opts = " ".join(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())
        opts = f"-h {HOST} -p {state.port} -c unix_socket_directories='' -c max_connections=60 {settings_opts}"
        result = _pg_ctl("-w", "-t", "60", "-l", str(log), "-o", opts, "start", check=False)
        if result.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else result.stderr
            raise WarehouseError(f"PostgreSQL did not start:\n{tail}")
    _ensure_database(state)
    return state


def _ensure_database(state: EmbeddedState) -> None:
    import psycopg

    with psycopg.connect(state.url("postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
        if not exists:
            create_database(conn, DATABASE)


def stop() -> bool:
    """Stop the embedded cluster; data stays under `.resettle/pgdata` for the next `up`."""
    if not is_running():
        return False
    _pg_ctl("-w", "-m", "fast", "stop")
    return True


def embedded_url() -> str | None:
    """The URL of the embedded cluster if it has been initialised, running or not."""
    state = _load_state()
    return state.url() if state else None
