"""The teaching page in a real browser: Debian's chromium, driven by Playwright (sync API).

The server runs as ``python -m sim.app port=<free port>`` in a subprocess; the test loads the
page at 1280x720, changes the decision lag and the seed, resets, steps, plays, sees the plots
and the counterfactual part, checks that bad values give a message while the server keeps
serving, finds no errors in the browser console, and saves a screenshot.

Needs /usr/bin/chromium (``scripts/browser_setup.sh``) and Solara's browser assets
(``scripts/solara_assets.sh``). Without them the test skips, unless ``REQUIRE_BROWSER=1``
(set by ``make test`` in CI, which installs both first): then it fails.
``APP_SCREENSHOT=path.png`` also copies the screenshot there (docs/figures/app_screenshot.png).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
START_TIMEOUT_S = 120


def _missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < START_TIMEOUT_S:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return time.perf_counter() - start
        time.sleep(0.2)
    pytest.fail(f"the server did not listen on port {port} within {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} is missing (sudo bash scripts/browser_setup.sh)")
    assets = subprocess.run(
        ["bash", "scripts/solara_assets.sh"], cwd=ROOT, capture_output=True, text=True
    )
    if assets.returncode != 0:
        _missing(f"Solara's browser assets are missing: {assets.stderr.strip()}")
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with open(log, "w") as out:  # a file, not a pipe nobody reads: the server must not block
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.app", f"port={port}", "controls.scenario=two_party"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        seconds = _wait_for_port(port, proc, log)
        print(f"\nsim.app listening after {seconds:.1f} s")
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        print(log.read_text()[-3000:])


@pytest.fixture(scope="module")
def chromium():  # not "browser": pytest-playwright's fixture of that name downloads its own
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _set_text(page, label: str, text: str) -> None:
    """Type into a text field and leave it (the page takes the value on focus-out)."""
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Tab")


def _reset(page) -> None:
    page.get_by_role("button", name="Reset").click()


def _chart_title(page, text: str):
    """A chart's title (SVG text drawn by Vega)."""
    return page.locator("svg text", has_text=text).first


def test_page_in_chromium(server, chromium, tmp_path):
    url, proc = server
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    start = time.perf_counter()
    page.goto(url)
    _chart_title(page, "two_party: week 0").wait_for(timeout=60_000)
    print(f"page drawn {time.perf_counter() - start:.1f} s after loading it")

    # a lag and a seed typed in; on Reset the status line and the curve's marker follow
    _set_text(page, "decision lag (weeks)", "2")
    _set_text(page, "seed", "7")
    _reset(page)
    page.get_by_text("decided 2 weeks after the first warning").wait_for()
    page.get_by_text("At lag 2:").wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
    _chart_title(page, "two_party: week 3").wait_for()
    assert page.get_by_text("The two runs are still the same run").is_visible()

    # play until the envoy arrives (week 9 in this replicate) and the two runs part
    page.get_by_role("button", name="▶").click()
    page.get_by_text("part in week 10").wait_for(timeout=45_000)
    page.get_by_role("button", name="❚❚").click()
    for name in ("parties per stage", "without the action", "with the action", "first warning"):
        assert _chart_title(page, name).count() == 1 or page.get_by_text(name).count(), name

    shot = tmp_path / "app_1280x720.png"
    page.screenshot(path=str(shot))
    if os.environ.get("APP_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["APP_SCREENSHOT"])

    # bad values: a message in the page, the default used, the server still serving
    _set_text(page, "decision lag (weeks)", "next week")
    _set_text(page, "seed", "-5")
    _reset(page)
    page.get_by_text("decision lag (weeks): got 'next week'").wait_for()
    page.get_by_text("seed: got -5").wait_for()
    page.get_by_role("button", name="Step").click()
    _chart_title(page, "two_party: week 1").wait_for()
    second = chromium.new_page(viewport={"width": 1280, "height": 720})
    second.goto(url)
    _chart_title(second, "two_party: week 0").wait_for(timeout=60_000)
    second.close()
    assert proc.poll() is None, "the server stopped"
    assert problems == []
    page.close()


@pytest.mark.parametrize(("required", "outcome"), [("1", "1 error"), ("0", "1 skipped")])
def test_a_missing_browser_fails_when_required(required, outcome):
    """As REQUIRE_SLURM for the slurm tests: CI (REQUIRE_BROWSER=1) must not pass by skipping."""
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium", "REQUIRE_BROWSER": required}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_page_in_chromium",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert outcome in out.stdout, out.stdout[-2000:]
    assert (out.returncode != 0) == (required == "1")
    assert ("REQUIRE_BROWSER=1 but /nonexistent/chromium is missing" in out.stdout) == (
        required == "1"
    )
