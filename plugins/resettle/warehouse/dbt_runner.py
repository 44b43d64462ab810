"""Run dbt against the warehouse: profile settings derived from the warehouse URL, telemetry off.

The same environment serves `resettle run`, the tests and the manifest that Airflow renders from, so a
model behaves the same wherever it runs.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from resettle.domain.config import settings

OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "SCARF_ANALYTICS": "false",
}


def dbt_env(url: str) -> dict[str, str]:
    """RESETTLE_DBT_* variables read by `dbt_project/profiles.yml`, from a libpq URL."""
    parts = urlsplit(url)
    return {
        "RESETTLE_DBT_HOST": parts.hostname or "127.0.0.1",
        "RESETTLE_DBT_PORT": str(parts.port or 5432),
        "RESETTLE_DBT_USER": unquote(parts.username or "postgres"),
        "RESETTLE_DBT_PASSWORD": unquote(parts.password or ""),
        "RESETTLE_DBT_DBNAME": (parts.path or "/resettle").lstrip("/") or "resettle",
        **OFFLINE_ENV,
    }


def manifest_path():
    return settings().dbt_project_dir / "target" / "manifest.json"


def build_targets():
    """The folder of every warehouse's build target (`build_target`)."""
    return settings().dbt_project_dir / "target" / "warehouses"


def build_target(url: str):
    """Where the builds against the warehouse at `url` keep dbt's target (compiled SQL, the saved parse).

    dbt names the database in every node it parses and keeps a saved parse only for the same connection
    (host, port, user, database): builds against two warehouses from one project folder (the embedded one and
    a benchmark's scratch one, the test suite's databases) would otherwise parse the whole project again at
    each switch, some 5 s each time, instead of reading the parse again in well under a second."""
    import hashlib
    import re

    env = dbt_env(url)
    connection = "\0".join(env[f"RESETTLE_DBT_{key}"] for key in ("HOST", "PORT", "USER", "DBNAME"))
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", env["RESETTLE_DBT_DBNAME"])[:40]
    digest = hashlib.sha256(connection.encode()).hexdigest()[:10]
    return build_targets() / f"{name}-{digest}"


def _manifest_lock_path():
    return settings().dbt_project_dir / "target" / ".manifest.lock"


@contextmanager
def manifest_lock(shared: bool = False):
    """dbt writes the project's `target/manifest.json` in place: one writer at a time (an exclusive lock),
    and no reader while it is written (a shared one). The test workers, `resettle` commands and Airflow's
    tasks on one machine share the project folder, and two `dbt parse` at once leave a corrupt file."""
    import fcntl

    lock = _manifest_lock_path()
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def render_manifest_path():
    """What Airflow renders the dbt tasks from: the manifest cut to what Cosmos reads (`write_render_manifest`)."""
    return settings().dbt_project_dir / "target" / "manifest_for_airflow.json"


# The fields of a manifest resource that Cosmos reads to render tasks and select nodes; the rest (SQL, columns,
# descriptions, docs) is most of the manifest's size and would be parsed at every DAG parse for nothing.
_RENDER_FIELDS = (
    "unique_id",
    "name",
    "resource_type",
    "package_name",
    "original_file_path",
    "depends_on",
    "config",
    "tags",
    "fqn",
    "freshness",
)


