"""The platform's words, read from the dbt seeds that SQL reads too: one definition for Python and dbt.

`dbt_project/seeds/submission_statuses.csv` holds every status of a submitted file with its Chinese label and
whether it counts as accepted (may be the submission in force), complete (the dataset counts as received) and
final (processing the file again changes nothing). (The districts, sources and disposal categories
are read by `resettle.domain.reference`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from resettle.domain.reference import seed_rows


@dataclass(frozen=True)
class Status:
    status: str
    status_zh: str
    is_accepted: bool
    is_complete: bool
    is_final: bool


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


@cache
def statuses() -> dict[str, Status]:
    return {
        r["status"]: Status(
            r["status"], r["status_zh"], _flag(r["is_accepted"]), _flag(r["is_complete"]), _flag(r["is_final"])
        )
        for r in seed_rows("submission_statuses")
    }


@cache
def accepted_statuses() -> tuple[str, ...]:
    """`accepted` and `accepted_with_warnings`: published, and the latest of them is the submission in force."""
    return tuple(s for s, v in statuses().items() if v.is_accepted)


@cache
def complete_statuses() -> tuple[str, ...]:
    """An expected dataset is complete once a file of it reached one of these (a later replacement keeps it)."""
    return tuple(s for s, v in statuses().items() if v.is_complete)


@cache
def final_statuses() -> tuple[str, ...]:
    """Decided: processing the same file again changes nothing (`failed`, our fault, is retried)."""
    return tuple(s for s, v in statuses().items() if v.is_final)


def status_zh(status: str) -> str:
    return statuses()[status].status_zh if status in statuses() else status
