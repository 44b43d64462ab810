"""dbt keeps each build thread's PostgreSQL connection open from one node to the next.

dbt closes a thread's connection when the node it ran is done, and opens a new one for the next node: a new
PostgreSQL backend and a password exchange (SCRAM) for every model, snapshot and test, about 10 ms each on an
idle machine and much more on a busy one, plus the close and the thread's wait for both. A full build of
the project runs some 210 nodes, a monthly build some 130. dbt already reuses a thread's connection when it
finds it open (`set_connection_name`); what closes it is `release`, called after every node.

`keep_connections_open` makes `release` end the node's transaction instead (what closing did to it: a
rollback of whatever the node left uncommitted; dbt commits what a node builds before releasing) and keep
the connection. A connection that is not open, or whose end fails, is released as before; dbt closes every
connection kept at the end of the command (`cleanup_connections`). Nothing in the project keeps session
state between nodes (no `set`, no session advisory lock held past its statement).
"""

from __future__ import annotations

_MARK = "_resettle_keeps_connections_open"


def keep_connections_open() -> None:
    """Make dbt's connection managers keep a thread's connection between nodes (idempotent); called in the
    process that runs a build, before it starts."""
    from dbt.adapters.base.connections import BaseConnectionManager

    closing_release = BaseConnectionManager.release
    if getattr(closing_release, _MARK, False):
        return

    def release(self) -> None:
        with self.lock:
            conn = self.get_if_exists()
        if conn is None or conn.state != "open" or conn.handle.closed:  # open: a psycopg2 connection
            closing_release(self)
            return
        try:
            conn.handle.rollback()  # nothing is sent when no transaction is open
        except Exception:
            closing_release(self)
            return
        conn.transaction_open = False

    setattr(release, _MARK, True)
    release.__doc__ = closing_release.__doc__
    BaseConnectionManager.release = release
