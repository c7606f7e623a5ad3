"""Rendered scorecards in a real browser: headless Chromium loads the pages of the
fixture bundle (the snapshot files of ``test_report_bundle``) with no console
messages at all (no script errors, no blocked resources, no CSP violations),
takes screenshots, and prints each scorecard on one A4 page.

Needs the Debian package ``chromium``; skipped with the reason when it is
missing, except under CI (CI=true), where a missing browser fails.  Set
``APPRAISAL_SCREENSHOTS=DIR`` to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.test_report_support import SNAPSHOTS

PAGES = SNAPSHOTS / "test_report_bundle"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WINDOW = (1100, 1900)


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = "Chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium is required in CI: {reason}")
    pytest.skip(reason)


def _run(tmp_path: Path, *args: str) -> str:
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def _console(stderr: str) -> list[str]:
    """Console messages of the page (Chromium logs each as ``INFO:CONSOLE``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    "page",
    ["rep-E2.en", "rep-E2.zh", "client-K4.en", "client-K4.zh", "rep-summary.zh", "index.en"],
)
def test_pages_load_without_console_messages_and_look_filled(tmp_path: Path, page: str) -> None:
    shot = tmp_path / f"{page}.png"
    stderr = _run(
        tmp_path,
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--screenshot={shot}",
        (PAGES / f"{page}.html").as_uri(),
    )
    assert _console(stderr) == []
    assert _png_size(shot) == WINDOW
    assert shot.stat().st_size > 60_000  # a blank page compresses to a few kilobytes
    keep = os.environ.get("APPRAISAL_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


@pytest.mark.parametrize("page", ["rep-E2.en", "client-K4.zh"])
def test_a_scorecard_prints_on_one_a4_page(tmp_path: Path, page: str) -> None:
    pdf = tmp_path / f"{page}.pdf"
    stderr = _run(
        tmp_path,
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        (PAGES / f"{page}.html").as_uri(),
    )
    assert _console(stderr) == []
    data = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box is not None
    assert (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)  # A4 in points
