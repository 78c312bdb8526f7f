"""Import benchmark at commune scale (issue 11; not a timed test).

3,321 units × 100 variables = 332,100 value cells, as a long CSV (one row per value) and a wide CSV
(one row per unit), plus the wide file as .xlsx. Prints cells/s of `parse_inputs` (read + every check +
the engine's input checks) against pandas `read_csv` of the same bytes in the same run (the ratio), and
the old row-by-row reader (tests/rowwise_reader.py) while it still exists.

    /work/main/.venv/bin/python bench/bench_import.py [--repeat 3] [--no-old] [--no-xlsx]
"""
from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.parsing import EntityResolver, parse_inputs  # noqa: E402
from scoring.framework import parse_framework  # noqa: E402

N_UNITS, N_LEAVES, N_VARS = 3321, 10, 10


def framework():
    nodes = [{"code": "1", "parent": "total", "name_vi": "Một", "max_points": 10.0 * N_LEAVES}]
    half = N_VARS // 2
    for i in range(1, N_LEAVES + 1):
        names = [f"v{j}" for j in range(N_VARS)]
        nodes.append({"code": f"1.{i}", "parent": "1", "name_vi": f"Chỉ số {i}", "max_points": 10.0,
                      "rule": {"type": "linear", "numerator": names[:half], "denominator": names[half:]},
                      "variables": [{"name": n, "unit": "người"} for n in names]})
    return parse_framework({"framework": {"id": "bench", "version": "t", "name_vi": "Thử"}, "node": nodes})


def files(fw, rng):
    names = [f"Xã Thử {i}" for i in range(N_UNITS)]
    cols = fw.input_columns()
    values = np.where(np.arange(len(cols)) % N_VARS < N_VARS // 2, rng.integers(0, 400, (N_UNITS, len(cols))),
                      rng.integers(2000, 9000, (N_UNITS, len(cols))))
    text = values.astype(str).astype(object)
    text[:, 7] = [f"{v // 1000}.{v % 1000:03d}" for v in values[:, 7]]  # Vietnamese thousands groups
    text[:, 3] = [f"{v},5" for v in values[:, 3]]  # decimal commas (the file's convention)
    wide = io.StringIO()
    w = csv.writer(wide, lineterminator="\r\n")
    w.writerow(["entity", "year"] + cols)
    for name, row in zip(names, text):
        w.writerow([name, 2025] + list(row))
    long = io.StringIO()
    w = csv.writer(long, lineterminator="\r\n")
    w.writerow(["entity", "year", "indicator", "variable", "value"])
    pairs = [c.rsplit(".", 1) for c in cols]
    for name, row in zip(names, text):
        for (ind, var), v in zip(pairs, row):
            w.writerow([name, 2025, ind, var, v])
    return names, wide.getvalue().encode(), long.getvalue().encode()


def xlsx_of(csv_bytes: bytes) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Dữ liệu")
    for row in csv.reader(io.StringIO(csv_bytes.decode())):
        ws.append([int(c) if c.isdigit() else c for c in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="runs per measure (the best is kept)")
    ap.add_argument("--no-old", action="store_true")
    ap.add_argument("--no-xlsx", action="store_true")
    args = ap.parse_args()
    fw = framework()
    names, wide, long = files(fw, np.random.default_rng(11))
    resolver = EntityResolver({n: [] for n in names})
    cells = N_UNITS * N_LEAVES * N_VARS
    old = None
    if not args.no_old:
        try:
            sys.path.insert(0, str(ROOT / "tests"))
            import rowwise_reader as old  # noqa: PLC0415
        except ImportError:
            old = None
    cases = [("long csv", long, "bench.csv"), ("wide csv", wide, "bench.csv")]
    if not args.no_xlsx:
        cases.append(("wide xlsx", xlsx_of(wide), "bench.xlsx"))
    print(f"{cells:,} cells ({N_UNITS} units × {N_LEAVES * N_VARS} variables)")
    for label, raw, name in cases:
        parse_inputs(raw, name, fw, resolver)  # warm-up
        t_new, parsed = timed(lambda: parse_inputs(raw, name, fw, resolver), args.repeat)
        assert parsed.ok and len(parsed.data) == cells, parsed.messages()[:3]
        tracemalloc.start()
        parse_inputs(raw, name, fw, resolver)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if name.endswith(".csv"):
            t_ref, _ = timed(lambda: pd.read_csv(io.BytesIO(raw), dtype=str), args.repeat)
            ref = "pandas read_csv"
        else:
            t_ref, _ = timed(lambda: pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl"), 1)
            ref = "pandas read_excel(openpyxl)"
        line = (f"{label:10s} new {t_new:6.3f} s = {cells / t_new:>10,.0f} cells/s, peak {peak:5.0f} MiB | "
                f"{ref} {t_ref:6.3f} s (new/ref = {t_new / t_ref:5.1f}×)")
        if old is not None:
            t_old, p_old = timed(lambda: old.parse_inputs(raw, name, fw, old.EntityResolver({n: [] for n in names})), 1)
            line += f" | old row-by-row {t_old:6.2f} s (speed-up {t_old / t_new:4.1f}×)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
