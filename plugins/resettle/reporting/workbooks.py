"""Workbooks whose bytes depend only on their content: generated data, templates and tests compare files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile


def stable_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """An xlsx (zip) re-packed with one timestamp on every member, so equal content gives equal bytes."""
    out = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second // 2 * 2)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
