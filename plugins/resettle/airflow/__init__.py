"""Airflow glue: the pipeline steps tasks call, the dbt task group, Assets, the landing trigger, callbacks and
the embedded services. Nothing here runs at import; DAG files import these modules at parse time."""
