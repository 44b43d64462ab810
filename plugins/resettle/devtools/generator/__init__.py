"""Synthetic monthly submissions from the six districts and five departments, as the landing zone receives them.

One simulated world per seed evolves month by month (world.py); each office reports its view of it
(reports.py) in its own file habit (writers.py) at a plausible time (schedule.py); on request, clerks'
mistakes are injected and recorded (errors.py) so that validation can be tested against a known answer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from resettle.devtools.generator import errors, reports, schedule, story
from resettle.devtools.generator.feeds import Feeds
from resettle.devtools.generator.office import Office
from resettle.devtools.generator.world import World
from resettle.devtools.generator.writers import HABITS, Layout, file_name, header, shown, write_table
from resettle.domain.config import DISTRICTS
from resettle.domain.contracts import contract

MANIFEST = "_generation.json"


@dataclass(frozen=True)
class FileWritten:
    source: str
    dataset: str
    period: str
    path: Path
    rows: int
    header_row: int
    submitted_at: dt.datetime


@dataclass(frozen=True)
class InjectedError:
    """A planted mistake, located the way a clerk finds it: file, Excel row (or CSV line) and header."""

    source: str
    dataset: str
    period: str
    file: str
    excel_row: int
    column: str
    column_header: str
    value: str | None
    kind: str
    description_zh: str


@dataclass
class GenerationReport:
    out: Path
    seed: int
    period: str
    months: int
    households: int
    files: list[FileWritten] = field(default_factory=list)
    control_project: str | None = None
    """A project on which no consistency flag may fire (see generate/office.py)."""
    planted: dict[str, str] = field(default_factory=dict)
    """Flag code -> a project where the generator planted its situation."""
    errors: list[InjectedError] = field(default_factory=list)
    story: story.Staged | None = None
    """The demo's last month (`story.Story`), when asked for."""

    def to_dict(self) -> dict:
        """The manifest's content; paths relative to `out` so the folder can be moved."""
        return {
            "seed": self.seed,
            "period": self.period,
            "months": self.months,
            "households": self.households,
            "control_project": self.control_project,
            "planted": self.planted,
            "files": [
                {
                    "source": f.source,
                    "dataset": f.dataset,
                    "period": f.period,
                    "path": f.path.relative_to(self.out).as_posix() if f.path.is_relative_to(self.out) else str(f.path),
                    "rows": f.rows,
                    "header_row": f.header_row,
                    "submitted_at": f.submitted_at.isoformat(),
                }
                for f in self.files
            ],
            "errors": [
                {
                    "source": e.source,
                    "dataset": e.dataset,
                    "period": e.period,
                    "file": e.file,
                    "excel_row": e.excel_row,
                    "column": e.column,
                    "column_header": e.column_header,
                    "value": e.value,
                    "kind": e.kind,
                    "description_zh": e.description_zh,
                }
                for e in self.errors
            ],
            **({"story": self.story.to_dict(self.out)} if self.story else {}),
        }


