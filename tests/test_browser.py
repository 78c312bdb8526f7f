"""Browser tests: the real app in headless Chromium (Debian's), driven by Playwright.

Opens every page, checks no exception element appears, uses a control, saves a screenshot to
artifacts/screenshots/, and records the cold start to first chart and page-switch times in
artifacts/browser_timings.json (measured, not asserted: figures go into the issue notes). A switch is
timed from the click until the new page is drawn (DRAWN_JS), with no fixed sleep inside the timed span;
bench/bench_browser.py repeats these measurements on fresh servers, for every page.
Skipped when Chromium or Playwright is missing (CI installs Chromium).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = [("overview", "Tổng quan"), ("rankings", "Xếp hạng"), ("pillars", "Chỉ số chính"), ("trends", "Xu hướng"),
         ("whatif", "Mô phỏng"), ("plan", "Tìm phương án"), ("odds", "Khả năng xếp hạng"),
         ("targets", "Mục tiêu & phân công"), ("methodology", "Phương pháp"), ("data", "Dữ liệu")]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env: dict) -> tuple[str, subprocess.Popen]:
    """The app on a free loopback port with the given environment; waits until it answers its health check."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return url, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url, proc = start_app(dict(os.environ, DTI_STUDIO_DB=str(tmp_path_factory.mktemp("db") / "browser.duckdb")))
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def settle(page, timeout=30_000):
    """Wait until Streamlit has finished the current run (the running indicator is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    page.wait_for_timeout(200)


# The page has finished drawing: its URL, a title that is not the previous page's, Streamlit's running
# indicator gone, nothing of the previous run left (stale), and a chart drawn when the page has one.
# Polled in the page on every frame: no fixed sleep inside a timed span.
DRAWN_JS = """(a) => {
  if (!location.pathname.replace(/\\/$/, '').endsWith('/' + a.slug)) return false;
  const h1 = document.querySelector('h1');
  if (!h1 || h1.textContent === a.old) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  return !a.chart || !!document.querySelector('.js-plotly-plot .main-svg');
}"""


def assert_no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()
    assert "lỗi ngoài dự kiến" not in page.locator("body").inner_text()


def test_every_page_renders_and_reacts(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    timings = {}

    t0 = time.perf_counter()
    page.goto(server)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    timings["cold_start_to_first_chart_s"] = round(time.perf_counter() - t0, 2)
    settle(page)
    assert_no_exception(page)
    assert "Gia Lai" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

    # A second visitor: new browser session on the running server (database already built).
    other = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN").new_page()
    t1 = time.perf_counter()
    other.goto(server)
    other.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    timings["new_session_to_first_chart_s"] = round(time.perf_counter() - t1, 2)
    other.context.close()

    switches = []
    for slug, title in PAGES[1:]:
        old = page.locator("h1").first.inner_text()
        # Outside the timed span: the browser idle (a map draws in software WebGL after its page is done).
        page.evaluate("() => new Promise(r => requestIdleCallback(() => r(true), {timeout: 5000}))")
        t = time.perf_counter()
        page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
        page.wait_for_function(DRAWN_JS, arg={"slug": slug, "old": old, "chart": slug in (
            "rankings", "pillars", "trends", "odds", "targets")}, polling="raf", timeout=30_000)
        switches.append(round(time.perf_counter() - t, 2))
        settle(page)  # outside the timed span
        assert_no_exception(page)
        page.screenshot(path=str(SHOTS / f"{slug}.png"), full_page=True)
    timings["page_switch_s"] = dict(zip([slug for slug, _ in PAGES[1:]], switches))
    timings["page_switch_max_s"] = max(switches)

    # Use a control: sort the rankings by a component, the table's first column header stays "Hạng".
    page.locator('[data-testid="stSidebarNav"] a', has_text="Xếp hạng").first.click()
    page.wait_for_url("**/rankings**")
    settle(page)
    page.locator('[data-testid="stSelectbox"]', has_text="Sắp xếp theo").locator("input").first.click()
    page.keyboard.type("4.4")
    page.keyboard.press("Enter")
    settle(page)
    assert_no_exception(page)
    page.wait_for_function("() => [...document.querySelectorAll('.gtitle')].some(e => e.textContent.includes('4.4'))",
                           timeout=30_000)
    page.screenshot(path=str(SHOTS / "rankings_sorted_4_4.png"), full_page=True)

    # The simulator: move the 1.3 slider (fibre households) to 100% with the keyboard; points and rank change.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Mô phỏng").first.click()
    page.wait_for_url("**/whatif**")
    settle(page)
    before = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    thumb = page.locator('[data-testid="stSlider"]', has_text="1.3.").get_by_role("slider").first
    thumb.focus()
    thumb.press("End")
    settle(page)
    page.wait_for_timeout(800)
    settle(page)
    after = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert after != before, (before, after)
    assert_no_exception(page)
    page.screenshot(path=str(SHOTS / "whatif_slider_moved.png"), full_page=True)

    # Change the focus province in the sidebar; the overview follows.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Tổng quan").first.click()
    settle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]', has_text="Tỉnh theo dõi") \
        .locator("input").first.click()
    page.keyboard.type("Hà Nội")
    page.keyboard.press("Enter")
    settle(page)
    assert "Hà Nội" in page.locator("h1").first.inner_text()
    assert "focus=H%C3%A0+N%E1%BB%99i" in page.url or "focus=H" in page.url
    page.screenshot(path=str(SHOTS / "overview_ha_noi.png"), full_page=True)

    # Presentation mode: controls hidden, a button to leave it.
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]', has_text="trình chiếu").first.click()
    settle(page)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    page.screenshot(path=str(SHOTS / "presentation.png"), full_page=False)
    context.close()

    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "browser_timings.json").write_text(json.dumps(timings, indent=2))
    print("browser timings:", timings)
