"""The output plan: every check and lock before the input is read; all or nothing on commit."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socprio.errors import IOFailure, LockedError, OutputError
from socprio.write import atomic as safeio
from socprio.write.atomic import directory_lock
from socprio.write.output import write_output
from socprio.write.plan import OutputPlan

SRC = Path(safeio.__file__).resolve().parents[2]
OLD = b"last week\r\n"

# Child: one run writing two outputs; the input is "read" (a sleep) only once every lock is held.
RUN = """
import sys, time
from pathlib import Path
from socprio.errors import LockedError
from socprio.write.plan import OutputPlan

plan = OutputPlan()
outs = [plan.file(Path(p)) for p in sys.argv[2:]]
try:
    with plan.locked():
        time.sleep(float(sys.argv[1]))  # reading and ranking the input
        for out in outs:
            plan.stage(out, f"written by {__import__('os').getpid()}\\n")
        plan.commit()
except LockedError:
    sys.exit(75)
"""


def temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{safeio.TEMP_PREFIX}*{safeio.TEMP_SUFFIX}"))


def child(*args: str) -> subprocess.Popen[str]:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.Popen(
        [sys.executable, "-c", RUN, *args], env=env, text=True, stderr=subprocess.PIPE
    )


# --- all or nothing ----------------------------------------------------------------------------


def test_a_failure_after_staging_writes_nothing_anywhere(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "r.csv").write_bytes(OLD)
    plan = OutputPlan()
    first, second = plan.file(a / "r.csv"), plan.file(b / "r.json")
    with pytest.raises(RuntimeError), plan.locked():
        plan.stage(first, "new csv")
        plan.stage(second, ["new ", "json"])
        raise RuntimeError("the ranking failed")
    assert (a / "r.csv").read_bytes() == OLD
    assert not (b / "r.json").exists()
    assert temps(a) == temps(b) == []


def test_commit_renames_every_staged_output(tmp_path: Path) -> None:
    plan = OutputPlan()
    csv, raw = plan.file(tmp_path / "r.csv", mode=0o640), plan.file(tmp_path / "r.bin")
    with plan.locked():
        plan.stage(csv, iter(["a,b\r\n", "1,2\r\n"]), bom=True)
        plan.stage(raw, b"\x00\x01")
        plan.commit()
    assert (tmp_path / "r.csv").read_bytes() == b"\xef\xbb\xbfa,b\r\n1,2\r\n"
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o640
    assert (tmp_path / "r.bin").read_bytes() == b"\x00\x01"
    assert temps(tmp_path) == []


def test_a_declared_output_left_unstaged_fails_commit_and_renames_nothing(tmp_path: Path) -> None:
    plan = OutputPlan()
    staged, _ = plan.file(tmp_path / "one"), plan.file(tmp_path / "two")
    with pytest.raises(ValueError, match="nothing was staged"), plan.locked():
        plan.stage(staged, "x")
        plan.commit()
    assert list(tmp_path.iterdir()) == [tmp_path / safeio.LOCK_NAME]


def test_disk_full_while_staging_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "r.csv").write_bytes(OLD)
    plan = OutputPlan()
    out = plan.file(tmp_path / "r.csv")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(IOFailure), plan.locked():
        monkeypatch.setattr(os, "fsync", full)
        plan.stage(out, "new")
    assert (tmp_path / "r.csv").read_bytes() == OLD
    assert temps(tmp_path) == []


# --- checks and locks come before the input is read --------------------------------------------


def test_a_locked_second_target_means_the_first_is_untouched(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "r.csv").write_bytes(OLD)
    plan = OutputPlan()
    plan.file(a / "r.csv")
    plan.file(b / "r.csv")
    body_ran = False
    with directory_lock(b), pytest.raises(LockedError) as info, plan.locked():
        body_ran = True
    assert not body_ran  # the input is never read
    assert info.value.exit_code == 75
    assert (a / "r.csv").read_bytes() == OLD
    with directory_lock(a):  # and the first lock was released
        pass


def test_a_missing_second_directory_fails_before_any_lock_or_read(tmp_path: Path) -> None:
    plan = OutputPlan()
    plan.file(tmp_path / "r.csv")
    plan.file(tmp_path / "missing" / "r.json")
    with pytest.raises(OutputError) as info, plan.locked():
        pytest.fail("the body must not run")
    assert info.value.exit_code == 73
    assert str(info.value) == f"{tmp_path / 'missing'}: output directory does not exist"
    assert list(tmp_path.iterdir()) == []  # not even a lock file


def test_two_outputs_in_one_directory_take_its_lock_once(tmp_path: Path) -> None:
    plan = OutputPlan()
    one, two = plan.file(tmp_path / "one"), plan.file(tmp_path / "." / "two")
    with plan.locked():
        plan.stage(one, "1")
        plan.stage(two, "2")
        plan.commit()
    assert (tmp_path / "two").read_text() == "2"


def test_overlapping_runs_never_both_write(tmp_path: Path) -> None:
    outs = [str(tmp_path / "r.csv"), str(tmp_path / "r.json")]
    procs = [child("1.5", *outs)]
    time.sleep(0.5)  # the first holds its locks and is "reading"
    procs += [child("0", *outs) for _ in range(5)]
    codes = [p.wait(timeout=60) for p in procs]
    assert codes == [0, 75, 75, 75, 75, 75], [p.stderr.read() for p in procs if p.stderr]
    winner = f"written by {procs[0].pid}\n"
    assert [Path(p).read_text() for p in outs] == [winner, winner]
    for proc in procs:
        assert proc.stderr is not None
        proc.stderr.close()


def test_runs_started_together_one_wins_the_rest_exit_75(tmp_path: Path) -> None:
    outs = [str(tmp_path / "r.csv")]
    procs = [child("1", *outs) for _ in range(4)]
    codes = sorted(p.wait(timeout=60) for p in procs)
    assert codes == [0, 75, 75, 75]
    for proc in procs:
        assert proc.stderr is not None
        proc.stderr.close()


# --- what an output path may be ----------------------------------------------------------------


def test_output_file_name_too_long_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="file name is too long") as info:
        write_output(tmp_path / ("x" * 300 + ".csv"), "data", mode=0o600)
    assert info.value.exit_code == 73


def test_missing_output_directory_is_named_not_the_lock_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "dir"
    with pytest.raises(OutputError) as info:
        write_output(missing / "r.csv", "data", mode=0o600)
    assert str(info.value) == f"{missing}: output directory does not exist"
    assert safeio.LOCK_NAME not in str(info.value)


def test_output_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(OLD)
    with pytest.raises(OutputError, match="is not a directory"):
        write_output(tmp_path / "f" / "r.csv", "data", mode=0o600)


def test_a_socket_at_the_output_path_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(OutputError, match="is a socket") as info:
            write_output(path, "data", mode=0o600)
    assert info.value.exit_code == 73
    assert stat.S_ISSOCK(path.lstat().st_mode)
    assert sorted(tmp_path.iterdir()) == [path]  # no lock file, no temp


def test_a_directory_at_the_output_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory"):
        write_output(tmp_path, "data", mode=0o600)


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_output(fifo, "through the pipe", mode=0o600)
    out, _ = reader.communicate(timeout=30)
    assert out == b"through the pipe"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(tmp_path.iterdir()) == [fifo]  # no lock file, no temp


def _char_device(tmp_path: Path) -> Path:
    """A private copy of /dev/null's node (needs root), so a broken fix cannot harm /dev."""
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("cannot create a device node here")
    return node


