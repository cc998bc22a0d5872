"""Each report opened in headless Chromium: what a reader sees on a desktop, on a phone, and on A4.

The test drives Chromium over the DevTools protocol with only the standard library (a minimal
WebSocket client below; ``websocket-client`` is not a dependency). Nothing is injected into the
report: the test loads the file, then evaluates JavaScript that measures the page — the charts
(``figure.chart svg``) and tables must have a non-zero size, the chart labels must lay out, the
headings must be there, the page must not scroll sideways on a 390 px phone, and in print media
no chart may be taller than an A4 page. Screenshots (desktop and phone) and the printed PDF are
kept in ``test-artifacts/`` (git-ignored).

Skips when Chromium is missing, unless ``AFTERSALES_REQUIRE_BROWSER=1`` (CI), then it fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from reports import KINDS, render_report
from tests.conftest import NOW
from tests.test_reports import HEADINGS

# The 总部汇总报告 (aftersales consolidate --report) is held to the same reader's expectations as the
# workbook reports; it is made from the demo workbook split into its stores' workbooks.
REPORTS = (*KINDS, "hq")
HEADINGS = HEADINGS | {"hq": ("总部汇总报告", "门店对比", "时效与工单", "客户体验与成本", "试点对比", "区域监控",
                              "汇总的文件")}

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DESKTOP = {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
A4_CONTENT_PX = {"width": 702, "height": 1009}  # 210×297 mm minus the @page margins, at 96 px/inch
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


# ---- a minimal WebSocket client (RFC 6455: text frames, client masking, ping/pong) -------------
class WebSocket:
    def __init__(self, url: str, timeout: float = 30.0):
        parts = urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("WebSocket handshake: connection closed")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(max(65536, size - len(self.buffer)))
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def recv(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(size)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the browser")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        try:
            self._send_frame(0x8, b"")
        finally:
            self.sock.close()


# ---- the browser -------------------------------------------------------------------------------
class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, exe: str, profile: Path):
        self.process = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events: list[dict] = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if any(e.get("method") == event for e in self.events):
                self.events = [e for e in self.events if e.get("method") != event]
                return
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self.events.append(json.loads(self.ws.recv()))

    def open(self, path: Path, metrics: dict, media: str = "") -> None:
        self.call("Emulation.setDeviceMetricsOverride", **metrics)
        self.call("Emulation.setEmulatedMedia", media=media)
        self.events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"]["value"]

    def screenshot(self, target: Path) -> None:
        size = self.evaluate("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})")
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1})
        target.write_bytes(base64.b64decode(shot["data"]))

    def pdf(self) -> bytes:
        return base64.b64decode(self.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])

    def close(self) -> None:
        if getattr(self, "ws", None):
            try:
                self.ws.close()
            except OSError:
                pass
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


MEASURE = """(() => {
  const size = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  return {
    title: document.title,
    headings: [...document.querySelectorAll('h1, h2, h3')].map(e => e.textContent.trim()),
    charts: [...document.querySelectorAll('figure.chart')].map(f => {
      // A full-width chart carries a wide and a phone drawing; measure the one on screen.
      const svgs = [...f.querySelectorAll('svg')];
      const svg = svgs.find(s => s.getBoundingClientRect().width > 0) || svgs[0];
      const texts = [...svg.querySelectorAll('text')];
      const heights = texts.map(t => t.getBoundingClientRect().height).filter(h => h > 0);
      return {id: f.id, ...size(svg), figure: size(f).h, figureWidth: size(f).w, texts: texts.length,
              laidOut: texts.filter(t => t.getBBox().width > 0).length,
              scrolls: f.scrollWidth > f.clientWidth + 1, right: f.getBoundingClientRect().right,
              smallestText: heights.length ? Math.min(...heights) : 0};
    }),
    tables: [...document.querySelectorAll('table')].map(t => ({...size(t), rows: t.rows.length,
              right: t.getBoundingClientRect().right,
              scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1,
              text: t.innerText.slice(0, 60)})),
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    scripts: document.scripts.length,
    text: document.body.innerText,
  };
})()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = chromium_path()
    if exe is None:
        if os.environ.get("AFTERSALES_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (AFTERSALES_REQUIRE_BROWSER=1) but is not installed")
        pytest.skip("Chromium is not installed")
    session = Browser(exe, tmp_path_factory.mktemp("chromium-profile"))
    yield session
    session.close()


