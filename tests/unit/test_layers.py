"""The package's layers import only downward, and `domain` imports nothing else of resettle.

The order of the layers is the `layers` contract in pyproject.toml, which `lint-imports` (in `make lint`)
checks too. This test holds the same rule with the standard library alone, on every import, including the
ones inside functions, and shows on planted modules that an upward import is caught.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "resettle"


def layer_order() -> list[list[str]]:
    """The layers, top first; each a list of packages that may not import one another."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == "layers")
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def _home(module: str, order: list[list[str]]) -> tuple[int, str] | None:
    """(layer index, package) of a module, or None when it is in no layer (e.g. `resettle` itself)."""
    for index, layer in enumerate(order):
        for package in layer:
            if module == package or module.startswith(package + "."):
                return index, package
    return None


def _module_name(path: Path, package_dir: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, module imported) for every import in a file, at any depth."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            if "." in base:
                yield node.lineno, base
            else:  # `from resettle import intake` imports the package `resettle.intake`
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}"


def upward_imports(package_dir: Path, order: list[list[str]]) -> list[str]:
    """Every import of a module above the importer's layer, or of an independent package of the same layer."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        module = _module_name(path, package_dir)
        home = _home(module, order)
        if home is None:
            continue
        for line, imported in _imports(path, module):
            target = _home(imported, order)
            if target is None or target[1] == home[1]:
                continue
            if target[0] <= home[0]:
                found.append(f"{path.relative_to(package_dir.parent)}:{line} {module} imports {imported}")
    return found


def test_the_package_imports_only_downward():
    assert upward_imports(PACKAGE, layer_order()) == []


def test_every_subpackage_is_in_a_layer():
    order = layer_order()
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert [p for p in subpackages if _home(f"resettle.{p}", order) is None] == []
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"], "no flat modules beside the layers"


def test_domain_imports_nothing_else_of_resettle():
    outside = []
    for path in sorted((PACKAGE / "domain").rglob("*.py")):
        module = _module_name(path, PACKAGE)
        outside += [
            f"{module}:{line} {name}"
            for line, name in _imports(path, module)
            if name.split(".")[0] == "resettle" and not name.startswith("resettle.domain")
        ]
    assert outside == []


def test_a_planted_upward_import_is_caught(tmp_path):
    package = tmp_path / "resettle"
    files = {
        "__init__.py": "",
        "domain/__init__.py": "",
        "domain/periods.py": "import datetime\n",
        "domain/planted.py": "def late():\n    from resettle.intake.parse import parse\n    return parse\n",
        "domain/relative.py": "from ..reporting import bulletin\n",
        "intake/__init__.py": "",
        "intake/parse.py": "from resettle.domain import periods\nfrom . import status\n",
        "intake/status.py": "from resettle.timeliness.expected import due_for\n",
        "timeliness/__init__.py": "",
        "timeliness/expected.py": "from resettle import warehouse\n",
        "warehouse/__init__.py": "",
        "reporting/__init__.py": "from resettle.alerts import engine\n",
        "reporting/bulletin.py": "",
        "alerts/__init__.py": "",
        "alerts/engine.py": "",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)

    found = upward_imports(package, layer_order())

    assert found == [
        "resettle/domain/planted.py:2 resettle.domain.planted imports resettle.intake.parse",
        "resettle/domain/relative.py:1 resettle.domain.relative imports resettle.reporting",
        "resettle/reporting/__init__.py:1 resettle.reporting imports resettle.alerts",
        "resettle/timeliness/expected.py:1 resettle.timeliness.expected imports resettle.warehouse",
    ]
