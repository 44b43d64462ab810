"""Every dataset ingests from xlsx and from CSV in the shapes offices use, with exactly the same rows in `raw`.

Each generated file is written again by real libraries in the other shapes (xlsx with a merged title and
a notes row, CSV in GBK, CSV in UTF-8 with BOM, English headers), and each variant must load the same
typed rows as the original.
"""

from __future__ import annotations

import csv

import openpyxl
import psycopg
import pytest

from resettle.devtools.generator import generate
from resettle.domain.config import DISTRICTS
from resettle.domain.contracts import DATASETS, contract
from resettle.intake.discover import LandedFile, discover
from resettle.intake.parse import parse
from resettle.intake.process import process_file
from resettle.warehouse.schema import DERIVED_COLUMNS, NOT_STORED, bootstrap

pytestmark = pytest.mark.integration
PERIOD = "2026-10"


def _xlsx(path, title, headers, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.number_format = "@"
    ws.append([])
    ws.append(["填报说明：本表按月报送，数据截至月末。"])
    wb.save(path)


def _csv(path, headers, rows, encoding):
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)


def _typed_rows(conn, dataset: str, submission_id: int) -> list[tuple]:
    stored = [n for n in contract(dataset).column_names if n not in NOT_STORED.get(dataset, ())]
    columns = ", ".join([*stored, *DERIVED_COLUMNS.get(dataset, ())])
    return conn.execute(
        f"select {columns} from raw.{dataset} where submission_id = %s order by source_row", (submission_id,)
    ).fetchall()


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    landing = tmp_path_factory.mktemp("formats_landing")
    generate(landing, PERIOD, households=300, seed=21)
    return {
        parse(f.path).dataset: f
        for f in discover(landing, PERIOD)
        if f.source == "xiangyang" or f.source not in DISTRICTS
    }


@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_loads_the_same_rows_from_every_shape(dataset, originals, resettle_env, warehouse_url):
    original: LandedFile = originals[dataset]
    parsed = parse(original.path)
    c = contract(dataset)
    rows = parsed.rows
    chinese = [parsed.columns.get(name, name.removeprefix("extra:")) for name in parsed.headers]
    chinese = [c.column(h).header_zh if h in c.column_names else h for h in chinese]
    english = [
        h
        if h not in {col.header_zh for col in c.columns}
        else next(col.name for col in c.columns if col.header_zh == h)
        for h in chinese
    ]
    folder = resettle_env["landing"] / original.source / PERIOD
    folder.mkdir(parents=True)
    keyword = c.file_keywords[0]
    variants = {
        f"{keyword}_原件{original.path.suffix}": None,
        f"{keyword}_带标题.xlsx": lambda p: _xlsx(p, f"{c.title_zh}（2026年10月）", chinese, rows),
        f"{keyword}_GBK.csv": lambda p: _csv(p, chinese, rows, "gb18030"),
        f"{keyword}_BOM.csv": lambda p: _csv(p, chinese, rows, "utf-8-sig"),
        f"{keyword}_english.csv": lambda p: _csv(p, english, rows, "utf-8"),
    }
    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
        if dataset in ("household_roster", "monthly_progress"):
            ledger = originals["project_ledger"]
            (folder / ledger.path.name).write_bytes(ledger.path.read_bytes())
            assert (
                process_file(conn, LandedFile(original.source, PERIOD, folder / ledger.path.name))["status"]
                == "accepted"
            )
        loaded = []
        for name, write in variants.items():
            path = folder / name
            if write is None:
                path.write_bytes(original.path.read_bytes())
            else:
                write(path)
            outcome = process_file(conn, LandedFile(original.source, PERIOD, path))
            if write is not None and path.read_bytes() == original.path.read_bytes():
                assert outcome["status"] == "duplicate", name
                continue
            assert outcome["status"] in ("accepted", "accepted_with_warnings"), (name, outcome["message_zh"])
            assert outcome["rows_valid"] == len(rows), name
            loaded.append((name, _typed_rows(conn, dataset, outcome["submission_id"])))
    reference = loaded[0][1]
    assert len(reference) == len(rows) > 0
    for name, typed in loaded[1:]:
        assert typed == reference, name