@pytest.fixture(scope="module")
def report_files(demo_template, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser-reports")
    book = folder / "demo.xlsx"
    shutil.copy(demo_template, book)
    files = {kind: render_report(book, kind=kind, out=folder / f"{kind}.html", now=NOW, month=None)
             for kind in KINDS}
    files["hq"] = _hq_report(book, folder)
    return files


def _hq_report(book: Path, folder: Path) -> Path:
    from macros.consolidate import consolidate
    from reports.hq import render_hq_report
    from tests.splitter import split_by_store

    stores = folder / "stores"
    split_by_store(book, stores)
    (stores / "说明.txt").write_text("不是工作簿", encoding="utf-8")  # reported in the page's file list
    result = consolidate([stores], start=dt.date(2026, 9, 1), end=NOW.date(), now=NOW,
                         cache_dir=folder / "cache", jobs=1)
    return render_hq_report(result, folder / "hq.html")


@pytest.mark.parametrize("kind", REPORTS)
def test_a_reader_sees_headings_charts_and_tables_on_a_desktop(browser, report_files, kind):
    browser.open(report_files[kind], DESKTOP)
    page = browser.evaluate(MEASURE)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / f"report-{kind}-desktop.png")
    for heading in HEADINGS[kind]:
        assert any(heading in h for h in page["headings"]), heading
    assert page["scripts"] == 0
    assert len(page["charts"]) >= 2
    for chart in page["charts"]:
        assert chart["w"] > 200 and chart["h"] > 80, chart
        assert chart["texts"] > 0 and chart["laidOut"] == chart["texts"], chart  # every label laid out
    assert page["tables"] and all(t["w"] > 0 and t["h"] > 0 for t in page["tables"])
    if kind == "monthly":  # the month's complaints list shows masked phones
        assert re.search(r"1[3-9]\d\*{4}\d{4}", page["text"])
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", page["text"])


@pytest.mark.parametrize("kind", REPORTS)
def test_the_report_fits_a_phone_without_sideways_scrolling(browser, report_files, kind):
    browser.open(report_files[kind], PHONE)
    page = browser.evaluate(MEASURE)
    browser.screenshot(ARTIFACTS / f"report-{kind}-phone.png")
    assert page["viewport"] == PHONE["width"]  # the viewport meta tag is honoured
    assert page["pageWidth"] <= PHONE["width"], "the page scrolls sideways"
    # Nothing scrolls sideways inside its own box either: wide tables reflow into one card per
    # row, full-width charts show their phone drawing.
    for table in page["tables"]:
        assert not table["scrolls"] and table["right"] <= PHONE["width"], table
    for chart in page["charts"]:
        assert 0 < chart["figureWidth"] <= PHONE["width"] and chart["w"] > 0 and chart["h"] > 0, chart
        assert not chart["scrolls"] and chart["right"] <= PHONE["width"], chart
        # Labels stay readable: every chart text box is at least 13 CSS px tall (a box is about
        # 1.4× the font size, so ≥ 9 px type). Measured: the phone drawings give 15–16 px boxes;
        # the wide drawing squeezed into 366 px gave 10–12 px.
        assert chart["smallestText"] >= 13, chart


@pytest.mark.parametrize("kind", REPORTS)
def test_the_report_prints_on_a4_without_cutting_a_chart(browser, report_files, kind):
    browser.open(report_files[kind], {**A4_CONTENT_PX, "deviceScaleFactor": 1, "mobile": False}, media="print")
    page = browser.evaluate(MEASURE)
    assert page["pageWidth"] <= A4_CONTENT_PX["width"], "something is wider than the A4 page and would be cut"
    for chart in page["charts"]:  # break-inside: avoid keeps a chart on one page if it fits on one
        assert 0 < chart["figure"] <= A4_CONTENT_PX["height"], chart
    pdf = browser.pdf()
    (ARTIFACTS / f"report-{kind}.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4 is 595 × 842 points
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2, (width, height)
