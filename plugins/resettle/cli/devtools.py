"""The developer commands: `resettle generate` (synthetic submissions) and `resettle bench intake|marts`.

`add_commands(subparsers)` adds them to the `resettle` parser, like every module of this package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resettle.cli.options import add_out, add_period, add_world, command
from resettle.domain.config import settings


def cmd_generate(args: argparse.Namespace) -> int:
    from resettle.devtools.generator import generate

    out = Path(args.out) if args.out else settings().landing
    report = generate(
        out,
        args.period,
        months=args.months,
        seed=args.seed,
        households=args.households,
        inject_errors=args.inject_errors,
    )
    print(f"wrote {len(report.files)} files for {args.months} month(s) from {args.period} into {out}")
    if args.inject_errors:
        print(f"injected {len(report.errors)} clerk mistakes (listed in {out / '_generation.json'})")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    argv = sys.argv[1:]
    args.rows_given = "--rows" in argv
    args.households_given = "--households" in argv or "--months" in argv
    if args.target == "marts":
        from resettle import warehouse
        from resettle.devtools import bench_marts

        print(bench_marts.report(bench_marts.bench_marts(warehouse.url(start=True), args.households, args.months)))
        return 0
    from resettle.devtools import bench

    if args.target == "all":
        marts = (args.households, args.months) if args.households_given else None
        print(
            bench.bench_all(
                quick=args.quick,
                marts=marts,
                out=Path(args.out) if args.out else None,
                month_households=tuple(args.month_households or ()) or None,
            )
        )
        return 0
    if args.target == "xlsx":
        f = bench.bench_xlsx(args.rows if args.rows_given else 100_000)
        print(
            f"xlsx roster: {f['rows']:,} rows, {f['file_mb']:.1f} MB\n"
            f"python-calamine (the intake's reader): {f['calamine_s']:7.2f} s\n"
            f"openpyxl                            : {f['openpyxl_s']:7.2f} s\n"
            f"ratio: {f['ratio']:.2f}x"
        )
        return 0
    figures = bench.bench_intake(args.rows)
    print(bench.report(figures))
    return 0


def add_commands(sub) -> None:
    g = command(
        sub,
        "generate",
        cmd_generate,
        help="write realistic synthetic submissions into a landing folder",
        description="Generate all datasets for the six districts and five departments, "
        "consistent across sources and months. Deterministic for a seed.",
    )
    add_out(g, "landing root to write into (default: RESETTLE_LANDING or data/landing)")
    add_period(g, "first reporting month, YYYY-MM")
    add_world(g, months=1, households=3000, errors_help="add the kinds of mistakes clerks make")

    b = command(
        sub,
        "bench",
        cmd_bench,
        help="benchmarks that print their figures",
        description="Measure speed and memory. `intake`: a household roster CSV of N rows through "
        "the full intake, against a plain COPY of the same file. `marts`: a full dbt "
        "build against the incremental build of one new month at M months of history "
        "(in a scratch database on the warehouse server). `xlsx`: the intake's "
        "workbook reader against openpyxl. `all`: every benchmark, written to "
        "docs/benchmarks.md.",
    )
    b.add_argument("target", choices=["intake", "xlsx", "marts", "all"], help="what to measure")
    b.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="intake: rows in the generated file (default 1,000,000); xlsx: rows (default 100,000)",
    )
    b.add_argument("--households", type=int, default=200_000, help="marts: households in the city (default 200,000)")
    b.add_argument("--months", type=int, default=24, help="marts: months of history (default 24)")
    b.add_argument("--quick", action="store_true", help="all: small sizes, a smoke test of every benchmark")
    b.add_argument(
        "--month-households",
        type=int,
        action="append",
        help="all: city size for the month latency (repeatable; default 3,000 and 20,000)",
    )
    add_out(b, "all: where to write the report (default docs/benchmarks.md)")
