"""Airflow's start-up hook, imported by every Airflow process (plugins/ is on its path).

The processes that fork tasks import the intake's libraries once (`resettle.airflow.preload`). Airflow copies
every public name of this module into its settings, so it exports none.
"""

from resettle.airflow.preload import preload

__all__: list[str] = []

preload()
