"""dbt skips the work of each node that nobody reads: log lines below their logger's level, a new set of
agate column types for every query result, a stack walk that reads source files for every behaviour flag.

A build is bound by dbt's own Python on one core (the GIL) long before PostgreSQL is busy: at the demo's
size a monthly build of some 130 nodes spends most of its seconds in dbt, and three costs in it buy nothing:

- **Log lines nobody sees.** Every event dbt fires (a dozen per node: each SQL statement, each connection
  step) is formatted into a line for each of its loggers (JSON or text, its secrets scrubbed by walking the
  whole environment) and only then handed to Python's logger, which drops it when the line is below the
  logger's level: the debug lines of every build, all lines under `--quiet`. `write_line` now asks the
  logger first; what is written is the same line as before.
- **Column types per query result.** Every result dbt reads into an agate table (a test's failures count,
  each relation's columns) built a new type tester, whose date types each set up a date parser with its
  locale tables. Testers with the same text columns are the same and are not changed by use: one is kept per
  set of text columns.
- **The stack walk of a behaviour flag.** A flag without a named source takes the caller's module from
  `inspect.stack()`, which reads the source lines of every frame on the stack, for each flag of each adapter
  dbt sets up. The caller's module name is read from the frames themselves.

`skip_unread_work` installs the three (idempotent) in the process that runs dbt, before it starts.
"""

from __future__ import annotations

import logging
import sys

_MARK = "_resettle_skips_unread_work"

_LEVELS = {"test": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING}
"""dbt's event levels as Python's (`dbt_common.events.logger.send_to_logger`); anything else is an error."""


def skip_unread_work() -> None:
    """Install the three savings above in this process (once)."""
    from dbt_common.events import logger as dbt_logger

    if getattr(dbt_logger._Logger.write_line, _MARK, False):
        return
    _log_only_what_is_written(dbt_logger)
    _one_type_tester_per_text_columns()
    _behaviour_flag_source_from_frames()


def _log_only_what_is_written(dbt_logger) -> None:
    formatting_write_line = dbt_logger._Logger.write_line

    def write_line(self, msg) -> None:
        python_logger = self._python_logger
        if python_logger is None:  # the line was formatted and then dropped
            return
        level = "error" if dbt_logger._is_print_event(msg) else msg.info.level
        if not python_logger.isEnabledFor(_LEVELS.get(level, logging.ERROR)):
            return
        formatting_write_line(self, msg)

    setattr(write_line, _MARK, True)
    write_line.__doc__ = formatting_write_line.__doc__
    dbt_logger._Logger.write_line = write_line


def _one_type_tester_per_text_columns() -> None:
    from dbt_common.clients import agate_helper

    build = agate_helper.build_type_tester
    testers: dict = {}

    def build_type_tester(text_columns, string_null_values=("null", "")):
        key = (tuple(text_columns), None if string_null_values is None else tuple(string_null_values))
        tester = testers.get(key)
        if tester is None:
            tester = testers[key] = build(key[0], string_null_values=key[1])
        return tester

    build_type_tester.__doc__ = build.__doc__
    agate_helper.build_type_tester = build_type_tester


def _behaviour_flag_source_from_frames() -> None:
    from dbt_common import behavior_flags

    def _default_source() -> str:
        """The module that called the flag's class, as `inspect.stack()` found it, without reading sources."""
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_globals.get("__name__")
            if name and name != behavior_flags.__name__:
                return name
            frame = frame.f_back
        return "Unknown"

    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(_default_source)
