"""The immutable archive: every file's bytes are kept under their sha256 before anything else happens.

The server-side name never derives from the clerk's file name, so no name can collide with, overwrite or
escape the archive; the clerk's name is kept as metadata in the register.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Archived:
    sha256: str
    size_bytes: int
    path: Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive(path: Path, archive_root: Path) -> Archived:
    """Copy a file into the archive (once per content) and return where it is; existing copies are kept."""
    sha = sha256_of(path)
    suffix = path.suffix.lower() if path.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".xls") else ".bin"
    target = archive_root / sha[:2] / f"{sha}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
        if sha256_of(tmp) != sha:
            tmp.unlink()
            raise OSError(f"archive copy of {path} does not match its hash; the file changed while being read")
        tmp.chmod(0o444)
        os.replace(tmp, target)
    return Archived(sha256=sha, size_bytes=target.stat().st_size, path=target)
