"""SHELL: temp names that say which process owns them, so a killed run's orphans can be swept.

A temp is named ``.socprio-<host>-<pid>-<random>.tmp``: ``<host>`` is a short hash of the host
name and the kernel boot id, so a PID is only ever judged on the machine (and boot) that issued
it. A temp whose owner is this host and boot and whose PID no longer exists is an orphan,
whatever its age; a live owner's temp, or one from another host, is never an orphan by owner.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import socket
from functools import cache
from pathlib import Path

TEMP_PREFIX = ".socprio-"
TEMP_SUFFIX = ".tmp"
_BOOT_ID = "/proc/sys/kernel/random/boot_id"
_OWNED = re.compile(r"^\.socprio-(?P<host>[0-9a-f]{12})-(?P<pid>[0-9]{1,10})-[0-9a-f]{8,32}")


@cache
def host_token() -> str:
    """12 hex digits naming this host and boot (the boot id is empty where there is none)."""
    try:
        boot = Path(_BOOT_ID).read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    seed = f"{socket.gethostname()}\0{boot}".encode()
    return hashlib.sha256(seed).hexdigest()[:12]


def owned_name(kind: str = "") -> str:
    """A fresh temp name owned by this process; ``kind`` (e.g. ``latest-``) follows the prefix
    only in legacy names, so it is put after the random part here."""
    return f"{TEMP_PREFIX}{host_token()}-{os.getpid()}-{secrets.token_hex(8)}{kind}{TEMP_SUFFIX}"


def pid_alive(pid: int) -> bool:
    """True unless ``pid`` certainly does not exist (a process of another user is alive)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True


def owner_gone(name: str) -> bool | None:
    """For a temp name: True when its owner on this host is dead, False when it is alive or on
    another host, None when the name carries no owner (a legacy name: judge it by age)."""
    match = _OWNED.match(name)
    if match is None:
        return None
    if match["host"] != host_token():
        return False
    pid = int(match["pid"])
    return pid != os.getpid() and not pid_alive(pid)