def _first_month(period: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return dt.date.fromisoformat(period + "-01")


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _tables(
    world: World, period: str, month_start: dt.date, seed: int, office: Office, feeds: Feeds
) -> dict[tuple[str, str], reports.Table]:
    """Every file of the month, in the order sources send them."""
    tables = {}
    refunds = feeds.roster_columns()
    for district in DISTRICTS:
        notes_rng = random.Random(f"{seed}/progress/{district}/{period}")
        tables[(district, "project_ledger")] = reports.project_ledger(world, district, period)
        tables[(district, "household_roster")] = reports.household_roster(world, district, period, refunds)
        tables[(district, "monthly_progress")] = reports.monthly_progress(
            world, district, period, month_start, notes_rng
        )
    tables[("housing_bureau", "construction_status")] = reports.construction_status(world, period)
    tables[("housing_center", "housing_units")] = reports.housing_units(world, period)
    tables[("court", "court_cases")] = reports.court_cases(world, period)
    tables[("police", "police_cases")] = reports.police_cases(world, period)
    tables[("tax", "tax_status")] = reports.tax_status(world, period)
    tables[("housing_center", "repayment_agreements")] = feeds.repayment_agreements(period)
    tables[("registration", "property_certificates")] = feeds.property_certificates(period)
    tables[("petition", "petition_cases")] = feeds.petition_cases(period)
    tables[("office", "review_decisions")] = reports.review_decisions(office, period)
    tables[("office", "supervision_items")] = reports.supervision_items(office, period)
    return tables


def _locate(injection: errors.Injection, layout: Layout, relative: str) -> InjectedError:
    table = injection.table
    habit = HABITS[table.source]
    column = contract(table.dataset).column(injection.column)
    if injection.row is None:
        excel_row, value = layout.header_row, None
    else:
        index = next(i for i, row in enumerate(table.rows) if row is injection.row)
        excel_row, value = layout.first_data_row + index, shown(habit, column, injection.value)
    return InjectedError(
        source=table.source,
        dataset=table.dataset,
        period=table.period,
        file=relative,
        excel_row=excel_row,
        column=column.name,
        column_header=header(habit, column),
        value=value,
        kind=injection.kind,
        description_zh=injection.description_zh,
    )


def _write(table: reports.Table, path: Path, submitted: dt.datetime, seed: int) -> Layout:
    layout = write_table(table, path, submitted, seed)
    stamp = submitted.timestamp()
    os.utime(path, (stamp, stamp))
    return layout


def _mistake(seed: int, kind_name: str, table: reports.Table) -> errors.Injection:
    """One planted mistake of a kind in a table about to be written (the demo's rejected file)."""
    kind = next(k for k in errors.KINDS if k.name == kind_name and k.dataset == table.dataset)
    placed = kind.apply(random.Random(f"{seed}/story/{table.source}/{table.period}"), table, set())
    if placed is None:
        raise ValueError(f"no row of {table.source}'s {table.dataset} fits the mistake {kind_name}")
    row, column, value = placed
    return errors.Injection(kind.name, kind.description_zh, table, row, column, value)


def generate(
    out: Path,
    period: str,
    months: int = 1,
    seed: int = 20191111,
    households: int = 3000,
    inject_errors: bool = False,
    demo: story.Story | None = None,
) -> GenerationReport:
    """Write `months` reporting months of every source's files under `<out>/<source>/<YYYY-MM>/`.

    The same arguments give the same files, byte for byte, and the same mtimes. With `demo`, the last
    month follows that story (a late district, a rejected file and its correction; see `story`).
    """
    out = Path(out)
    first = _first_month(period)
    if months < 1:
        raise ValueError("months must be at least 1")
    world = World(seed, households, first)
    office = Office(world, seed)
    feeds = Feeds(seed, world)
    targets = errors.plan(seed, months) if inject_errors else []
    report = GenerationReport(out, seed, period, months, households)
    report.control_project = office.control.project_code if office.control else None
    report.planted = office.planted
    for index in range(months):
        month_start = _add_months(first, index)
        label = f"{month_start:%Y-%m}"
        times = schedule.submission_times(seed, month_start)
        staged = demo if demo and index == months - 1 else None
        if staged:
            times, deadline = story.times(staged, label, times)
        cutoff = schedule.events_cutoff(times, month_start)
        world.advance(month_start, cutoff)
        feeds.advance(month_start, cutoff)
        office.month(month_start, cutoff)
        tables = _tables(world, label, month_start, seed, office, feeds)
        injections = errors.inject(seed, index, targets, tables) if targets else []
        layouts, paths = {}, {}
        sent: dict[str, int] = {}
        for (source, dataset), table in tables.items():
            root = staged.later if staged and source == staged.late else out
            path = root / source / label / file_name(source, dataset, month_start)
            submitted = schedule.file_time(times[source], sent.get(source, 0))
            sent[source] = sent.get(source, 0) + 1
            if staged and (source, dataset) == staged.rejected:
                corrected = story.corrected_path(staged.later / source / label / path.name)
                _write(table, corrected, story.corrected_time(submitted), seed)
                injections.append(_mistake(seed, staged.mistake, table))
                report.story = story.Staged(label, staged.late, times[staged.late], deadline, path, corrected)
            layouts[(source, dataset)] = _write(table, path, submitted, seed)
            paths[(source, dataset)] = path
            report.files.append(
                FileWritten(
                    source, dataset, label, path, len(table.rows), layouts[(source, dataset)].header_row, submitted
                )
            )
        for injection in injections:
            key = (injection.table.source, injection.table.dataset)
            relative = paths[key].relative_to(out).as_posix()
            report.errors.append(_locate(injection, layouts[key], relative))
    manifest = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    (out / MANIFEST).write_text(manifest, encoding="utf-8")
    return report


__all__ = ["MANIFEST", "FileWritten", "GenerationReport", "InjectedError", "generate"]
