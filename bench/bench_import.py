"""Import benchmark at commune scale (issue 11; not a timed test).

3,321 units × 100 variables = 332,100 value cells, as a long CSV (one row per value), a wide CSV (one
row per unit) and the wide file as .xlsx. For each file it prints, best of `--repeat` runs:

- validate: `importer.validate`'s work (`parse_inputs`: read + every check + the engine's input checks);
- commit: `importer.commit` (`Store.record_import`: the rows and the log line in one transaction) into a
  fresh temporary DuckDB file each run (opening, writing, closing = checkpoint);
- validate + commit, end to end;
- references measured in the same run on the same bytes: pandas `read_csv(dtype=str)` and DuckDB
  `read_csv` (all columns as text, into an in-memory table) for CSV; pandas `read_excel` (openpyxl) for .xlsx;
- the speed-up against the old row-by-row reader's figures RECORDED IN ISSUE 11 (15.7 s long CSV, 6.4 s
  wide CSV, parse + validate; that reader was removed, so these are not measured here);
- peak memory: Python allocations (tracemalloc) during validate + commit, and the process's peak RSS
  (each file is imported once in a child process: peak RSS minus RSS before the import).

`--big` adds a long CSV of three years (996,300 rows, just under `limits.MAX_ROWS`), validate + commit
and peak RSS in a child process.

    /work/main/.venv/bin/python bench/bench_import.py [--repeat 3] [--no-xlsx] [--big]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from office import imports as importer  # noqa: E402
from loaders.parsing import EntityResolver, parse_inputs  # noqa: E402
from storage.db import Store  # noqa: E402
from scoring.framework import parse_framework  # noqa: E402

N_UNITS, N_LEAVES, N_VARS = 3321, 10, 10
# The old row-by-row reader's parse + validate times for these files, as recorded in issue 11.
ISSUE_OLD_SECONDS = {"long csv": 15.7, "wide csv": 6.4}


def framework():
    nodes = [{"code": "1", "parent": "total", "name_vi": "Một", "max_points": 10.0 * N_LEAVES}]
    half = N_VARS // 2
    for i in range(1, N_LEAVES + 1):
        names = [f"v{j}" for j in range(N_VARS)]
        nodes.append({"code": f"1.{i}", "parent": "1", "name_vi": f"Chỉ số {i}", "max_points": 10.0,
                      "rule": {"type": "linear", "numerator": names[:half], "denominator": names[half:]},
                      # v3 holds decimal commas below: a measured amount (hours), not a count of people
                      "variables": [{"name": n, "unit": "giờ" if n == "v3" else "người"} for n in names]})
    return parse_framework({"framework": {"id": "bench", "version": "t", "name_vi": "Thử"}, "node": nodes})


def files(fw, rng, years=(2025,)):
    """(unit names, wide CSV bytes, long CSV bytes); the long file holds every year of `years`."""
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
        w.writerow([name, years[0]] + list(row))
    long = io.StringIO()
    w = csv.writer(long, lineterminator="\r\n")
    w.writerow(["entity", "year", "indicator", "variable", "value"])
    pairs = [c.rsplit(".", 1) for c in cols]
    for year in years:
        for name, row in zip(names, text):
            for (ind, var), v in zip(pairs, row):
                w.writerow([name, year, ind, var, v])
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


def timed(fn, repeat, setup=None):
    """(best, median, last output) of `repeat` runs' wall time; `setup()` (untimed) makes fn's argument.
    The best CPU time of the process over the runs is kept in `timed.cpu`."""
    times, cpus, out = [], [], None
    for _ in range(repeat):
        arg = setup() if setup else None
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn(arg) if setup else fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    timed.cpu = min(cpus)
    return min(times), statistics.median(times), out


class Temp:
    """Fresh DuckDB files in one temporary folder (a new store for every commit)."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="bench_import_")
        self.n = 0

    def store(self) -> Store:
        self.n += 1
        return Store(os.path.join(self.dir.name, f"bench{self.n}.duckdb"))

    def store_with_backup(self) -> Store:
        """A store with the app's hook: after each write, `storage.backup` exports the new import's rows."""
        from storage import backup

        st = self.store()
        st.after_write = backup.after_write
        return st


def validate(raw, name, fw, names):
    """What `importer.validate` does: a new resolver of the group's names (as `importer.resolver` builds
    one per call, so no name is cached from an earlier run), then `parse_inputs`."""
    parsed = parse_inputs(raw, name, fw, EntityResolver({n: [] for n in names}))
    assert parsed.ok, parsed.messages()[:3]
    return parsed


def commit(store, parsed, fw):
    return importer.commit(store, parsed, fw, imported_by="bench", group="34")


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    return float("nan")


def reset_peak_rss() -> float:
    """Reset the process's RSS high-water mark (Linux: /proc/self/clear_refs) and return the RSS now.
    (getrusage's ru_maxrss is kept across exec, so a child would report its parent's peak.)"""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_mib("VmRSS")


def peak_rss() -> float:
    return _status_mib("VmHWM")


def child(path: str, name: str) -> None:
    """Import one file once (validate + commit) and print time and peak RSS as JSON."""
    fw = framework()
    names = [f"Xã Thử {i}" for i in range(N_UNITS)]
    raw = Path(path).read_bytes()
    with tempfile.TemporaryDirectory(prefix="bench_import_") as d:
        store = Store(os.path.join(d, "child.duckdb"))
        before = reset_peak_rss()
        t0 = time.perf_counter()
        parsed = parse_inputs(raw, name, fw, EntityResolver({n: [] for n in names}))
        t1 = time.perf_counter()
        n = 0
        if parsed.ok:
            commit(store, parsed, fw)
            n = len(parsed.data)
        t2 = time.perf_counter()
        print(json.dumps({"before": before, "peak": peak_rss(), "validate": t1 - t0, "commit": t2 - t1, "rows": n,
                          "problems": [m for m in parsed.messages()[:2]]}))


