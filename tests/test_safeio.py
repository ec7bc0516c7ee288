"""Atomic output, locking, stale-temp sweep and SIGTERM handling, with real killed processes."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socprio.errors import IOFailure, LockedError, OutputError
from socprio.write import atomic as safeio
from socprio.write.atomic import (
    atomic_write_bytes,
    atomic_write_text,
    directory_lock,
    sweep_stale_temps,
    terminate_as_exit,
)

OLD = b"urn,name\r\nOCG1,previous good run\r\n"
SECRET = b"SECRET-ROW-VALUE"
SRC = Path(safeio.__file__).resolve().parents[1]

# Child: start a 4 MiB atomic write; after the first chunk reaches the temp file, say READY and
# block, so the parent can signal it deterministically mid-write.
WRITER = """
import os, sys, time
from pathlib import Path
from socprio.write import atomic as safeio

real_write = os.write

def write_then_block(fd, data):
    written = real_write(fd, data)
    print("READY", flush=True)
    time.sleep(120)
    return written

os.write = write_then_block
with safeio.terminate_as_exit():
    safeio.atomic_write_bytes(Path(sys.argv[1]), b"n" * (4 << 20))
print("FINISHED", flush=True)
"""

# Child: hold the directory lock until stdin closes.
LOCKER = """
import sys
from pathlib import Path
from socprio.write import atomic as safeio

with safeio.directory_lock(Path(sys.argv[1])):
    print("READY", flush=True)
    sys.stdin.readline()
"""


def temps(directory: Path) -> list[Path]:
    """Our temp files left in ``directory``."""
    return sorted(directory.glob(f"{safeio.TEMP_PREFIX}*{safeio.TEMP_SUFFIX}"))


def start_child(script: str, *args: str) -> subprocess.Popen[str]:
    """Run ``script`` in a fresh interpreter and wait for its READY line."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line != "READY\n":
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"child did not get ready: {line!r} {err}")
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Close the child's stdin and collect its output."""
    return proc.communicate(timeout=30)


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """Set the process umask for one test and restore it afterwards."""
    original = os.umask(0o077)
    yield os.umask
    os.umask(original)


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """An output path that already holds a previous good file."""
    path = tmp_path / "ranked.csv"
    path.write_bytes(OLD)
    return path


# --- atomic write: success --------------------------------------------------------------------


def test_replaces_content_and_leaves_no_temp(target: Path) -> None:
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert temps(target.parent) == []


def test_text_is_utf8_exactly_as_given_with_optional_bom(tmp_path: Path) -> None:
    text = "urn,name\r\nOCG1,£500 ’x\nlast"
    atomic_write_text(tmp_path / "plain.csv", text)
    atomic_write_text(tmp_path / "bom.csv", text, bom=True)
    assert (tmp_path / "plain.csv").read_bytes() == text.encode("utf-8")
    assert (tmp_path / "bom.csv").read_bytes() == b"\xef\xbb\xbf" + text.encode("utf-8")


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize(("kwargs", "expected"), [({}, 0o600), ({"mode": 0o640}, 0o640)])
def test_mode_ignores_umask_and_previous_mode(
    target: Path,
    umask: Callable[[int], int],
    mask: int,
    kwargs: dict[str, Any],
    expected: int,
) -> None:
    target.chmod(0o644)
    umask(mask)
    atomic_write_bytes(target, b"new", **kwargs)
    assert stat.S_IMODE(target.stat().st_mode) == expected


def test_symlink_at_path_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(OLD)
    link = tmp_path / "ranked.csv"
    link.symlink_to(elsewhere)
    atomic_write_bytes(link, b"new")
    assert not link.is_symlink()
    assert elsewhere.read_bytes() == OLD


# --- atomic write: failures -------------------------------------------------------------------


@pytest.mark.parametrize(("victim", "fail_on_call"), [("write", 2), ("fsync", 1)])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_io_failure_mid_write_keeps_previous_file(
    target: Path, monkeypatch: pytest.MonkeyPatch, victim: str, fail_on_call: int, code: int
) -> None:
    real = getattr(os, victim)
    calls = 0

    def failing(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls >= fail_on_call:
            raise OSError(code, os.strerror(code))
        return real(*args)

    monkeypatch.setattr(os, victim, failing)
    with pytest.raises(IOFailure) as info:
        atomic_write_bytes(target, SECRET * 300_000)  # several chunks
    monkeypatch.undo()
    assert info.value.exit_code == 74
    assert str(target) in str(info.value)
    assert SECRET.decode() not in str(info.value)
    assert target.read_bytes() == OLD
    assert temps(target.parent) == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_interrupt_mid_write_keeps_previous_file(
    target: Path, monkeypatch: pytest.MonkeyPatch, interrupt: type[BaseException]
) -> None:
    def interrupted(fd: int, data: bytes) -> int:
        raise interrupt()

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(interrupt):
        atomic_write_bytes(target, SECRET)
    monkeypatch.undo()
    assert target.read_bytes() == OLD
    assert temps(target.parent) == []


def test_failed_replace_keeps_previous_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, other: Path) -> Path:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(IOFailure):
        atomic_write_bytes(target, SECRET)
    monkeypatch.undo()
    assert target.read_bytes() == OLD
    assert temps(target.parent) == []


