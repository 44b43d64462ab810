"""Airflow on the embedded setup: AIRFLOW_HOME under `.resettle/airflow`, SQLite metadata, our folders.

The same environment serves `resettle run` (in-process `dag.test()`) and `resettle airflow up` (the real
API server, scheduler, DAG processor and triggerer), so both run the same DAGs against the same warehouse.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from resettle.domain.config import WAREHOUSE_CONN_ID, settings
from resettle.domain.net import port_in_use
from resettle.warehouse.dbt_runner import OFFLINE_ENV

ADMIN_USER = "admin"
DEFAULT_PORT = 8080
AIRFLOW_VERSION = "3.3.2"
"""The Airflow release the embedded metadata database was last migrated for (its marker file says so)."""
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def _secret(name: str, make=lambda: secrets.token_urlsafe(64)) -> str:
    """A per-installation secret kept under AIRFLOW_HOME (never committed), created on first use."""
    path = settings().airflow_home / f".{name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


SQLITE_CONNECT_ARGS = {"timeout": 60}
"""How the embedded services open their SQLite metadata database (`[database] sql_alchemy_connect_args` names
this by import path). SQLite takes one writer at a time and the others wait for its lock: 5 s by default, which
the services of a loaded two-core machine exceed (the API server then answers 500); a minute they do not."""


def environment(warehouse_url: str, port: int = DEFAULT_PORT) -> dict[str, str]:
    """Environment variables for every Airflow process of the embedded setup."""
    s = settings()
    home = s.airflow_home
    venv_bin = str(Path(sys.executable).parent)
    return {
        **OFFLINE_ENV,
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(s.dags_dir),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(s.plugins_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": f"{__name__}.SQLITE_CONNECT_ARGS",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
        # build_marts's model tasks follow the dbt graph layer by layer, each a fraction of a second: an idle
        # scheduler looking again after 1 s (the default) would make the graph's depth cost that many seconds.
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__CORE__FERNET_KEY": _secret("fernet_key", _fernet_key),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__API__HOST": "127.0.0.1",
        # the address in the links Airflow makes (task logs in failure alerts): RESETTLE_AIRFLOW_URL when users
        # reach the UI elsewhere (a reverse proxy), else where it listens
        "AIRFLOW__API__BASE_URL": s.airflow_url or f"http://127.0.0.1:{port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": _secret("jwt_secret"),
        "AIRFLOW__API__SECRET_KEY": _secret("api_secret"),
        "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "resettle",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        # The watcher's build is one task: its per-node states go to XCom once, not also to a Variable
        # rewritten on every event (Cosmos flushes that copy on failure, for the retry).
        "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": warehouse_url,
        "RESETTLE_HOME": str(s.home),
        "RESETTLE_LANDING": str(s.landing),
        "RESETTLE_OUTBOX": str(s.outbox),
        "RESETTLE_ARCHIVE": str(s.archive),
        "PYTHONPATH": str(s.plugins_dir) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "RESETTLE_SETTLE_SECONDS": str(s.settle_seconds),
        "RESETTLE_RECEIVED_CLOCK": s.received_clock,
    }


def apply(warehouse_url: str, port: int = DEFAULT_PORT) -> None:
    """Set the embedded environment in this process (before Airflow is imported) and migrate its database."""
    env = environment(warehouse_url, port)
    os.environ.update(env)
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    marker = home / f".migrated-{AIRFLOW_VERSION}"
    if not marker.exists():
        _migrate(home, env)
        marker.touch()
    from resettle.intake.archive import private_tree

    private_tree(home)  # the metadata database holds connections (the warehouse URL) and run history


def migrated_template() -> Path:
    """A metadata database as `airflow db migrate` leaves a new home's (tables, the default pool, the log
    templates: nothing of any one home), kept per Airflow release in the user's cache folder."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "resettle" / f"airflow-{AIRFLOW_VERSION}-metadata.db"