def in_child(raw: bytes, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_import_") as d:
        path = os.path.join(d, name)
        Path(path).write_bytes(raw)
        out = subprocess.run([sys.executable, __file__, "--child", path, name], capture_output=True, text=True,
                             check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="runs per measure (best and median printed)")
    ap.add_argument("--no-xlsx", action="store_true")
    ap.add_argument("--big", action="store_true", help="also a long CSV of 3 years (996,300 rows)")
    ap.add_argument("--child", nargs=2, metavar=("PATH", "NAME"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    import duckdb

    fw = framework()
    names, wide, long = files(fw, np.random.default_rng(11))
    cells = N_UNITS * N_LEAVES * N_VARS
    temp = Temp()
    cases = [("long csv", long, "bench.csv"), ("wide csv", wide, "bench.csv")]
    if not args.no_xlsx:
        cases.append(("wide xlsx", xlsx_of(wide), "bench.xlsx"))
    print(f"{cells:,} cells ({N_UNITS} units × {N_LEAVES * N_VARS} variables); best (median) of {args.repeat} runs; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for label, raw, name in cases:
        validate(raw, name, fw, names)  # warm-up
        v_best, v_med, parsed = timed(lambda: validate(raw, name, fw, names), args.repeat)
        v_cpu = timed.cpu
        assert len(parsed.data) == cells
        c_best, c_med, _ = timed(lambda st: commit(st, parsed, fw), args.repeat, setup=temp.store)
        c_cpu = timed.cpu
        b_best, b_med, _ = timed(lambda st: commit(st, parsed, fw), args.repeat, setup=temp.store_with_backup)
        e_best, e_med, _ = timed(lambda st: commit(st, validate(raw, name, fw, names), fw), args.repeat,
                                 setup=temp.store)
        e_cpu = timed.cpu
        st = temp.store()
        tracemalloc.start()
        commit(st, validate(raw, name, fw, names), fw)
        py_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss = in_child(raw, name)
        print(f"\n{label} ({len(raw) / 2**20:.1f} MiB):")
        print(f"  validate          {v_best:6.3f} s ({v_med:.3f}) = {cells / v_best:>10,.0f} cells/s; CPU {v_cpu:.3f} s")
        print(f"  commit            {c_best:6.3f} s ({c_med:.3f}) = {cells / c_best:>10,.0f} cells/s; CPU {c_cpu:.3f} s "
              f"(all threads)")
        print(f"  validate + commit {e_best:6.3f} s ({e_med:.3f}) = {cells / e_best:>10,.0f} cells/s; CPU {e_cpu:.3f} s")
        print(f"  commit with the app's backup hook (storage.backup exports the rows to Parquet) "
              f"{b_best:6.3f} s ({b_med:.3f})")
        if name.endswith(".csv"):
            p_best, _, _ = timed(lambda: pd.read_csv(io.BytesIO(raw), dtype=str), args.repeat)
            p_cpu = timed.cpu
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, name)
                Path(path).write_bytes(raw)
                con = duckdb.connect()
                d_best, _, _ = timed(lambda: con.execute(
                    "CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
                    [path]), args.repeat)
                con.close()
            print(f"  pandas read_csv   {p_best:6.3f} s → validate / read_csv = {v_best / p_best:4.1f}×, "
                  f"validate + commit / read_csv = {e_best / p_best:4.1f}×; on CPU time {v_cpu / p_cpu:4.1f}× "
                  f"(read_csv CPU {p_cpu:.3f} s)")
            print(f"  DuckDB read_csv   {d_best:6.3f} s → validate / read_csv = {v_best / d_best:4.1f}×, "
                  f"validate + commit / read_csv = {e_best / d_best:4.1f}×")
        else:
            x_best, _, _ = timed(lambda: pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl"), 1)
            print(f"  pandas read_excel (openpyxl) {x_best:6.3f} s → validate / read_excel = {v_best / x_best:4.2f}×")
        if label in ISSUE_OLD_SECONDS:
            old = ISSUE_OLD_SECONDS[label]
            print(f"  old row-by-row reader, figure recorded in issue 11 (not measured here): {old} s parse + validate "
                  f"→ speed-up {old / v_best:4.1f}× (validate), {old / e_best:4.1f}× (validate + commit)")
        print(f"  peak memory: Python allocations {py_peak:5.0f} MiB (tracemalloc); process RSS "
              f"+{rss['peak'] - rss['before']:.0f} MiB during one import in a child process "
              f"(peak {rss['peak']:.0f} MiB; that import: validate {rss['validate']:.2f} s, commit {rss['commit']:.2f} s)",
              flush=True)
    if args.big:
        _, _, big = files(fw, np.random.default_rng(11), years=(2023, 2024, 2025))
        rss = in_child(big, "big.csv")
        rows = N_UNITS * N_LEAVES * N_VARS * 3
        print(f"\nlong csv, 3 years ({rows:,} rows, {len(big) / 2**20:.1f} MiB), once in a child process: "
              f"validate {rss['validate']:.2f} s, commit {rss['commit']:.2f} s, rows written {rss['rows']:,}; "
              f"RSS +{rss['peak'] - rss['before']:.0f} MiB (peak {rss['peak']:.0f} MiB); problems {rss['problems']}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
