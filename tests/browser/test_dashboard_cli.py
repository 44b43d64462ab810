"""`resettle users add|list|disable` and `resettle bulletin` through the parser `add_commands` builds, on the
test warehouse: users are stored hashed, a disabled user is marked, the bulletin lands where asked."""

from __future__ import annotations

import argparse
import json

import psycopg
import pytest

from resettle.cli.dashboard import add_commands

pytestmark = pytest.mark.integration


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="resettle")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_users_commands_add_list_and_disable(world, monkeypatch, capsys):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", world.admin_url)
    monkeypatch.setenv("RESETTLE_HOME", str(world.home))  # keep the login role's password the dashboard uses
    assert _run(["users", "add", "xa_clerk", "--role", "district", "--district", "xingan"]) == 0
    assert "password (shown once): " in capsys.readouterr().out
    assert _run(["users", "add", "bad", "--role", "leader", "--district", "xingan"]) == 2
    assert _run(["users", "disable", "xa_clerk"]) == 0
    assert _run(["users", "disable", "nobody"]) == 1
    capsys.readouterr()
    assert _run(["users", "list"]) == 0
    listed = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert listed["xa_clerk"][1:] == ["district", "xingan", "disabled"]
    assert listed["leader"][-1] == "active"
    assert _run(["users", "list", "--json"]) == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["xa_clerk"]["disabled"] is True and users["xa_clerk"]["district"] == "xingan"
    with psycopg.connect(world.admin_url) as conn:
        stored = conn.execute("select password_hash from access.dashboard_user where username = 'xa_clerk'").fetchone()[
            0
        ]
    assert stored.startswith("scrypt$")


def test_bulletin_command_writes_both_files(world, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", world.admin_url)
    monkeypatch.setenv("RESETTLE_HOME", str(world.home))
    assert _run(["bulletin", "--period", world.latest, "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"bulletin_{world.latest}.html",
        f"bulletin_{world.latest}.xlsx",
    ]


def test_repeated_failed_log_ins_lock_the_name_for_a_while(world):
    from resettle.reporting.dashboard.auth import LOCKOUT_FAILURES, authenticate
    from resettle.reporting.dashboard.users import add_user

    with psycopg.connect(world.admin_url) as conn:
        add_user(conn, "lock_me", "leader", password="right-password-1")
    with psycopg.connect(world.login_url) as conn:  # as the dashboard does: its own login role
        assert authenticate(conn, "lock_me", "right-password-1") is not None
        for _ in range(LOCKOUT_FAILURES):
            assert authenticate(conn, "lock_me", "wrong") is None
        assert authenticate(conn, "lock_me", "right-password-1") is None
    with psycopg.connect(world.admin_url) as conn:
        events = [
            r[0] for r in conn.execute("select event from access.access_log where username = 'lock_me' order by log_id")
        ]
    assert events == ["login", *["login_failed"] * LOCKOUT_FAILURES, "login_locked"]
