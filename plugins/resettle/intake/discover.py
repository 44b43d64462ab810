"""Find submitted files in the landing zone: `<landing>/<source>/<YYYY-MM>/<file>`, and every other file a
sender dropped anywhere under its own folder.

A regular file whose real path is `<source folder>/<YYYY-MM>/<its own name>` is a submission. A file elsewhere
under the source's folder (the folder itself, a `2026年10月/` folder, a subfolder of a month folder) is
*misplaced*: it is still listed, never skipped in silence. Its month is the one its file name or its folders
name, when they name exactly one (`placed`); when they name none, the intake reads its title row
(`resettle.intake.process`), and a file whose month cannot be told is answered with where to put it.

A symbolic link, a device, a FIFO, a socket, or anything whose real path leads out of the sender's own
folder (a linked month folder, a link to another district or to a secret) is *refused*: it is listed with
the reason, registered and answered with a receipt, and its target is never opened. Links to folders are
never followed, and folders deeper than `MAX_DEPTH` below the source's folder are refused, not searched.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from resettle.domain.config import SOURCES
from resettle.domain.periods import PERIOD_RE

_IGNORED_PREFIXES = ("~$", "._")
"""Excel's lock files (`~$name.xlsx`, Excel's bookkeeping while a clerk has the file open) and macOS's
AppleDouble companions (`._name.xlsx`): never data."""
_IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
"""What Windows Explorer and macOS Finder leave in any folder they show: answering them with a rejection
receipt would only confuse the clerk."""


def ignored(name: str) -> bool:
    """An operating system's or Excel's bookkeeping file, which no one sent."""
    return name.startswith(_IGNORED_PREFIXES) or name.lower() in _IGNORED_NAMES


MAX_DEPTH = 4
"""Folders below a source's folder searched for misplaced files (`2026年10月/补报/` is depth 2)."""
NAME_PERIOD = re.compile(r"(?<!\d)(20\d{2})\s*(?:年\s*|[-._])?(1[0-2]|0?[1-9])(?:\s*月|(?!\d))")
"""A month as file and folder names write it: `2026年10月`, `2026-10`, `2026.10`, `202610`."""

REFUSED_ZH = {
    "link": "该文件是一个链接（快捷方式），不是文件本身。系统不读取链接，请将文件本身复制到报送文件夹后重新报送",
    "special": "该项目不是普通文件（设备、管道或套接字），系统未读取。请报送 .xlsx 或 .csv 文件",
    "folder": "报送文件夹中有一个子文件夹，系统不读取子文件夹中的内容。请将文件直接放在当月报送文件夹中",
    "outside": "该文件实际位于本单位当月报送文件夹之外，系统未读取。请将文件本身复制到报送文件夹后重新报送",
}
"""Why a landed entry was refused, as the sender reads it on the receipt."""


@dataclass(frozen=True)
class LandedFile:
    source: str
    period: str | None
    """The reporting month; None for a misplaced file whose names give no month (its title may)."""
    path: Path
    refused: str | None = None
    """A key of REFUSED_ZH when the entry is not a regular file of the sender's own folder."""
    folder: str | None = None
    """For a misplaced file, its folder relative to the source's folder (`""` for the folder itself, `2026年10月`,
    `2026-10/补报`); None for a file in its month folder."""
    placed: str | None = None
    """How a misplaced file's month was found: `name`, `folder` or `title` (see PLACED_BY_ZH)."""

    @property
    def misplaced(self) -> bool:
        return self.folder is not None

    @property
    def file_name(self) -> str:
        """The name registered and shown to the sender: a misplaced file's path below the source's folder."""
        return f"{self.folder}/{self.path.name}" if self.folder else self.path.name

    def as_task(self) -> dict:
        """The entry as a task-mappable dict (`from_task` reads it back)."""
        out: dict = {"source": self.source, "period": self.period, "path": str(self.path)}
        for name in ("refused", "folder", "placed"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_task(cls, task: dict) -> LandedFile:
        return cls(
            task["source"],
            task.get("period"),
            Path(task["path"]),
            task.get("refused"),
            task.get("folder"),
            task.get("placed"),
        )


PLACED_BY_ZH = {"name": "文件名中的月份", "folder": "所在文件夹名中的月份", "title": "表格标题中的月份"}
"""How a misplaced file's month was found, as its receipt says it."""


def named_months(*texts: str) -> list[str]:
    """Every distinct month (`YYYY-MM`) the texts name, in order."""
    found = [f"{m[0]}-{int(m[1]):02d}" for text in texts for m in NAME_PERIOD.findall(text)]
    return list(dict.fromkeys(found))


def misplaced_months(folder: str, name: str) -> tuple[list[str], list[str]]:
    """The months a misplaced file's name (without its suffix) and its folders name."""
    return named_months(Path(name).stem), named_months(*folder.split("/")) if folder else []


def refusal(path: Path, month_dir_real: Path) -> str | None:
    """Why an entry of a month folder is not taken as a submission, or None for a regular file of its own.

    Uses lstat (never follows a link) and compares real paths, so neither a link nor a linked parent folder
    can lead the platform to read something the sender does not own.
    """
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    if not stat.S_ISREG(st.st_mode):
        return "special"
    if Path(os.path.realpath(path)) != month_dir_real / path.name:
        return "outside"
    return None


def _misplaced(
    source: str, source_real: Path, path: Path, folder: str, depth: int, period: str | None
) -> list[LandedFile]:
    """A misplaced entry (or every file below a misplaced folder), with its month where its names tell it."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return []
    if stat.S_ISDIR(st.st_mode) and depth < MAX_DEPTH:
        inner = f"{folder}/{path.name}" if folder else path.name
        found = []
        for child in sorted(path.iterdir()):
            if not ignored(child.name):
                found += _misplaced(source, source_real, child, inner, depth + 1, period)
        return found
    reason = "folder" if stat.S_ISDIR(st.st_mode) else refusal(path, source_real / folder if folder else source_real)
    by_name, by_folder = misplaced_months(folder, path.name)
    months = list(dict.fromkeys(by_name + by_folder))
    month = months[0] if len(months) == 1 else None
    if period and month not in (None, period):
        return []
    placed = None if month is None else "name" if by_name else "folder"
    return [LandedFile(source, month, path, reason, folder, placed)]


def discover(landing: Path, period: str | None = None, sources: tuple[str, ...] = SOURCES) -> list[LandedFile]:
    """Every entry a known source dropped for the period (or for all periods), in a stable order.

    Excel lock files (`~$...`) and Explorer's or Finder's bookkeeping (`Thumbs.db`) are not submissions;
    refused entries are returned with `refused` set so that the sender is told; misplaced files are returned
    with `folder` set (and, filtering by period, whenever their names give no month, since only their title
    can tell it).
    """
    found = []
    for source in sources:
        source_dir = landing / source
        if not source_dir.is_dir():
            continue
        source_real = Path(os.path.realpath(source_dir))
        for entry in sorted(source_dir.iterdir()):
            if ignored(entry.name):
                continue
            if not (PERIOD_RE.match(entry.name) and entry.is_dir()):
                found += _misplaced(source, source_real, entry, "", 1, period)
                continue
            if period and entry.name != period:
                continue
            month_real = source_real / entry.name
            linked_month = Path(os.path.realpath(entry)) != month_real
            for path in sorted(entry.iterdir()):
                if ignored(path.name):
                    continue
                reason = "outside" if linked_month else refusal(path, month_real)
                if reason == "folder":
                    found += _misplaced(source, source_real, path, entry.name, 2, period)
                    continue
                found.append(LandedFile(source, entry.name, path, reason))
    return found
