"""`python -m resettle.devtools.generator`: fill a landing folder with synthetic submissions, for demos and tests."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from resettle.devtools.generator import MANIFEST, generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m resettle.devtools.generator", description="生成模拟报送文件")
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument("--period", required=True, help="first reporting month, YYYY-MM")
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20191111)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--inject-errors", action="store_true", help="plant clerks' mistakes, listed in the manifest")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = generate(
        args.out,
        args.period,
        months=args.months,
        seed=args.seed,
        households=args.households,
        inject_errors=args.inject_errors,
    )
    print(
        f"{len(report.files)} files, {sum(f.rows for f in report.files)} rows, {len(report.errors)} injected errors "
        f"in {time.perf_counter() - started:.1f}s; manifest: {args.out / MANIFEST}"
    )


if __name__ == "__main__":
    main()
