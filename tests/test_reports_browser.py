"""The report site in a real browser: headless Chromium (Debian's `chromium`, installed by
`make setup-chromium`) opens every page from file:// and must see no console error, no uncaught
exception, no request that is not a local file, and every chart drawn with a non-zero size.
A screenshot of each page is written under target/reports_screenshots/.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages
separated by NUL bytes on file descriptors 3 and 4), so no client library is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "target" / "reports_screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# What every chart, big value and table on a page measures, as the browser laid it out.
MEASURE = """
JSON.stringify({
  charts: [...document.querySelectorAll('svg.chart')].map(e => {
    const box = e.getBoundingClientRect();
    return {kind: e.getAttribute('class'), width: box.width, height: box.height,
            marks: e.querySelectorAll('.mark').length,
            drawn: [...e.querySelectorAll('.mark')].filter(m => {
              const b = m.getBoundingClientRect(); return b.width > 0 || b.height > 0; }).length};
  }),
  tables: document.querySelectorAll('table.data-table').length,
  bigValues: document.querySelectorAll('.big-value').length,
  noData: document.querySelectorAll('.no-data').length,
  title: document.title,
  height: document.documentElement.scrollHeight
})
"""


class Browser:
    """One headless Chromium; `visit` loads a page and returns what it saw."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire() -> None:  # runs in the child: the DevTools pipe is fds 3 (in) and 4 (out)
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=wire,  # the pipe must sit on fds 3 and 4 before exec
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=self.session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )

    def _receive(self, wanted: Callable[[dict], bool], timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                self.events.append(message)
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        answer = self._receive(lambda item: item.get("id") == message["id"])
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def visit(self, url: str, screenshot: Path | None = None) -> dict:
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=self.session)
        self._receive(lambda item: item.get("method") == "Page.loadEventFired")
        measured = self.call(
            "Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session=self.session
        )
        seen = json.loads(measured["result"]["value"])
        if screenshot is not None:
            shot = self.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session=self.session,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        seen["errors"] = [
            json.dumps(event["params"])[:300]
            for event in self.events
            if event.get("method") == "Runtime.exceptionThrown"
            or (
                event.get("method") == "Runtime.consoleAPICalled"
                and event["params"]["type"] in ("error", "assert")
            )
            or (event.get("method") == "Log.entryAdded" and event["params"]["entry"]["level"] == "error")
        ]
        seen["requests"] = [
            event["params"]["request"]["url"]
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]
        return seen

    def evaluate(self, expression: str) -> object:
        answer = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=self.session
        )
        return answer["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `make setup-chromium` (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="reports_chromium_") as profile:
        opened = Browser(CHROMIUM, Path(profile))
        yield opened
        opened.close()


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    """The project's pages rendered from the session's built warehouse."""
    from sales_warehouse.reports import SiteOptions, build_site

    _, db, target = built
    out = tmp_path_factory.mktemp("browser") / "site"
    build_site(SiteOptions(ROOT / "reports", out, db, ROOT, target))
    return out


def test_every_page_opens_offline_without_errors_and_draws_its_charts(site, browser):
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    problems = []
    for page in pages:
        name = page.relative_to(site).as_posix()
        seen = browser.visit(
            page.as_uri(), SCREENSHOTS / (name.replace("/", "__").removesuffix(".html") + ".png")
        )
        outside = [url for url in seen["requests"] if not url.startswith("file://")]
        flat = [chart for chart in seen["charts"] if chart["width"] <= 0 or chart["height"] <= 0]
        undrawn = [
            chart for chart in seen["charts"] if chart["marks"] == 0 or chart["drawn"] < chart["marks"]
        ]
        if seen["errors"] or outside or flat or undrawn:
            problems.append((name, seen["errors"], outside, flat, undrawn))
        assert seen["charts"] or seen["tables"] or seen["bigValues"], f"{name} shows nothing"
    assert not problems, problems
    assert len(list(SCREENSHOTS.glob("*.png"))) == len(pages)


def test_charts_hold_the_points_of_their_query(site, browser):
    browser.visit((site / "funnel.html").as_uri())
    steps = browser.evaluate(
        "[...document.querySelectorAll('svg.funnel rect.funnel-step')]"
        ".map(e => [e.dataset.x, Number(e.dataset.y), e.getBoundingClientRect().width])"
    )
    assert [step[0] for step in steps][:2] == ["prospecting", "qualification"]
    entrants = [step[1] for step in steps]
    assert entrants == sorted(entrants, reverse=True)  # a funnel narrows
    widths = [step[2] for step in steps]
    assert widths == sorted(widths, reverse=True) and widths[-1] > 0


def test_tables_sort_when_a_header_is_clicked(site, browser):
    browser.visit((site / "reps" / "index.html").as_uri())
    column = "document.querySelector('table.sortable th[data-col=\"revenue_ytd\"]')"
    values = (
        "[...document.querySelector('table.sortable').tBodies[0].rows].map(r => Number(r.cells[2].dataset.v))"
    )
    browser.evaluate(f"{column}.click()")
    ascending = browser.evaluate(values)
    assert ascending == sorted(ascending) and len(ascending) > 3
    browser.evaluate(f"{column}.click()")
    assert browser.evaluate(values) == sorted(ascending, reverse=True)


def test_hidden_rows_show_on_request(site, browser):
    browser.visit((site / "metrics.html").as_uri())
    before = browser.evaluate("document.querySelectorAll('tbody tr:not([hidden])').length")
    browser.visit((site / "service.html").as_uri())
    hidden = browser.evaluate("document.querySelectorAll('tr.more[hidden]').length")
    assert before > 20 and hidden > 0
    browser.evaluate("document.querySelector('button.show-more').click()")
    assert browser.evaluate("document.querySelectorAll('tr.more[hidden]').length") == 0
