"""The platform's words, read from the dbt seeds that SQL reads too: one definition for Python and dbt.

- `submission_statuses`: every status of a submitted file with its Chinese label, the receipt's next step, and
  whether it counts as accepted (may be the submission in force), complete (the dataset counts as received)
  and final (processing the file again changes nothing), and the alert a file in it raises to its sender;
- `finding_severities`: the severities of a problem found in a file and their Chinese label;
- `alert_kinds`: the kinds of alert, their Chinese label and who receives them;
- `consistency_flags`: the review sheet's flags, and who is alerted while one holds;
- `resettlement_choices`: the households' choices and what each needs (a unit, an agreement);
- `petition_levels`: petition levels by rank, with their weight in the priority score.
(The districts, sources and disposal categories are read by `resettle.domain.reference`.)
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
    next_step_zh: str = ""
    alert_kind: str = ""


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


@cache
def statuses() -> dict[str, Status]:
    return {
        r["status"]: Status(
            r["status"],
            r["status_zh"],
            _flag(r["is_accepted"]),
            _flag(r["is_complete"]),
            _flag(r["is_final"]),
            r.get("next_step_zh") or "",
            r.get("alert_kind") or "",
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


@cache
def alerting_statuses(kind: str) -> tuple[str, ...]:
    """The statuses whose files raise the alert `kind` to their sender (`invalid`: rejected and refused;
    `warned`: accepted with warnings)."""
    return tuple(s for s, v in statuses().items() if v.alert_kind == kind)


def status_zh(status: str) -> str:
    return statuses()[status].status_zh if status in statuses() else status


@cache
def severities() -> dict[str, str]:
    """The severity of a finding (`error`, `warning`) and its Chinese label."""
    return {r["severity"]: r["severity_zh"] for r in seed_rows("finding_severities")}


def severity_zh(severity: str) -> str:
    return severities().get(severity, severity)


@dataclass(frozen=True)
class AlertKind:
    kind: str
    kind_zh: str
    recipients: tuple[str, ...]
    """Roles of the contacts file; `source` is the source the alert is about. Empty for `flag` (per flag)."""
    page: str | None = None
    """The dashboard page (its url path) the alert links to when RESETTLE_BASE_URL is set."""


@cache
def alert_kinds() -> dict[str, AlertKind]:
    return {
        r["kind"]: AlertKind(r["kind"], r["kind_zh"], tuple(r["recipients"].split()), r.get("page") or None)
        for r in seed_rows("alert_kinds")
    }


def kind_zh(kind: str) -> str:
    return alert_kinds()[kind].kind_zh if kind in alert_kinds() else kind


@dataclass(frozen=True)
class Flag:
    flag_code: str
    label_zh: str
    meaning: str
    alert_recipients: tuple[str, ...]
    """Roles alerted while the flag holds on a project (`source`: the project's district); empty: never alerted."""


@cache
def consistency_flags() -> dict[str, Flag]:
    return {
        r["flag_code"]: Flag(
            r["flag_code"], r["flag_label_zh"], r["meaning"], tuple((r.get("alert_recipients") or "").split())
        )
        for r in seed_rows("consistency_flags")
    }


def alerting_flags() -> tuple[str, ...]:
    """The flags that send alerts (those naming their receivers)."""
    return tuple(code for code, flag in consistency_flags().items() if flag.alert_recipients)


@dataclass(frozen=True)
class ResettlementChoice:
    choice: str
    is_offsite: bool
    is_onsite: bool
    is_refund: bool
    needs_certificate: bool
    unit_type: str | None
    """The service-center unit the choice needs (产权调换房, 租赁房), or None."""
    agreement_type: str | None
    """The agreement a household of this choice signs, or None."""


@cache
def resettlement_choices() -> dict[str, ResettlementChoice]:
    """In the order screens list them."""
    rows = sorted(seed_rows("resettlement_choices"), key=lambda r: int(r["choice_order"]))
    return {
        r["resettlement_choice"]: ResettlementChoice(
            r["resettlement_choice"],
            _flag(r["is_offsite"]),
            _flag(r["is_onsite"]),
            _flag(r["is_refund"]),
            _flag(r["needs_certificate"]),
            r["unit_type"] or None,
            r["agreement_type"] or None,
        )
        for r in rows
    }


@dataclass(frozen=True)
class PetitionLevel:
    level: str
    rank: int
    weight: float
    needs_named_handler: bool = False
    """An open case of this level must have a named person responsible (专人负责)."""


@cache
def petition_levels() -> dict[str, PetitionLevel]:
    """From 无 (rank 0) to 进京, in rank order."""
    rows = sorted(seed_rows("petition_levels"), key=lambda r: int(r["petition_rank"]))
    return {
        r["petition_level"]: PetitionLevel(
            r["petition_level"],
            int(r["petition_rank"]),
            float(r["petition_weight"]),
            _flag(r.get("needs_named_handler") or ""),
        )
        for r in rows
    }


def handled_levels() -> tuple[str, ...]:
    """The levels whose open cases need a named handler (到省、进京)."""
    return tuple(level for level, v in petition_levels().items() if v.needs_named_handler)


VOCABULARIES = {
    "resettlement_choices": lambda: tuple(resettlement_choices()),
    "petition_levels": lambda: tuple(petition_levels()),
    "petitioned_levels": lambda: tuple(level for level, v in petition_levels().items() if v.rank > 0),
}
"""What a contract column's `allowed_from` may name: a vocabulary whose words are the column's allowed values."""
