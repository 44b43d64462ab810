"""docker-compose.yml read as Compose reads it: YAML with anchors and merge keys, `${VAR:-default}`
interpolation from the environment (or .env), `$$` for a literal `$`. The structural test checks it; the
Celery topology test derives each service's environment from it instead of copying it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def load(path: Path = COMPOSE) -> dict:
    return yaml.safe_load(path.read_text())


def variables(path: Path = COMPOSE) -> set[str]:
    """The variables the file interpolates (`${NAME}`, `${NAME:-default}`)."""
    return {m[1] or m[3] for m in _VAR.finditer(path.read_text()) if m[1] or m[3]}


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's interpolation: a set variable, else its default; `$$` is a literal `$`."""
    env = env or {}

    def replace(m: re.Match) -> str:
        if m[0] == "$$":
            return "$"
        name = m[1] or m[3]
        return env.get(name) or (m[2] or "")

    return _VAR.sub(replace, value)


def environment(service: dict, env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment (mapping or list form), interpolated."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {name: interpolate(str(value), env) for name, value in raw.items()}


def command_lines(command) -> list[list[str]]:
    """The command lines a `command:` runs: the list itself, or each line of a `bash -c` script."""
    if command is None:
        return []
    if isinstance(command, str):
        return [shlex.split(command)]
    if len(command) == 2 and command[0] == "-c":
        return [shlex.split(line) for line in _script_lines(command[1])]
    return [list(command)]


def _script_lines(script: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", script)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]
