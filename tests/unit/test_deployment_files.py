"""docker-compose.yml, Dockerfile and .env.example hold together: the Compose spec accepts the file; every
reference is declared; every long-running service has a healthcheck; every `resettle` and `airflow`
command parses with that program's own parser; every variable set is one the code or Airflow reads; and
no secret is written in the file or the image."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests import compose

REPO = Path(__file__).resolve().parents[2]
SPEC = compose.load()
SERVICES = SPEC["services"]
ONE_SHOT = {"airflow-init"}
SOURCE = "\n".join(p.read_text() for p in (REPO / "plugins" / "resettle").rglob("*.py"))
IMAGE_VARIABLES = {
    "postgres": {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD_FILE", "POSTGRES_INITDB_ARGS"},
}
ENTRYPOINT_VARIABLES = {"DUMB_INIT_SETSID"}
"""Read by the official Airflow image's entrypoint (dumb-init: a warm Celery shutdown)."""
SECRET_NAME = re.compile(r"PASSWORD|SECRET(?!S__)|_KEY$|TOKEN|FERNET")


def test_compose_file_validates_against_the_compose_spec():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(compose.COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_reference_is_declared():
    volumes, secrets, configs = set(SPEC["volumes"]), set(SPEC["secrets"]), set(SPEC["configs"])
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in SERVICES, f"{name} depends on undeclared {dependency}"
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0]
            assert source in volumes, f"{name} mounts undeclared volume {source}"
        for secret in service.get("secrets") or []:
            assert (secret if isinstance(secret, str) else secret["source"]) in secrets, f"{name}: {secret}"
        for config in service.get("configs") or []:
            assert config["source"] in configs, f"{name}: {config}"
        text = str(service)
        mounted = {s if isinstance(s, str) else s["source"] for s in service.get("secrets") or []}
        for used in re.findall(r"/run/secrets/([a-z_]+)", text):
            assert used in mounted, f"{name} reads /run/secrets/{used} but is not handed that secret"
    for name, config in SPEC["configs"].items():
        assert (REPO / compose.interpolate(config["file"])).is_file(), name
    assert {"landing", "archive", "outbox", "airflow-logs", "airflow-db-data", "warehouse-db-data"} <= volumes


def test_long_running_services_have_healthchecks_restart_policies_and_pinned_images():
    assert set(SERVICES) >= {
        "airflow-db",
        "warehouse-db",
        "redis",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "dashboard",
        "mailpit",
    }
    for name, service in SERVICES.items():
        image = compose.interpolate(service["image"])
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image} is not pinned"
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") in ("always", "unless-stopped"), name
    assert SERVICES["mailpit"]["profiles"] == ["dev"]
    assert SERVICES["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "ports" not in SERVICES["airflow-worker"], "workers publish nothing, so --scale works"
    assert "container_name" not in str(SPEC)


def _resettle_lines() -> list[list[str]]:
    lines = []
    for service in SERVICES.values():
        for line in compose.command_lines(service.get("command")):
            lines += [line[line.index("resettle") :]] if "resettle" in line[:1] else []
    return lines


def test_every_resettle_command_parses_with_the_cli_parser():
    from resettle.cli import build_parser

    lines = _resettle_lines()
    assert ["resettle", "warehouse", "init"] in lines
    assert any(line[:2] == ["resettle", "dashboard"] for line in lines)
    for line in lines:
        try:
            build_parser().parse_args(line[1:])
        except SystemExit:
            pytest.fail(f"`{shlex.join(line)}` does not parse")


def test_every_airflow_command_parses_with_airflows_parser():
    from airflow.cli.cli_parser import get_parser

    commands = []
    for name, service in SERVICES.items():
        if not name.startswith("airflow-"):
            continue
        command = service.get("command")
        if isinstance(command, str):
            commands.append(shlex.split(command))
        commands += [line[1:] for line in compose.command_lines(command) if line[:1] == ["airflow"]]
        test = service["healthcheck"]["test"] if "healthcheck" in service else []
        if test[:1] == ["CMD-SHELL"] and test[1].startswith("airflow "):
            commands.append(shlex.split(test[1].replace("${HOSTNAME}", "host"))[1:])
    assert ["db", "migrate"] in commands and ["celery", "worker"] in commands
    parser = get_parser()
    for args in commands:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"`airflow {shlex.join(args)}` does not parse")


