"""A two-year plan: the least effort to reach one target in the first year AND another in the second
(Gia Lai's 18/KH-UBND: top 20 in 2025, top 15 in 2026), built on `scoring.planning` (public functions
only: `make_plan`, `apply_plan`, `eval_leaf`). Pure (numpy, pandas).

Model
-----
- *Start*: the entity's inputs of the first year (`year1`) as they stand.
- *Year caps, carried over*: in each year a ratio may rise by at most `max_gain` (percentage points for a
  share, a relative rise for a ratio that is not a share — `part_of_whole = false`) **from where the
  previous year left it**; items and counts have no yearly cap (as in `make_plan`). Over two years a
  share can thus rise by 2·g, a non-share by (1 + g)² − 1, but only if the first year did its part.
- *Peers*: year 1 against the others' current totals of `year1`; year 2 against `peers_year2`
  (entity → projected total; `project_peers` gives a linear trend from two scored years).
- *Effort*: Σ cost_per_point × points gained, over both years (default 1 per point), as in `make_plan`.
  The total effort of a plan depends only on the final state, so:

1. *Lower bound*: the larger of the cheapest final state reaching the year-2 target from the start with
   the two-year caps and no year-1 requirement (`make_plan` with per-leaf caps, year 2's rules), and the
   cheapest plan reaching the year-1 target alone (what year 1 gains stays in the final state).
2. *Final first*: split that final state: year 1 = the cheapest part of it reaching the year-1 target
   (each leaf capped by min(final, one year's cap); leaves the final state does not touch locked; the
   part a leaf must already do in year 1 so that year 2's cap can finish it is applied first); year 2 =
   the cheapest plan from there to the year-2 target (one year's cap from year 1's values).
3. *Year by year*: the cheapest plan to the year-1 target, then the cheapest from there to the year-2 target.

The cheaper of 2 and 3 that reaches both targets is returned; `optimal` says its effort equals the lower
bound (then no plan can be cheaper); otherwise the gap to the bound is reported (`lower_bound`).
Each year's plan is re-scored by `make_plan` (`verified`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.framework import Framework
from scoring.planning import apply_plan, eval_leaf, make_plan

RATIO_RULES = {"linear", "threshold", "all_or_nothing", "gated_linear"}
EPS = 1e-6

APPENDIX_COLUMNS = ["year", "indicator", "name_vi", "variable", "from_value", "to_value", "ratio_to",
                    "points_from", "points_to", "points_gain", "lead_agency", "implementing_agencies"]


@dataclass
class TwoYearPlan:
    entity: str
    year1: int
    year2: int
    target1: int
    target2: int
    reachable: bool
    method: str  # "final_first" | "year_by_year" | "none"
    cost: float
    lower_bound: float
    optimal: bool
    total_start: float
    total1: float
    total2: float
    rank1: int | None
    rank2: int | None
    actions: pd.DataFrame  # APPENDIX_COLUMNS (+ cost)
    plans: tuple = ()  # the two planning.Plan objects
    notes: list[str] = field(default_factory=list)

    def by_agency(self) -> pd.DataFrame:
        """Per lead agency (a shared lead counts for each) and year: indicators and points to gain."""
        rows = []
        for a in self.actions.itertuples(index=False):
            for agency in _split(a.lead_agency):
                rows.append({"agency": agency, "year": a.year, "indicator": a.indicator, "points_gain": a.points_gain})
        if not rows:
            return pd.DataFrame(columns=["agency", "year", "indicators", "points_gain"])
        df = pd.DataFrame(rows)
        return (df.groupby(["agency", "year"], as_index=False)
                .agg(indicators=("indicator", lambda s: ", ".join(dict.fromkeys(s))), points_gain=("points_gain", "sum")))


def _split(text: str) -> list[str]:
    return [a.strip() for a in str(text or "").split(";") if a.strip()] or ["—"]


def project_peers(totals_prev: pd.Series, totals_now: pd.Series, max_total: float, *, steps: int = 1) -> pd.Series:
    """Each peer's total `steps` years ahead on its own linear trend (now + steps × (now − prev)),
    clipped to [0, max]; a peer without a previous total keeps its current one."""
    change = (totals_now - totals_prev.reindex(totals_now.index)).fillna(0.0)
    return (totals_now + steps * change).clip(0.0, max_total)


def _values(inputs: pd.DataFrame, entity: str, year: int) -> dict[tuple[str, str], float]:
    sub = inputs.loc[(inputs["entity"].astype(str) == entity) & (pd.to_numeric(inputs["year"]) == year)]
    return {(str(i), str(v)): float(x) for i, v, x in zip(sub["indicator"], sub["variable"],
                                                          pd.to_numeric(sub["value"], errors="coerce"))}


def _ratio(fw: Framework, code: str, vals: dict, year: int) -> float:
    leaf = fw.nodes[code]
    return eval_leaf(leaf, {v: vals.get((code, v), np.nan) for v in leaf.variable_names()}, year)[0]


def _cap_after(fw: Framework, code: str, r: float, g: float, years: int) -> float:
    """Largest ratio after `years` years of cap g from ratio r."""
    if fw.nodes[code].rule.get("part_of_whole", True):
        return min(1.0, r + years * g)
    return r * (1.0 + g) ** years


def _caps(fw: Framework, vals: dict, year: int, g: float | None, years: int) -> dict[str, float]:
    if g is None:
        return {}
    out = {}
    for leaf in fw.leaves:
        if leaf.rule["type"] in RATIO_RULES:
            r = _ratio(fw, leaf.code, vals, year)
            if math.isfinite(r):
                out[leaf.code] = _cap_after(fw, leaf.code, r, g, years)
    return out


def _relabel(inputs: pd.DataFrame, entity: str, year_from: int, year_to: int) -> pd.DataFrame:
    """The entity's rows of `year_from` as rows of `year_to` (other entities' rows of year_to dropped:
    peers of year 2 are given as projected totals)."""
    own = inputs.loc[(inputs["entity"].astype(str) == entity) & (pd.to_numeric(inputs["year"]) == year_from)]
    return own.assign(year=year_to)


def _peer_inputs(inputs: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    return inputs.loc[pd.to_numeric(inputs["year"]) == year]


def _with_year(actions: pd.DataFrame, year: int, fw: Framework) -> pd.DataFrame:
    if actions is None or actions.empty:
        return pd.DataFrame(columns=APPENDIX_COLUMNS + ["cost"])
    a = actions.assign(year=year, implementing_agencies=[
        "; ".join(fw.nodes[c].implementing_agencies) for c in actions["indicator"]])
    return a[APPENDIX_COLUMNS + ["cost"]]


def make_two_year_plan(framework: Framework, inputs: pd.DataFrame, entity: str, year1: int, year2: int, *,
                       target1: int, target2: int, peers_year2: pd.Series, max_gain: float | None = 0.3,
                       cost_per_point: dict[str, float] | None = None) -> TwoYearPlan:
    """The least-effort plan reaching rank ≤ target1 in year1 and rank ≤ target2 in year2 (see module doc).
    `inputs`: long inputs holding year1 of the entity and its peers."""
    entity = str(entity).strip()
    fw = framework
    start_vals = _values(inputs, entity, year1)
    others2 = peers_year2.drop(labels=[entity], errors="ignore")
    notes: list[str] = []

    # year-2 inputs from a year-1 state: the entity alone (peers as projected totals), relabelled
    def year2_inputs(state: pd.DataFrame) -> pd.DataFrame:
        return _relabel(state, entity, year1, year2)

    # 1. lower bound: final state from the start, two-year caps, no year-1 requirement
    start2 = year2_inputs(inputs)
    bound_plan = make_plan(fw, start2, entity, year2, target_rank=target2,
                           caps=_caps(fw, start_vals, year2, max_gain, 2), cost_per_point=cost_per_point,
                           competitor_totals=others2)
    lower = bound_plan.cost if bound_plan.reachable else math.inf

    candidates = []

    def finish(p1, state1, method):
        vals1 = _values(state1, entity, year1)
        p2 = make_plan(fw, year2_inputs(state1), entity, year2, target_rank=target2,
                       caps=_caps(fw, vals1, year2, max_gain, 1), cost_per_point=cost_per_point,
                       competitor_totals=others2)
        if p1.reachable and p2.reachable and p1.verified and p2.verified:
            candidates.append((p1.cost + p2.cost, method, p1, p2))

    # 2. final first
    if bound_plan.reachable and not bound_plan.actions.empty:
        final_vals = dict(start_vals)
        for a in bound_plan.actions.itertuples(index=False):
            final_vals[(a.indicator, a.variable)] = float(a.to_value)
        touched = set(bound_plan.actions["indicator"])
        caps1 = {}
        must = []  # (indicator, variable, value) year 1 must reach so that year 2's cap can finish
        for code in touched:
            leaf = fw.nodes[code]
            if leaf.rule["type"] in RATIO_RULES and max_gain is not None:
                r0 = _ratio(fw, code, start_vals, year1)
                rf = _ratio(fw, code, final_vals, year2)
                caps1[code] = min(rf, _cap_after(fw, code, r0, max_gain, 1))
                need = rf - max_gain if leaf.rule.get("part_of_whole", True) else rf / (1.0 + max_gain)
                if need > r0 + EPS:
                    must.append((code, need))
            else:
                caps1[code] = _final_share(fw, code, final_vals, year1)
        achievable = {(a.indicator, a.variable): True for a in bound_plan.actions.itertuples(index=False)}
        for leaf in fw.leaves:
            if leaf.rule["type"] == "weighted_items":
                for v in leaf.variable_names():
                    achievable.setdefault((leaf.code, v), False)
        state0 = _apply_must(fw, inputs, entity, year1, must, bound_plan.actions, start_vals)
        locked = {leaf.code for leaf in fw.leaves if leaf.code not in touched}
        try:
            p1 = make_plan(fw, state0, entity, year1, target_rank=target1, caps=caps1, locked=locked,
                           item_achievable=achievable, cost_per_point=cost_per_point)
        except ValueError as exc:  # e.g. a cap below the current value after the forced part
            notes.append(f"final-first split failed: {exc}")
            p1 = None
        if p1 is not None:
            # the forced part belongs to year 1's actions
            p1 = _merge_forced(fw, p1, inputs, state0, entity, year1, cost_per_point)
            finish(p1, apply_plan(state0, p1), "final_first")

    # 3. year by year
    p1 = make_plan(fw, inputs, entity, year1, target_rank=target1, max_gain=max_gain, cost_per_point=cost_per_point)
    if p1.reachable:
        finish(p1, apply_plan(inputs, p1), "year_by_year")
        # the cheapest year 1 alone is a lower bound too (what year 1 gains stays in the final state)
        lower = max(lower, p1.cost) if math.isfinite(lower) else lower

    total_start = float(make_plan(fw, inputs, entity, year1, target_total=0.0).total_before)
    if not candidates:
        return TwoYearPlan(entity, year1, year2, target1, target2, False, "none", math.nan, lower, False,
                           total_start, math.nan, math.nan, None, None,
                           pd.DataFrame(columns=APPENDIX_COLUMNS + ["cost"]), (), notes + [
                               "no plan reaches both targets under the yearly caps"])
    cost, method, p1, p2 = min(candidates, key=lambda c: (c[0], c[1] != "final_first"))
    actions = pd.concat([_with_year(p1.actions, year1, fw), _with_year(p2.actions, year2, fw)], ignore_index=True)
    optimal = math.isfinite(lower) and cost <= lower + 1e-6 * max(1.0, abs(lower))
    if not optimal:
        notes.append(f"effort {cost:.4f} is above the lower bound {lower:.4f} (two-year caps without the "
                     "year-1 target); a cheaper split may exist")
    return TwoYearPlan(entity, year1, year2, target1, target2, True, method, float(cost), float(lower), optimal,
                       total_start, p1.total_after, p2.total_after, p1.rank_after, p2.rank_after, actions,
                       (p1, p2), notes)


def _final_share(fw: Framework, code: str, final_vals: dict, year: int) -> float:
    leaf = fw.nodes[code]
    if leaf.rule["type"] == "weighted_items":
        return float(sum(it["weight"] * final_vals.get((code, it["var"]), 0.0) for it in leaf.rule["items"]))
    if leaf.rule["type"] == "direct":
        return eval_leaf(leaf, {v: final_vals.get((code, v), np.nan) for v in leaf.variable_names()}, year)[1]
    if leaf.rule["type"] == "count_capped":
        return float(final_vals.get((code, leaf.rule["variable"]), 0.0))
    return math.inf


def _apply_must(fw, inputs, entity, year1, must, final_actions, start_vals) -> pd.DataFrame:
    """Apply to year 1 the part of a leaf's final change that year 2's cap could not do alone: the
    final plan's variable moved to the smallest whole step reaching the needed ratio."""
    if not must:
        return inputs
    out = inputs.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    for code, need in must:
        acts = final_actions.loc[final_actions["indicator"] == code]
        for a in acts.itertuples(index=False):
            var, v0, vf = a.variable, float(a.from_value), float(a.to_value)
            step = 1.0 if float(v0).is_integer() else 10.0 ** -_decimals(v0)
            lo, hi = 0, int(round((vf - v0) / step))
            leaf = fw.nodes[code]
            vals = {v: start_vals.get((code, v), np.nan) for v in leaf.variable_names()}

            def ratio_at(k):
                return eval_leaf(leaf, {**vals, var: v0 + k * step}, year1)[0]

            while lo < hi:  # smallest k reaching `need`
                mid = (lo + hi) // 2
                if ratio_at(mid) >= need - 1e-12:
                    hi = mid
                else:
                    lo = mid + 1
            m = ((out["entity"].astype(str) == entity) & (pd.to_numeric(out["year"]) == year1)
                 & (out["indicator"].astype(str) == code) & (out["variable"].astype(str) == var))
            out.loc[m, "value"] = v0 + lo * step
    return out


