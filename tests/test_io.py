"""Atomic output: a file appears whole or not at all."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from orbitsim.io import atomic_path, write_csv_atomic, write_text_atomic


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_success_renames_into_place_with_the_usual_mode(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("done")
        assert not target.exists()  # nothing visible before the body finishes
    assert target.read_text() == "done"
    assert leftovers(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_body_raising_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_text("half a line")
        raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_interrupt_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous run")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("new but unfinished")
        raise KeyboardInterrupt
    assert target.read_text() == "previous run"
    assert leftovers(tmp_path) == []


def test_body_that_removes_its_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.unlink()
        raise ValueError("gone")
    assert list(tmp_path.iterdir()) == []


def test_parent_folders_are_created_and_helpers_write(tmp_path):
    text_path = write_text_atomic(tmp_path / "a" / "b" / "note.txt", "héllo\n")
    assert text_path.read_text(encoding="utf-8") == "héllo\n"
    frame = pd.DataFrame({"satellite": ["S1", "S2"], "duration_s": [1.5, 2.0]})
    csv_path = write_csv_atomic(tmp_path / "c" / "rows.csv", frame)
    assert csv_path.read_text().splitlines() == ["satellite,duration_s", "S1,1.5", "S2,2.0"]
    assert leftovers(tmp_path / "c") == []


def test_failing_dataframe_write_leaves_nothing(tmp_path):
    class Broken:
        def to_csv(self, path, index):
            with open(path, "w") as handle:
                handle.write("satellite,start_utc\nS1,")
            raise OSError("disk full")

    from orbitsim.errors import OutputError

    with pytest.raises(OutputError, match="cannot write .*rows.csv: disk full"):
        write_csv_atomic(tmp_path / "rows.csv", Broken())
    assert list(tmp_path.iterdir()) == []


def test_a_folder_or_a_file_in_the_way_is_an_input_error(tmp_path):
    from orbitsim.errors import InputError

    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory; give a file name"):
        write_text_atomic(folder, "x")
    assert list(folder.iterdir()) == [] and leftovers(tmp_path) == []
    blocker = tmp_path / "blocker"
    blocker.write_text("keep")
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_text_atomic(blocker / "out.txt", "x")
    assert blocker.read_text() == "keep"
