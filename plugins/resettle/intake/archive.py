"""The immutable archive: every file's bytes are kept under their sha256 before anything else happens.

The server-side name never derives from the clerk's file name, so no name can collide with, overwrite or
escape the archive; the clerk's name is kept as metadata in the register. The archive holds clear rosters:
its files are 0600 and its folders 0700 (readable by the service user only), set here, not left to umask.

The landing file is opened once without following links and copied from that open descriptor, and the hash
is computed from the copy, so what is archived is exactly what was hashed; a file whose size or modification time
changes while it is read (still being uploaded) is not archived (`Unsettled`) and waits for the next run.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700
COPY_STEP = 1 << 30


class Unsettled(Exception):
    """The file changed while it was being read (an upload in progress): try again on the next run."""


class NotRegular(Exception):
    """The landing entry is no longer a regular file (replaced by a link, a FIFO...) when opened."""


@dataclass(frozen=True)
class Archived:
    sha256: str
    size_bytes: int
    path: Path
    mtime: dt.datetime | None = None
    """The landing file's modification time as the file server recorded it (kept beside the received time)."""


def private_dir(path: Path) -> Path:
    """Create a folder (and missing parents) readable by the service user only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def private_tree(root: Path) -> Path:
    """Make a folder tree readable by the service user only: folders 0700, files 0600 (links untouched).
    For state written by libraries that follow the umask (Great Expectations, Airflow, SQLite)."""
    if not root.exists():
        return root
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, DIR_MODE)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)
    return root


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _copy(source: BinaryIO, target: BinaryIO) -> None:
    """Copy the open landing file into the open archive copy: inside the kernel where the system offers it
    (a 150 MB roster in a twentieth of the time the bytes take through Python), else read and written."""
    kernel_copy = getattr(os, "copy_file_range", None)  # Linux only
    try:
        if kernel_copy is not None:
            while kernel_copy(source.fileno(), target.fileno(), COPY_STEP):
                pass
            return
    except OSError as err:
        if err.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM):
            raise
    source.seek(0)
    target.seek(0)
    target.truncate()
    shutil.copyfileobj(source, target, 1 << 20)


def archive(path: Path, archive_root: Path, settle_seconds: float = 0.0, now: float | None = None) -> Archived:
    """Copy a file into the archive (once per content) and return where it is; existing copies are kept.

    Raises `Unsettled` when the file is younger than `settle_seconds` or changes while being copied, and
    `NotRegular` when the entry is not (or no longer) a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if path.is_symlink():
            raise NotRegular(str(path)) from err
        raise
    with os.fdopen(fd, "rb") as fh:
        before = os.fstat(fh.fileno())
        if not stat.S_ISREG(before.st_mode):
            raise NotRegular(str(path))
        age = (dt.datetime.now(dt.UTC).timestamp() if now is None else now) - before.st_mtime
        if age < settle_seconds:
            raise Unsettled(f"{path} was modified {age:.0f}s ago (settle period {settle_seconds:.0f}s)")
        private_dir(archive_root)
        tmp_dir = private_dir(archive_root / "tmp")
        tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            out_fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(out_fd, "w+b") as out:
                _copy(fh, out)
                out.seek(0)
                sha = hashlib.file_digest(out, "sha256").hexdigest()
            after = os.fstat(fh.fileno())
            try:
                now_there = os.lstat(path)
            except FileNotFoundError:
                now_there = None
            if (
                _signature(after) != _signature(before)
                or now_there is None
                or _signature(now_there) != _signature(before)
            ):
                raise Unsettled(f"{path} changed while it was being read")
            suffix = (
                path.suffix.lower() if path.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".tsv", ".xls") else ".bin"
            )
            target = private_dir(archive_root / sha[:2]) / f"{sha}{suffix}"
            if not target.exists():
                os.chmod(tmp, FILE_MODE)
                os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return Archived(
        sha256=sha, size_bytes=before.st_size, path=target, mtime=dt.datetime.fromtimestamp(before.st_mtime, tz=dt.UTC)
    )


def clean_partial_copies(archive_root: Path, older_than_seconds: float = 3600.0) -> int:
    """Remove copies a crashed run left half-written in the archive's `tmp` folder; returns how many."""
    tmp_dir = archive_root / "tmp"
    if not tmp_dir.is_dir():
        return 0
    cutoff = dt.datetime.now(dt.UTC).timestamp() - older_than_seconds
    removed = 0
    for part in tmp_dir.glob("*.part"):
        try:
            if part.lstat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
