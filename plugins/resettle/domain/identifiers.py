"""Check characters of Chinese identifiers: resident ID (GB 11643) and USCC (GB 32100).

One implementation serves the generator (which must produce valid numbers) and the validation suites
(which must tell a clerk exactly which number is wrong).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


ID_PROBLEM_15 = "15位一代身份证号，请换成18位号码"
_ID_CHECK_CODES = np.array([ord(c) for c in _ID_CHECK], dtype=np.uint32)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _number(digits: np.ndarray, first: int, last: int) -> np.ndarray:
    """The number written by columns `first` to `last` (exclusive) of a matrix of digits, per row."""
    return sum(digits[:, i].astype(np.int32) * 10 ** (last - 1 - i) for i in range(first, last))


def _code_points(values: pd.Series, width: int) -> np.ndarray:
    """Each value's first `width` characters as code points, one row per value, shorter ones (and missing
    values) padded with 0. Values all ASCII are cut and padded by Arrow, whose bytes then are the matrix
    (a million IDs in hundredths of a second); any other character takes the slower way through numpy's
    fixed-width strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.array(values, from_pandas=True)  # Arrow-backed text: its own buffers, maybe in chunks
    fixed = pc.utf8_rpad(pc.utf8_slice_codeunits(pc.fill_null(arrow, ""), 0, width), width=width, padding="\0")
    if isinstance(fixed, pa.ChunkedArray):
        fixed = fixed.combine_chunks()
    offset_type = np.dtype(np.int64 if pa.types.is_large_string(fixed.type) else np.int32)
    offsets = np.frombuffer(fixed.buffers()[1], offset_type, len(fixed) + 1, fixed.offset * offset_type.itemsize)
    if int(offsets[-1] - offsets[0]) == width * len(fixed):  # one byte per character: ASCII only
        data = np.frombuffer(fixed.buffers()[2], dtype=np.uint8, count=width * len(fixed), offset=int(offsets[0]))
        return data.reshape(len(fixed), width)
    as_text = values.to_numpy(dtype=object, na_value="").astype(f"U{width}")
    return as_text.view(np.uint32).reshape(len(values), width)


def id_problems(values: pd.Series) -> pd.Series:
    """Why each resident ID number is invalid, in a clerk's words; None where valid or empty.

    Column-wise on the numbers' characters as one integer matrix (a million-row roster in a fraction of a
    second). Values are expected trimmed and upper-case. Region codes are not checked against the birth
    year: IDs keep the code current when issued.
    """
    out = np.full(len(values), None, dtype=object)
    present = values.notna().to_numpy()
    if not present.any():
        return pd.Series(out, index=values.index, dtype=object)
    length = values.str.len().fillna(0).to_numpy(dtype=np.int64)
    chars = _code_points(values, 18)
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    d = np.where(digit, chars - chars.dtype.type(ord("0")), 0).astype(np.uint8)  # each digit's value, 0 elsewhere
    fifteen = present & (length == 15) & digit[:, :15].all(axis=1)
    out[fifteen] = ID_PROBLEM_15
    wrong_length = present & (length != 18) & ~fifteen
    out[wrong_length] = [f"身份证号应为18位，实际{n}位" for n in length[wrong_length]]
    shaped = (length == 18) & digit[:, :17].all(axis=1) & (digit[:, 17] | (chars[:, 17] == ord("X")))
    out[(length == 18) & ~shaped] = "身份证号只能由17位数字和1位校验码（数字或X）组成"
    year, month, day = _number(d, 6, 10), _number(d, 10, 12), _number(d, 12, 14)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    exists = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
    out[shaped & ~exists] = "身份证号中的出生日期不存在"
    today = dt.date.today()
    birth = year * 10000 + month * 100 + day
    odd = shaped & exists & ((year < 1900) | (birth > today.year * 10000 + today.month * 100 + today.day))
    out[odd] = "身份证号中的出生日期不合理"
    checkable = shaped & exists & ~odd
    total = sum(d[:, i].astype(np.int32) * w for i, w in enumerate(_ID_WEIGHTS))
    out[checkable & (_ID_CHECK_CODES[total % 11] != chars[:, 17])] = "身份证号校验码错误（可能有数字录错）"
    return pd.Series(out, index=values.index, dtype=object)


def id_problem(value: str) -> str | None:
    """Why one resident ID number is invalid, or None when it is valid (see `id_problems`)."""
    problem = id_problems(pd.Series([value.strip().upper()], dtype="str")).iloc[0]
    return problem if isinstance(problem, str) else None


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (weights modulo 31)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why a USCC is invalid, in a clerk's words, or None when it is valid."""
    v = value.strip().upper()
    if len(v) != 18:
        return f"统一社会信用代码应为18位，实际{len(v)}位"
    if not _USCC_RE.match(v):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"
    if uscc_check_char(v[:17]) != v[17]:
        return "统一社会信用代码校验码错误（可能有字符录错）"
    return None


PHONE_PROBLEM = "联系电话应为11位手机号或带区号的固定电话（如 0468-3456789）"
_PHONE_PATTERN = f"{MOBILE_RE.pattern[1:-1]}|{LANDLINE_RE.pattern[1:-1]}"


def phone_problems(values: pd.Series) -> pd.Series:
    """PHONE_PROBLEM where a number is neither an 11-digit mobile nor a landline with area code."""
    valid = (values.isna() | values.str.fullmatch(_PHONE_PATTERN)).fillna(True).astype(bool)
    return pd.Series(np.where(valid, None, PHONE_PROBLEM), index=values.index)  # type: ignore[call-overload]


def phone_problem(value: str) -> str | None:
    """Why one phone number is invalid, or None (see `phone_problems`)."""
    problem = phone_problems(pd.Series([value.strip().replace(" ", "")], dtype="str")).iloc[0]
    return problem if isinstance(problem, str) else None


_PERSONAL_DIGITS = re.compile(r"(?<!\d)\d(?:[ \-.\u00a0]?\d){9,}(?:[ \-.]?[Xx])?(?![\dXx])")
"""A run of 10 or more digits, possibly split by spaces, hyphens or dots (`230405-19540408-9291`,
`138 0013 8000`, `0468-3456789`) and ending in an ID's check `X`: the length of a resident ID, a
mobile or a landline number with its area code."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def mask_personal(text: str) -> str:
    """Hide the middle of every ID- or phone-length digit run, whatever separates its digits: alerts travel
    by email and group chat, so they say where the problem is, not the personal data. The separators are
    dropped and all but the first and last few digits replaced by `*` (4 each from 11 digits, 3 below)."""

    def hide(m: re.Match) -> str:
        digits = re.sub(r"[ \-.\u00a0]", "", m.group())
        keep = 4 if len(digits) >= 11 else 3
        return digits[:keep] + "*" * (len(digits) - 2 * keep) + digits[-keep:]

    return _PERSONAL_DIGITS.sub(hide, text)


def single_line(text: str) -> str:
    """Text for a one-line field (a mail subject, a title): control characters and line breaks become one
    space, so a file name can never add a header or a line of its own."""
    return _CONTROL.sub(" ", text).strip()
