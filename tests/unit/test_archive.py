"""The archive keeps exactly the bytes it hashed, private to the service user, once per content."""

from __future__ import annotations

import errno
import hashlib
import os
import stat

import pytest

from resettle.intake import archive as archive_module
from resettle.intake.archive import NotRegular, Unsettled, archive


@pytest.fixture
def landed(tmp_path):
    path = tmp_path / "landing" / "向阳区居民台账（2026年10月）.csv"
    path.parent.mkdir()
    # larger than one read of the fallback copy, and not a multiple of it
    path.write_bytes(os.urandom(3 * (1 << 20) + 12345))
    return path


def _check(archived, landed, root):
    assert archived.sha256 == hashlib.sha256(landed.read_bytes()).hexdigest()
    assert archived.path.read_bytes() == landed.read_bytes()
    assert archived.path.is_relative_to(root) and archived.path.name == f"{archived.sha256}.csv"
    assert stat.S_IMODE(archived.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(archived.path.parent.stat().st_mode) == 0o700
    assert not list((root / "tmp").iterdir()), "no partial copy is left behind"


def test_a_file_is_archived_under_its_hash_once(landed, tmp_path):
    root = tmp_path / "archive"
    first = archive(landed, root)
    _check(first, landed, root)
    again = archive(landed, root)
    assert again.path == first.path
    assert [p for p in root.rglob("*") if p.is_file()] == [first.path]


@pytest.mark.parametrize("failure", [errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP])
def test_where_the_kernel_cannot_copy_the_bytes_are_copied_through_python(landed, tmp_path, monkeypatch, failure):
    """A file system without copy_file_range (or across devices) gets the same archive copy."""

    def refuse(*args):
        raise OSError(failure, os.strerror(failure))

    monkeypatch.setattr(archive_module.os, "copy_file_range", refuse)
    root = tmp_path / "archive"
    _check(archive(landed, root), landed, root)


def test_a_kernel_copy_that_fails_half_way_starts_again(landed, tmp_path, monkeypatch):
    real = os.copy_file_range
    calls = []

    def once_then_refuse(src, dst, count, *args):
        calls.append(count)
        if len(calls) == 1:
            return real(src, dst, 1000)
        raise OSError(errno.EINVAL, "refused")

    monkeypatch.setattr(archive_module.os, "copy_file_range", once_then_refuse)
    root = tmp_path / "archive"
    _check(archive(landed, root), landed, root)


def test_a_file_still_being_written_or_a_link_is_not_archived(landed, tmp_path):
    root = tmp_path / "archive"
    with pytest.raises(Unsettled):
        archive(landed, root, settle_seconds=3600)
    link = landed.with_name("link.csv")
    link.symlink_to(landed)
    with pytest.raises(NotRegular):
        archive(link, root)
