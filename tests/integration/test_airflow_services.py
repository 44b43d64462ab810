"""The real Airflow services on the embedded setup run a DAG through the scheduler, then stop cleanly."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from resettle.devtools.generator import generate
from resettle.domain.config import LANDING_WATCH_STATE
from resettle.domain.contracts import datasets_for
from resettle.domain.net import free_port_block
from resettle.domain.vocabulary import accepted_statuses

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PERIOD = "2026-10"
KEPT_SOURCES = ("nanshan", "police")


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _request(url: str, method: str = "GET", body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, headers=headers, method=method), timeout=30
    ) as r:
        return json.loads(r.read())


def _maps_library(pid: int, part: str, wait: float = 0) -> bool:
    """Whether a process has mapped a shared library whose path contains `part` (it imported the module),
    waiting up to `wait` seconds for it to do so."""
    deadline = time.monotonic() + wait
    while part not in Path(f"/proc/{pid}/maps").read_text():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_scheduler_runs_ingestion_triggered_through_the_api(resettle_env, warehouse_url):
    """One district's month (both ingestion waves) and one department's file: the services, the API and the
    trigger are under test here, not the count of files; `build_marts` under a scheduler is the Celery
    topology's test, so it is paused here."""
    generate(resettle_env["landing"], PERIOD, households=200, seed=3)
    for folder in resettle_env["landing"].iterdir():
        if folder.is_dir() and folder.name not in KEPT_SOURCES:
            shutil.rmtree(folder)
    port = free_port_block()
    env = {**os.environ, "RESETTLE_WAREHOUSE_URL": warehouse_url, "PYTHONPATH": str(REPO / "plugins")}
    cli = [sys.executable, "-m", "resettle.cli", "airflow"]
    up = subprocess.run([*cli, "up", "--port", str(port)], env=env, capture_output=True, text=True, timeout=400)
    services = Path(resettle_env["home"]) / "airflow" / "services.json"
    try:
        assert up.returncode == 0, up.stdout + up.stderr[-3000:]
        assert f"http://127.0.0.1:{port}" in up.stdout
        airflow_home = Path(resettle_env["home"]) / "airflow"
        private = {
            p: stat.S_IMODE(p.stat().st_mode)
            for p in (airflow_home, *airflow_home.glob("*.db"), airflow_home / ".fernet_key")
        }
        assert all(mode == (0o700 if p.is_dir() else 0o600) for p, mode in private.items()), private
        # the scheduler forks every task: it imported the intake's libraries once; the API server did not
        started = json.loads(services.read_text())["pids"]
        assert _maps_library(started["scheduler"], "pandas/_libs", wait=60), "the scheduler did not preload pandas"
        assert not _maps_library(started["api-server"], "pandas/_libs")
        password = up.stdout.split("log in as admin / ")[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        token = _request(f"{base}/auth/token", "POST", {"username": "admin", "password": password})["access_token"]

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            dags = {d["dag_id"] for d in _request(f"{base}/api/v2/dags", token=token)["dags"]}
            if {"ingest_submissions", "build_marts"} <= dags:
                break
            time.sleep(2)
        assert {"ingest_submissions", "build_marts"} <= dags
        _request(f"{base}/api/v2/dags/build_marts", "PATCH", {"is_paused": True}, token)
        _request(f"{base}/api/v2/dags/ingest_submissions", "PATCH", {"is_paused": False}, token)
        run = _request(
            f"{base}/api/v2/dags/ingest_submissions/dagRuns",
            "POST",
            {"logical_date": None, "conf": {"period": PERIOD}},
            token,
        )

        state, deadline = run["state"], time.monotonic() + 600
        while state not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(3)
            state = _request(f"{base}/api/v2/dags/ingest_submissions/dagRuns/{run['dag_run_id']}", token=token)["state"]
        assert state == "success"
        with psycopg.connect(warehouse_url) as conn:
            accepted = conn.execute(
                "select count(*) from ops.submission where status = any(%s)", (list(accepted_statuses()),)
            ).fetchone()[0]
        assert accepted == sum(len(datasets_for(source)) for source in KEPT_SOURCES)

        watch_state = Path(resettle_env["home"]) / LANDING_WATCH_STATE
        deadline = time.monotonic() + 120
        while not watch_state.exists() and time.monotonic() < deadline:
            time.sleep(2)
        assert watch_state.exists(), "the triggerer never started watching the landing zone"
        police = next((resettle_env["landing"] / "police" / PERIOD).iterdir())
        resent = police.with_name("市公安局涉案企业信息_再次报送.csv")
        resent.write_bytes(police.read_bytes())

        found, deadline = None, time.monotonic() + 240
        while found is None and time.monotonic() < deadline:
            time.sleep(5)
            runs = _request(f"{base}/api/v2/dags/ingest_submissions/dagRuns", token=token)["dag_runs"]
            found = next((r for r in runs if r["run_type"] == "asset_triggered" and r["state"] == "success"), None)
        assert found is not None, "dropping a file did not start an asset-triggered ingestion run"
        with psycopg.connect(warehouse_url) as conn:
            status = conn.execute("select status from ops.submission where file_name = %s", (resent.name,)).fetchone()
        assert status == ("duplicate",)
        pids = json.loads(services.read_text())["pids"]
    finally:
        down = subprocess.run([*cli, "down"], env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stderr
    assert set(down.stdout.split("stopped: ")[1].strip().split(", ")) == {
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
    }
    time.sleep(1)
    assert not [name for name, pid in pids.items() if _alive(pid)]
    assert not services.exists()
    assert _free(port)
