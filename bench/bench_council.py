#!/usr/bin/env python
"""The council's time to decide (issue 18): 40 criteria × 20 communes, in headless Chromium on the README's server.

Set-up (through the service, on a temporary database): Huế's 20 SAMPLE communes in a round of hue_units, every
form submitted with SAMPLE figures, two council members with half the criteria each (20 each). Then each member,
in a browser, signs in through the sidebar box and decides every row of their queue:

- "accept as submitted" for every filtered row: one click (the criteria the unit scored);
- the criteria the council scores itself (no self value to accept): for each, a filter on that criterion, a page
  of 25 rows, the points typed per commune, and "Lưu các quyết định" once.

`--per-row N`: first, N rows of member one accepted one at a time (the row's "Chấp nhận": one click, one run) —
the seconds a row takes when decided on its own, the way each row had its own save before the queue was rebuilt.

Prints clicks, typed fields and seconds per step and in total, and the rows decided (read back from the
database). Needs Debian's Chromium at /usr/bin/chromium and Playwright (requirements-dev.txt).

    .venv/bin/python bench/bench_council.py [--port 8641] [--per-row 10]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from screenshots_round import ARGS, sign_in  # noqa: E402  (the browser's flags, the sidebar's sign-in: one copy)
sys.path.insert(0, str(ROOT / "bench"))
import readme_server  # noqa: E402

EDITOR = {"name": "Người đo", "role": "editor", "account": None, "unit": None}
PROVINCE = "Huế"


def build(db: Path) -> dict:
    """The round, every form submitted; returns the round id, the members' logins and passwords, the codes each
    member has and which of them the council scores itself."""
    from datetime import date, timedelta

    import storage.inputs
    import storage.units
    from office import appraisal as ap
    from office import council, round_accounts, round_rules, self_assessment
    from office.bootstrap import ensure_default_data, load_sample_units
    from scoring import load_framework
    from storage.db import Store

    store = Store(db)
    ensure_default_data(store)
    if storage.units.units(store, PROVINCE, "commune").empty:
        load_sample_units(store)
    fw = load_framework("hue_units")
    view = fw.for_level("commune")
    units = sorted(storage.units.units(store, PROVINCE, "commune")["name"])[:20]
    rid = ap.open_round(store, fw, PROVINCE, "commune", 2026, date.today() + timedelta(days=5), "Đo thời gian thẩm định",
                        units, True, EDITOR)
    members = ["Thành viên Một", "Thành viên Hai"]
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": u} for u in units]
                                           + [{"role": "council", "display_name": m} for m in members], EDITOR)
    login = dict(zip(issued["display_name"], zip(issued["account"], issued["password"])))
    codes = [leaf.code for leaf in view.leaves]
    half = len(codes) // 2
    council.assign(store, rid, {c: login[members[0 if i < half else 1]][0] for i, c in enumerate(codes)}, EDITOR,
                   framework=fw)
    sample = storage.inputs.current_inputs(store, "hue_units", "commune@Huế", "self", "sample")
    sample = sample.loc[sample["year"] == sample["year"].max()]
    own = round_rules.unit_codes(view)
    for unit in units:
        actor = {"name": unit, "role": "unit", "account": login[unit][0], "unit": unit}
        vals = sample.loc[(sample["entity"] == unit) & sample["indicator"].isin(own),
                          ["indicator", "variable", "value", "not_applicable"]]
        self_assessment.save_draft(store, fw, rid, unit, vals, actor)
        self_assessment.submit(store, fw, rid, unit, actor)
    store.close()
    return {"rid": rid, "units": units,
            "members": [{"login": login[m][0], "password": login[m][1],
                         "codes": codes[:half] if i == 0 else codes[half:]} for i, m in enumerate(members)],
            "council_codes": [c for c in codes if view.nodes[c].scored_by != "unit"]}   # the council, or a source not yet linked


def decided_rows(db: Path, rid: int) -> int:
    import storage.appraisal
    from storage.db import Store

    store = Store(db, read_only=True)
    try:
        d = storage.appraisal.appraisal_latest(store, "appraisal_decisions", rid)
        return int(d[["unit", "indicator"]].drop_duplicates().shape[0]) if len(d) else 0
    finally:
        store.close()


# --- the browser ------------------------------------------------------------------------------------------
def settle(page) -> None:
    page.wait_for_timeout(200)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
    page.wait_for_timeout(200)


def choose(page, key: str, option: str) -> None:
    """A selectbox: click it, then the option by its text."""
    if os.environ.get("BENCH_SHOTS"):
        page.screenshot(path=f"{os.environ['BENCH_SHOTS']}/council_{key}_{int(time.time())}.png", full_page=True)
    for attempt in range(3):   # a rerun still drawing may replace the list under the pointer: open it again
        settle(page)
        page.locator(f".st-key-{key} input[role='combobox']").click()
        try:
            page.get_by_role("option").filter(has_text=re.compile("^" + re.escape(option))).first.click(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 — playwright's timeout; the last attempt raises
            page.keyboard.press("Escape")
            if attempt == 2:
                raise
    settle(page)


class Tally:
    def __init__(self):
        self.clicks, self.typed, self.steps = 0, 0, []

    def step(self, name: str, started: float, clicks: int, typed: int = 0) -> None:
        self.clicks += clicks
        self.typed += typed
        self.steps.append((name, time.perf_counter() - started, clicks, typed))


def per_row(page, n: int) -> list[float]:
    """Accept n rows one at a time (the row's own button), seconds each."""
    out = []
    for _ in range(n):
        button = page.locator("[class*='st-key-ap_'][class*='_accept']:not([class*='accept_filtered']) button").first
        if not button.count():
            break
        t0 = time.perf_counter()
        button.click()
        settle(page)
        out.append(time.perf_counter() - t0)
    return out


def member_decides(page, member: dict, council_codes: list[str], units: list[str], tally: Tally) -> None:
    t0 = time.perf_counter()
    page.locator(".st-key-ap_accept_filtered button").click()
    page.get_by_text("theo số liệu đơn vị nộp").first.wait_for(timeout=120_000)
    settle(page)
    tally.step("chấp nhận mọi dòng đang lọc", t0, clicks=1)
    for code in [c for c in member["codes"] if c in council_codes]:
        t0 = time.perf_counter()
        choose(page, "ap_code", f"{code}.")
        choose(page, "ap_page_size", "25")
        css = code.replace(".", "-")   # Streamlit's st-key class: characters other than [a-zA-Z0-9_-] become "-"
        boxes = page.locator(f"[class*='st-key-ap_'][class*='_{css}_']:not([class*='_reason']) input[type='text']")
        n = boxes.count()
        for i in range(n):   # the council's own points: a number per commune (here 6, a SAMPLE judgement)
            box = boxes.nth(i)
            box.fill("6")
            box.press("Tab")
        settle(page)
        reasons = page.locator(f"[class*='st-key-ap_'][class*='_{css}_reason'] input")
        for i in range(reasons.count()):
            reasons.nth(i).fill("Hội đồng chấm (đo thời gian)")
            reasons.nth(i).press("Tab")
        settle(page)
        page.locator(".st-key-ap_save_all_top button").click()
        settle(page)
        tally.step(f"{code}: lọc, gõ {n} ô, lưu một lần", t0, clicks=2 * 2 + 1, typed=n + reasons.count())


def main() -> int:
    ap_ = argparse.ArgumentParser()
    ap_.add_argument("--port", type=int, default=8641)
    ap_.add_argument("--per-row", type=int, default=10)
    args = ap_.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "council.duckdb"
        made = build(db)
        server = readme_server.start(db, args.port)
        try:
            readme_server.wait(args.port)
            rows_each = {}
            tally = Tally()
            row_times: list[float] = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for k, member in enumerate(made["members"]):
                    page = browser.new_page(viewport={"width": 1440, "height": 1600}, locale="vi-VN",
                                            timezone_id="Asia/Ho_Chi_Minh")
                    page.goto(f"http://127.0.0.1:{args.port}/appraisal")
                    page.wait_for_selector("h1", timeout=120_000)
                    settle(page)
                    t0 = time.perf_counter()
                    sign_in(page, member["login"], member["password"])   # waits ~1,5 s to settle: inside this step
                    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
                    tally.step(f"thành viên {k + 1}: đăng nhập, mở hàng chờ", t0, clicks=2, typed=2)
                    if k == 0 and args.per_row:
                        row_times = per_row(page, args.per_row)
                    member_decides(page, member, made["council_codes"], made["units"], tally)
                    rows_each[k] = len(member["codes"]) * len(made["units"])
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
        decided = decided_rows(db, made["rid"])
    total = sum(s[1] for s in tally.steps)
    print(f"{len(made['units'])} communes × {sum(len(m['codes']) for m in made['members'])} criteria = "
          f"{sum(rows_each.values())} rows; decided in the database after the run: {decided}")
    for name, secs, clicks, typed in tally.steps:
        print(f"  {name:<48} {secs:7.1f} s  {clicks:3d} clicks  {typed:3d} typed")
    print(f"total: {total:.1f} s, {tally.clicks} clicks, {tally.typed} typed fields")
    if row_times:
        row_times.sort()
        med = row_times[len(row_times) // 2]
        print(f"one row at a time (the row's own button): median {med:.2f} s a row over {len(row_times)} rows; "
              f"{sum(rows_each.values())} rows that way: {med * sum(rows_each.values()) / 60:.0f} min and "
              f"{sum(rows_each.values())} clicks")
    return 0 if decided == sum(rows_each.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