def _migrate(home: Path, env: dict[str, str]) -> None:
    """Bring the home's metadata database to this release. A new home starts from a copy of the migrated
    database of an earlier one (`migrated_template`), a few milliseconds instead of some 4 s of CPU for each
    new home (every test's, every demo's); an existing database, or a home with no copy to start from, is
    migrated, and the first migration of a new database leaves its copy for the next home."""
    database = home / "airflow.db"  # Airflow's own default, unless the environment names another database
    template = migrated_template()
    new = not database.exists() and not {**os.environ, **env}.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if new and template.is_file():
        shutil.copyfile(template, database)
        return
    subprocess.run(
        [_airflow(), "db", "migrate"],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if new:
        with contextlib.suppress(OSError):  # no cache folder: the next home migrates too
            template.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
            shutil.copyfile(database, partial)
            partial.chmod(0o600)
            partial.replace(template)  # whole or not at all, whichever process migrated last


def clear_queued_builds(dag_id: str, after, before) -> int:
    """Drop the Asset events queued for `dag_id` between `after` and `before`, once an in-process run
    (`resettle run`) has built what they announce: a scheduler started later would otherwise run the same
    build again. Events queued earlier (an ingestion run without a build) stay queued. Returns how many."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        result = session.execute(
            delete(AssetDagRunQueue).where(
                AssetDagRunQueue.target_dag_id == dag_id,
                AssetDagRunQueue.created_at >= after,
                AssetDagRunQueue.created_at < before,
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _airflow() -> str:
    return shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"


def _pid_file() -> Path:
    return settings().airflow_home / "services.json"


def running() -> dict[str, int]:
    path = _pid_file()
    if not path.exists():
        return {}
    alive = {}
    for name, pid in json.loads(path.read_text())["pids"].items():
        try:
            os.kill(pid, 0)
            alive[name] = pid
        except OSError:
            pass
    return alive


def up(warehouse_url: str, port: int = DEFAULT_PORT, wait_seconds: int = 180) -> dict:
    """Start the four Airflow services in the background and wait until the API answers."""
    if running():
        info = json.loads(_pid_file().read_text())
        return info
    busy = [p for p in (port, port + 1, port + 2) if port_in_use(p)]
    if busy:
        raise RuntimeError(
            f"port(s) {busy} already in use (the UI takes --port, its log servers the next two); "
            "choose another with --port"
        )
    apply(warehouse_url, port)
    env = {**os.environ, **environment(warehouse_url, port)}
    logs = settings().airflow_home / "logs" / "services"
    logs.mkdir(parents=True, exist_ok=True)
    procs = {}
    for component in COMPONENTS:
        with (logs / f"{component}.log").open("ab") as log:
            procs[component] = subprocess.Popen(
                [_airflow(), component],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                umask=0o077,
            )
    pids = {name: proc.pid for name, proc in procs.items()}
    info = {"pids": pids, "port": port, "url": f"http://127.0.0.1:{port}", "user": ADMIN_USER}
    _pid_file().write_text(json.dumps(info))
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in procs.values()):
            down()
            dead = next(name for name, proc in procs.items() if proc.poll() is not None)
            tail = (logs / f"{dead}.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"Airflow's {dead} stopped during start-up:\n{tail}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(2)
    else:
        down()
        raise RuntimeError(f"Airflow API did not answer on port {port} within {wait_seconds}s; see {logs}")
    from resettle.intake.archive import private_tree

    private_tree(settings().airflow_home)
    info["password"] = admin_password()
    return info


def admin_password() -> str | None:
    path = settings().airflow_home / "simple_auth_manager_passwords.json"
    if path.exists():
        return json.loads(path.read_text()).get(ADMIN_USER)
    return None


def down(timeout: float = 30) -> list[str]:
    """Stop the services (their whole process groups: the workers too)."""
    stopped = []
    for name, pid in running().items():
        try:
            os.killpg(pid, signal.SIGTERM)
            stopped.append(name)
        except OSError:
            pass
    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in running().values():
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    _pid_file().unlink(missing_ok=True)
    return stopped
