"""Benchmark: score 3,321 entities × 100 criteria × 10 years with the vectorised engine.

Run: python bench/bench_scoring.py [--entities 3321] [--years 10] [--criteria 100]
Prints the end-to-end time (long table → checks → matrix → rules → tree → ranks of every node)
next to a hand-written numpy implementation with the same outputs (bench/numpy_reference.py),
run interleaved in the same process, and their ratio (median and spread of paired runs); the
outputs are asserted equal first, on clean and on spoiled inputs. `--per-row` adds the old
per-row Python baseline.
Not a test: timings depend on the machine (figures go into the issue notes).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring.engine import build_matrix, competition_ranks, normalise_inputs, score  # noqa: E402
from scoring.framework import parse_framework  # noqa: E402

from numpy_reference import reference_score  # noqa: E402

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


def _spread(times: list[float]) -> str:
    t = sorted(times)
    return f"median {statistics.median(t):.3f} s (min {t[0]:.3f}, max {t[-1]:.3f}, n={len(t)})"


def engine_end_to_end(fw, inputs: pd.DataFrame, all_ranks: bool = True):
    """What the app does: long inputs -> checked matrix -> rules -> tree -> ranks (all nodes)."""
    result = score(fw, inputs, strict=False)
    if all_ranks:
        _ = result.ranks  # the nodes below the main indices are ranked on demand: force them here
    return result


def rank_time(result) -> float:
    """Time the engine spent on its up-front ranks (total and main indices), measured again here."""
    cols = np.flatnonzero(result._ranked)
    t0 = time.perf_counter()
    competition_ranks(result.points[:, cols], result.applicable_max[:, cols], result.rows["year"].to_numpy())
    return time.perf_counter() - t0


def compare_with_reference(fw, result, ref) -> None:
    """The engine and the numpy reference give the same rows, points, ranks and problem counts."""
    assert list(ref["entity"]) == list(result.rows["entity"]) and list(ref["year"]) == list(result.rows["year"])
    assert ref["codes"] == result.codes
    np.testing.assert_array_equal(ref["points"], result.points)
    np.testing.assert_array_equal(ref["ranks"], result.ranks)
    engine_counts: dict[str, int] = {}
    for p in result.problems:
        engine_counts[p.code] = engine_counts.get(p.code, 0) + 1
    assert engine_counts == ref["problems"], (engine_counts, ref["problems"])


def spoil(fw, inputs: pd.DataFrame) -> pd.DataFrame:
    """A few bad values of each kind the benchmark's rules can meet (checks must agree)."""
    out = inputs.copy()
    value = out["value"].to_numpy().copy()
    kinds = {leaf.rule["type"]: leaf.code for leaf in reversed(fw.leaves)}
    rng = np.random.default_rng(7)
    for kind, var, bad in [("linear", "b", 0.0), ("threshold", "a", 1e9), ("weighted_items", "item1", 0.5),
                           ("direct", "p", 99.0), ("count_capped", "n", -1.0)]:
        if kind not in kinds:
            continue
        rows = np.flatnonzero((out["indicator"] == kinds[kind]).to_numpy() & (out["variable"] == var).to_numpy())
        value[rng.choice(rows, 3, replace=False)] = bad
    out["value"] = value
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=3321)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--criteria", type=int, default=100)
    ap.add_argument("--baseline-entities", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--per-row", action="store_true", help="also time the per-row Python baseline on a slice")
    ap.add_argument("--one-variable", action="store_true",
                    help="only one-variable rules (items, counts, direct): exactly criteria × entity-years values")
    args = ap.parse_args()

    fw = synthetic_framework(args.criteria, one_variable=args.one_variable)
    inputs = synthetic_inputs(fw, args.entities, args.years)
    n_values = len(inputs)
    print(f"framework: {len(fw.leaves)} criteria, {len(fw.nodes)} nodes, {len(fw.input_columns())} input variables; "
          f"{args.entities} entities × {args.years} years = {args.entities * args.years:,} entity-years; "
          f"{n_values:,} input values")

    # Same outputs: clean inputs, then inputs with bad values of every kind.
    compare_with_reference(fw, engine_end_to_end(fw, inputs), reference_score(fw, inputs))
    bad = spoil(fw, inputs)
    bad_result = engine_end_to_end(fw, bad)
    compare_with_reference(fw, bad_result, reference_score(fw, bad))
    print(f"same outputs as the numpy reference: points, ranks of all {len(fw.nodes)} nodes, rows; "
          f"problems on spoiled inputs {sorted({p.code for p in bad_result.problems})}")

    # Interleaved runs, so both see the same machine load.
    # Wall-clock and CPU time of this process (the machine is shared: CPU time is steadier).
    t_engine, t_engine_lazy, t_ref, phases, cpu_ratio, phases_norank = [], [], [], [], [], []
    for _ in range(args.repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        ref = reference_score(fw, inputs)
        c1, t1 = time.process_time(), time.perf_counter()
        result = engine_end_to_end(fw, inputs, all_ranks=False)
        t2 = time.perf_counter()
        _ = result.ranks
        c3, t3 = time.process_time(), time.perf_counter()
        t_ref.append(t1 - t0)
        t_engine_lazy.append(t2 - t1)
        t_engine.append(t3 - t1)
        cpu_ratio.append((c3 - c1) / (c1 - c0))
        # Without ranks on either side (the ranking algorithms differ: argsort vs packed sort).
        q0 = time.perf_counter()
        reference_score(fw, inputs, with_ranks=False)
        q1 = time.perf_counter()
        r3 = score(fw, inputs, strict=False)
        q2 = time.perf_counter()
        phases_norank.append((q1 - q0, q2 - q1 - rank_time(r3)))
        p0 = time.perf_counter()
        df, _ = normalise_inputs(inputs)
        matrix, problems = build_matrix(fw, df)
        p1 = time.perf_counter()
        r2 = score(fw, matrix)
        p2 = time.perf_counter()
        _ = r2.scores
        p3 = time.perf_counter()
        phases.append((p1 - p0, p2 - p1, p3 - p2))
        assert not problems and not r2.problems
        del ref, result, r2
    med = statistics.median
    print(f"\nnumpy reference (checks, points, all ranks):   {_spread(t_ref)}")
    print(f"engine, all ranks:                            {_spread(t_engine)}")
    print(f"engine, total + main indices ranked (default):  {_spread(t_engine_lazy)}")
    ratios = sorted(e / r for e, r in zip(t_engine, t_ref))
    print(f"ratio engine / numpy (all ranks), per paired run: median {med(ratios):.2f} "
          f"(min {ratios[0]:.2f}, max {ratios[-1]:.2f})   target <= 1.5")
    cpu_ratio.sort()
    print(f"same ratio on CPU time of the process:          median {med(cpu_ratio):.2f} "
          f"(min {cpu_ratio[0]:.2f}, max {cpu_ratio[-1]:.2f})")
    ratios_lazy = sorted(e / r for e, r in zip(t_engine_lazy, t_ref))
    print(f"ratio engine default / numpy (all ranks):      median {med(ratios_lazy):.2f} "
          f"(min {ratios_lazy[0]:.2f}, max {ratios_lazy[-1]:.2f})")
    print(f"engine rate: {n_values / med(t_engine):,.0f} values/s (all ranks)")
    nr = sorted(e / r for r, e in phases_norank)
    print(f"without ranks (reference {med([p[0] for p in phases_norank]):.3f} s, engine "
          f"{med([p[1] for p in phases_norank]):.3f} s): ratio median {med(nr):.2f} (min {nr[0]:.2f}, max {nr[-1]:.2f}); "
          f"ranking all nodes: reference argsort ≈ {med(t_ref) - med([p[0] for p in phases_norank]):.3f} s, "
          f"engine packed sort ≈ {med(t_engine) - med([p[1] for p in phases_norank]):.3f} s")
    d_layout, d_score, d_long = (med([p[i] for p in phases]) for i in range(3))
    print(f"\nphases (median): long → matrix {d_layout:.3f} s · rules + tree + main ranks {d_score:.3f} s · "
          f"long result table ({args.entities * args.years * len(fw.nodes):,} rows, all ranks) {d_long:.3f} s")

    if args.per_row:
        base_inputs = inputs.loc[inputs["entity"].isin({f"E{i:05d}" for i in range(args.baseline_entities)})]
        b0 = time.perf_counter()
        totals = per_row_python(fw, base_inputs)
        b1 = time.perf_counter()
        base_rate = len(base_inputs) / (b1 - b0)
        check = engine_end_to_end(fw, inputs).points_wide().set_index(["entity", "year"])["total"]
        worst = max(abs(check.loc[k] - v) for k, v in list(totals.items())[:2000])
        print(f"per-row Python baseline: {len(base_inputs):,} values in {b1 - b0:.3f} s ({base_rate:,.0f} values/s); "
              f"max |difference| vs engine {worst:.2e}; engine is {n_values / med(t_engine) / base_rate:,.1f}× faster")


if __name__ == "__main__":
    main()
