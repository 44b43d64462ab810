"""Find submitted files in the landing zone: `<landing>/<source>/<YYYY-MM>/<file>`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resettle.domain.config import SOURCES
from resettle.domain.periods import PERIOD_RE

_IGNORED_PREFIXES = ("~$", ".", "_")


@dataclass(frozen=True)
class LandedFile:
    source: str
    period: str
    path: Path

    @property
    def file_name(self) -> str:
        return self.path.name


def discover(landing: Path, period: str | None = None, sources: tuple[str, ...] = SOURCES) -> list[LandedFile]:
    """Every file a known source dropped for the period (or for all periods), in a stable order.

    Excel lock files (`~$...`), hidden files and anything outside the layout are not submissions.
    """
    found = []
    for source in sources:
        source_dir = landing / source
        if not source_dir.is_dir():
            continue
        for period_dir in sorted(source_dir.iterdir()):
            if not period_dir.is_dir() or not PERIOD_RE.match(period_dir.name):
                continue
            if period and period_dir.name != period:
                continue
            for path in sorted(period_dir.iterdir()):
                if path.is_file() and not path.name.startswith(_IGNORED_PREFIXES):
                    found.append(LandedFile(source, period_dir.name, path))
    return found
