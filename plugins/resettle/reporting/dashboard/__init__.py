"""The leadership dashboard (领导看板): a Streamlit app over the marts, with log-in, per-role scope and export.

Nothing here imports Streamlit at package import: only `app.py` (run by `streamlit run`) and the
`resettle dashboard` command do, so DAG parsing and the CLI stay light. The modules:

* `auth` — roles and what each may see, scrypt password hashes, log-in.
* `users` — `resettle users add|list|disable` and the demo users.
* `data` — scoped reads: every query runs as the user's PostgreSQL scope role (row-level security).
* `app`, `views` — the Streamlit pages.

The xlsx export of any table (safe against formula injection) is `resettle.reporting.export`; the CLI
subcommands are `resettle.cli.dashboard`.
"""
