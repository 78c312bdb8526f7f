"""Benchmark: AppTest rerun time of every page at 34 / 700 / 3,321 entities.

Run: python bench/bench_pages.py [--sizes 34,700,3321] [--reruns 5]
For each size a temporary DuckDB gets the default data (the 34 provinces, SAMPLE inputs 2024–2025)
and, above 34, synthetic SAMPLE units ("Đơn vị mẫu 0001", …) registered as entities of the scored
group and imported through the store with the `sample` flag: each unit's leaf takes the inputs of
that leaf from a randomly chosen province (valid inputs, varied totals, seeded). Then, through
app.py and AppTest: the first visit of each page (cold caches for that page), and the median and
spread of `--reruns` reruns with nothing changed (what a widget click costs at least). A reference
figure in the same run: AppTest rerun of an empty page script (the harness's own cost).
Not a test: timings depend on the machine; the figures go into the issue notes.
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

PAGES = ["overview", "rankings", "pillars", "trends", "whatif", "plan", "odds", "targets", "methodology", "data"]
SYNTHETIC = "Đơn vị mẫu {:04d}"


def build_store(path: Path, n_entities: int, seed: int = 11) -> int:
    """The default data, plus synthetic SAMPLE units up to n_entities in the scored group. Returns rows imported."""
    from loaders.bootstrap import DEFAULT_FRAMEWORK, ensure_default_data
    from loaders.store import Store

    store = Store(path)
    ensure_default_data(store)
    extra = n_entities - 34
    if extra <= 0:
        store.close()
        return 0
    base = store.current_inputs(DEFAULT_FRAMEWORK, "34")
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
        store.replace_table(cur, "entities", pd.concat([entities, new], ignore_index=True))
        store.record_import(synthetic, file_name=f"SAMPLE_bench_{n_entities}.csv", sha256=sha,
                            framework_id=DEFAULT_FRAMEWORK, flag="sample",
                            imported_by="bench/bench_pages.py (DỮ LIỆU MẪU)", note="SAMPLE synthetic units", cur=cur)

    store.write(write)
    store.close()
    return len(synthetic)


def spread(times: list[float]) -> str:
    t = sorted(times)
    return f"{statistics.median(t):6.3f} ({t[0]:.3f}–{t[-1]:.3f})"


def bench_size(n: int, reruns: int, keep: Path | None = None) -> dict[str, tuple[float, list[float]]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db = (keep or Path(tempfile.mkdtemp(prefix="bench_pages_"))) / f"bench_{n}.duckdb"
    t0 = time.perf_counter()
    n_rows = build_store(db, n) if not db.exists() else 0
    print(f"\n{n} entities: store built in {time.perf_counter() - t0:.1f} s "
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
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    floor = harness_floor(args.reruns)
    print(f"AppTest rerun of a one-line page (harness cost): {spread(floor)} s")
    results = {n: bench_size(n, args.reruns, args.keep) for n in sizes}
    print("\nrerun time per page, seconds: median (min–max) of", args.reruns, "reruns; target < 0.5 s")
    print(f"{'page':12s}" + "".join(f"{n:>24,d}" for n in sizes))
    for page in PAGES:
        row = f"{page:12s}"
        for n in sizes:
            first, times, failed = results[n][page]
            row += f"{'failed':>24s}" if failed else f"{spread(times):>24s}"
        print(row)
    print(f"{'first visit':12s}" + "".join(" " * 24 for _ in sizes))
    for page in PAGES:
        print(f"{page:12s}" + "".join(f"{results[n][page][0]:>24.2f}" for n in sizes))


if __name__ == "__main__":
    main()
