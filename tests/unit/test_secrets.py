"""Secrets reach every process the same way: from NAME or from the file NAME_FILE names, and a missing or
unreadable one is one line naming the variable."""

from __future__ import annotations

import pytest

from resettle.domain.config import ConfigError, secret, settings


def test_a_secret_comes_from_its_file_without_the_trailing_newline(tmp_path, monkeypatch):
    (tmp_path / "key").write_text("s3cret\n")
    monkeypatch.setenv("RESETTLE_PSEUDONYM_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.delenv("RESETTLE_PSEUDONYM_KEY", raising=False)
    assert secret("RESETTLE_PSEUDONYM_KEY") == "s3cret"

    from resettle.domain.pseudonym import key

    assert key() == b"s3cret"


@pytest.mark.parametrize(
    "setup, message",
    [
        ({"X_SECRET": "a", "X_SECRET_FILE": "/f"}, "X_SECRET and X_SECRET_FILE are both set: set one"),
        ({"X_SECRET_FILE": "/nonexistent/x"}, "X_SECRET_FILE: cannot read /nonexistent/x (No such file or directory)"),
        ({}, "X_SECRET (or X_SECRET_FILE) is not set"),
    ],
)
def test_a_missing_secret_names_its_variable(monkeypatch, setup, message):
    for name in ("X_SECRET", "X_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in setup.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        secret("X_SECRET", required=True)
    assert str(err.value) == message


def test_an_empty_secret_file_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="is empty"):
        secret("X_SECRET")


def test_the_warehouse_password_joins_a_url_given_without_one(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text("p@ss/word\n")
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", "postgresql://resettle@warehouse-db:5432/resettle")
    monkeypatch.setenv("RESETTLE_WAREHOUSE_PASSWORD_FILE", str(tmp_path / "pw"))
    assert settings().warehouse_url == "postgresql://resettle:p%40ss%2Fword@warehouse-db:5432/resettle"
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", "postgresql://u:given@h/db")
    assert settings().warehouse_url == "postgresql://u:given@h/db", "a password in the URL wins"


def test_airflow_connections_come_from_the_secret_files(tmp_path, monkeypatch):
    from resettle.airflow.secrets_backend import FileSecretsBackend

    (tmp_path / "smtp").write_text("smtp://mail.example.org:25?disable_ssl=true\n")
    (tmp_path / "hook").write_text("")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT_FILE", str(tmp_path / "smtp"))
    monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK_FILE", str(tmp_path / "hook"))
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", "postgresql://resettle:pw@warehouse-db:5432/resettle")
    backend = FileSecretsBackend()
    assert backend.get_conn_value("smtp_default") == "smtp://mail.example.org:25?disable_ssl=true"
    assert backend.get_conn_value("resettle_webhook") is None, "an empty file: channel not configured"
    assert backend.get_conn_value("resettle_warehouse") == "postgresql://resettle:pw@warehouse-db:5432/resettle"
    assert backend.get_conn_value("other") is None


def test_pseudonyms_are_hmac_sha256_of_each_value_under_the_key(monkeypatch):
    import hashlib
    import hmac

    import pandas as pd

    from resettle.domain.pseudonym import pseudonyms

    monkeypatch.delenv("RESETTLE_PSEUDONYM_KEY_FILE", raising=False)
    values = pd.Series(["110101199003074514", None, "11010119900307451X", "", "身份证"], dtype="str")
    for secret_key in ("short", "k" * 64, "a key longer than one SHA-256 block of sixty-four bytes, hashed first"):
        monkeypatch.setenv("RESETTLE_PSEUDONYM_KEY", secret_key)
        expected = [
            None if v is None else hmac.new(secret_key.encode(), v.encode(), hashlib.sha256).hexdigest()[:32]
            for v in values.to_numpy(dtype=object, na_value=None)
        ]
        assert pseudonyms(values).tolist() == expected


def test_ingest_slots_are_a_positive_whole_number(monkeypatch):
    monkeypatch.delenv("RESETTLE_INGEST_SLOTS", raising=False)
    assert settings().ingest_slots == 2
    monkeypatch.setenv("RESETTLE_INGEST_SLOTS", "4")
    assert settings().ingest_slots == 4
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("RESETTLE_INGEST_SLOTS", wrong)
        with pytest.raises(ConfigError, match="RESETTLE_INGEST_SLOTS"):
            settings()