def _read_by_code(name: str, image: str) -> bool:
    from airflow.configuration import conf

    from resettle.warehouse.dbt_runner import OFFLINE_ENV

    if name in OFFLINE_ENV or name in ENTRYPOINT_VARIABLES:
        return True
    if name in IMAGE_VARIABLES.get(image.split(":")[0], set()):
        return True
    if name.startswith("AIRFLOW__"):
        section, key = name[len("AIRFLOW__") :].lower().split("__", 1)
        for suffix in ("_cmd", "_secret"):
            if key.endswith(suffix) and (section, key[: -len(suffix)]) in conf.sensitive_config_values:
                return True
        if section == "cosmos":
            import cosmos.settings

            return f'"cosmos", "{key}"' in Path(cosmos.settings.__file__).read_text()
        described = conf.configuration_description.get(section, {}).get("options", {})
        return conf.has_option(section, key) or key in described
    if re.fullmatch(r"AIRFLOW_CONN_[A-Z0-9_]+_FILE", name):
        return "AIRFLOW_CONN_{conn_id.upper()}_FILE" in SOURCE
    if name.startswith("RESETTLE_"):
        base = name.removesuffix("_FILE")
        return f'"{name}"' in SOURCE or (name.endswith("_FILE") and f'"{base}"' in SOURCE)
    return False


def test_the_compose_warehouse_runs_with_the_embedded_warehouses_server_settings():
    from resettle.warehouse.server import SERVER_SETTINGS

    command = SERVICES["warehouse-db"]["command"]
    given = dict(command[i + 1].split("=", 1) for i, word in enumerate(command) if word == "-c")
    for name, value in SERVER_SETTINGS.items():
        assert given.get(name) == value, f"warehouse-db runs without -c {name}={value}"


def test_the_compose_warehouse_is_initialised_with_the_embedded_warehouses_locale():
    from resettle.warehouse.server import INITDB_LOCALE

    given = compose.environment(SERVICES["warehouse-db"])["POSTGRES_INITDB_ARGS"]
    assert given.split() == list(INITDB_LOCALE)


def test_every_environment_variable_is_read_by_the_code_or_airflow():
    for name, service in SERVICES.items():
        script = str(service.get("command"))
        for variable in compose.environment(service):
            if "${" + variable + "}" in script:
                continue  # read by the service's own command
            assert _read_by_code(variable, compose.interpolate(service["image"])), f"{name}: {variable}"


def test_no_secret_is_written_in_the_compose_file_or_the_image():
    for name, service in SERVICES.items():
        for variable, value in compose.environment(service).items():
            if SECRET_NAME.search(variable.removesuffix("_FILE").removesuffix("_CMD")):
                assert variable.endswith(("_FILE", "_CMD")), f"{name}: {variable}={value} holds a secret"
            assert not re.search(r"://[^/@:]+:[^/@]+@", value) or "%s@" in value, f"{name}: {variable}"
    dockerfile = (REPO / "Dockerfile").read_text()
    assert not SECRET_NAME.search(" ".join(re.findall(r"^ENV[^\n]*(?:\\\n[^\n]*)*", dockerfile, re.M)))
    assert "secrets" in (REPO / ".dockerignore").read_text().split()


def test_image_is_the_pinned_airflow_with_resettle_and_the_manifest():
    dockerfile = (REPO / "Dockerfile").read_text()
    airflow = next(
        line for line in (REPO / "constraints.txt").read_text().splitlines() if line.startswith("apache-airflow==")
    )
    version = airflow.split("==")[1]
    assert f"FROM apache/airflow:{version}-python3.11" in dockerfile
    assert "--constraint constraints.txt" in dockerfile
    assert "ensure_manifest" in dockerfile


def test_env_example_documents_every_variable_the_compose_file_reads():
    documented = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if re.match(r"^[A-Z_]+=", line)
    }
    assert documented == compose.variables()
    secrets_documented = set(re.findall(r"^#\s{3}([a-z_]+)\s", (REPO / ".env.example").read_text(), re.M))
    assert secrets_documented == set(SPEC["secrets"])


def test_secrets_backend_configured_in_the_compose_file_imports():
    import importlib

    path = SERVICES["airflow-scheduler"]["environment"]["AIRFLOW__SECRETS__BACKEND"]
    module, _, name = path.rpartition(".")
    assert getattr(importlib.import_module(module), name)().get_conn_value("not_configured") is None
