"""The committed contacts file names someone for every source and role, at example domains only; another
file can replace it, and a broken file fails with the entry and the problem named."""

from __future__ import annotations

import pytest
import yaml

from resettle.alerts import contacts
from resettle.alerts.contacts import ContactsError
from resettle.domain.config import SOURCES


def test_committed_contacts_cover_every_source_and_role_at_example_domains(monkeypatch):
    monkeypatch.delenv("RESETTLE_CONTACTS", raising=False)
    loaded = contacts.load()
    assert set(loaded) == {*SOURCES, "office", "leadership", "engineers"}
    for contact in loaded.values():
        assert contact.email
        assert all(
            a.rsplit("@", 1)[1].split(".")[-2:] in (["example", "org"], ["example", "com"], ["example", "net"])
            for a in contact.email
        ), contact


def _write(tmp_path, data) -> str:
    path = tmp_path / "contacts.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _valid() -> dict:
    return {role: {"name": role, "email": [f"{role}@example.org"]} for role in contacts.ROLES}


def test_resettle_contacts_points_to_another_file(tmp_path, monkeypatch):
    data = _valid()
    data["taishan"] = {"email": "clerk@taishan.example.com", "mention": [13800000001]}
    monkeypatch.setenv("RESETTLE_CONTACTS", _write(tmp_path, data))
    loaded = contacts.load()
    assert loaded["taishan"].email == ("clerk@taishan.example.com",)
    assert loaded["taishan"].mention == ("13800000001",)
    assert loaded["taishan"].name == "taishan"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("court"), "missing entries for court"),
        (lambda d: d.update(mayor={"email": ["m@example.org"]}), "unknown entries mayor"),
        (lambda d: d.update(tax={"email": ["not-an-address"]}), "tax: 'not-an-address' is not an email address"),
        (lambda d: d.update(office={"email": []}), "office: `email` must be a non-empty list"),
        (lambda d: d.update(police={"email": ["p@example.org"], "phone": "110"}), "police: unknown field(s) phone"),
        (lambda d: d.update(leadership="leader@example.org"), "leadership: expected a mapping"),
    ],
)
def test_an_invalid_file_is_refused_with_the_entry_and_problem_named(tmp_path, change, expected):
    data = _valid()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(ContactsError) as err:
        contacts.load(path)
    assert expected in str(err.value) and path in str(err.value)


def test_a_missing_or_unparsable_file_is_refused(tmp_path):
    with pytest.raises(ContactsError, match="does not exist"):
        contacts.load(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("taishan: [unclosed", encoding="utf-8")
    with pytest.raises(ContactsError, match="cannot be read"):
        contacts.load(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ContactsError, match="expected a mapping"):
        contacts.load(bad)
