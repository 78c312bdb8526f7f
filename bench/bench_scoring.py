"""Benchmark: score 3,321 entities × 100 criteria × 10 years with the vectorised engine.

Run: python bench/bench_scoring.py [--entities 3321] [--years 10] [--criteria 100]
Prints seconds and values/s per phase, and the speed-up against a straightforward per-row
Python implementation of the same rules (timed on a slice and scaled per value).
Not a test: timings depend on the machine (figures go into the issue notes).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.engine import build_matrix, normalise_inputs, score  # noqa: E402
from scoring.framework import parse_framework  # noqa: E402

RULE_CYCLE = ["linear", "threshold", "weighted_items", "count_capped", "direct", "all_or_nothing"]


def synthetic_framework(n_criteria: int, n_main: int = 10, one_variable: bool = False):
    per_main = n_criteria // n_main
    nodes = []
    for m in range(1, n_main + 1):
        nodes.append({"code": f"{m}", "parent": "total", "name_vi": f"Chỉ số {m}", "max_points": 10.0 * per_main})
        for k in range(1, per_main + 1):
            cycle = RULE_CYCLE[2:5] if one_variable else RULE_CYCLE
            kind = cycle[(m * per_main + k) % len(cycle)]
            if kind in ("linear", "all_or_nothing"):
                rule, variables = {"type": kind, "numerator": ["a"], "denominator": ["b"]}, ["a", "b"]
            elif kind == "threshold":
                rule, variables = {"type": kind, "numerator": ["a"], "denominator": ["b"], "threshold": 0.8}, ["a", "b"]
            elif kind == "weighted_items":
                rule, variables = {"type": kind, "items": [{"var": "item1", "weight": 1.0}]}, ["item1"]
            elif kind == "count_capped":
                rule, variables = {"type": kind, "variable": "n", "points_per_event": 2}, ["n"]
            else:
                rule, variables = {"type": "direct", "variable": "p"}, ["p"]
            nodes.append({"code": f"{m}.{k}", "parent": f"{m}", "name_vi": f"{m}.{k}", "max_points": 10.0,
                          "rule": rule, "variables": [{"name": v} for v in variables]})
    return parse_framework({"framework": {"id": "bench", "version": "1", "name_vi": "Bench"}, "node": nodes})


def synthetic_inputs(fw, n_entities: int, n_years: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    entities = np.array([f"E{i:05d}" for i in range(n_entities)], dtype=object)
    years = np.arange(2021, 2021 + n_years)
    ey_entity = np.tile(entities, n_years)
    ey_year = np.repeat(years, n_entities)
    n = len(ey_entity)
    frames = []
    for leaf in fw.leaves:
        kind = leaf.rule["type"]
        if kind in ("linear", "threshold", "all_or_nothing"):
            b = rng.integers(50, 1000, n).astype(float)
            a = np.floor(b * rng.random(n))
            cols = {"a": a, "b": b}
        elif kind == "weighted_items":
            cols = {"item1": rng.integers(0, 2, n).astype(float)}
        elif kind == "count_capped":
            cols = {"n": rng.integers(0, 8, n).astype(float)}
        else:
            cols = {"p": np.round(rng.random(n) * 10, 2)}
        for var, vals in cols.items():
            frames.append(pd.DataFrame({"entity": ey_entity, "year": ey_year, "indicator": leaf.code,
                                        "variable": var, "value": vals}))
    return pd.concat(frames, ignore_index=True)


def per_row_python(fw, df: pd.DataFrame) -> dict:
    """The straightforward way: a dict of inputs, then a Python loop over rows and leaves."""
    values: dict = {}
    for e, y, ind, var, v in df[["entity", "year", "indicator", "variable", "value"]].itertuples(index=False):
        values.setdefault((e, y), {})[f"{ind}.{var}"] = v
    totals = {}
    for key, vals in values.items():
        total = 0.0
        for leaf in fw.leaves:
            r, mx = leaf.rule, leaf.max_points
            get = lambda name: vals[f"{leaf.code}.{name}"]  # noqa: E731
            kind = r["type"]
            if kind == "linear":
                p = min(max(get("a") / get("b"), 0), 1) * mx
            elif kind == "threshold":
                ratio = get("a") / get("b")
                p = mx if ratio >= r["threshold"] else ratio / r["threshold"] * mx
            elif kind == "all_or_nothing":
                p = mx if get("a") / get("b") >= 1 else 0.0
            elif kind == "weighted_items":
                p = get("item1") * mx
            elif kind == "count_capped":
                p = min(get("n") * r["points_per_event"], mx)
            else:
                p = min(max(get("p"), 0), mx)
            total += p
        totals[key] = total
    # ranks per year
    by_year: dict = {}
    for (e, y), t in totals.items():
        by_year.setdefault(y, []).append((t, e))
    for y, lst in by_year.items():
        lst.sort(reverse=True)
    return totals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=3321)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--criteria", type=int, default=100)
    ap.add_argument("--baseline-entities", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--one-variable", action="store_true",
                    help="only one-variable rules (items, counts, direct): exactly criteria × entity-years values")
    args = ap.parse_args()

    fw = synthetic_framework(args.criteria, one_variable=args.one_variable)
    inputs = synthetic_inputs(fw, args.entities, args.years)
    n_values = len(inputs)
    print(f"framework: {len(fw.leaves)} criteria, {len(fw.input_columns())} input variables; "
          f"{args.entities} entities × {args.years} years = {args.entities * args.years:,} entity-years; "
          f"{n_values:,} input values")

    runs = []
    for _ in range(args.repeat):  # the first run pays for page faults of fresh arrays: report the median
        t0 = time.perf_counter()
        df, _ = normalise_inputs(inputs)
        matrix, problems = build_matrix(fw, df)
        t1 = time.perf_counter()
        result = score(fw, matrix)
        t2 = time.perf_counter()
        _ = result.scores
        t3 = time.perf_counter()
        assert not problems and not result.problems
        runs.append((t1 - t0, t2 - t1, t3 - t2))
    runs.sort(key=lambda r: r[0] + r[1])
    d_layout, d_score, d_long = runs[len(runs) // 2]
    t0, t1, t2, t3 = 0.0, d_layout, d_layout + d_score, d_layout + d_score + d_long
    print(f"median of {args.repeat} runs:")

    print(f"long → matrix (check, pivot):    {t1 - t0:6.3f} s")
    print(f"score + aggregate + rank:         {t2 - t1:6.3f} s   ({n_values / (t2 - t1):,.0f} values/s)")
    print(f"end to end from long inputs:      {t2 - t0:6.3f} s   ({n_values / (t2 - t0):,.0f} values/s)")
    print(f"long result table ({len(result.scores):,} rows): {t3 - t2:6.3f} s (built lazily, on demand)")

    base_inputs = inputs.loc[inputs["entity"].isin({f"E{i:05d}" for i in range(args.baseline_entities)})]
    b0 = time.perf_counter()
    totals = per_row_python(fw, base_inputs)
    b1 = time.perf_counter()
    base_rate = len(base_inputs) / (b1 - b0)
    # Same answers on the slice:
    check = result.points_wide().set_index(["entity", "year"])["total"]
    worst = max(abs(check.loc[k] - v) for k, v in list(totals.items())[:2000])
    print(f"per-row Python baseline: {len(base_inputs):,} values in {b1 - b0:.3f} s ({base_rate:,.0f} values/s); "
          f"max |difference| vs engine {worst:.2e}")
    print(f"speed-up (score end to end vs per-row Python): {n_values / (t2 - t0) / base_rate:,.1f}×; "
          f"projected per-row time for the full set: {n_values / base_rate:,.1f} s")


if __name__ == "__main__":
    main()
