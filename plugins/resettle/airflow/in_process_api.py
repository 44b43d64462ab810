"""The Execution API of a run of the DAGs in one process, built for the one API version its client speaks.

In one process (`resettle run`, `dag.test()`), every task talks to an Execution API app living in the same
process (Airflow's `in_process_api_server`). That app is a Cadwyn app: on its first request it generates the
routes and schemas of every API version Airflow still serves (ten): 4.8 s for that first request, measured
alone, and 2.5 s more ingestion in a 3,000-household month through `resettle run`, for versions nothing here
can ask for: the only client is the Task SDK of this same installation, which always
sends its own version (`API_VERSION`, the newest, whose routes and schemas are the head's). Built with that
version alone, the first request takes about 0.5 s. The scheduler's tasks talk to the real API server, which
serves every version as usual.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def serve_the_client_version() -> list[str]:
    """Build the in-process Execution API app (before any task does) for the client's API version only.

    Returns the versions the app serves: every version when the app was built before (by Airflow, as
    usual), none when a module this relies on is missing (then Airflow builds it at the first task).
    `tests/unit/test_preload.py` holds the shape it relies on in the installed Airflow and Cadwyn.
    """
    try:
        from airflow.api_fastapi.execution_api import versions
        from airflow.sdk.api.datamodels._generated import API_VERSION
        from airflow.sdk.execution_time.supervisor import in_process_api_server
        from cadwyn import HeadVersion, Version, VersionBundle
        from cadwyn.route_generation import _DELETED_ROUTE_TAG
    except ImportError as missing:
        log.debug("in-process Execution API left to Airflow: %s", missing)
        return []
    server = in_process_api_server()
    everyone = versions.bundle
    versions.bundle = VersionBundle(HeadVersion(), Version(API_VERSION))
    try:
        app = server.app
    finally:
        versions.bundle = everyone
    served = [version.value for version in app.versions.versions]
    if served == [API_VERSION]:
        # Routes kept only for older versions (restored by a change of an older version) have no version
        # left to be restored in; Cadwyn refuses to generate them, and none serves the newest version.
        routes = app._latest_version_router.routes
        routes[:] = [route for route in routes if _DELETED_ROUTE_TAG not in getattr(route, "tags", ())]
    return served