@pytest.mark.parametrize("where", ["missing/ranked.csv", "a_file/ranked.csv", "a_dir"])
def test_uncreatable_output_is_output_error(tmp_path: Path, where: str) -> None:
    (tmp_path / "a_file").write_bytes(OLD)
    (tmp_path / "a_dir").mkdir()
    path = tmp_path / where
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(path, SECRET)
    assert info.value.exit_code == 73
    assert str(path) in str(info.value)
    assert SECRET.decode() not in str(info.value)
    assert (tmp_path / "a_file").read_bytes() == OLD
    assert temps(tmp_path) == []


def test_unwritable_directory_is_output_error(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulated: chmod does not stop root, and the tests may run as root.
    real_open = os.open

    def denied(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(target, SECRET)
    assert info.value.exit_code == 73
    assert target.read_bytes() == OLD


# --- real processes killed mid-write ----------------------------------------------------------


def test_sigterm_mid_write_removes_temp_and_keeps_previous_file(target: Path) -> None:
    proc = start_child(WRITER, str(target))
    assert len(temps(target.parent)) == 1  # really mid-write: the temp file exists
    proc.send_signal(signal.SIGTERM)
    out, err = finish(proc)
    assert proc.returncode == 143, err
    assert "FINISHED" not in out
    assert target.read_bytes() == OLD
    assert temps(target.parent) == []


def test_sigkill_mid_write_keeps_previous_file_and_sweep_removes_temp(target: Path) -> None:
    proc = start_child(WRITER, str(target))
    proc.kill()
    finish(proc)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    [left] = temps(target.parent)
    assert str(proc.pid) in left.name  # the owner is in the name
    assert sweep_stale_temps(target.parent) == [left]  # owner gone: swept at once, however fresh
    assert temps(target.parent) == []
    assert target.read_bytes() == OLD


def test_sweep_never_removes_a_live_runs_fresh_or_old_temp(target: Path) -> None:
    proc = start_child(WRITER, str(target))
    try:
        [live] = temps(target.parent)
        old = time.time() - 7200
        os.utime(live, (old, old))
        assert sweep_stale_temps(target.parent, older_than_s=0) == []
        assert live.exists()
    finally:
        proc.kill()
        finish(proc)


def test_sweep_keeps_another_hosts_temp_and_ages_out_legacy_names(tmp_path: Path) -> None:
    other_host = tmp_path / ".socprio-0123456789ab-1-0123456789abcdef.tmp"
    legacy = tmp_path / ".socprio-k3j4h5.tmp"
    for path in (other_host, legacy):
        path.write_bytes(b"x")
        os.utime(path, (time.time() - 7200,) * 2)
    assert sweep_stale_temps(tmp_path) == [legacy]
    assert other_host.exists()


# --- stale temp sweep -------------------------------------------------------------------------


def test_sweep_removes_only_old_regular_temp_files(tmp_path: Path) -> None:
    two_hours_ago = time.time() - 7200
    old = tmp_path / ".socprio-old.tmp"
    fresh = tmp_path / ".socprio-fresh.tmp"
    keep = [fresh, tmp_path / "report.tmp", tmp_path / ".socprio.lock", tmp_path / "x.socprio-.tmp"]
    for path in [old, *keep]:
        path.write_bytes(b"")
    subdir = tmp_path / ".socprio-dir.tmp"
    subdir.mkdir()
    for path in [old, *keep[1:], subdir]:
        os.utime(path, (two_hours_ago, two_hours_ago))
    assert sweep_stale_temps(tmp_path) == [old]
    assert not old.exists()
    assert all(path.exists() for path in [*keep, subdir])


def test_sweep_of_missing_directory_is_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        sweep_stale_temps(tmp_path / "missing")


# --- directory lock ---------------------------------------------------------------------------


def test_second_process_gets_locked_error_until_first_releases(tmp_path: Path) -> None:
    holder = start_child(LOCKER, str(tmp_path))
    try:
        with pytest.raises(LockedError) as info, directory_lock(tmp_path):
            pass
        assert info.value.exit_code == 75
        assert str(tmp_path) in str(info.value)
    finally:
        finish(holder)
    assert holder.returncode == 0
    with directory_lock(tmp_path):
        pass
    lock = tmp_path / safeio.LOCK_NAME
    assert lock.exists()  # never deleted
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_lock_of_killed_holder_is_released_by_the_kernel(tmp_path: Path) -> None:
    holder = start_child(LOCKER, str(tmp_path))
    holder.kill()
    finish(holder)
    with directory_lock(tmp_path):
        pass


def test_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    with directory_lock(tmp_path), pytest.raises(LockedError), directory_lock(tmp_path):
        pass


def test_lock_in_missing_directory_is_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError), directory_lock(tmp_path / "missing"):
        pass


# --- SIGTERM / SIGHUP as SystemExit -----------------------------------------------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_terminate_as_exit_raises_system_exit_and_restores(sig: signal.Signals, code: int) -> None:
    before = signal.getsignal(sig)
    with pytest.raises(SystemExit) as info, terminate_as_exit():
        signal.raise_signal(sig)
    assert info.value.code == code
    assert signal.getsignal(sig) == before


def test_terminate_as_exit_is_a_no_op_outside_the_main_thread() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def worker() -> None:
        with terminate_as_exit():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]
