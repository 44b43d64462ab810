"""Discovery lists every entry a sender dropped anywhere under its folder: files in month folders as
submissions, files elsewhere as misplaced (with the month their names give, if exactly one), links, devices
and too-deep folders as refused, never followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resettle.intake.discover import LandedFile, discover, named_months


def _drop(landing: Path, relative: str, data: bytes = b"a,b\n") -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _listed(entries: list[LandedFile]) -> dict[str, tuple]:
    return {f"{e.source}/{e.file_name}": (e.period, e.folder, e.placed, e.refused) for e in entries}


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("向阳区项目台账2026年10月", ["2026-10"]),
        ("2026年9月", ["2026-09"]),
        ("兴安区_项目台账_202610", ["2026-10"]),
        ("2026.10", ["2026-10"]),
        ("XY2019-001 与 XY-2014-001", []),  # project codes are not months
        ("2026年9月-2026年10月", ["2026-09", "2026-10"]),
        ("新建文件夹", []),
    ],
)
def test_months_named_by_file_and_folder_names(text, months):
    assert named_months(text) == months


def test_every_file_under_a_source_folder_is_listed_with_its_month(tmp_path):
    landing = tmp_path / "landing"
    _drop(landing, "xiangyang/2026-10/向阳区项目台账.xlsx")
    _drop(landing, "xiangyang/向阳区居民台账2026年10月.xlsx")
    _drop(landing, "xiangyang/2026年10月/向阳区月度进展.xlsx")
    _drop(landing, "xiangyang/2026-10/补报/向阳区居民台账.xlsx")
    _drop(landing, "xiangyang/新建文件夹/向阳区月度进展.xlsx")
    _drop(landing, "xiangyang/2026年9月/向阳区项目台账2026年10月.xlsx")
    _drop(landing, "xiangyang/~$向阳区居民台账.xlsx")  # Excel's lock file
    _drop(landing, "xiangyang/2026-10/Thumbs.db")  # what Explorer and Finder leave behind
    _drop(landing, "xiangyang/新建文件夹/desktop.ini")
    _drop(landing, "xiangyang/.DS_Store")
    _drop(landing, "xiangyang/2026-10/._向阳区项目台账.xlsx")

    listed = _listed(discover(landing))
    assert listed == {
        "xiangyang/向阳区项目台账.xlsx": ("2026-10", None, None, None),
        "xiangyang/向阳区居民台账2026年10月.xlsx": ("2026-10", "", "name", None),
        "xiangyang/2026年10月/向阳区月度进展.xlsx": ("2026-10", "2026年10月", "folder", None),
        "xiangyang/2026-10/补报/向阳区居民台账.xlsx": ("2026-10", "2026-10/补报", "folder", None),
        "xiangyang/新建文件夹/向阳区月度进展.xlsx": (None, "新建文件夹", None, None),  # the title may tell
        "xiangyang/2026年9月/向阳区项目台账2026年10月.xlsx": (None, "2026年9月", None, None),  # two months
    }
    # filtered by month: a misplaced file of another month is left out, one of no known month is not
    october = _listed(discover(landing, "2026-10"))
    assert "xiangyang/新建文件夹/向阳区月度进展.xlsx" in october
    assert "xiangyang/向阳区居民台账2026年10月.xlsx" in october
    assert set(_listed(discover(landing, "2026-09"))) == {
        "xiangyang/新建文件夹/向阳区月度进展.xlsx",
        "xiangyang/2026年9月/向阳区项目台账2026年10月.xlsx",
    }


def test_links_are_refused_wherever_they_are_and_never_followed(tmp_path):
    landing, secrets = tmp_path / "landing", tmp_path / "secrets"
    _drop(secrets, "inner/passwords.csv")
    (landing / "tax").mkdir(parents=True)
    os.symlink(secrets / "inner" / "passwords.csv", landing / "tax" / "税务2026年10月.csv")
    os.symlink(secrets, landing / "tax" / "旧文件")
    _drop(landing, "tax/a/b/c/d/deep.csv")

    listed = _listed(discover(landing))
    assert listed == {
        "tax/税务2026年10月.csv": ("2026-10", "", "name", "link"),
        "tax/旧文件": (None, "", None, "link"),
        "tax/a/b/c/d": (None, "a/b/c", None, "folder"),
    }
    assert not any("passwords" in name for name in listed)


def test_an_entry_travels_to_a_task_and_back_unchanged(tmp_path):
    entry = LandedFile("court", None, tmp_path / "x.csv", None, "2026年10月", None)
    assert LandedFile.from_task(entry.as_task()) == entry
    plain = LandedFile("court", "2026-10", tmp_path / "y.csv")
    assert plain.as_task() == {"source": "court", "period": "2026-10", "path": str(tmp_path / "y.csv")}
    assert LandedFile.from_task(plain.as_task()) == plain
