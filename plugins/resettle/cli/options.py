"""The options several commands share, declared once: a command and its handler, the reporting month, the
source, `--json`, `--out`, `--pdf` and the options that size a generated world.

`command` returns the parser it registers; the `add_*` helpers add one option (or one set) to a parser, so a
command group still reads top to bottom as the list of its commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from resettle.domain.config import SOURCES
from resettle.domain.periods import period_arg

SEED = 20191111
JSON_HELP = "print a JSON list of objects instead of a table"


def command(
    subparsers, name: str, func: Callable, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Register the subcommand `name`, run by `func(args)`."""
    parser = subparsers.add_parser(name, help=help, description=description)
    parser.set_defaults(func=func)
    return parser


def add_period(parser: argparse.ArgumentParser, help: str = "reporting month, YYYY-MM", required: bool = True) -> None:
    parser.add_argument("--period", type=period_arg, required=required, help=help)


def add_source(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument("--source", required=required, choices=SOURCES, help="the district or department")


def add_json(parser: argparse.ArgumentParser, help: str = JSON_HELP) -> None:
    parser.add_argument("--json", action="store_true", help=help)


def add_out(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--out", help=help)


def add_pdf(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--pdf", action="store_true", help=help)


def add_world(parser: argparse.ArgumentParser, months: int, households: int, errors_help: str) -> None:
    """How large a generated world is and how it is drawn: months, seed, households, clerks' mistakes."""
    parser.add_argument("--months", type=int, default=months, help=f"number of consecutive months (default {months})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument(
        "--households",
        type=int,
        default=households,
        help=f"households in the simulated city (default {households})",
    )
    parser.add_argument("--inject-errors", action="store_true", help=errors_help)