def _decimals(x: float) -> int:
    s = repr(float(x))
    return min(6, len(s.split(".")[1])) if "." in s else 0


def _merge_forced(fw, p1, inputs, state0, entity, year1, cost_per_point):
    """Year 1's plan measured from the real start: re-plan nothing, only restate the actions so that a
    forced move (applied before planning) appears as a year-1 action with its points and cost."""
    if state0 is inputs:
        return p1
    final1 = apply_plan(state0, p1)
    start_vals, end_vals = _values(inputs, entity, year1), _values(final1, entity, year1)
    costs = cost_per_point or {}
    rows = []
    for leaf in fw.leaves:
        changed = [v for v in leaf.variable_names()
                   if not _same(start_vals.get((leaf.code, v)), end_vals.get((leaf.code, v)))]
        if not changed:
            continue
        vals = {v: start_vals.get((leaf.code, v), np.nan) for v in leaf.variable_names()}
        r0, pts0 = eval_leaf(leaf, vals, year1)
        for v in changed:
            vals2 = {**vals, v: end_vals[(leaf.code, v)]}
            r1, pts1 = eval_leaf(leaf, vals2, year1)
            c = _cost_of(fw, leaf.code, costs)
            rows.append({"indicator": leaf.code, "name_vi": leaf.name_vi, "lead_agency": leaf.lead_agency,
                         "variable": v, "from_value": vals[v], "to_value": vals2[v], "ratio_from": r0,
                         "ratio_to": r1, "points_from": pts0, "points_to": pts1, "points_gain": pts1 - pts0,
                         "cost": (pts1 - pts0) * c})
            vals, r0, pts0 = vals2, r1, pts1
    p1.actions = pd.DataFrame(rows, columns=p1.actions.columns)
    p1.cost = float(p1.actions["cost"].sum()) if rows else 0.0
    return p1


def _cost_of(fw, code, costs):
    c = code
    while c is not None:
        if c in costs:
            return float(costs[c])
        c = fw.nodes[c].parent
    return 1.0


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(a)))
