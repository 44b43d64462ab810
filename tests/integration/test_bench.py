"""`resettle bench all --quick` runs every benchmark at small sizes and writes its report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_bench_all_quick_writes_every_figure(warehouse_url, resettle_env, tmp_path):
    report = tmp_path / "benchmarks.md"
    env = {**os.environ, "RESETTLE_WAREHOUSE_URL": warehouse_url, "PYTHONPATH": str(REPO / "plugins")}
    out = subprocess.run(
        [sys.executable, "-m", "resettle.cli", "bench", "all", "--quick", "--out", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    for figure in (
        "intake, 20,000-row",
        "xlsx read",
        "month latency, 300 households",
        "dashboard p95, 总览 (leader)",
        "dashboard p95, 住户 (district)",
        "marts, incremental month",
        "DAG parse, build_marts",
    ):
        assert figure in text, figure
    assert "| figure | measured | target | baseline (same run) | ratio |" in text
