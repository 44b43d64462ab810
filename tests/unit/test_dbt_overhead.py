"""dbt skips the work nobody reads (resettle.warehouse.dbt_overhead) and writes what it wrote before."""

from __future__ import annotations

import io
import json

from dbt_common.behavior_flags import BehaviorFlagRendered
from dbt_common.clients import agate_helper
from dbt_common.events.base_types import EventLevel, msg_from_base_event
from dbt_common.events.logger import LineFormat, LoggerConfig, _JsonLogger, _TextLogger
from dbt_common.events.types import Note

from resettle.warehouse.dbt_overhead import skip_unread_work


class _Counting:
    formatted = 0

    def create_line(self, msg):
        type(self).formatted += 1
        return super().create_line(msg)


class _CountingJson(_Counting, _JsonLogger):
    pass


class _CountingText(_Counting, _TextLogger):
    pass


def test_a_line_below_its_loggers_level_is_not_formatted_and_the_others_are_as_before():
    skip_unread_work()
    skip_unread_work()  # idempotent
    for kind, line_format in ((_CountingJson, LineFormat.Json), (_CountingText, LineFormat.DebugText)):
        out = io.StringIO()
        logger = kind(
            LoggerConfig(
                name=f"test-{kind.__name__}", line_format=line_format, level=EventLevel.INFO, output_stream=out
            )
        )
        kind.formatted = 0
        logger.write_line(msg_from_base_event(Note(msg="a debug line"), level=EventLevel.DEBUG))
        assert kind.formatted == 0 and out.getvalue() == ""
        logger.write_line(msg_from_base_event(Note(msg="an info line"), level=EventLevel.INFO))
        assert kind.formatted == 1
        written = out.getvalue().strip()
        assert "an info line" in written
        if line_format is LineFormat.Json:
            assert json.loads(written)["info"]["level"] == "info"


def test_result_tables_share_one_type_tester_per_text_columns_and_read_the_same():
    skip_unread_work()
    first = agate_helper.build_type_tester(["code"], string_null_values=())
    assert agate_helper.build_type_tester(("code",), string_null_values=()) is first
    assert agate_helper.build_type_tester(["other"], string_null_values=()) is not first
    rows = [["007", "2026-10-01", "3"], ["null", "", None]]
    for _ in range(2):
        table = agate_helper.table_from_rows(rows, ["code", "day", "n"], text_only_columns=["code"])
        assert [r["code"] for r in table.rows] == ["007", "null"]
        assert str(table.rows[0]["day"]) == "2026-10-01" and table.rows[1]["day"] is None
        assert int(table.rows[0]["n"]) == 3


def test_a_behaviour_flag_names_the_module_that_set_it_up():
    skip_unread_work()
    flag = BehaviorFlagRendered({"name": "some_flag", "default": False, "description": "why"}, {})
    assert flag._behavior_change_event.flag_source == __name__
