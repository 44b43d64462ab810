"""Passwords are salted scrypt hashes checked in constant time; each role maps to the PostgreSQL scope its
queries run as, and only the office and districts may open the household list."""

from __future__ import annotations

import pytest

from resettle.reporting.dashboard.auth import User, hash_password, verify_password
from resettle.warehouse.access import scope_role


def test_a_password_verifies_against_its_hash_and_nothing_else():
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horse ", stored)
    assert not verify_password("", stored)


def test_the_same_password_hashes_differently_each_time():
    assert hash_password("same") != hash_password("same")


@pytest.mark.parametrize("stored", ["", "plain", "md5$abc", "scrypt$x$8$1$00$00", "scrypt$16384$8$1$zz$00"])
def test_a_malformed_hash_never_verifies(stored):
    assert not verify_password("anything", stored)


def test_an_empty_password_is_refused():
    with pytest.raises(ValueError):
        hash_password("")


@pytest.mark.parametrize(
    ("role", "district", "scope"),
    [
        ("leader", None, "resettle_city"),
        ("engineer", None, "resettle_city"),
        ("office", None, "resettle_office"),
        ("district", "taishan", "resettle_district_taishan"),
    ],
)
def test_each_role_runs_as_its_scope_role(role, district, scope):
    assert scope_role(role, district) == scope


@pytest.mark.parametrize(("role", "district"), [("district", None), ("district", 'x"; drop'), ("admin", None)])
def test_a_scope_cannot_be_made_from_a_bad_role_or_district(role, district):
    with pytest.raises(ValueError):
        scope_role(role, district)


def test_only_office_and_district_users_may_list_households():
    allowed = {role for role in ("leader", "office", "engineer") if User("u", role, None).may_list_households}
    assert allowed == {"office"}
    assert User("d", "district", "xingan").may_list_households
    assert User("e", "engineer", None).sees_quality_detail and not User("l", "leader", None).sees_quality_detail
