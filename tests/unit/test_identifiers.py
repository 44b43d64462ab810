"""Our check-character code agrees with an independent implementation (python-stdnum) and says why."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from resettle.domain.identifiers import (
    USCC_ALPHABET,
    id_check_char,
    id_problem,
    id_problems,
    phone_problem,
    uscc_check_char,
    uscc_problem,
)


def _random_id(rng: random.Random) -> str:
    body = f"2304{rng.randint(2, 7):02d}{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return body + f"{rng.randint(0, 999):03d}"


def test_id_check_characters_agree_with_stdnum():
    rng = random.Random(7)
    for _ in range(2000):
        first17 = _random_id(rng)
        full = first17 + id_check_char(first17)
        assert ric.calc_check_digit(full) == full[-1]
        assert id_problem(full) is None


def test_uscc_check_characters_agree_with_stdnum():
    rng = random.Random(11)
    for _ in range(2000):
        first17 = "91" + "230402" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        full = first17 + uscc_check_char(first17)
        assert uscc.is_valid(full), full
        assert uscc_problem(full) is None


def test_a_mistyped_id_is_reported_with_its_reason():
    first17 = "23040419800101123"
    good = first17 + id_check_char(first17)
    wrong_char = "0" if good[-1] != "0" else "1"
    assert "校验码" in id_problem(good[:-1] + wrong_char)
    assert "出生日期" in id_problem("230404" + "19800230" + "123" + "X")
    assert "15位" in id_problem("230404800101123")
    assert "18位" in id_problem(good[:-2])
    assert "不存在" in id_problem("230404" + "19000229" + "123" + "X")  # 1900 was not a leap year
    assert "不存在" not in (id_problem("230404" + "20000229" + "123" + "X") or "")  # 2000 was
    assert "不合理" in id_problem("230404" + "18991231" + "123" + "X")
    assert "不合理" in id_problem("230404" + "29990101" + "123" + "X")


def test_digits_of_other_scripts_are_not_digits_of_an_id():
    """Only 0-9 make an ID: a number typed with other scripts' digits is reported, not read as digits."""
    for typed in ("２３０４０４１９８００１０１１２３Ｘ", "230404١٩٨٠0101123X", "２３０４０４８００１０１１２３"):
        problems = id_problems(pd.Series([typed], dtype="str")).tolist()
        assert problems[0] in ("身份证号只能由17位数字和1位校验码（数字或X）组成", "身份证号应为18位，实际15位")


def test_lowercase_x_counts_as_uppercase():
    for n in range(1000):
        first17 = f"23040419800101{n:03d}"
        if id_check_char(first17) == "X":
            assert id_problem(first17 + "x") is None
            return
    pytest.fail("no ID with check character X found")


def test_region_code_newer_than_birth_year_is_accepted():
    first17 = "23040719400101001"
    assert id_problem(first17 + id_check_char(first17)) is None


@pytest.mark.parametrize("value", ["13945678901", "0468-3456789", "04683456789", "138 4567 8901"])
def test_valid_phones(value):
    assert phone_problem(value) is None


@pytest.mark.parametrize("value", ["1394567890", "23456789012", "3456789", "abc"])
def test_invalid_phones(value):
    assert phone_problem(value)


@pytest.mark.parametrize("dtype", ["str", "string[python]", "object", "large_string[pyarrow]", "chunked"])
def test_a_column_of_ids_reads_the_same_whatever_holds_its_text(dtype):
    """A roster's IDs arrive as Arrow text in chunks (a CSV), as Python strings (a workbook) or as objects:
    the column is judged the same, ASCII-only or not, values missing, empty, short or long."""
    import pyarrow as pa

    first17 = "23040419800101123"
    valid = first17 + id_check_char(first17)
    values = [valid, first17 + "0", "２３０４", None, "", "2304041980010112345", "123456789012345"]
    expected = [id_problem(v) if v is not None else None for v in values]
    for sample in (values, [v for v in values if v != "２３０４"]):
        if dtype == "chunked":
            column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([sample[:3], sample[3:]], pa.string())))
        else:
            column = pd.Series(sample, dtype=dtype)
        wanted = [e for v, e in zip(values, expected, strict=True) if v in sample]
        assert [p if isinstance(p, str) else None for p in id_problems(column)] == wanted
