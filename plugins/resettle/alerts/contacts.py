"""Who receives which alert: the committed `contacts.yml`, or the file `RESETTLE_CONTACTS` points to.

Contacts are data, not code, because they change with staff: a new clerk in a district office is a one-line
edit. The file is validated as a whole when it is loaded, so a typo fails the check with the entry and the
problem named, instead of an alert silently going nowhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from resettle.domain.config import SOURCES

DEFAULT_PATH = Path(__file__).with_name("contacts.yml")
ENV_VAR = "RESETTLE_CONTACTS"
ROLES = tuple(dict.fromkeys((*SOURCES, "office", "leadership", "engineers")))
"""Every source, the leading-group office, leadership and the data engineers: all required."""

_EMAIL = re.compile(r"^[^@\s<>,;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_FIELDS = {"name", "email", "mention"}


class ContactsError(ValueError):
    """The contacts file is missing, unreadable or has an invalid entry (the message says which)."""


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    email: tuple[str, ...]
    mention: tuple[str, ...] = ()


def path() -> Path:
    """The contacts file in force: RESETTLE_CONTACTS if set, else the committed one."""
    override = os.environ.get(ENV_VAR)
    return Path(override).expanduser() if override else DEFAULT_PATH


def load(file: Path | None = None) -> dict[str, Contact]:
    """Read and validate the contacts file; raise ContactsError naming the file, entry and problem."""
    import yaml

    file = Path(file) if file else path()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ContactsError(f"contacts file {file} does not exist (set {ENV_VAR} to a valid file)") from err
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ContactsError(f"contacts file {file} cannot be read: {err}") from err
    return parse(data, str(file))


def parse(data: object, where: str = "contacts") -> dict[str, Contact]:
    """Validate an already-parsed contacts mapping (see contacts.yml for the layout)."""
    if not isinstance(data, dict):
        raise ContactsError(f"{where}: expected a mapping of role -> contact, got {type(data).__name__}")
    missing = [role for role in ROLES if role not in data]
    if missing:
        raise ContactsError(f"{where}: missing entries for {', '.join(missing)}")
    unknown = sorted(str(k) for k in data if k not in ROLES)
    if unknown:
        raise ContactsError(f"{where}: unknown entries {', '.join(unknown)}; expected only {', '.join(ROLES)}")
    return {role: _contact(role, data[role], where) for role in ROLES}


def _contact(role: str, entry: object, where: str) -> Contact:
    if not isinstance(entry, dict):
        raise ContactsError(f"{where}: {role}: expected a mapping with name/email/mention")
    extra = sorted(set(entry) - _FIELDS)
    if extra:
        raise ContactsError(f"{where}: {role}: unknown field(s) {', '.join(map(str, extra))}")
    emails = entry.get("email")
    if isinstance(emails, str):
        emails = [emails]
    if not isinstance(emails, list) or not emails:
        raise ContactsError(f"{where}: {role}: `email` must be a non-empty list of addresses")
    for address in emails:
        if not isinstance(address, str) or not _EMAIL.match(address.strip()):
            raise ContactsError(f"{where}: {role}: {address!r} is not an email address")
    mention = entry.get("mention") or []
    if not isinstance(mention, list) or not all(isinstance(m, str | int) for m in mention):
        raise ContactsError(f"{where}: {role}: `mention` must be a list of phone numbers or user ids")
    name = entry.get("name") or role
    if not isinstance(name, str):
        raise ContactsError(f"{where}: {role}: `name` must be text")
    return Contact(role, name, tuple(a.strip() for a in emails), tuple(str(m) for m in mention))
