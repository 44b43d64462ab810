"""Benchmarks that print their figures: the intake of a big household roster against a plain COPY.

`resettle bench intake --rows N` writes a roster CSV of N valid rows (GBK, as districts send it) with the
project ledger it belongs to, then times, each in a fresh process so peak memory is its own: a plain
`COPY` of the file into a bare table of text columns, and the full intake (archive, register, parse,
normalize, the whole validation suite, COPY into raw in one transaction with the register).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from resettle.devtools.generator import people
from resettle.domain.contracts import contract

PROJECTS = 250
AGREEMENT_FOR = {"异地产权调换": "产权调换协议书", "原址回迁": "回迁安置承诺书", "租赁住房": "租赁住房协议书"}
SOURCE, PERIOD = "xiangyang", "2026-10"


def _templates(rng: random.Random, n: int) -> list[dict]:
    """A pool of distinct, valid household facts, reused across the big file (codes are made unique)."""
    issued: set[str] = set()
    pool = []
    for _ in range(n):
        male = rng.random() < 0.5
        birth = people.random_date(rng, dt.date(1940, 1, 1), dt.date(2000, 12, 31))
        displaced = rng.random() < 0.6
        choices = ["异地产权调换", "原址回迁"] if displaced else ["租赁住房", "原址购房", "未选择"]
        choice = rng.choice(choices)
        agreement = AGREEMENT_FOR.get(choice, "无")
        pool.append({
            "head_name": people.person_name(rng, male),
            "id_number": people.resident_id(rng, "230402", birth, male, issued),
            "phone": people.phone(rng) or "",
            "household_type": "被动迁" if displaced else "现金购房",
            "contract_date": people.random_date(rng, dt.date(2010, 1, 1), dt.date(2018, 12, 31)).isoformat(),
            "contracted_area_m2": f"{rng.randint(45, 140)}.{rng.randint(0, 9)}",
            "has_lawful_residence": "否" if not displaced else rng.choice(["是", "否"]),
            "resettlement_choice": choice,
            "agreement_type": agreement,
            "agreement_date": "2021/3/15" if agreement != "无" else "",
            "petition_level": rng.choice(["无"] * 8 + ["区", "市"]),
        })
    return pool


def write_roster(landing: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """A roster CSV of `rows` households over PROJECTS projects, and the ledger xlsx-free CSV they match."""
    rng = random.Random(seed)
    folder = landing / SOURCE / PERIOD
    folder.mkdir(parents=True, exist_ok=True)
    roster_c, ledger_c = contract("household_roster"), contract("project_ledger")
    per_project = -(-rows // PROJECTS)
    pool = _templates(rng, 2000)
    roster = folder / "向阳区居民台账（2026年10月）.csv"
    counts: dict[str, int] = {}
    with roster.open("w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([c.header_zh for c in roster_c.columns])
        for i in range(rows):
            project = f"XY2012-{i // per_project + 1:03d}"
            counts[project] = counts.get(project, 0) + 1
            facts = pool[i % len(pool)]
            values = {**facts, "household_code": f"{project}-{i % per_project + 1:04d}", "project_code": project,
                      "contract_no": f"HT{i:08d}", "resettled": "否", "resettled_date": "", "unit_code": ""}
            out.writerow([values[c.name] for c in roster_c.columns])
    uscc = people.uscc(rng, "230402", 2010)
    ledger = folder / "向阳区项目台账（2026年10月）.csv"
    with ledger.open("w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([c.header_zh for c in ledger_c.columns])
        for project, n in counts.items():
            values = {"project_code": project, "project_name": f"测试小区{project[-3:]}", "district": "向阳区",
                      "developer_name": "鹤岗市测试房地产开发有限公司", "developer_uscc": uscc,
                      "project_nature": "市场开发", "disposal_category": "2", "contracted_return_date": "2015-06-30",
                      "overdue_reason": "资金链断裂", "households_total": str(n), "households_unresettled": str(n),
                      "resettlement_area_m2": "1,000.5", "lead_unit": "区住建局", "remarks": ""}
            out.writerow([values[c.name] for c in ledger_c.columns])
    return roster, ledger


def _peak_mb_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _child(mode: str, url: str, path: Path, env_home: Path) -> dict:
    """Run one measured step in a fresh interpreter; it prints its own JSON figures."""
    import os

    env = {"RESETTLE_WAREHOUSE_URL": url, "RESETTLE_HOME": str(env_home), "RESETTLE_ARCHIVE": str(env_home / "archive"),
           "RESETTLE_LANDING": str(path.parents[2]), "RESETTLE_OUTBOX": str(env_home / "outbox")}
    out = subprocess.run([sys.executable, "-m", "resettle.devtools.bench", mode, str(path)], env={**os.environ, **env},
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench step {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plain_copy(path: Path) -> dict:
    import psycopg

    from resettle import warehouse

    names = [c.name for c in contract("household_roster").columns]
    with psycopg.connect(warehouse.url()) as conn:
        conn.execute("drop table if exists public.bench_plain_copy")
        conn.execute(f"create table public.bench_plain_copy ({', '.join(f'{n} text' for n in names)})")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "copy public.bench_plain_copy from stdin with (format csv, header true, encoding 'GB18030')") as cp, \
                path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                cp.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - start
        rows = conn.execute("select count(*) from public.bench_plain_copy").fetchone()[0]
        conn.execute("drop table public.bench_plain_copy")
        conn.commit()
    return {"seconds": seconds, "rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _intake(path: Path) -> dict:
    import psycopg

    from resettle import warehouse
    from resettle.intake.discover import LandedFile
    from resettle.intake.process import process_file

    start = time.perf_counter()
    import great_expectations  # noqa: F401  (a fixed start-up cost of each worker, reported on its own)

    imported = time.perf_counter() - start
    with psycopg.connect(warehouse.url()) as conn:
        start = time.perf_counter()
        outcome = process_file(conn, LandedFile(SOURCE, PERIOD, path))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "import_seconds": imported, "rows": outcome["rows_valid"], "status": outcome["status"],
            "errors": outcome["errors"], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bench_intake(rows: int) -> dict:
    """Write the files, prepare a clean database, and time both steps; returns the figures."""
    import psycopg

    from resettle import warehouse
    from resettle.warehouse.schema import bootstrap

    base = warehouse.url(start=True)
    name = f"bench_{int(time.time())}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="resettle-bench-") as tmp:
            tmp_path = Path(tmp)
            started = time.perf_counter()
            roster, ledger = write_roster(tmp_path / "landing", rows)
            written = time.perf_counter() - started
            with psycopg.connect(url) as conn:
                bootstrap(conn)
            _child("_intake", url, ledger, tmp_path / "home")
            plain = _child("_plain_copy", url, roster, tmp_path / "home")
            intake = _child("_intake", url, roster, tmp_path / "home")
            return {"rows": rows, "file_mb": roster.stat().st_size / 1e6, "write_seconds": written,
                    "plain_copy": plain, "intake": intake, "ratio": intake["seconds"] / plain["seconds"]}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def report(figures: dict) -> str:
    plain, intake = figures["plain_copy"], figures["intake"]
    return "\n".join([
        f"household roster: {figures['rows']:,} rows, {figures['file_mb']:.1f} MB (GB18030 CSV)",
        f"plain COPY     : {plain['seconds']:7.2f} s  {plain['rows'] / plain['seconds']:>10,.0f} rows/s"
        f"  peak {plain['peak_mb']:,.0f} MB",
        f"full intake    : {intake['seconds']:7.2f} s  {intake['rows'] / max(intake['seconds'], 1e-9):>10,.0f} rows/s"
        f"  peak {intake['peak_mb']:,.0f} MB  ({intake['status']}, {intake['errors']} errors)",
        f"  (plus {intake['import_seconds']:.1f} s once per worker process to import Great Expectations)",
        f"ratio intake / COPY: {figures['ratio']:.2f}x   (target: at most 4x, peak under 2,048 MB)",
    ])


if __name__ == "__main__":
    mode, path = sys.argv[1], Path(sys.argv[2])
    step = {"_plain_copy": _plain_copy, "_intake": _intake}[mode]
    print(json.dumps(step(path)))
