"""The warehouses' locale (`server.INITDB_LOCALE`): the C collation orders text exactly as C.UTF-8 did, and
C.UTF-8's character classes still read Chinese text."""

from __future__ import annotations

import random

import psycopg
import pytest

from resettle.warehouse.server import CHARACTER_CLASSES, COLLATION

pytestmark = pytest.mark.integration

ALPHABET = "aAbBzZ09-_ .,*（）()【】泰山区向阳区居民台账月度进展工农南山兴安兴山市住建局éÉß€𠀋\u00a0\u3000\t"


def test_a_created_database_has_the_warehouses_locale(warehouse_url):
    with psycopg.connect(warehouse_url) as conn:
        collate, ctype = conn.execute(
            "select datcollate, datctype from pg_database where datname = current_database()"
        ).fetchone()
    assert (collate, ctype) == (COLLATION, CHARACTER_CLASSES)


def test_the_c_collation_orders_text_as_c_utf8_and_regular_expressions_still_read_chinese(warehouse_url):
    rng = random.Random(20191111)
    values = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8))) for _ in range(5000)]
    values += ["泰山区", "泰山区-01", "泰山", "TS-0001", "ts-0001", "2026-10", "2026-9", ""]
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("create temporary table words (word text)")
        with conn.cursor().copy("copy words (word) from stdin") as copy:
            for value in values:
                copy.write_row([value])
        by_default = [r[0] for r in conn.execute("select word from words order by word")]
        by_c_utf8 = [r[0] for r in conn.execute('select word from words order by word collate "C.utf8"')]
        assert by_default == by_c_utf8 == sorted(values, key=lambda v: v.encode())
        alpha, upper = conn.execute("select '泰山区' ~ '^[[:alpha:]]+$', upper('é泰a')").fetchone()
    assert alpha, "C.UTF-8's character classes read Chinese as letters"
    assert upper == "É泰A"
