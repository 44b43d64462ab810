"""A wave's files go to at most as many ingestion tasks as may run at once, in batches of about equal size."""

from __future__ import annotations

import os

from resettle.airflow.pipeline import FILE_COST_BYTES, file_batches, files_label


def _files(tmp_path, sizes: list[int]) -> list[dict]:
    files = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(b"x" * size)
        files.append({"source": f"s{i % 3}", "period": "2026-10", "path": str(path)})
    return files


def test_every_file_goes_to_exactly_one_batch_of_about_equal_cost_in_landing_order(tmp_path):
    big = 3 * FILE_COST_BYTES
    files = _files(tmp_path, [big, 10, 10, 20, 30, 10, 40, 50])
    batches = file_batches(files, 2)
    assert len(batches) == 2
    assert sorted(f["path"] for batch in batches for f in batch) == sorted(f["path"] for f in files)
    # a file costs its bytes and a fixed share: the big file's batch takes fewer of the small ones
    assert sorted(len(batch) for batch in batches) == [3, 5]
    loads = [sum(os.path.getsize(f["path"]) + FILE_COST_BYTES for f in batch) for batch in batches]
    assert max(loads) - min(loads) <= FILE_COST_BYTES, loads
    for batch in batches:
        positions = [files.index(f) for f in batch]
        assert positions == sorted(positions)


def test_fewer_files_than_slots_give_one_batch_each_and_none_give_none(tmp_path):
    files = _files(tmp_path, [5])
    assert file_batches(files, 2) == [files]
    assert file_batches([], 2) == []


def test_an_entry_that_cannot_be_read_is_batched_without_following_it(tmp_path):
    (tmp_path / "link.csv").symlink_to("/nonexistent/elsewhere.csv")
    files = [{"source": "xiangyang", "period": "2026-10", "path": str(tmp_path / "link.csv")}]
    assert file_batches(files, 2) == [files]


def test_a_batch_is_named_by_its_count_and_senders():
    files = [{"source": "xiangyang"}, {"source": "police"}, {"source": "xiangyang"}]
    assert files_label(files) == "3 files: xiangyang, police"
    assert files_label(files[:1]) == "1 file: xiangyang"
