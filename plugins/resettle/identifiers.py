"""Check characters of Chinese identifiers: resident ID (GB 11643) and USCC (GB 32100).

One implementation serves the generator (which must produce valid numbers) and the validation suites
(which must tell a clerk exactly which number is wrong).
"""

from __future__ import annotations

import datetime as dt
import re

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


def id_problem(value: str) -> str | None:
    """Why a resident ID number is invalid, in a clerk's words, or None when it is valid.

    Region codes are not checked against the birth year: IDs keep the code current when issued.
    """
    v = value.strip().upper()
    if len(v) == 15 and v.isdigit():
        return "15位一代身份证号，请换成18位号码"
    if len(v) != 18:
        return f"身份证号应为18位，实际{len(v)}位"
    if not _ID_RE.match(v):
        return "身份证号只能由17位数字和1位校验码（数字或X）组成"
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在"
    if birth.year < 1900 or birth > dt.date.today():
        return "身份证号中的出生日期不合理"
    if id_check_char(v[:17]) != v[17]:
        return "身份证号校验码错误（可能有数字录错）"
    return None


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


def phone_problem(value: str) -> str | None:
    """Why a phone number is invalid, or None for an 11-digit mobile or a landline with area code."""
    v = value.strip().replace(" ", "")
    if MOBILE_RE.match(v) or LANDLINE_RE.match(v):
        return None
    return "联系电话应为11位手机号或带区号的固定电话（如 0468-3456789）"
