"""Headless Chromium for the tasking-pack screenshot test (and the README screenshot).

Debian's ``chromium`` package is used; when it is missing and we are root with apt-get, it is
installed once. The flags keep Chromium off the network: force networks are closed, and a
headless browser otherwise tries to reach Google for updates, sync and QUIC.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
INSTALL_TIMEOUT_S = 600
SCREENSHOT_TIMEOUT_S = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no DNS: a stray request fails at once
)
_attempt: list[str] = []  # why installing failed, so it is tried once per session


def find_chromium() -> str | None:
    """The path of an installed Chromium, or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def install_problem() -> str:
    """Why Chromium could not be installed (empty when no attempt failed)."""
    return _attempt[0] if _attempt else ""


def find_or_install_chromium() -> str | None:
    """Chromium's path, installing Debian's package first when missing and possible."""
    found = find_chromium()
    if found or _attempt:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        _attempt.append("apt-get is unavailable or this is not root")
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        for args in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, env=env
            )
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
                _attempt.append(f"{' '.join(args[1:])} failed: {' '.join(tail)}")
                return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        _attempt.append(f"apt-get failed: {exc}")
        return None
    found = find_chromium()
    if found is None:
        _attempt.append("apt-get succeeded but no chromium binary was found")
    return found


def screenshot(
    html_path: Path,
    png_path: Path,
    *,
    binary: str,
    width: int = 1240,
    height: int = 1754,
    scale: float = 1.0,
) -> None:
    """Render ``html_path`` headless into a PNG of ``width`` x ``height`` CSS pixels times
    ``scale`` (the default is A4 at 150 dpi)."""
    size = [f"--window-size={width},{height}", f"--force-device-scale-factor={scale:g}"]
    _render(binary, html_path, png_path, [f"--screenshot={png_path}", *size])


def print_pdf(html_path: Path, pdf_path: Path, *, binary: str) -> None:
    """Print ``html_path`` to PDF as a browser's Print would (A4 from the page's @page rule),
    without the browser's own header and footer."""
    _render(binary, html_path, pdf_path, ["--no-pdf-header-footer", f"--print-to-pdf={pdf_path}"])


def _render(binary: str, html_path: Path, out: Path, options: list[str]) -> None:
    """Run headless Chromium on ``html_path`` with ``options`` in a throwaway profile; the
    run must exit 0 and leave ``out``."""
    with tempfile.TemporaryDirectory(prefix="socprio-chromium-") as profile:
        args = [
            binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            *options,
            html_path.resolve().as_uri(),
        ]
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=SCREENSHOT_TIMEOUT_S, check=False
        )
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-500:]}")


# On screen the appendix follows the briefing; for a picture of printed page 1, hide it.
PAGE_ONE = "<style>@media screen { .appendix { display: none; } }</style></head>"


def readme_screenshot(png_path: Path, *, top: int = 20) -> None:
    """Render the tasking pack of the shipped sample (top ``top``) and screenshot its first
    page, the briefing, for the README: ``python tests/chromium.py docs/images/pack-page1.png``."""
    import contextlib
    from datetime import date

    from socprio import assess, load_config
    from socprio.present.pack import pack_html

    binary = find_or_install_chromium()
    if binary is None:
        raise SystemExit(
            f"chromium is not installed and could not be installed: {install_problem()}"
        )
    root = Path(__file__).resolve().parents[1]
    with contextlib.chdir(root):  # the pack names its input as given: sample_data/ocgs.csv
        a = assess("sample_data/ocgs.csv", load_config(None), as_of=date(2026, 11, 23))
    page = pack_html(a, top=top).replace("</head>", PAGE_ONE, 1)
    with tempfile.TemporaryDirectory(prefix="socprio-pack-") as tmp:
        html_path = Path(tmp) / "pack.html"
        html_path.write_text(page, encoding="utf-8")
        # A4's proportions at the pack's 186 mm text width (plus margins), 1.5x for sharpness
        screenshot(html_path, png_path, binary=binary, width=794, height=1123, scale=1.5)


if __name__ == "__main__":
    import sys

    readme_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/pack-page1.png"))
