"""Benchmark: browser cold start and page switch, in headless Chromium (Debian's) driven by Playwright.

Run: python bench/bench_browser.py [--runs 3] [--port 8615] [--pages overview,rankings,...] [--launcher serve]
Each run starts a fresh Streamlit server on a fresh temporary DuckDB (so the first request also builds
the default data), then measures:
  - server start to health "ok" (with `--launcher serve`, scripts/serve.py, this includes preparing the
    database and loading the modules: the work the first visitor does otherwise);
  - cold start: `goto` to the first plotly chart drawn (its SVG in the page), and to the end of that
    first run (Streamlit's running indicator gone, no stale element left);
  - a second browser session on the running server, to its first chart;
  - a restart: a fresh server on the database the first one built, `goto` to the first chart;
  - page switch, per page: click in the sidebar to the new page fully drawn — its URL, a new title,
    the running indicator gone, no stale element of the previous page, and its first chart drawn when
    the page has one. Polled in the page (requestAnimationFrame); no fixed sleep inside a timed span
    (between switches, outside the timing: 0.5 s, then until the browser is idle).
Prints `uptime` before each run (how noisy the machine was) and writes artifacts/browser_bench.json.
Not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (url slug, sidebar link text, the page draws a chart with the default selection)
PAGES = [("overview", "Tổng quan", True), ("rankings", "Xếp hạng", True), ("units", "Đơn vị trong tỉnh", False),
         ("pillars", "Chỉ số chính", True), ("trends", "Xu hướng", True), ("whatif", "Mô phỏng", False),
         ("plan", "Tìm phương án", False), ("odds", "Khả năng xếp hạng", True),
         ("targets", "Mục tiêu & phân công", True), ("collection", "Thu thập số liệu", False),
         ("progress", "Tiến độ trong năm", False), ("plan2y", "Kế hoạch", False),
         ("methodology", "Phương pháp", False), ("data", "Dữ liệu", False)]

# The page has finished drawing: the running indicator is gone and nothing of the previous run is left.
DONE_JS = """(a) => {
  const path = location.pathname.replace(/\\/$/, '');
  if (!path.endsWith('/' + a.slug) && !(a.root && path === '')) return false;
  const h1 = document.querySelector('h1');
  if (!h1 || (a.old !== null && h1.textContent === a.old)) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (a.chart && !document.querySelector('.js-plotly-plot .main-svg')) return false;
  return true;
}"""


LAUNCHERS = {"streamlit": ["-m", "streamlit", "run", str(ROOT / "app.py")],  # the first visitor does the work
             "serve": [str(ROOT / "scripts" / "serve.py")]}  # database and modules ready before it listens
LAUNCHER = "streamlit"


def start_server(port: int, db: Path) -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, DTI_STUDIO_DB=str(db))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *LAUNCHERS[LAUNCHER], "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - t0 < 60:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("streamlit did not start")


STATE_JS = """() => ({path: location.pathname, h1: (document.querySelector('h1') || {}).textContent,
  running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  stale: document.querySelectorAll('[data-stale="true"]').length,
  charts: document.querySelectorAll('.js-plotly-plot .main-svg').length})"""


IDLE_JS = "() => new Promise(r => requestIdleCallback(() => r(true), {timeout: 5000}))"


def idle(page) -> None:
    """Before a timed click: 0.5 s, then the browser idle (a geographic map draws in software WebGL
    for a while after its page is done; a click during that waits for it)."""
    page.wait_for_timeout(500)
    page.evaluate(IDLE_JS)


def wait_done(page, arg: dict, timeout_ms: int = 60_000) -> None:
    try:
        page.wait_for_function(DONE_JS, arg=arg, polling="raf", timeout=timeout_ms)
    except Exception as exc:
        raise RuntimeError(f"page {arg['slug']} not done: {page.evaluate(STATE_JS)}") from exc


def one_run(port: int, pages: list[tuple[str, str, bool]]) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        proc, out["server_start_s"] = start_server(port, Path(tmp) / "bench.duckdb")
        url = f"http://127.0.0.1:{port}"
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN").new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            out["cold_first_chart_s"] = time.perf_counter() - t0
            wait_done(page, {"slug": "overview", "root": True, "old": None, "chart": True}, 120_000)
            out["cold_settled_s"] = time.perf_counter() - t0

            other = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN").new_page()
            t0 = time.perf_counter()
            other.goto(url)
            other.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            out["new_session_first_chart_s"] = time.perf_counter() - t0
            other.context.close()

            out["switch_s"] = {}
            for slug, link, chart in pages:
                if slug == "overview":
                    continue
                idle(page)  # outside the timed span
                old = page.locator("h1").first.inner_text()
                t0 = time.perf_counter()
                page.locator('[data-testid="stSidebarNav"] a', has_text=link).first.click()
                wait_done(page, {"slug": slug, "root": False, "old": old, "chart": chart})
                out["switch_s"][slug] = time.perf_counter() - t0
            # And back to the first page (its second visit: caches warm).
            idle(page)
            old = page.locator("h1").first.inner_text()
            t0 = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"] a', has_text="Tổng quan").first.click()
            wait_done(page, {"slug": "overview", "root": True, "old": old, "chart": True})
            out["switch_s"]["overview (again)"] = time.perf_counter() - t0
            # A restart: a fresh server on the database the first one built (the everyday cold start).
            stop(proc)
            proc, out["restart_server_start_s"] = start_server(port, Path(tmp) / "bench.duckdb")
            page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN").new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            out["restart_first_chart_s"] = time.perf_counter() - t0
        finally:
            browser.close()
            stop(proc)
    return out


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--port", type=int, default=8615)
    ap.add_argument("--pages", default=",".join(s for s, _, _ in PAGES))
    ap.add_argument("--out", type=Path, default=ROOT / "artifacts" / "browser_bench.json")
    ap.add_argument("--launcher", choices=sorted(LAUNCHERS), default="streamlit",
                    help="streamlit: `streamlit run app.py`; serve: scripts/serve.py (warm start)")
    args = ap.parse_args()
    global LAUNCHER
    LAUNCHER = args.launcher
    print(f"launcher: {args.launcher}")
    wanted = args.pages.split(",")
    pages = [p for p in PAGES if p[0] in wanted]
    runs = []
    for i in range(args.runs):
        r = one_run(args.port, pages)
        runs.append(r)
        print(f"run {i + 1}: {r['uptime']}")
        print(f"  server start {r['server_start_s']:.2f} s; cold start (new database): first chart "
              f"{r['cold_first_chart_s']:.2f} s, settled {r['cold_settled_s']:.2f} s; new session first chart "
              f"{r['new_session_first_chart_s']:.2f} s; restart (database built): first chart "
              f"{r['restart_first_chart_s']:.2f} s")
        print("  switch " + ", ".join(f"{k} {v:.2f}" for k, v in r["switch_s"].items()), flush=True)
    keys = list(runs[0]["switch_s"])
    print("\nmedian of", len(runs), "runs (min–max), seconds")
    for name in ("server_start_s", "cold_first_chart_s", "cold_settled_s", "new_session_first_chart_s",
                 "restart_first_chart_s"):
        v = sorted(r[name] for r in runs)
        print(f"  {name:28s} {statistics.median(v):5.2f} ({v[0]:.2f}–{v[-1]:.2f})")
    for k in keys:
        v = sorted(r["switch_s"][k] for r in runs)
        print(f"  switch {k:21s} {statistics.median(v):5.2f} ({v[0]:.2f}–{v[-1]:.2f})")
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
