"""The project's SQL macros against the PostgreSQL functions they stand in for, on a real server."""

from __future__ import annotations

from pathlib import Path

import jinja2
import psycopg
import pytest

pytestmark = pytest.mark.integration
MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros"


def _render(macro_file: str, call: str) -> str:
    """One macro call rendered from its file, as dbt renders it (the file's macros are plain Jinja)."""
    source = (MACROS / macro_file).read_text(encoding="utf-8")
    return jinja2.Environment().from_string(source + "{{ " + call + " }}").render().strip()


def test_months_between_counts_whole_months_exactly_as_age_does(warehouse_url):
    """Every pair of days in three years (a leap year and every month's end among them), both ways round."""
    months = _render("months_between.sql", "months_between('s', 'e')")
    assert "age(" not in months
    days = "(select day::date from generate_series('2019-01-01'::date, '2021-12-31'::date, interval '1 day') as day)"
    with psycopg.connect(warehouse_url) as conn:
        pairs, differing, negative = conn.execute(
            f"""
            select
                count(*),
                count(*) filter (
                    where {months} <> (extract(year from age(e, s)) * 12 + extract(month from age(e, s)))::integer
                ),
                count(*) filter (where {months} < 0)
            from {days} as starts (s), {days} as ends (e)
            """
        ).fetchone()
    assert pairs == 1096 * 1096
    assert differing == 0
    assert negative > pairs // 3
