#!/usr/bin/env python
"""Benchmark: a province with 150 units × 10 years of `dti_district_2021`-sized data (131 leaves,
165 criteria) — unit-list import, unit-data import, scoring, and the internal-ranking page's render.

    .venv/bin/python bench/bench_units.py [--units 150] [--years 10] [--repeat 3]

Prints medians with their spread, and ratios against references measured in the same run:
import vs pandas `read_csv` of the same file; scoring vs a numpy reference of the same result
(clip each criterion to its maximum, sum to the total, rank the total per year).
Not a test: timings depend on the machine (2 cores here, shared).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import storage.units  # noqa: E402
import storage.inputs  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from office import imports as importer  # noqa: E402
from storage.db import Store  # noqa: E402
from scoring import load_framework, score  # noqa: E402

FRAMEWORK = "dti_district_2021"
PROVINCE = "Tỉnh Thử"


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def fmt(times):
    med = statistics.median(times)
    return f"{med:.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=150)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    fw = load_framework(FRAMEWORK).for_level("district")
    rng = np.random.default_rng(7)
    names = [f"Huyện Thử {i:03d}" for i in range(1, args.units + 1)]
    years = list(range(2025 - args.years, 2025))
    units_csv = ("Tên đơn vị,Cấp\n" + "\n".join(f"{n},Huyện" for n in names) + "\n").encode()
    leaves = fw.leaves
    maxima = np.array([leaf.max_points for leaf in leaves])
    points = np.round(rng.uniform(0, 1, (len(names) * len(years), len(leaves))) * maxima, 1)
    ent = np.repeat(names, len(years))
    yr = np.tile(years, len(names))
    long = pd.DataFrame({
        "entity": np.repeat(ent, len(leaves)), "year": np.repeat(yr, len(leaves)),
        "indicator": np.tile([leaf.code for leaf in leaves], len(ent)), "variable": "points",
        "value": points.reshape(-1)})
    data_csv = long.to_csv(index=False).encode()
    n_values = len(long)
    print(f"{args.units} units × {len(years)} years × {len(leaves)} leaves = {n_values:,} values "
          f"({len(data_csv) / 1e6:.1f} MB CSV); repeat {args.repeat}")

    _, t_pandas = timed(lambda: pd.read_csv(io.BytesIO(data_csv)), args.repeat)
    tmp = tempfile.mkdtemp()
    store = Store(Path(tmp) / "bench.duckdb")
    parsed_units = importer.validate_unit_list(units_csv, "don_vi.csv")
    assert parsed_units.ok, parsed_units.messages()[:3]
    storage.units.save_units(store, PROVINCE, parsed_units.data, file_name="don_vi.csv", sha256=parsed_units.sha256,
                     flag="sample", imported_by="bench")
    full = load_framework(FRAMEWORK)
    parsed, t_validate = timed(lambda: importer.validate_unit_data(store, full, PROVINCE, data_csv, "so_lieu.csv"),
                               args.repeat)
    assert parsed.ok, parsed.messages()[:3]
    t0 = time.perf_counter()
    importer.commit_unit_data(store, parsed, full, flag="sample", imported_by="bench")
    t_commit = time.perf_counter() - t0
    inputs = storage.inputs.current_inputs(store, FRAMEWORK, f"district@{PROVINCE}")
    result, t_score = timed(lambda: score(fw, inputs, strict=False), args.repeat)

    def reference():
        m = inputs.pivot_table(index=["entity", "year"], columns="indicator", values="value", aggfunc="first")
        m = m[[leaf.code for leaf in leaves]]
        pts = np.clip(m.to_numpy(), 0, maxima)
        total = pts.sum(axis=1)
        yrs = m.index.get_level_values("year").to_numpy()
        ranks = np.empty(len(total))
        for y in np.unique(yrs):
            idx = np.flatnonzero(yrs == y)
            t = np.round(total[idx], 6)
            ranks[idx] = 1 + (t[None, :] > t[:, None]).sum(axis=1)
        return total, ranks

    (ref_total, _), t_ref = timed(reference, args.repeat)
    tot = result.total(years[-1]).set_index("entity")["points"]
    assert abs(tot.sum() - ref_total.reshape(len(names), len(years))[:, -1].sum()) < 1e-6
    print(f"pandas read_csv (reference)   {fmt(t_pandas)}")
    print(f"validate unit data            {fmt(t_validate)}  = {statistics.median(t_validate) / statistics.median(t_pandas):.0f}× read_csv"
          f"; {n_values / statistics.median(t_validate):,.0f} values/s")
    print(f"commit (one transaction)      {t_commit:.3f} s")
    print(f"score all unit-years           {fmt(t_score)}")
    print(f"numpy reference (clip+sum+rank){fmt(t_ref)}  → engine/reference = "
          f"{statistics.median(t_score) / statistics.median(t_ref):.1f}×")
    store.close()

    # One page render (AppTest): the internal ranking of the 150 units.
    os.environ["DTI_STUDIO_DB"] = str(Path(tmp) / "bench.duckdb")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox(key="w_level").set_value("district").run()
    at.sidebar.selectbox(key="w_framework_id").set_value(FRAMEWORK).run()
    at.sidebar.selectbox(key="w_province").set_value(PROVINCE).run()
    at.switch_page("pages/units.py").run()
    assert not at.exception, [e.value for e in at.exception]
    renders = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        at.run()
        renders.append(time.perf_counter() - t0)
    print(f"internal-ranking page rerun   {fmt(renders)}  ({len(at.dataframe[0].value)} units in the table)")
    at.switch_page("pages/trends.py").run()
    trends = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        at.run()
        trends.append(time.perf_counter() - t0)
    print(f"trends page rerun             {fmt(trends)}")


if __name__ == "__main__":
    main()
