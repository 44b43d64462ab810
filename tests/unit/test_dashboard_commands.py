"""The dashboard's CLI subcommands parse as documented, its app never loads at package import, and mart
column descriptions give short Chinese labels."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from resettle.cli.dashboard import STREAMLIT_FLAGS, add_commands, dashboard_env, streamlit_command
from resettle.reporting.dashboard.data import label_of


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="resettle")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def test_users_dashboard_and_bulletin_commands_parse():
    parser = _parser()
    args = parser.parse_args(["users", "add", "ts_clerk", "--role", "district", "--district", "taishan"])
    assert (args.action, args.username, args.role, args.district) == ("add", "ts_clerk", "district", "taishan")
    assert parser.parse_args(["users", "disable", "ts_clerk"]).action == "disable"
    assert parser.parse_args(["users", "list"]).action == "list"
    assert parser.parse_args(["dashboard", "--port", "8601"]).port == 8601
    args = parser.parse_args(["bulletin", "--period", "2026-10", "--out", "x"])
    assert (args.period, args.out) == ("2026-10", "x")
    for bad in (["bulletin", "--period", "2026-13"], ["users", "add", "x", "--role", "admin"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_streamlit_runs_headless_without_telemetry_or_table_downloads():
    command = streamlit_command(8601)
    assert command[1:4] == ["-m", "streamlit", "run"] and "8601" in command
    flags = dict(zip(STREAMLIT_FLAGS[::2], STREAMLIT_FLAGS[1::2], strict=True))
    assert flags["--server.headless"] == "true" and flags["--browser.gatherUsageStats"] == "false"
    assert flags["--client.disableDataExport"] == "true"


def test_the_app_gets_the_login_role_url_and_not_the_admin_url(monkeypatch):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", "postgresql://postgres:secret@h/db")
    env = dashboard_env("postgresql://resettle_dashboard:pw@h/db")
    assert "RESETTLE_WAREHOUSE_URL" not in env
    assert env["RESETTLE_DASHBOARD_DB_URL"].startswith("postgresql://resettle_dashboard:")


def test_importing_the_package_and_commands_does_not_import_streamlit():
    code = (
        "import sys, resettle.reporting.dashboard, resettle.cli.dashboard, resettle.reporting.dashboard.data, "
        "resettle.reporting.bulletin, resettle.warehouse.access; print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("column", "description", "label"),
    [
        ("households_unresettled", "未安置户数 — households not yet resettled at the end of the month.", "未安置户数"),
        ("project_name", "项目名称.", "项目名称"),
        ("households_total", "涉及户数 (ledger).", "涉及户数"),
        ("period", "Reporting month, `YYYY-MM` (报送期).", "报送期"),
        ("odd", "Only English here.", "odd"),
        ("empty", None, "empty"),
    ],
)
def test_labels_come_from_the_persisted_column_descriptions(column, description, label):
    assert label_of(column, description) == label


def test_serve_only_dashboard_without_its_password_or_warehouse_says_which(tmp_path):
    import os
    import subprocess
    import sys

    from resettle.domain.net import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESETTLE_")}
    env.update({"RESETTLE_HOME": str(tmp_path), "RESETTLE_WAREHOUSE_URL": f"postgresql://resettle@127.0.0.1:{port}/r"})
    argv = [sys.executable, "-m", "resettle.cli", "dashboard", "--no-setup", "--address", "0.0.0.0"]
    missing = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        "error: RESETTLE_DASHBOARD_PASSWORD (or RESETTLE_DASHBOARD_PASSWORD_FILE) is not set",
    )
    (tmp_path / "pw").write_text("x" * 24)
    env["RESETTLE_DASHBOARD_PASSWORD_FILE"] = str(tmp_path / "pw")
    unreachable = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert unreachable.returncode == 2
    assert unreachable.stderr.strip().startswith(
        f"error: cannot reach the warehouse at 127.0.0.1:{port}/r as the dashboard role: "
    )
    assert len(unreachable.stderr.strip().splitlines()) == 1


def test_the_dashboard_binds_the_address_it_is_given():
    from resettle.cli.dashboard import streamlit_command

    argv = streamlit_command(8501, "0.0.0.0")
    assert argv[argv.index("--server.address") + 1] == "0.0.0.0"
    assert "127.0.0.1" in streamlit_command(8501)