def write_render_manifest() -> None:
    """Write `render_manifest_path()` from the project's manifest (after each `dbt parse` of the project)."""
    import json

    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    cut = {
        "metadata": {"project_name": (manifest.get("metadata") or {}).get("project_name")},
        "selectors": manifest.get("selectors") or {},
    }
    for kind in ("nodes", "sources", "exposures"):
        cut[kind] = {
            uid: {
                **{k: node[k] for k in _RENDER_FIELDS if k in node and k != "depends_on"},
                "depends_on": {"nodes": (node.get("depends_on") or {}).get("nodes", [])},
            }
            for uid, node in (manifest.get(kind) or {}).items()
            # the project's on-run-start/-end hooks run inside the one dbt build; they have no task of their own
            if node.get("resource_type") != "operation"
        }
    target = render_manifest_path()
    partial = target.with_suffix(".tmp")
    partial.write_text(json.dumps(cut, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    partial.replace(target)


def manifest_for_rendering():
    """The cut manifest when it is as new as the project's manifest, or while a parse is rewriting that one in
    place (it is then half written; its cut is written, whole, before the parse lets go of the manifest's
    lock); else the project's manifest itself. Read only, without waiting (this runs at DAG parse time)."""
    cut, full = render_manifest_path(), manifest_path()
    if cut_is_current() or (cut.exists() and full.exists() and manifest_being_written()):
        return cut
    return full


def cut_is_current() -> bool:
    """Whether the cut manifest was written from the project's manifest as it is now (not older than it)."""
    cut, full = render_manifest_path(), manifest_path()
    return cut.exists() and full.exists() and cut.stat().st_mtime >= full.stat().st_mtime


def manifest_being_written() -> bool:
    """Whether a process holds the manifest's lock to write it (`manifest_lock`); asked without waiting."""
    import fcntl

    try:
        handle = open(_manifest_lock_path())  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def project_files() -> list:
    """The files of the dbt project that its manifest, and the warehouse's relations, are built from."""
    project = settings().dbt_project_dir
    files = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "snapshots", "tests"):
        files += [p for p in (project / folder).rglob("*") if p.is_file()]
    return [p for p in files if p.exists()]


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than any file of the dbt project it was built from."""
    manifest = manifest_path()
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in project_files())


def project_release() -> str:
    """A digest of the dbt project's files and of dbt's version: two builds under the same digest create each
    view from the same SQL, whatever macro or setting it is rendered with."""
    import hashlib
    from importlib.metadata import version

    project = settings().dbt_project_dir
    digest = hashlib.md5(f"dbt-core {version('dbt-core')} dbt-postgres {version('dbt-postgres')}".encode())
    for path in sorted(project_files()):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


VIEW_RELEASE = "ops.view_release"
"""Each view of the warehouse with the release (`project_release`) of the build that last created it."""


def created_views(results) -> list[str]:
    """The views (`schema.name`) a dbt command's results show it created."""
    return sorted(
        f"{r.node.schema}.{r.node.alias}"
        for r in results or []
        if str(r.status) == "success" and str(r.node.resource_type) == "model" and r.node.config.materialized == "view"
    )


def _has_view_release(conn) -> bool:
    """False on a bare database, not a warehouse of the platform."""
    return conn.execute("select to_regclass(%s)", (VIEW_RELEASE,)).fetchone()[0] is not None


def record_views(url: str, views: list[str]) -> None:
    """Note the views a build has just created under the release it created them from (`current_views`)."""
    import psycopg

    if not views:
        return  # the project's files are not read for nothing
    with psycopg.connect(url) as conn:
        if not _has_view_release(conn):
            return
        release = project_release()
        conn.execute(
            f"insert into {VIEW_RELEASE} (relation, release) select unnest(%s::text[]), %s"
            " on conflict (relation) do update set release = excluded.release, created_at = now()",
            (views, release),
        )


def current_views(url: str, manifest: dict | None = None, release: str | None = None) -> list[str]:
    """The project's views that exist and were last created by a build of this release (`project_release`,
    computed when not given): a build may leave them as they are. The manifest is read when not given."""
    import psycopg

    nodes = (manifest or read_manifest())["nodes"].values()
    views = {
        f"{n['schema']}.{n.get('alias') or n['name']}": n["name"]
        for n in nodes
        if n["resource_type"] == "model" and n["config"].get("materialized") == "view"
    }
    with psycopg.connect(url) as conn:
        if not _has_view_release(conn):
            return []
        rows = conn.execute(
            f"select r.relation from {VIEW_RELEASE} r"
            " join pg_views v on v.schemaname || '.' || v.viewname = r.relation where r.release = %s",
            (release or project_release(),),
        ).fetchall()
    return sorted(views[relation] for (relation,) in rows if relation in views)


def ensure_manifest() -> None:
    """Pre-build the manifest and the cut of it that Airflow renders dbt from (`dbt parse` needs no database).
    Under the manifest's lock, checked again once held: another process may have just parsed."""
    if not manifest_is_stale() and cut_is_current():
        return
    with manifest_lock():
        if manifest_is_stale():
            outcome = _invoke(["parse"], None)
            if not outcome.success:
                raise RuntimeError("dbt parse failed:\n" + "\n".join(outcome.failures))
        if not cut_is_current():
            write_render_manifest()


def read_manifest() -> dict:
    """The project's parsed manifest, read under its shared lock (a parse may be rewriting it)."""
    import json

    with manifest_lock(shared=True):
        return json.loads(manifest_path().read_text(encoding="utf-8"))


def missing_relations(url: str, manifest: dict | None = None) -> list[str]:
    """Seeds, models and snapshots of the manifest (read when not given) that have no relation in the
    warehouse yet."""
    import psycopg

    nodes = (manifest or read_manifest())["nodes"].values()
    wanted = {
        (n["schema"], n.get("alias") or n["name"])
        for n in nodes
        if n["resource_type"] in ("seed", "model", "snapshot") and n["config"].get("materialized") != "ephemeral"
    }
    with psycopg.connect(url) as conn:
        present = set(conn.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return sorted(f"{schema}.{name}" for schema, name in wanted - present)


SEED_FINGERPRINT_NOTE = "resettle seed {}"
"""The comment a seed's table carries after it is loaded (`record_seed_fingerprint` in the dbt project)."""


def seed_fingerprint(node: dict) -> str:
    """A seed's file checksum and column types as one digest, as `seed_fingerprint` renders it in dbt."""
    import hashlib
    import json

    column_types = json.dumps(node["config"].get("column_types") or {}, sort_keys=True)
    return hashlib.md5((node["checksum"]["checksum"] + column_types).encode(), usedforsecurity=False).hexdigest()


def stale_seeds(url: str, manifest: dict | None = None) -> list[str]:
    """Seeds whose table was not loaded from the project's current file and column types (a release changed
    them, or the table predates the fingerprint): the seeds a monthly build must reload. The manifest is
    read when not given."""
    import psycopg

    nodes = (manifest or read_manifest())["nodes"].values()
    seeds = [n for n in nodes if n["resource_type"] == "seed"]
    with psycopg.connect(url) as conn:
        notes = dict(
            conn.execute(
                "select n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class')"
                " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = any(%s)",
                [sorted({n["schema"] for n in seeds})],
            ).fetchall()
        )
    loaded = {n["name"]: notes.get(f"{n['schema']}.{n.get('alias') or n['name']}") for n in seeds}
    return sorted(n["name"] for n in seeds if loaded[n["name"]] != SEED_FINGERPRINT_NOTE.format(seed_fingerprint(n)))


@dataclass
class DbtOutcome:
    success: bool
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """How long each node the command ran took, by unique id (dbt's execution time), in the order run."""

    @property
    def ran(self) -> list[str]:
        """The unique ids of the nodes the command ran."""
        return list(self.seconds)


FILE_LOG_FLAGS = ("--log-level-file", "info")
"""dbt's own log file (`logs/dbt.log` in the project folder) for the commands run in this process gets one
line per node with its outcome and time. At dbt's default level (debug) it also gets every query of every
node, which costs a monthly build of a few hundred tests a tenth of its time; to see the SQL, run the command
again with `--log-level-file debug`. (Airflow's builds write no log file: `runtime.COSMOS_FILE_LOG_FLAGS`.)"""

_BUILDING = frozenset({"build", "run", "test", "seed", "snapshot"})
"""dbt commands that change the warehouse; their artifacts (manifest.json, run_results.json) are not written."""


def _writes_manifest(args: list[str]) -> bool:
    """Whether a dbt command writes the project's manifest.json: not into its own `--target-path`, and not a
    build (which `_invoke` runs with `--no-write-json` unless told `--write-json`)."""
    if "--target-path" in args:
        return False
    return not (args and args[0] in _BUILDING) or "--write-json" in args


def run_dbt(args: list[str], url: str | None = None) -> DbtOutcome:
    """Run one dbt command in-process; failures name each failing model or test. A command that writes the
    project's manifest holds the manifest's lock."""
    if not _writes_manifest(args):
        return _invoke(args, url)
    with manifest_lock():
        return _invoke(args, url)


def _invoke(args: list[str], url: str | None) -> DbtOutcome:
    from dbt.cli.main import dbtRunner

    from resettle.warehouse.dbt_connections import keep_connections_open
    from resettle.warehouse.dbt_overhead import skip_unread_work

    keep_connections_open()
    skip_unread_work()
    if url:
        os.environ.update(dbt_env(url))
    else:
        os.environ.update(OFFLINE_ENV)
    project = str(settings().dbt_project_dir)
    writes_manifest = _writes_manifest(args)
    if args and args[0] in _BUILDING and not writes_manifest and "--target-path" not in args:
        # The project's manifest.json is read while this runs (Airflow's renderer, a run's plan, another
        # build); dbt rewrites it in place at the end of a build. Builds leave it to `dbt parse`, and keep
        # their target, with the parse they reuse, apart for each warehouse (`build_target`).
        args = [*args, "--no-write-json", *(["--target-path", str(build_target(url))] if url else [])]
    log_flags = [] if "--log-level-file" in args else list(FILE_LOG_FLAGS)
    result = dbtRunner().invoke([*args, "--project-dir", project, "--profiles-dir", project, "--quiet", *log_flags])
    failures: list[str] = []
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for r in getattr(result.result, "results", None) or []:
        seconds[r.node.unique_id] = float(getattr(r, "execution_time", 0) or 0)
        status = str(r.status)
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail"):
            failures.append(f"{r.node.unique_id}: {r.message}")
    if result.exception is not None:
        failures.append(str(result.exception))
    if url and args and args[0] in _BUILDING:
        record_views(url, created_views(getattr(result.result, "results", None)))
    # A command that wrote the project's manifest (under its lock, see run_dbt): keep Airflow's cut in step.
    if result.success and writes_manifest and not cut_is_current():
        write_render_manifest()
    return DbtOutcome(success=bool(result.success), failures=failures, counts=counts, seconds=seconds)
