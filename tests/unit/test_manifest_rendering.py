"""Airflow renders the dbt tasks from the cut of the manifest, or from the manifest itself when the cut is
behind it; never from a manifest a parse is still writing in place."""

from __future__ import annotations

import os

from resettle.warehouse import dbt_runner


def _project(tmp_path, monkeypatch):
    monkeypatch.setenv("RESETTLE_DBT_PROJECT_DIR", str(tmp_path))
    (tmp_path / "target").mkdir()
    cut, full = dbt_runner.render_manifest_path(), dbt_runner.manifest_path()
    cut.write_text("{}", encoding="utf-8")
    full.write_text("{}", encoding="utf-8")
    os.utime(cut, (1_000, 1_000))
    os.utime(full, (2_000, 2_000))  # a parse has rewritten the manifest since the cut was written
    return cut, full


def test_the_manifest_behind_its_cut_is_read_whole_when_no_parse_is_writing_it(tmp_path, monkeypatch):
    cut, full = _project(tmp_path, monkeypatch)
    assert dbt_runner.manifest_for_rendering() == full
    with dbt_runner.manifest_lock(shared=True):  # another reader
        assert dbt_runner.manifest_for_rendering() == full
    os.utime(cut, (3_000, 3_000))
    assert dbt_runner.cut_is_current() and dbt_runner.manifest_for_rendering() == cut


def test_while_a_parse_writes_the_manifest_the_cut_is_rendered(tmp_path, monkeypatch):
    cut, full = _project(tmp_path, monkeypatch)
    with dbt_runner.manifest_lock():
        full.write_text('{"nodes": {', encoding="utf-8")  # half written
        assert dbt_runner.manifest_being_written()
        assert dbt_runner.manifest_for_rendering() == cut
    assert not dbt_runner.manifest_being_written()


def test_the_cut_is_written_again_from_a_newer_manifest(tmp_path, monkeypatch):
    """`ensure_manifest`, under the manifest's own lock, writes the cut again when the manifest is newer."""
    cut, full = _project(tmp_path, monkeypatch)
    full.write_text('{"metadata": {"project_name": "resettle"}, "nodes": {}}', encoding="utf-8")
    assert not dbt_runner.cut_is_current()
    dbt_runner.ensure_manifest()
    assert dbt_runner.cut_is_current() and dbt_runner.manifest_for_rendering() == cut
    assert '"project_name":"resettle"' in cut.read_text(encoding="utf-8")
