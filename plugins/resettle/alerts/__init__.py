"""Alerts: tell sources, the leading-group office, leadership and engineers what needs doing, in Chinese.

- `conditions`: which alert conditions hold as of a moment (reminder, late, escalation, invalid);
- `messages`: the Chinese texts; `contacts`: who receives what (contacts.yml / RESETTLE_CONTACTS);
- `channels`: email (`smtp_default`) and webhook (`resettle_webhook`) delivery with retries;
- `alert_log`: dedup and resolution in ops.alert; `engine.check`: one check, one transaction.

The Airflow failure callback and Deadline Alert are in `resettle.airflow.callbacks`, the commands
`resettle alerts check|list` in `resettle.cli.alerts`. This package's `__init__` imports nothing, so the
callbacks stay cheap to import at DAG parse time.
"""

from __future__ import annotations


def check(*args, **kwargs):
    """See `resettle.alerts.engine.check`."""
    from resettle.alerts.engine import check as _check

    return _check(*args, **kwargs)
