"""One small world for the dashboard, row-security and bulletin tests: two generated months ingested and
built by dbt in a database of the session's PostgreSQL, the access roles and demo users, and the dashboard
running as `streamlit run` against it (as the dashboard's own login role), with a headless Chromium.

Built once per session (about a minute); screenshots go to test-artifacts/dashboard/ (three are kept in git:
总览 with its deltas and district map, the bulletin's first page, a district's 数据质量).
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from resettle.domain.processes import stop_child
from tests.databases import fresh_database, own_folders

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
FIRST, MONTHS, HOUSEHOLDS, SEED = "2026-09", 2, 400, 31
PERIODS = ("2026-09", "2026-10")
CORE_MARTS = (
    "project_joint_review",
    "household_resettlement",
    "district_monthly_progress",
    "housing_supply",
    "developer_risk",
    "unmatched_company_records",
)


@dataclass(frozen=True)
class World:
    admin_url: str
    login_url: str
    home: Path
    users: dict[str, tuple[str, str | None, str]]
    """username -> (role, district, password)."""
    latest: str

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        """One query's rows as the warehouse's owner, who sees every district and every table."""
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(query, params).fetchall()

    def top_project(self, order_by: str, where: str = "true") -> str:
        """The latest month's first project in this order, among those `where` keeps: a project a test can
        rely on to show what it looks for."""
        [(code,)] = self.rows(
            f"select project_code from marts.project_joint_review where period = %s and {where}"
            f" order by {order_by} limit 1",
            (self.latest,),
        )
        return code


def _build_marts(url: str) -> None:
    """The whole dbt build, tests included, as the pipeline runs it; then the marts the dashboard reads."""
    from resettle.airflow.pipeline import build_marts

    build_marts(url)
    with psycopg.connect(url) as conn:
        missing = [t for t in CORE_MARTS if not conn.execute("select to_regclass(%s)", (f"marts.{t}",)).fetchone()[0]]
    assert not missing, f"marts not built: {missing}"


@pytest.fixture(scope="package")
def world(pg_server, tmp_path_factory) -> World:
    from resettle.airflow.pipeline import prepare_warehouse
    from resettle.devtools.generator import generate
    from resettle.reporting.dashboard.users import ensure_demo_users
    from resettle.warehouse.access import ensure_roles, login_url
    from tests.e2e.test_marts_recompute import _ingest

    root = tmp_path_factory.mktemp("dashboard_world")
    with fresh_database(pg_server, "t_dash") as url:
        with pytest.MonkeyPatch.context() as mp:
            own_folders(root, mp)
            mp.setenv("RESETTLE_WAREHOUSE_URL", url)
            generate(root / "landing", FIRST, months=MONTHS, households=HOUSEHOLDS, seed=SEED)
            prepare_warehouse(url)
            for period in PERIODS:
                _ingest(url, period)
            with psycopg.connect(url) as conn:
                ensure_roles(conn)  # before the build: the dbt post-hook alone must secure the marts
            _build_marts(url)
            with psycopg.connect(url) as conn:
                users = {u: (role, district, pw) for u, role, district, pw in ensure_demo_users(conn)}
            login = login_url(url)
        yield World(url, login, root / "home", users, PERIODS[-1])


@pytest.fixture(scope="package")
def dashboard(world) -> str:
    """`streamlit run` of the app on a free port, as the dashboard login role; yields its base URL."""
    from resettle.cli.dashboard import streamlit_command
    from resettle.domain.net import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESETTLE_")}
    env.update(
        {
            "RESETTLE_DASHBOARD_DB_URL": world.login_url,
            "RESETTLE_HOME": str(world.home),
            "PYTHONPATH": str(REPO / "plugins"),
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
    )
    log = open(world.home / "streamlit.log", "w")  # noqa: SIM115 - closed after the process
    process = subprocess.Popen(streamlit_command(port), env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("streamlit did not start:\n" + (world.home / "streamlit.log").read_text())
        time.sleep(0.3)
    yield base
    stop_child(process)
    log.close()


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium from the system (`make browser` installs Debian's); never a downloaded one."""
    from playwright.sync_api import sync_playwright

    from resettle.reporting.bulletin import CHROMIUM_OFFLINE_ARGS, find_chromium

    executable = find_chromium()
    if not executable:
        pytest.fail("no Chromium installed: run `make browser` (Debian's chromium)")
    with sync_playwright() as playwright:
        args = list(CHROMIUM_OFFLINE_ARGS)
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    return ARTIFACTS
