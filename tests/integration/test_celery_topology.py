"""The production topology as processes on one machine: Airflow's metadata in PostgreSQL, Redis, the API
server, scheduler, DAG processor, triggerer and two Celery workers, each with the environment
docker-compose.yml gives its container (service names mapped to 127.0.0.1, volumes and secrets to folders).

A month of files dropped into the landing folder must go through `ingest_submissions` and `build_marts`
on both workers, and give the marts the embedded `resettle run` builds from the same files."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from resettle.devtools.generator import generate
from resettle.domain.config import LANDING_WATCH_STATE
from resettle.domain.net import free_port
from resettle.warehouse.checksums import LINEAGE_COLUMNS, mart_checksums
from resettle.warehouse.dbt_runner import ensure_manifest
from resettle.warehouse.server import create_database
from tests import compose
from tests.integration.test_airflow_services import _alive

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PERIOD = "2026-10"
HOUSEHOLDS = 200
KEPT_SOURCES = ("nanshan", "xingan", "housing_bureau", "police")
"""Two districts' months (both ingestion waves) and two departments' files: enough for both workers to take
tasks of both DAGs, and for `build_marts` to build every mart; the whole city would only add more of the
same ingestion tasks."""
WORKERS = ("worker-1", "worker-2")
SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
IMAGE_PATHS = {
    "/opt/resettle/dags": REPO / "dags",
    "/opt/resettle/dbt_project": REPO / "dbt_project",
    "/opt/resettle/expectations": REPO / "expectations",
}
"""What the Dockerfile copies into the image, at the same place in the repository."""
PIPELINE_SECONDS = 1200
EMBEDDED_SECONDS = 900
"""Bounds for a loaded machine; on an idle 2-core machine the whole test takes a fraction of them."""
TIME_DEPENDENT_MARTS = {"alert_history"}
"""Filled by the hourly `check_alerts`, whose result depends on the moment it runs (the embedded run has
no hourly check)."""


class Topology:
    """Processes started from the compose file's services, stopped together."""

    def __init__(self, tmp: Path, replacements: dict[str, str], extra: dict[str, str]):
        self.tmp, self.replacements, self.extra = tmp, replacements, extra
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = tmp / "logs"
        self.logs.mkdir()

    def map(self, value: str) -> str:
        for container, local in sorted(self.replacements.items(), key=lambda kv: -len(kv[0])):
            value = value.replace(container, local)
        return value

    def env(self, service: str, **overrides: str) -> dict[str, str]:
        spec = compose.load()["services"][service]
        derived = {name: self.map(value) for name, value in compose.environment(spec).items()}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RESETTLE_"))}
        return {**base, **derived, **self.extra, **overrides}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def tail(self, name: str, chars: int = 3000) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-chars:]

    def stop(self, timeout: float = 90, resend_after: float = 30) -> list[str]:
        """SIGTERM to every service, then SIGKILL to what is left after `timeout`; returns the killed ones.

        The services the broker serves stop first, the broker last, as `docker compose down` orders them (a
        scheduler whose broker is gone retries it instead of exiting). A service still running after
        `resend_after` gets one more SIGTERM: Airflow's handler exits by raising SystemExit, which Python
        drops when the signal lands while a garbage-collector callback runs ("Exception ignored in
        _collection_gced"), and the service then runs on; a second `docker compose stop` does the same."""
        services = [proc for name, proc in self.procs.items() if name != "redis"]
        for proc in services:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        resend = time.monotonic() + resend_after
        for proc in services:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, resend - time.monotonic()))
        for proc in services:
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in services:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        if "redis" in self.procs:
            with contextlib.suppress(OSError):
                os.killpg(self.procs["redis"].pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.procs["redis"].wait(timeout=max(0.1, deadline - time.monotonic()))
        forced = [name for name, proc in self.procs.items() if proc.poll() is None]
        for name in forced:
            with contextlib.suppress(OSError):
                os.killpg(self.procs[name].pid, signal.SIGKILL)
            self.procs[name].wait(timeout=30)
        return forced


def _database(pg_server: str, role: str, password: str, superuser: bool = False) -> tuple[str, str]:
    """A fresh database owned by `role` (created or given `password`); returns (name, host:port)."""
    name = f"{role}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(f"{verb} role {role} login {'superuser' if superuser else ''} password '{password}'")
        create_database(conn, name, owner=role)
    host = pg_server.split("@", 1)[1].split("/", 1)[0]
    return name, host


def _drop(pg_server: str, *names: str) -> None:
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'drop database if exists "{name}" with (force)')


