"""The role table in the dashboard's README is the access rule: it must say what the code allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resettle.reporting.dashboard import auth
from resettle.warehouse import access

README = Path(auth.__file__).with_name("README.md")


def role_table() -> dict[str, dict[str, str]]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| dashboard role |"))
    head = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(head, cells, strict=True))
    return rows


def yes(cell: str) -> bool:
    word = re.match(r"(yes|no)\b", cell)
    assert word, f"the cell should start with yes or no: {cell!r}"
    return word[1] == "yes"


def test_the_table_lists_every_role_once():
    assert sorted(role_table()) == sorted(auth.ROLES)


@pytest.mark.parametrize("role", sorted(auth.ROLES))
def test_the_table_says_what_the_code_allows(role):
    row = role_table()[role]
    user = auth.User("someone", role, "taishan" if role == "district" else None)
    assert yes(row["household list"]) == user.may_list_households
    assert yes(row["data-quality detail"]) == user.sees_quality_detail
    documented = row["PostgreSQL scope role"].strip("`").replace("<code>", "taishan")
    assert documented == user.scope_role
    city_wide = user.scope_role in (access.CITY, access.OFFICE)
    assert row["rows"] == ("all districts" if city_wide else "its district")


def test_captions_name_the_roles_the_code_allows():
    assert auth.roles_zh(auth.QUALITY_DETAIL_ROLES) == "领导小组办公室、区、数据工程师"
    views = Path(auth.__file__).with_name("views")
    for page, roles in (
        ("quality.py", "QUALITY_DETAIL_ROLES"),
        ("households.py", "HOUSEHOLD_LIST_ROLES"),
        ("unmatched.py", "UNMATCHED_RECORD_ROLES"),
    ):
        text = (views / page).read_text(encoding="utf-8")
        assert f"roles_zh({roles})" in text, f"{page} names its roles from auth.{roles}"
        named = set(re.findall(r"仅([\u4e00-\u9fff、和]+?)可", text))
        assert not named, f"{page} names roles by hand: {named}"
