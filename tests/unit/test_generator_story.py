"""The demo's last month as the generator stages it: one district late, every other source on time, one file
with a mistake and its correction the next morning, the late and corrected files kept aside for later."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from resettle.devtools.generator import MANIFEST, generate
from resettle.devtools.generator.story import CORRECTED, Story, due

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("story")
    story = Story(later=root / "later", now=NOW)
    return root, generate(root / "landing", "2026-10", months=2, seed=5, households=250, demo=story)


def test_one_district_files_late_and_every_other_source_on_time(staged):
    root, report = staged
    last = [f for f in report.files if f.period == "2026-11"]
    late = [f for f in last if f.submitted_at > due(f.source, f.period)]
    assert {f.source for f in late} == {"xingan"} and len(late) == 3
    assert all(f.path.is_relative_to(root / "later") for f in late)
    assert all(f.path.is_relative_to(root / "landing") for f in last if f.source != "xingan")
    assert report.story.due_at < report.story.alert_moment < report.story.late_at < NOW


def test_the_rejected_file_lands_now_and_its_correction_later_without_the_mistake(staged):
    root, report = staged
    story = report.story
    assert story.rejected.is_relative_to(root / "landing") and story.rejected.exists()
    assert story.corrected.name == story.rejected.stem + CORRECTED + story.rejected.suffix
    assert story.corrected.is_relative_to(root / "later") and story.corrected.exists()
    assert story.rejected.stat().st_mtime < story.corrected.stat().st_mtime < story.due_at.timestamp()
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (story.rejected, story.corrected)}
    assert len(set(digest.values())) == 2
    (mistake,) = [e for e in report.errors if e.period == "2026-11"]
    assert (mistake.source, mistake.dataset, mistake.kind) == ("taishan", "household_roster", "id_check_char_wrong")
    assert mistake.file == story.rejected.relative_to(root / "landing").as_posix()


def test_the_manifest_records_the_story_and_earlier_months_are_untouched(staged, tmp_path):
    root, report = staged
    manifest = json.loads((root / "landing" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["story"]["late"] == "xingan" and manifest["story"]["period"] == "2026-11"
    plain = generate(tmp_path, "2026-10", months=2, seed=5, households=250)
    before = {f.path.relative_to(tmp_path): f.path.read_bytes() for f in plain.files if f.period == "2026-10"}
    assert before == {
        f.path.relative_to(root / "landing"): f.path.read_bytes() for f in report.files if f.period == "2026-10"
    }
    assert not [e for e in plain.errors]
