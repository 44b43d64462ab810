# The resettle image: Airflow's official image with resettle installed against the pinned constraints,
# the DAGs, the dbt project (with its manifest pre-built) and the dataset contracts. No secret is baked in:
# every one is handed over at run time (docker-compose.yml, `secrets:`).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN mkdir -p /opt/resettle/state /opt/airflow/auth /data/landing /data/archive /data/outbox \
    && chown -R airflow:0 /opt/resettle /opt/airflow/auth /data \
    && chmod -R g+rwX /opt/resettle /opt/airflow/auth /data
USER airflow

WORKDIR /opt/resettle
COPY --chown=airflow:0 constraints.txt pyproject.toml README.md ./
COPY --chown=airflow:0 plugins ./plugins
RUN pip install --no-cache-dir --constraint constraints.txt "apache-airflow==3.3.2" . \
    && python -c "import resettle.cli, resettle.airflow.secrets_backend"

# Airflow's start-up hook ($AIRFLOW_HOME/config is on its path): the scheduler and the Celery workers import
# the intake's libraries once, before they fork tasks.
COPY --chown=airflow:0 plugins/airflow_local_settings.py /opt/airflow/config/airflow_local_settings.py
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 dbt_project ./dbt_project
COPY --chown=airflow:0 expectations ./expectations

ENV RESETTLE_DBT_PROJECT_DIR=/opt/resettle/dbt_project \
    RESETTLE_EXPECTATIONS_DIR=/opt/resettle/expectations \
    RESETTLE_DAGS_DIR=/opt/resettle/dags \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False
# The manifest Cosmos renders the dbt tasks from (dbt parse needs no database).
RUN python -c "from resettle.warehouse.dbt_runner import ensure_manifest; ensure_manifest()" \
    && test -s dbt_project/target/manifest.json

WORKDIR /opt/airflow
