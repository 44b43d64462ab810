"""Find submitted files in the landing zone: `<landing>/<source>/<YYYY-MM>/<file>`.

Only a regular file whose real path is `<source folder>/<YYYY-MM>/<its own name>` is a submission. A
symbolic link, a device, a FIFO, a socket, a folder, or anything whose real path leads out of the sender's
own month folder (a linked month folder, a link to another district or to a secret) is *refused*: it is
listed with the reason, registered and answered with a receipt, and its target is never opened.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from resettle.domain.config import SOURCES
from resettle.domain.periods import PERIOD_RE

_IGNORED_PREFIXES = ("~$",)
"""Excel's lock files (`~$name.xlsx`): Excel's bookkeeping while a clerk has the file open, never data."""

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
    period: str
    path: Path
    refused: str | None = None
    """A key of REFUSED_ZH when the entry is not a regular file of the sender's own folder."""

    @property
    def file_name(self) -> str:
        return self.path.name


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


def discover(landing: Path, period: str | None = None, sources: tuple[str, ...] = SOURCES) -> list[LandedFile]:
    """Every entry a known source dropped for the period (or for all periods), in a stable order.

    Excel lock files (`~$...`) and anything outside the layout are not submissions; refused entries are
    returned with `refused` set so that the sender is told.
    """
    found = []
    for source in sources:
        source_dir = landing / source
        if not source_dir.is_dir():
            continue
        source_real = Path(os.path.realpath(source_dir))
        for period_dir in sorted(source_dir.iterdir()):
            if not PERIOD_RE.match(period_dir.name) or not period_dir.is_dir():
                continue
            if period and period_dir.name != period:
                continue
            month_real = source_real / period_dir.name
            linked_month = Path(os.path.realpath(period_dir)) != month_real
            for path in sorted(period_dir.iterdir()):
                if path.name.startswith(_IGNORED_PREFIXES):
                    continue
                reason = "outside" if linked_month else refusal(path, month_real)
                found.append(LandedFile(source, period_dir.name, path, reason))
    return found
