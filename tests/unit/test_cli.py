"""The `resettle` command explains itself, and its month arithmetic is right."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from resettle.cli import build_parser
from resettle.domain.periods import add_months, last_due_period

SUBCOMMANDS = ["warehouse", "generate", "run", "demo", "airflow", "status", "template", "suites", "staging", "bench",
               "dbt"]


def test_top_level_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "resettle.cli", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    for name in SUBCOMMANDS:
        assert name in out.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_a_description(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: resettle {name}" in text
    assert len(text.splitlines()) >= 4


def test_a_malformed_period_is_refused(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--period", "2026-13"])
    assert "YYYY-MM" in capsys.readouterr().err


@pytest.mark.parametrize(("period", "n", "expected"), [
    ("2026-11", -2, "2026-09"), ("2026-01", -1, "2025-12"), ("2025-12", 1, "2026-01"), ("2026-05", 0, "2026-05"),
])
def test_add_months(period, n, expected):
    assert add_months(period, n) == expected


def test_last_due_period_turns_on_the_25th():
    assert last_due_period(dt.date(2026, 11, 24)) == "2026-10"
    assert last_due_period(dt.date(2026, 11, 25)) == "2026-11"
    assert last_due_period(dt.date(2026, 1, 3)) == "2025-12"
