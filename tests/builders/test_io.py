"""Writes are atomic: a failure leaves the previous file or folder untouched."""

import pytest

from builders.io import staged_directory, write_text_atomic


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failed_staged_directory_keeps_previous_state(tmp_path):
    target = tmp_path / "corpus"
    target.mkdir()
    (target / "kept.txt").write_text("last good state")
    with pytest.raises(RuntimeError):
        with staged_directory(target) as staging:
            (staging / "half.txt").write_text("half written")
            raise RuntimeError("step failed")
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


def test_successful_staged_directory_replaces_folder(tmp_path):
    target = tmp_path / "corpus"
    target.mkdir()
    (target / "stale.txt").write_text("stale")
    with staged_directory(target) as staging:
        (staging / "fresh.txt").write_text("fresh")
    assert sorted(p.name for p in target.iterdir()) == ["fresh.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    import os
    import stat

    from builders.io import staged_directory, write_bytes_atomic

    old = os.umask(umask)
    try:
        write_bytes_atomic(tmp_path / "out.txt", b"x")
        with staged_directory(tmp_path / "folder") as staging:
            (staging / "a").write_bytes(b"a")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == mode | 0o111 & ~umask
