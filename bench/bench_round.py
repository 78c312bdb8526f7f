#!/usr/bin/env python
"""Benchmark: an appraisal round (issue 12) at commune scale — 150 communes × the hue_units commune criteria
(40 criteria, 72 variables) on a file database, as the app runs it.

    .venv/bin/python bench/bench_round.py [--units 150] [--repeat 3]

Times: open the round, issue the accounts (argon2id hash each), every unit's save_draft + submit, the reads
a page makes (form of one unit, unit_status, progress, a member's queue, the editor's queue, gap — medians of
`--repeat`), one member deciding all their criteria of every unit in one batch, close_round.
Target: every read under 0.5 s at 150 communes. Not a test: timings depend on the machine (2 cores, shared).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import storage.units  # noqa: E402
import storage.inputs  # noqa: E402

import pandas as pd  # noqa: E402

from office import appraisal as ap  # noqa: E402
from office import self_assessment
from office import round_rules
from office import round_accounts
from office import council
from storage.db import Store  # noqa: E402
from scoring import load_framework  # noqa: E402

PROVINCE = "Tỉnh Thử"
EDITOR = {"name": "Người đo", "role": "editor", "account": None, "unit": None}
T0 = datetime(2026, 12, 1, 2, 0)
SAMPLE = ROOT / "data" / "sample" / "SAMPLE_units_inputs_hue_units.csv"


def timed(fn, repeat=1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def show(label, times, n=None):
    med = statistics.median(times)
    extra = f"  ({med / n * 1000:.1f} ms each × {n})" if n else ""
    spread = f" (min {min(times):.3f}, max {max(times):.3f})" if len(times) > 1 else ""
    print(f"{label:<44} {med:8.3f} s{spread}{extra}")
    return med


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-backup", action="store_true",
                        help="keep the backup folder up to date after every write, as the app does")
    args = parser.parse_args()
    fw = load_framework("hue_units")
    view = fw.for_level("commune")
    codes = [leaf.code for leaf in view.leaves]
    names = [f"Xã Thử {i:03d}" for i in range(1, args.units + 1)]
    # Valid values: the SAMPLE commune figures of 2026, cycled over the synthetic communes.
    sample = pd.read_csv(SAMPLE)
    sample = sample.loc[(sample["year"] == 2026) & sample["entity"].str.match(r"^(Xã|Phường)")]
    per_unit = [g[["indicator", "variable", "value"]].assign(not_applicable=False).reset_index(drop=True)
                for _, g in sample.groupby("entity")]
    per_unit = [v for v in per_unit if len(v) == sum(len(leaf.variables) for leaf in view.leaves)]
    ours = round_rules.unit_codes(view)   # the council's and automatic criteria are not the unit's to enter
    per_unit = [v.loc[v["indicator"].isin(ours)].reset_index(drop=True) for v in per_unit]
    reads = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        if args.with_backup:
            from storage import backup

            store.after_write = backup.after_write
        storage.units.save_units(store, PROVINCE, pd.DataFrame({"name": names, "level": "commune"}), file_name="bench.csv",
                         sha256="bench", flag="self_assessed", imported_by=EDITOR["name"])
        rid, t = timed(lambda: ap.open_round(store, fw, PROVINCE, "commune", 2025, date(2026, 12, 15),
                                             "Đo tốc độ", names, True, EDITOR, now=T0))
        show("open_round", t)
        rows = [{"role": "unit", "unit": n} for n in names] + [
            {"role": "council", "display_name": "Thành viên Một"}, {"role": "council", "display_name": "Thành viên Hai"}]
        issued, t = timed(lambda: round_accounts.issue_accounts(store, PROVINCE, rows, EDITOR))
        show("issue_accounts (argon2id)", t, len(rows))
        login = dict(zip(issued["display_name"], issued["account"]))
        actors = {n: {"name": n, "role": "unit", "account": login[n], "unit": n} for n in names}
        members = [{"name": m, "role": "council", "account": login[m], "unit": None}
                   for m in ("Thành viên Một", "Thành viên Hai")]
        half = len(codes) // 2
        council.assign(store, rid, {c: members[0 if i < half else 1]["account"] for i, c in enumerate(codes)}, EDITOR,
                  framework=fw, now=T0)

        def fill():
            for i, n in enumerate(names):
                self_assessment.save_draft(store, fw, rid, n, per_unit[i % len(per_unit)], actors[n],
                              explanations={"I.1": "Đã ban hành."}, now=T0)
                self_assessment.submit(store, fw, rid, n, actors[n], now=T0)

        _, t = timed(fill)
        show("save_draft + submit, every unit", t, len(names))
        now = T0 + timedelta(hours=1)
        for label, fn in [
            ("form (one unit)", lambda: self_assessment.form(store, fw, rid, names[0], actors[names[0]], now=now)),
            ("unit_status", lambda: ap.unit_status(store, rid, now=now)),
            ("progress", lambda: ap.progress(store, fw, rid, now=now)),
            ("queue (a member)", lambda: council.queue(store, fw, rid, members[0], now=now)),
            ("queue (editor, every criterion)", lambda: council.queue(store, fw, rid, EDITOR, now=now)),
            ("gap (nothing decided)", lambda: ap.gap(store, fw, rid, now=now)),
        ]:
            out, t = timed(fn, args.repeat)
            reads[label] = show(label, t)
        q = council.queue(store, fw, rid, members[0], now=now)
        batch = [(u, c, {v: (None if na else float(x)) for v, x, na in zip(g["variable"], g["self_value"],
                                                                          g["self_na"])}
                  if g["scored_by"].iloc[0] == "unit" else {v: 1.0 for v in g["variable"]},
                  "" if g["scored_by"].iloc[0] == "unit" else "Hội đồng chấm")
                 for (u, c), g in q.groupby(["unit", "code"], sort=False)]
        _, t = timed(lambda: council.decide_many(store, fw, rid, batch, members[0], now=now))
        show("decide_many (a member, every unit)", t, len(batch))
        out, t = timed(lambda: ap.gap(store, fw, rid, now=now), args.repeat)
        reads["gap (half decided)"] = show("gap (half decided)", t)
        out, t = timed(lambda: ap.progress(store, fw, rid, now=now), args.repeat)
        reads["progress (half decided)"] = show("progress (half decided)", t)
        # the second member scores the criteria the council itself scores (no self value to keep at close)
        q2 = council.queue(store, fw, rid, members[1], now=now)
        q2 = q2.loc[q2["scored_by"] != "unit"]
        council.decide_many(store, fw, rid, [(u, c, {v: 1.0 for v in g["variable"]}, "Hội đồng chấm")
                                             for (u, c), g in q2.groupby(["unit", "code"], sort=False)],
                            members[1], now=now)
        res, t = timed(lambda: ap.close_round(store, fw, rid, EDITOR, keep_self_for_undecided=True, now=now))
        show("close_round (keep self for undecided)", t)
        n_rows = storage.inputs.counts(store)["raw_inputs"]
        print(f"raw_inputs after close: {n_rows} rows; kept self: {res['kept_self']}")
        store.close()
    slow = {k: v for k, v in reads.items() if v >= 0.5}
    print("every read under 0.5 s" if not slow else f"reads over 0.5 s: {slow}")


if __name__ == "__main__":
    main()
