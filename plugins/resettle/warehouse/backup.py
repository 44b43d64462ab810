"""Backup and restore of an installation: the warehouse (`pg_dump`, custom format) and the archive of every
file ever received, with a manifest of sha256 hashes so that a copy is checked before it is trusted.

The archive is what the warehouse cannot rebuild (the bytes the districts sent); everything in `raw`, `ops`
and `access` is in the dump, and the marts can always be rebuilt from them with dbt. A restore goes into
an empty warehouse only: it creates the roles the dump's grants and policies name, loads the dump in one
transaction, copies the archive back (checking each file), points the register at the archive's new
place, then runs the same idempotent set-up as `resettle warehouse init` (so a backup of an older release
is upgraded on the way in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

FORMAT = 1
DUMP = "warehouse.dump"
MANIFEST = "manifest.json"
ARCHIVE = "archive"
PG_BIN_ENV = "RESETTLE_PG_BIN"


class BackupError(RuntimeError):
    """A backup could not be made, checked or restored; the message says which file or database."""


def pg_tool(name: str) -> Path:
    """pg_dump / pg_restore: from RESETTLE_PG_BIN if set, else the PostgreSQL 16 binaries pgserver ships."""
    configured = os.environ.get(PG_BIN_ENV)
    if configured:
        return Path(configured) / name
    from resettle.warehouse.server import _bin

    return _bin(name)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment carrying it (a password never goes on argv)."""
    parts = urlsplit(url)
    env = {**os.environ}
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = (parts.username or "") + "@" + (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-1500:]}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(url: str, archive_root: Path, out: Path) -> Path:
    """Write `<out>/resettle-backup-<UTC time>/` with the dump, the archive and the manifest; return it."""
    from resettle.warehouse import describe
    from resettle.warehouse.migrations import applied

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out / f"resettle-backup-{stamp}"
    target.mkdir(parents=True)
    dsn, env = _libpq(url)
    _run(
        [str(pg_tool("pg_dump")), "--format=custom", "--no-owner", f"--file={target / DUMP}", dsn],
        env,
        f"pg_dump of {describe(url)}",
    )
    files = {DUMP: sha256_file(target / DUMP)}
    for path in sorted(p for p in archive_root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = Path(ARCHIVE) / path.relative_to(archive_root)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)
        files[relative.as_posix()] = sha256_file(target / relative)
    with psycopg.connect(url) as conn:
        version = max(applied(conn), default=0)
        submissions = conn.execute("select count(*) from ops.submission").fetchone()[0]
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warehouse": describe(url),
        "schema_version": version,
        "submissions": submissions,
        "archive_root": str(archive_root),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return target


def verify(folder: Path) -> dict:
    """The manifest, once every file it lists is present with its hash; else a BackupError naming the file."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise BackupError(f"{folder / MANIFEST}: not a resettle backup manifest ({err})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST}: unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup")
        if sha256_file(path) != expected:
            raise BackupError(f"{path} does not match its sha256 in the manifest: the backup is damaged")
    return manifest


def restore(folder: Path, url: str, archive_root: Path) -> dict:
    """Restore a verified backup into an empty warehouse and archive; returns what was restored."""
    from resettle.warehouse import describe, initialize
    from resettle.warehouse.access import create_roles

    manifest = verify(folder)
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('ops.submission')").fetchone()[0] is not None:
            raise BackupError(f"the warehouse at {describe(url)} is not empty: restore into a new database")
        create_roles(conn)
        conn.commit()
    dsn, env = _libpq(url)
    _run(
        [
            str(pg_tool("pg_restore")),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dsn}",
            str(folder / DUMP),
        ],
        env,
        f"pg_restore into {describe(url)}",
    )

    copied = 0
    for name, expected in manifest["files"].items():
        if not name.startswith(ARCHIVE + "/"):
            continue
        target = archive_root / Path(name).relative_to(ARCHIVE)
        if target.exists():
            if sha256_file(target) != expected:
                raise BackupError(f"{target} exists with other bytes than the backup's copy")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.restore")
        shutil.copyfile(folder / name, tmp)
        tmp.chmod(0o444)
        os.replace(tmp, target)
        copied += 1

    old_root, new_root = manifest["archive_root"].rstrip("/"), str(archive_root).rstrip("/")
    with psycopg.connect(url) as conn:
        if old_root != new_root:
            conn.execute(
                "update ops.submission set archive_path = %s || substr(archive_path, length(%s) + 1) "
                "where starts_with(archive_path, %s || '/')",
                (new_root, old_root, old_root),
            )
        submissions = conn.execute("select count(*) from ops.submission").fetchone()[0]
    result = initialize(url)
    return {
        "submissions": submissions,
        "archive_files": copied,
        "schema_version": result["version"],
        "backup_schema_version": manifest["schema_version"],
    }
