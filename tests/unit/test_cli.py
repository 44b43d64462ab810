"""The `resettle` command explains itself, and its month arithmetic is right."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from resettle.cli import build_parser
from resettle.domain.periods import add_months, last_due_period

SUBCOMMANDS = [
    "warehouse",
    "generate",
    "run",
    "demo",
    "airflow",
    "status",
    "template",
    "suites",
    "staging",
    "bench",
    "dbt",
]


def test_top_level_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "resettle.cli", "--help"], capture_output=True, text=True, timeout=60)
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


@pytest.mark.parametrize(
    ("period", "n", "expected"),
    [
        ("2026-11", -2, "2026-09"),
        ("2026-01", -1, "2025-12"),
        ("2025-12", 1, "2026-01"),
        ("2026-05", 0, "2026-05"),
    ],
)
def test_add_months(period, n, expected):
    assert add_months(period, n) == expected


def test_last_due_period_turns_on_the_25th():
    assert last_due_period(dt.date(2026, 11, 24)) == "2026-10"
    assert last_due_period(dt.date(2026, 11, 25)) == "2026-11"
    assert last_due_period(dt.date(2026, 1, 3)) == "2025-12"


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("resettle ") and out.split()[1][0].isdigit()


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--period", "2026-10"],
        ["alerts", "list"],
        ["alerts", "check"],
        ["extensions", "list"],
        ["users", "list"],
    ],
)
def test_every_listing_command_takes_json(argv):
    assert build_parser().parse_args([*argv, "--json"]).json is True


def test_tables_line_up_chinese_and_latin_text():
    from rich.cells import cell_len

    from resettle.cli.status import format_table

    rows = [
        {
            "source": source,
            "dataset": "project_ledger",
            "status": "accepted",
            "on_time": True,
            "rows": n,
            "errors": 0,
            "warnings": 0,
            "received_at": "2026-10-20T14:31:00+08:00",
            "file_name": name,
        }
        for source, n, name in (("housing_center", 12345, "a.xlsx"), ("xiangyang", 8, "向阳区台账.xlsx"))
    ]
    rows[0]["dataset"] = "housing_units"
    lines = format_table(rows).splitlines()
    data = [line for line in lines if "2026-10-20" in line]
    assert len(data) == 2
    for marker in ("2026-10-20", "是"):
        assert len({cell_len(line[: line.index(marker)]) for line in data}) == 1, marker
    assert len({cell_len(line.rstrip()[: line.rindex(" ")]) for line in data}) == 1, "counts are right-aligned"