def _write_secrets(folder: Path, values: dict[str, str]) -> None:
    folder.mkdir()
    for name in compose.load()["secrets"]:
        (folder / name).write_text(values.get(name, secrets.token_hex(24)) + "\n")
        (folder / name).chmod(0o600)


def _wait(condition, seconds: float, what: str, topology: Topology, every: float = 3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if topology.dead():
            name = topology.dead()[0]
            pytest.fail(f"{name} stopped while waiting for {what}:\n{topology.tail(name)}")
        result = condition()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"timed out after {seconds:.0f}s waiting for {what}")


def _seconds(duration: str) -> float:
    """A compose duration such as `30s` or `1m` in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units[duration[-1]]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _healthcheck(topology: Topology, service: dict) -> bool:
    """Run a service's compose healthcheck against its local process (its port and host name mapped)."""
    test = service["healthcheck"]["test"]
    if test[0] == "CMD" and test[1] == "curl":
        url = test[-1].replace("8974", topology.extra["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"])
        return _healthy(url.replace("localhost", "127.0.0.1"))
    from airflow.utils.net import get_hostname

    env = topology.env("airflow-scheduler", HOSTNAME=get_hostname())
    check = subprocess.run(
        ["bash", "-c", compose.interpolate(test[1])], env=env, capture_output=True, text=True, timeout=120
    )
    return check.returncode == 0


def _wait_healthy(topology: Topology, name: str, check: dict) -> None:
    grace = _seconds(check["start_period"]) + check["retries"] * _seconds(check["interval"])
    _wait(lambda: _healthcheck(topology, {"healthcheck": check}), grace, f"{name}'s health", topology)


