"""Airflow's connections in a deployment, from the secret files the containers are handed.

Its own module: it imports Airflow at import time (a secrets backend is a class Airflow loads by path), and
the runtime helpers must not, since `resettle run` imports them before it points Airflow at its home.
"""

from __future__ import annotations

from airflow.secrets import BaseSecretsBackend

from resettle.domain.config import WAREHOUSE_CONN_ID


class FileSecretsBackend(BaseSecretsBackend):
    """Airflow connections of a deployment, read from the secrets it was handed, never from the image.

    Set as `AIRFLOW__SECRETS__BACKEND=resettle.airflow.secrets_backend.FileSecretsBackend`. `resettle_warehouse` is the
    warehouse resettle itself is configured with (RESETTLE_WAREHOUSE_URL plus RESETTLE_WAREHOUSE_PASSWORD_FILE),
    so Airflow and the `resettle` command can never disagree on it; any other connection `<id>` is the URI
    (or JSON) in the file `AIRFLOW_CONN_<ID>_FILE` names. An empty file means "not configured" (an alert
    channel left out is skipped); Airflow's own environment variables and metadata database come after.
    """

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        import os
        from pathlib import Path

        from resettle.domain.config import ConfigError, settings

        if conn_id == WAREHOUSE_CONN_ID:
            return settings().warehouse_url
        path = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}_FILE")
        if not path:
            return None
        try:
            value = Path(path).read_text().strip()
        except OSError as err:
            raise ConfigError(
                f"AIRFLOW_CONN_{conn_id.upper()}_FILE: cannot read {path} ({err.strerror or err})"
            ) from None
        return value or None

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        return None