def test_a_character_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    node = _char_device(tmp_path)
    before = node.lstat()
    write_output(node, "discarded", mode=0o600)
    after = node.lstat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(tmp_path.iterdir()) == [node]  # no lock file, no temp


def test_dev_null_is_written_through_without_a_lock_file() -> None:
    before = Path("/dev/null").lstat()
    write_output(Path("/dev/null"), "discarded", mode=0o600)
    after = Path("/dev/null").lstat()
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert not Path("/dev", safeio.LOCK_NAME).exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_dev_full_is_an_io_error_and_stays_a_device() -> None:
    with pytest.raises(IOFailure) as info:
        write_output(Path("/dev/full"), "x" * 10_000, mode=0o600)
    assert info.value.exit_code == 74
    assert stat.S_ISCHR(Path("/dev/full").lstat().st_mode)


def test_dev_stdout_writes_to_descriptor_1_at_its_offset(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    script = (
        "import sys; from pathlib import Path; from socprio.write.output import write_output; "
        "print('head', flush=True); write_output(Path('/dev/stdout'), 'body\\n', mode=0o600)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with out.open("wb") as handle:
        subprocess.run([sys.executable, "-c", script], stdout=handle, env=env, check=True)
    assert out.read_bytes() == b"head\nbody\n"
    assert Path("/dev/stdout").is_symlink() or stat.S_ISCHR(Path("/dev/stdout").stat().st_mode)


def test_a_symlink_to_a_device_outside_dev_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "r.csv"
    link.symlink_to("/dev/null")
    with pytest.raises(OutputError, match="symlink to a device"):
        write_output(link, "x", mode=0o600)
    assert link.is_symlink()
