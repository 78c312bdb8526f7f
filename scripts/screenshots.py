"""Take tall screenshots of every page (for a person to look at). Needs a running app:
    bash scripts/run.sh &   then   .venv/bin/python scripts/screenshots.py http://127.0.0.1:8501 artifacts/review
"""
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["", "rankings", "units", "pillars", "trends", "whatif", "plan", "odds", "targets", "methodology", "data"]



def screenshot_with_maps(page, timeout_s: float = 30) -> bytes:
    """A page screenshot taken once every geographic map has drawn its shapes: MapLibre (software WebGL
    here) draws seconds after the page settles, so retake until each map area is ≥ 2 % coloured."""
    page.wait_for_function("""() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
        .every(c => c.querySelector('.main-svg'))""", timeout=int(timeout_s * 1000))
    for _ in range(int(timeout_s)):
        png = page.screenshot()
        image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
        drawn = True
        for box in page.evaluate("""() => Array.from(document.querySelectorAll('.maplibregl-canvas'))
                .map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""):
            x0, y0, x1, y1 = (max(0, int(v)) for v in box)
            area = image[y0:y1, x0:x1]
            drawn &= area.size > 0 and ((area.max(axis=2) - area.min(axis=2)) > 40).mean() > 0.02
        if drawn:
            return png
        page.wait_for_timeout(1000)
    return png


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
        (out / f"{slug or 'overview'}.png").write_bytes(screenshot_with_maps(page))
        print("saved", slug or "overview")
    b.close()
