"""Benchmark: least-cost plans and what-if recomputes on the SAMPLE data (34 provinces × 2 years).

Run: python bench/bench_planning.py [--runs 5] [--whatif-runs 20]
Prints the median time of
- one `make_plan` for Gia Lai 2025 to the top 20 and to the top 15 (legacy max_gain 0.3; target < 1 s),
  which includes scoring the inputs, the MILP solves and the re-scoring check;
- the same with the plan page's model (growth caps from history, effort = difficulty × relative rise);
- one two-year plan (top 20 in 2025, top 15 in 2026) as the page "Kế hoạch" and the command line make it
  (`plan2y.two_year_plan_from_inputs`, one MILP over both years; target < 2 s);
- one what-if through the engine: change one leaf's inputs, `engine.score` the 68 entity-years, read
  the new rank (target < 20 ms);
- the same what-if through the fast path `planning.whatif_total` (leaf points from the rule, then
  totals and rank from the base ScoreResult's points matrix).
Not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.cli import read_long_csv  # noqa: E402
from scoring.engine import score  # noqa: E402
from scoring.framework import load_framework  # noqa: E402
from scoring.plan_levers import eval_leaf
from scoring.planning import make_plan, whatif_total  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "SAMPLE_inputs_dti_province_2025.csv"
ENTITY, YEAR, LEAF, VARIABLE, NEW_VALUE = "Gia Lai", 2025, "6.3", "a", 1_900_000


def median_time(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--whatif-runs", type=int, default=20)
    args = p.parse_args(argv)

    fw = load_framework("dti_province_2025")
    inputs = read_long_csv(SAMPLE)
    make_plan(fw, inputs, ENTITY, YEAR, target_rank=20, max_gain=0.3)  # warm-up (imports, caches)

    for target in (20, 15):
        t, plan = median_time(lambda: make_plan(fw, inputs, ENTITY, YEAR, target_rank=target, max_gain=0.3),
                              args.runs)
        print(f"make_plan {ENTITY} {YEAR} -> top {target}: {t * 1000:8.1f} ms (median of {args.runs}); "
              f"rank {plan.rank_before} -> {plan.rank_after}, +{plan.total_after - plan.total_before:.3f} points, "
              f"{plan.actions['indicator'].nunique()} indicator(s), cost {plan.cost:.3f}  "
              f"[{'OK' if t < 1.0 else 'SLOW'} vs 1 s]")

    from scoring.plan2y import two_year_plan_from_inputs
    from scoring.planning import growth_caps, growth_from_history

    caps = growth_caps(growth_from_history(fw, inputs, ENTITY, YEAR))
    for target in (20, 15):
        t, plan = median_time(lambda: make_plan(fw, inputs, ENTITY, YEAR, target_rank=target, max_growth=caps,
                                                difficulty={}), args.runs)
        print(f"make_plan (page model) -> top {target}: {t * 1000:8.1f} ms (median of {args.runs}); "
              f"rank {plan.rank_before} -> {plan.rank_after}, {len(plan.actions)} action(s), effort {plan.cost:.3f}  "
              f"[{'OK' if t < 1.0 else 'SLOW'} vs 1 s]")
    t, p2 = median_time(lambda: two_year_plan_from_inputs(fw, inputs, ENTITY, {YEAR: 20, YEAR + 1: 15}), args.runs)
    print(f"two-year plan top 20 ({YEAR}) then top 15 ({YEAR + 1}): {t * 1000:8.1f} ms (median of {args.runs}); "
          f"ranks {p2.rank1}/{p2.rank2}, {len(p2.actions)} action(s), effort {p2.cost:.3f}, optimal {p2.optimal}  "
          f"[{'OK' if t < 2.0 else 'SLOW'} vs 2 s]")

    base = score(fw, inputs)
    mask = ((inputs["entity"] == ENTITY) & (inputs["year"] == str(YEAR)) & (inputs["indicator"] == LEAF)
            & (inputs["variable"] == VARIABLE))

    def via_engine():
        df = inputs.copy()
        df.loc[mask, "value"] = str(NEW_VALUE)
        result = score(fw, df)
        t = result.total(YEAR)
        return int(t.loc[t["entity"] == ENTITY, "rank"].iloc[0])

    leaf = fw.nodes[LEAF]
    current = {r.variable: float(r.value) for r in inputs.loc[(inputs["entity"] == ENTITY)
                                                               & (inputs["year"] == str(YEAR))
                                                               & (inputs["indicator"] == LEAF)].itertuples()}

    def via_fast_path():
        _, pts = eval_leaf(leaf, {**current, VARIABLE: float(NEW_VALUE)}, YEAR)
        return whatif_total(fw, base, ENTITY, YEAR, {LEAF: pts}).rank_after

    t_engine, rank_engine = median_time(via_engine, args.whatif_runs)
    t_fast, rank_fast = median_time(via_fast_path, args.whatif_runs)
    assert rank_engine == rank_fast, (rank_engine, rank_fast)
    print(f"what-if via engine.score (68 entity-years): {t_engine * 1000:8.2f} ms (median of {args.whatif_runs}); "
          f"new rank {rank_engine}  [{'OK' if t_engine < 0.02 else 'SLOW'} vs 20 ms]")
    print(f"what-if via planning.whatif_total:          {t_fast * 1000:8.3f} ms (median of {args.whatif_runs}); "
          f"new rank {rank_fast}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
