"""Benchmark: AppTest rerun time of every page at 34 / 700 / 3,321 entities, in two settings.

Run: python bench/bench_pages.py [--sizes 34,700,3321] [--reruns 5] [--levels province,district]

`province`: a temporary DuckDB gets the default data (the 34 provinces, SAMPLE inputs 2024–2025)
and, above 34, synthetic SAMPLE units ("Đơn vị mẫu 0001", …) registered as entities of the scored
group and imported through the store with the `sample` flag: each unit's leaf takes the inputs of
that leaf from a randomly chosen province (valid inputs, varied totals, seeded).
`district`: the default data plus a SAMPLE list of N units of one province (Gia Lai, level district,
"Huyện mẫu 0001", …) with seeded random points for every criterion of `dti_district_2021` as that
level sees it, 2024 and 2025; the sidebar is set to that level, framework and province (the pages
then show a province's internal ranking of N units).
Then, through app.py and AppTest: the first visit of each of the 14 pages (cold caches for that
page), and the median and spread of `--reruns` reruns with nothing changed (what a widget click
costs at least). A reference figure in the same run: AppTest rerun of an empty page script (the
harness's own cost). Not a test: timings depend on the machine; the figures go into the issue notes.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import storage.units  # noqa: E402
import storage.inputs  # noqa: E402
import storage.db  # noqa: E402

PAGES = ["overview", "rankings", "units", "pillars", "trends", "whatif", "plan", "odds", "targets", "collection",
         "progress", "plan2y", "methodology", "data"]
SYNTHETIC = "Đơn vị mẫu {:04d}"
UNIT_NAME = "Huyện mẫu {:04d}"
UNIT_PROVINCE, UNIT_LEVEL, UNIT_FRAMEWORK = "Gia Lai", "district", "dti_district_2021"


def build_store(path: Path, n_entities: int, seed: int = 11) -> int:
    """The default data, plus synthetic SAMPLE units up to n_entities in the scored group. Returns rows imported."""
    from office.bootstrap import DEFAULT_FRAMEWORK, ensure_default_data
    from storage.db import Store

    store = Store(path)
    ensure_default_data(store)
    extra = n_entities - 34
    if extra <= 0:
        store.close()
        return 0
    base = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, "34")
    provinces = sorted(base["entity"].unique())
    rng = np.random.default_rng(seed)
    leaves = sorted(base["indicator"].unique())
    names = [SYNTHETIC.format(i) for i in range(1, extra + 1)]
    picks = pd.DataFrame({
        "entity": np.repeat(names, len(leaves)),
        "indicator": np.tile(leaves, extra),
        "source": np.asarray(provinces, dtype=object)[rng.integers(0, len(provinces), extra * len(leaves))],
    })
    synthetic = picks.merge(base.rename(columns={"entity": "source"}), on=["source", "indicator"])
    synthetic = synthetic[["entity", "year", "indicator", "variable", "value", "not_applicable"]]
    entities = store.query("SELECT * FROM entities")
    new = pd.DataFrame({"entity_group": "34", "name": names,
                        "code": None, "merged_into": None, "source": "SAMPLE — bench/bench_pages.py"})
    sha = hashlib.sha256(f"bench_pages {n_entities} {seed}".encode()).hexdigest()

    def write(cur):
        storage.db.replace_table(cur, "entities", pd.concat([entities, new], ignore_index=True))
        storage.inputs.record_import(store, synthetic, file_name=f"SAMPLE_bench_{n_entities}.csv", sha256=sha,
                            framework_id=DEFAULT_FRAMEWORK, flag="sample",
                            imported_by="bench/bench_pages.py (DỮ LIỆU MẪU)", note="SAMPLE synthetic units", cur=cur)

    store.write(write)
    store.close()
    return len(synthetic)


def build_unit_store(path: Path, n_units: int, seed: int = 11) -> int:
    """The default data, plus a SAMPLE list of n_units districts of one province and their points
    (every criterion the level scores, 2024 and 2025, seeded). Returns rows imported."""
    from office import imports as importer
    from office.bootstrap import ensure_default_data
    from storage.db import Store
    from loaders.units import unit_group
    from scoring import load_framework

    store = Store(path)
    ensure_default_data(store)
    names = [UNIT_NAME.format(i) for i in range(1, n_units + 1)]
    units_csv = ("Tên đơn vị,Cấp\n" + "\n".join(f"{n},Huyện" for n in names) + "\n").encode()
    parsed = importer.validate_unit_list(units_csv, "SAMPLE_bench_units.csv")
    assert parsed.ok, parsed.messages("en")[:3]
    storage.units.save_units(store, UNIT_PROVINCE, parsed.data, file_name=parsed.file_name, sha256=parsed.sha256, flag="sample",
                     imported_by="bench/bench_pages.py (DỮ LIỆU MẪU)", note="SAMPLE synthetic units")
    leaves = load_framework(UNIT_FRAMEWORK).for_level(UNIT_LEVEL).leaves
    maxima = np.array([leaf.max_points for leaf in leaves])
    years = [2024, 2025]
    rng = np.random.default_rng(seed)
    points = np.round(rng.beta(4, 2, (n_units * len(years), len(leaves))) * maxima, 1)
    entity = np.repeat(names, len(years))
    long = pd.DataFrame({
        "entity": np.repeat(entity, len(leaves)), "year": np.repeat(np.tile(years, n_units), len(leaves)),
        "indicator": np.tile([leaf.code for leaf in leaves], len(entity)), "variable": "points",
        "value": points.reshape(-1), "not_applicable": False,
        "entity_group": unit_group(UNIT_LEVEL, UNIT_PROVINCE)})
    sha = hashlib.sha256(f"bench_pages units {n_units} {seed}".encode()).hexdigest()
    storage.inputs.record_import(store, long, file_name=f"SAMPLE_bench_units_{n_units}.csv", sha256=sha, framework_id=UNIT_FRAMEWORK,
                        flag="sample", entity_group="units", imported_by="bench/bench_pages.py (DỮ LIỆU MẪU)",
                        note="SAMPLE synthetic units")
    store.close()
    return len(long)


def spread(times: list[float]) -> str:
    t = sorted(times)
    return f"{statistics.median(t):6.3f} ({t[0]:.3f}–{t[-1]:.3f})"


def bench_size(n: int, reruns: int, keep: Path | None = None,
               level: str = "province") -> dict[str, tuple[float, list[float]]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db = (keep or Path(tempfile.mkdtemp(prefix="bench_pages_"))) / f"bench_{level}_{n}.duckdb"
    t0 = time.perf_counter()
    build = build_store if level == "province" else build_unit_store
    n_rows = build(db, n) if not db.exists() else 0
    print(f"\n{level}: {n} entities: store built in {time.perf_counter() - t0:.1f} s "
          f"({n_rows:,} synthetic input rows)", flush=True)
    os.environ["DTI_STUDIO_DB"] = str(db)
    os.environ["DTI_STUDIO_RAISE"] = "1"
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    t0 = time.perf_counter()
    at.run()
    first_app = time.perf_counter() - t0
    if at.exception:
        print("  app start failed:", [e.value[:300] for e in at.exception])
    print(f"  first run of the app (scores the store, cold caches): {first_app:.2f} s", flush=True)
    if level != "province":
        t0 = time.perf_counter()
        at.sidebar.selectbox(key="w_level").set_value(level).run()
        at.sidebar.selectbox(key="w_framework_id").set_value(UNIT_FRAMEWORK).run()
        at.sidebar.selectbox(key="w_province").set_value(UNIT_PROVINCE).run()
        print(f"  sidebar set to {level} / {UNIT_FRAMEWORK} / {UNIT_PROVINCE}: {time.perf_counter() - t0:.2f} s"
              + (f" FAILED: {[str(e.value)[:200] for e in at.exception]}" if at.exception else ""), flush=True)
    out = {}
    for page in PAGES:
        t0 = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        first = time.perf_counter() - t0
        failed = [str(e.value)[:200] for e in at.exception]
        times = []
        for _ in range(reruns if not failed else 0):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        out[page] = (first, times, failed)
        status = f"FAILED: {failed[0]}" if failed else f"rerun {spread(times)} s"
        print(f"  {page:12s} first visit {first:6.2f} s   {status}", flush=True)
    st.cache_data.clear()
    st.cache_resource.clear()
    return out


def harness_floor(reruns: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=60)
    at.run()
    times = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="34,700,3321")
    ap.add_argument("--reruns", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the stores in this folder")
    ap.add_argument("--levels", default="province,district",
                    help="province: synthetic entities among the 34; district: one province's units")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    floor = harness_floor(args.reruns)
    print(f"AppTest rerun of a one-line page (harness cost): {spread(floor)} s")
    for level in args.levels.split(","):
        results = {n: bench_size(n, args.reruns, args.keep, level) for n in sizes}
        print(f"\n[{level}] rerun time per page, seconds: median (min–max) of", args.reruns,
              "reruns; target < 0.5 s")
        print(f"{'page':12s}" + "".join(f"{n:>24,d}" for n in sizes))
        for page in PAGES:
            row = f"{page:12s}"
            for n in sizes:
                first, times, failed = results[n][page]
                row += f"{'failed':>24s}" if failed else f"{spread(times):>24s}"
            print(row)
        print(f"[{level}] first visit" + "".join(" " * 24 for _ in sizes))
        for page in PAGES:
            print(f"{page:12s}" + "".join(f"{results[n][page][0]:>24.2f}" for n in sizes))


if __name__ == "__main__":
    main()