def _write_differences(celery_url: str, embedded_url: str, celery: dict, embedded: dict) -> None:
    """Both deployments' rows of each mart that differs, to the artifacts: what a failed comparison needs."""
    from resettle.warehouse.checksums import SCHEMA

    lines = []
    for table in sorted(t for t in {*celery, *embedded} if celery.get(t) != embedded.get(t)):
        for name, url in (("celery", celery_url), ("embedded", embedded_url)):
            with psycopg.connect(url) as conn:
                rows = conn.execute(f'select * from {SCHEMA}."{table}" order by 1, 2').fetchall()
            lines += [f"{table} in the {name} run:", *(f"  {row}" for row in rows)]
    (ARTIFACTS / "celery-topology-differences.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:200]))  # shown with the failure, where the artifacts folder is not kept


def test_celery_topology_from_the_compose_file_runs_the_pipeline_on_two_workers(pg_server, tmp_path):
    redis = shutil.which("redis-server")
    assert redis, "redis-server is missing: `make browser` installs it (Debian's redis-server)"
    ensure_manifest()
    spec = compose.load()
    started = time.monotonic()

    airflow_password, warehouse_password = secrets.token_hex(16), secrets.token_hex(16)
    airflow_db, pg_host = _database(pg_server, "airflow", airflow_password)
    warehouse_db, _ = _database(pg_server, "resettle", warehouse_password, superuser=True)
    embedded_db, _ = _database(pg_server, "resettle", warehouse_password, superuser=True)
    redis_port, api_port = free_port(), free_port()
    _write_secrets(
        tmp_path / "secrets",
        {
            "airflow_db_password": airflow_password,
            "warehouse_password": warehouse_password,
            "airflow_fernet_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "smtp_default": "",
            "resettle_webhook": "",
        },
    )

    replacements = {
        "airflow-db:5432/airflow": f"{pg_host}/{airflow_db}",
        "warehouse-db:5432/resettle": f"{pg_host}/{warehouse_db}",
        "redis:6379": f"127.0.0.1:{redis_port}",
        "airflow-apiserver:8080": f"127.0.0.1:{api_port}",
        "/run/secrets/": f"{tmp_path}/secrets/",
        "/opt/airflow": str(tmp_path / "opt-airflow"),
        **{container: str(local) for container, local in IMAGE_PATHS.items()},
    }
    service = spec["services"]["airflow-scheduler"]
    for mount in service["volumes"]:
        volume, target = mount.split(":", 1)
        replacements[target] = str(tmp_path / "volumes" / volume)
        (tmp_path / "volumes" / volume).mkdir(parents=True)
    for config in service["configs"]:
        replacements[config["target"]] = str(REPO / compose.interpolate(spec["configs"][config["source"]]["file"]))
    airflow_home = tmp_path / "opt-airflow"
    extra = {  # what each container has of its own: a home, a PATH, ports no other service shares
        "AIRFLOW_HOME": str(airflow_home),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")]),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
    }
    topology = Topology(tmp_path, replacements, extra)
    landing = tmp_path / "volumes" / "landing"
    report_lines: list[str] = []

    # The same files, with the same modification times, for the embedded `resettle run`, which runs
    # alongside the topology (one after the other would double the test's time).
    staged = tmp_path / "staged"
    generate(staged, PERIOD, households=HOUSEHOLDS, seed=3)
    for folder in staged.iterdir():
        if folder.is_dir() and folder.name not in KEPT_SOURCES:
            shutil.rmtree(folder)
    expected_files = sum(1 for source in staged.iterdir() if source.is_dir() for p in source.rglob("*") if p.is_file())
    shutil.copytree(staged, tmp_path / "embedded-landing", copy_function=shutil.copy2)
    embedded = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RESETTLE_"))},
        "PYTHONPATH": str(REPO / "plugins"),
        "RESETTLE_WAREHOUSE_URL": f"postgresql://resettle:{warehouse_password}@{pg_host}/{embedded_db}",
        "RESETTLE_HOME": str(tmp_path / "embedded"),
        "RESETTLE_LANDING": str(tmp_path / "embedded-landing"),
        "RESETTLE_ARCHIVE": str(tmp_path / "embedded-archive"),
        "RESETTLE_OUTBOX": str(tmp_path / "embedded-outbox"),
        "RESETTLE_PSEUDONYM_KEY_FILE": str(tmp_path / "secrets" / "pseudonym_key"),
    }
    with (tmp_path / "embedded-run.log").open("wb") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "resettle.cli", "run", "--period", PERIOD],
            env=embedded,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        topology.start(
            "redis",
            [
                redis,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            os.environ.copy(),
        )
        init = spec["services"]["airflow-init"]
        script = topology.map(compose.interpolate(init["command"][1]))
        result = subprocess.run(
            ["bash", "-c", script], env=topology.env("airflow-init"), capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        assert "warehouse initialised" in result.stdout

        for name in SERVICES:
            command = shlex.split(spec["services"][name]["command"])
            topology.start(name, ["airflow", *command], topology.env(name))
        for worker in WORKERS:
            command = shlex.split(spec["services"]["airflow-worker"]["command"])
            env = topology.env(
                "airflow-worker",
                RESETTLE_TEST_WORKER_NAME=worker,
                AIRFLOW__CORE__HOSTNAME_CALLABLE="tests.integration.celery_worker_name.hostname",
                AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            )
            topology.start(worker, ["airflow", *command, "--celery-hostname", f"{worker}@%h"], env)

        _wait(lambda: _healthy(f"http://127.0.0.1:{api_port}/api/v2/monitor/health"), 180, "the API server", topology)
        watch_state = Path(topology.map("/opt/resettle/state")) / LANDING_WATCH_STATE
        _wait(watch_state.exists, 180, "the triggerer to watch the landing folder", topology)
        report_lines.append(f"services up after {time.monotonic() - started:.0f}s")
        # as Docker would: red checks during the start period and up to `retries` more do not count; the
        # services are checked at once, as Docker checks each on its own clock (two are `airflow` commands)
        with ThreadPoolExecutor(max_workers=3) as pool:
            checks = [
                pool.submit(_wait_healthy, topology, name, spec["services"][name]["healthcheck"])
                for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
            ]
            for check in checks:
                check.result()

        for source in sorted(p for p in staged.iterdir() if p.is_dir()):
            source.rename(landing / source.name)  # the whole month lands at once: one ingestion run
        metadata = f"postgresql://airflow:{airflow_password}@{pg_host}/{airflow_db}"
        warehouse = f"postgresql://resettle:{warehouse_password}@{pg_host}/{warehouse_db}"

        def settled() -> bool:
            with psycopg.connect(warehouse) as conn:
                done = conn.execute(
                    "select count(*) from ops.submission where status in ('accepted', 'accepted_with_warnings')"
                ).fetchone()[0]
            with psycopg.connect(metadata) as conn:
                runs = conn.execute(
                    "select dag_id, state from dag_run where dag_id in ('ingest_submissions', 'build_marts')"
                ).fetchall()
                queued = conn.execute("select count(*) from asset_dag_run_queue").fetchone()[0]
            failed = [dag for dag, state in runs if state == "failed"]
            assert not failed, f"{failed} failed; see {topology.logs}"
            return (
                done == expected_files
                and queued == 0
                and ("build_marts", "success") in runs
                and all(state == "success" for _, state in runs)
            )

        _wait(lambda: settled() and (time.sleep(8) or settled()), PIPELINE_SECONDS, "ingest and marts", topology)
        report_lines.append(f"pipeline done after {time.monotonic() - started:.0f}s ({expected_files} files accepted)")
        with psycopg.connect(metadata) as conn:
            per_host = dict(
                conn.execute(
                    "select hostname, count(*) from task_instance where state = 'success' and dag_id in "
                    "('ingest_submissions', 'build_marts') group by hostname order by hostname"
                ).fetchall()
            )
            per_dag = conn.execute(
                "select dag_id, hostname, count(*) from task_instance where state = 'success' "
                "group by 1, 2 order by 1, 2"
            ).fetchall()
            on_workers, model_tasks = conn.execute(
                "select count(*) filter (where hostname <> '' or try_number <> 1), count(*) from task_instance "
                "where dag_id = 'build_marts' and task_id like 'dbt.%_run' and state = 'success'"
            ).fetchone()
            dag_runs = conn.execute(
                "select dag_id, run_type, start_date, end_date, state from dag_run order by start_date"
            ).fetchall()
        report_lines.append(f"successful task instances per worker: {per_host}")
        report_lines += [
            f"  run {dag_id} ({run_type}) {start} .. {end}: {state}" for dag_id, run_type, start, end, state in dag_runs
        ]
        report_lines += [f"  {dag_id} on {host}: {n}" for dag_id, host, n in per_dag]
    finally:
        if sys.exc_info()[0] is not None and run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        forced = topology.stop()
        report_lines.append(f"stopped after {time.monotonic() - started:.0f}s; forced: {forced or 'none'}")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "celery-topology.txt").write_text("\n".join(report_lines) + "\n")
        print("\n".join(report_lines))

    assert set(WORKERS) <= set(per_host), f"tasks ran on {per_host}, not on both workers"
    # a deferred task (the dbt build's watchers) may finish in the triggerer, which records no worker
    assert set(per_host) - set(WORKERS) <= {""}, f"tasks ran outside the two workers: {per_host}"
    # each model's task is started and ended by the triggerer, which watches the one dbt build for it
    assert model_tasks > 0 and on_workers == 0, f"{on_workers} of {model_tasks} model tasks needed a worker"
    assert not forced, f"{forced} did not stop on SIGTERM"
    assert not [name for name, proc in topology.procs.items() if _alive(proc.pid)]

    try:
        returncode = run.wait(timeout=EMBEDDED_SECONDS)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert returncode == 0, (tmp_path / "embedded-run.log").read_text(errors="replace")[-3000:]

    # received_at is when the platform first saw a file: each deployment saw the same files at other moments
    ignore = (*LINEAGE_COLUMNS, "received_at")
    celery_marts = mart_checksums(warehouse, ignore=ignore)
    embedded_marts = mart_checksums(embedded["RESETTLE_WAREHOUSE_URL"], ignore=ignore)
    for table in TIME_DEPENDENT_MARTS:
        celery_marts.pop(table, None), embedded_marts.pop(table, None)
    if celery_marts != embedded_marts:
        _write_differences(warehouse, embedded["RESETTLE_WAREHOUSE_URL"], celery_marts, embedded_marts)
    assert celery_marts == embedded_marts
    assert celery_marts["household_resettlement"][0] > 0
    with open(ARTIFACTS / "celery-topology.txt", "a") as out:
        out.write(
            f"marts equal to the embedded run's: {sorted(celery_marts)}\ntotal {time.monotonic() - started:.0f}s\n"
        )
    _drop(pg_server, airflow_db, warehouse_db, embedded_db)
