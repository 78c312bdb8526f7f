#!/usr/bin/env python
"""Benchmark: the appraisal round's pages (issue 12) at commune scale, as each role sees them — one script run
of app.py through AppTest (the frame, the sidebar and the page; no browser) on a file database holding a
round of `--units` synthetic communes × the hue_units commune criteria (40 criteria, 72 variables), every
unit submitted, one council member having decided every criterion of the first ten units.

    .venv/bin/python bench/bench_round_pages.py [--units 150] [--repeat 3]

Prints the median time of a rerun of each page per role (the first run of a session, which warms the
caches, is shown apart). Not a test: timings depend on the machine (2 cores, shared).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import storage.units  # noqa: E402

import pandas as pd  # noqa: E402

PROVINCE = "Tỉnh Thử"
EDITOR = {"name": "Người đo", "role": "editor", "account": None, "unit": None}
SAMPLE = ROOT / "data" / "sample" / "SAMPLE_units_inputs_hue_units.csv"


def build(db: Path, n_units: int) -> dict:
    from office import appraisal as ap
    from office import self_assessment
    from office import round_rules
    from office import round_accounts
    from office import council
    from office.bootstrap import ensure_default_data
    from storage.db import Store
    from scoring import load_framework

    store = Store(db)
    ensure_default_data(store)
    fw = load_framework("hue_units")
    view = fw.for_level("commune")
    names = [f"Xã Thử {i:03d}" for i in range(1, n_units + 1)]
    storage.units.save_units(store, PROVINCE, pd.DataFrame({"name": names, "level": "commune"}), file_name="bench.csv",
                     sha256="bench", flag="self_assessed", imported_by=EDITOR["name"])
    sample = pd.read_csv(SAMPLE)
    sample = sample.loc[(sample["year"] == 2026) & sample["entity"].str.match(r"^(Xã|Phường)")]
    n_vars = sum(len(leaf.variables) for leaf in view.leaves)
    per_unit = [g[["indicator", "variable", "value"]].assign(not_applicable=False).reset_index(drop=True)
                for _, g in sample.groupby("entity")]
    per_unit = [v for v in per_unit if len(v) == n_vars]
    ours = round_rules.unit_codes(view)   # the council's and automatic criteria are not the unit's to enter
    per_unit = [v.loc[v["indicator"].isin(ours)].reset_index(drop=True) for v in per_unit]
    rid = ap.open_round(store, fw, PROVINCE, "commune", 2026, date.today() + timedelta(days=10), "Đo", names, True,
                        EDITOR)
    t0 = time.perf_counter()
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": u} for u in names]
                               + [{"role": "council", "display_name": m} for m in ("Thành viên Một", "Thành viên Hai")],
                               EDITOR)
    print(f"issue {len(issued)} accounts (argon2id each): {time.perf_counter() - t0:.2f} s")
    login = dict(zip(issued["display_name"], issued["account"]))
    actor = {n: {"name": n, "role": "unit", "account": login[n], "unit": n} for n in names}
    members = [{"name": m, "role": "council", "account": login[m], "unit": None}
               for m in ("Thành viên Một", "Thành viên Hai")]
    codes = [leaf.code for leaf in view.leaves]
    council.assign(store, rid, {c: members[0 if i < len(codes) // 2 else 1]["account"] for i, c in enumerate(codes)},
              EDITOR)
    for i, unit in enumerate(names):
        self_assessment.save_draft(store, fw, rid, unit, per_unit[i % len(per_unit)], actor[unit])
        self_assessment.submit(store, fw, rid, unit, actor[unit])
    q = council.queue(store, fw, rid, members[0])
    batch = [(u, c, {v: float(x) for v, x in zip(g["variable"], g["self_value"])}, "")
             for (u, c), g in q.loc[q["unit"].isin(names[:10])].groupby(["unit", "code"], sort=False)]
    council.decide_many(store, fw, rid, batch, members[0])
    store.close()
    return {"rid": rid, "unit": login[names[0]], "council": members[0]["account"]}


def page_times(db: Path, who: dict, page: str, repeat: int) -> tuple[float, list[float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from office.access import hash_password

    os.environ["DTI_STUDIO_DB"] = str(db)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.secrets["dti_studio"] = {"editors": {EDITOR["name"]: hash_password("mat-khau-do-2026")}}
    for key, value in who.items():
        at.session_state[key] = value
    t0 = time.perf_counter()
    at.switch_page(page).run()
    first = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    st.cache_resource.clear()
    return first, times, shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DTI_STUDIO_RAISE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench_pages.duckdb"
        t0 = time.perf_counter()
        made = build(db, args.units)
        print(f"round of {args.units} communes built in {time.perf_counter() - t0:.1f} s")
        roles = {"editor": {"_editor": EDITOR["name"]}, "unit": {"_account": {"account": made["unit"]}},
                 "council": {"_account": {"account": made["council"]}}}
        for role, page in (("editor", "pages/round.py"), ("unit", "pages/self_assessment.py"),
                           ("council", "pages/appraisal.py"), ("editor", "pages/self_assessment.py")):
            first, times, shown = page_times(db, roles[role], page, args.repeat)
            print(f"{page:<28} {role:<8} first run {first:6.2f} s   rerun median {statistics.median(times):6.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f})   shows {shown}")


if __name__ == "__main__":
    main()
