"""Take tall screenshots of every page (for a person to look at). Needs a running app:
    bash scripts/run.sh &   then   .venv/bin/python scripts/screenshots.py http://127.0.0.1:8501 artifacts/review
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["", "rankings", "units", "pillars", "trends", "whatif", "plan", "odds", "targets", "methodology", "data"]

url, out = sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "artifacts/review")
query = sys.argv[3] if len(sys.argv) > 3 else ""
height = int(sys.argv[4]) if len(sys.argv) > 4 else 3200
out.mkdir(parents=True, exist_ok=True)
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = b.new_page(viewport={"width": 1440, "height": height})
    for slug in PAGES:
        page.goto(f"{url}/{slug}{query}")
        page.wait_for_selector("h1", timeout=60_000)
        page.wait_for_timeout(800)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / f"{slug or 'overview'}.png"))
        print("saved", slug or "overview")
    b.close()
