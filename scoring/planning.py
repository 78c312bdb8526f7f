"""Least-cost improvement plans: what one entity must change to reach a rank (top N) or a total.

Pure (numpy, pandas, scipy); solved exactly as a mixed-integer linear programme with
`scipy.optimize.milp` (HiGHS) on the piecewise-linear rules.

Model
-----
*Targets.* Every other entity keeps its current total (or the projected total the caller passes in
`competitor_totals`, entity -> points, which overrides or adds competitors). Ranks are competition
ranks (1, 2, 2, 4) on the 0-1 value rounded like the engine (`RANK_DECIMALS + 3` = 9 decimals of
points / applicable maximum), so the entity reaches rank <= N exactly when its rounded value is >= the
N-th highest rounded value among the others: a tie counts as reaching. `required_points` is that
N-th value expressed in the entity's points. A `target_total` is reached at total >= target - 1e-6.

*Decision.* Per leaf the decision is its new share s (the ratio for ratio rules, the weighted share
for items). Plans are written on RAW VARIABLES: the ratio moves by changing the first numerator
variable that is not also in the denominator (denominators are kept), in whole *steps* of that
variable: 1 when its current value is a whole number (people, households, enterprises are never
fractional), else 10^-d for the d decimals the value is written with (money in tỷ đồng: 0.01).
So s = (num + k·step) / den with k >= 0 steps, and the plan is exactly what the inputs can hold:
no rounding after the fact can fall short of the points or step over a cap.

*Points gained per leaf, as a function of k* (p0 = current points, M = maximum, G = M - p0):
- linear            gain = min(a·k, G) with a = M·step/den       (points = M·min(s, 1))
- threshold t       gain = min(a·k, G) with a = M·step/(t·den)   (points = M·min(s/t, 1))
- count_capped      gain = min(ppe·k, min(cap, M) - p0)          (k = extra events)
  These are concave (linear, then flat). Because cost is charged on points actually gained, the
  flat part must not be paid for, so the gain is modelled exactly: k = k1 + y with k1 integer in
  [0, kf] (kf = whole steps that still earn a full step), y binary = "take the last, partial step to
  the maximum", k1 >= kf·y, gain = a·k1 + (G - a·kf)·y. When a step is worth less than
  `FINE_STEP_POINTS` (1e-4 points; e.g. one person out of 3.6 million), the leaf is modelled by a
  continuous gain g in [0, min(G, a·kmax)] and k = ceil(g/a) afterwards, which overshoots by less
  than 1e-4 points and never crosses the cap (kmax is a whole number of steps).
- all_or_nothing t  gain = G·z, z binary, allowed only when the smallest k reaching t (checked
  with the engine's own arithmetic) is within the caps (r_cur + max_gain >= t, in whole steps).
- weighted_items    one binary per item still at 0 and achievable (`item_achievable`, default
  True): gain = M·weight·z, item 0 -> 1. `max_gain` does not apply to items (they are yes/no
  achievements; `item_achievable` says which can be done); `caps[code]` bounds the new share.
- direct            new points in [current, min(M, caps[code])], continuous, cost on points.
- inverse, sum_of_ratios, tiered: kept at their current points (not planned; they are listed in
  `Plan.notes`). The DTI 2025 framework uses none of them.

*Caps.* Only improvements (k >= 0). `max_gain` (e.g. 0.3) bounds the new ratio by
r_cur + max_gain (+30 percentage points in the year) for part-of-whole ratios, and by
r_cur·(1 + max_gain) (a relative rise of 30 %) when the rule says `part_of_whole = false` (5.2,
enterprises per 1,000 people, whose ratio is not a share: percentage points mean nothing there; a
ratio of 0 then cannot rise). Part-of-whole ratios stay <= 1. `caps[code]` is the largest new ratio
(new share for items, new points for direct, new count for count_capped). `locked` leaves do not
change; leaves that are not applicable to the entity never change. Keys of `caps`,
`cost_per_point` and `locked` may be inner codes ("6" = every leaf of main index 6); the nearest
code wins.

*Growth caps (`max_growth`), the feasibility people think in.* A denominator (population, staff,
households) is a fact, never a lever. The moved numerator variable x may rise at most by a fraction g
in the year: x_new <= x·(1 + g), in whole steps (so a value of 0 cannot start under a % cap; said in
the notes). `max_growth` is one fraction for every lever variable, or a mapping {(code, variable): g}
(or {code: g}); variables missing from a mapping get DEFAULT_GROWTH (+20 %). `growth_from_history`
gives the usual mapping: the growth of each variable between the entity's last two years, floored at
MIN_GROWTH (+10 %) and capped at MAX_HISTORY_GROWTH (+50 %), else DEFAULT_GROWTH. Items stay yes/no
(`item_achievable`); direct points are not capped by growth. Growth caps combine with `max_gain`
and `caps` (the tightest wins).

*Effort (`difficulty`).* When `difficulty` is given ({code: 1..5}, inner codes spread, missing leaves
DEFAULT_DIFFICULTY = 3), the cost of an action is difficulty × the raw change relative to the current
value, Δx / x (Δx / one step when x = 0); an item achieved counts as a relative change of 1; direct
points count Δpoints / maximum. So "+11 % staff on a difficulty-3 indicator" costs 0.33. Without
`difficulty` the legacy cost applies: cost_per_point × points gained (`Plan.effort` says which).

*Objective.* Minimise the cost (above; legacy: Σ cost_per_point[leaf] × points gained) subject to
total_before + Σ gain >= required. Among the cheapest plans a second solve picks one that changes the
fewest indicators (with 1 per point every plan that gains exactly the missing points costs the same;
fewer, larger actions are easier to assign to a lead agency).

*Unreachable.* When everything allowed, maxed, does not reach the target, the plan is
`reachable = False`, `best_reachable_rank` is the rank of that maximum, and the actions are the
cheapest plan to reach that best rank (to the maximal total for a total target).

*Guarantee.* `make_plan` applies its actions to the inputs (`apply_plan`) and scores them again with
`scoring.engine.score`; `Plan.verified` says the entity then reaches the (effective) target. If the
solver's feasibility tolerance left it a hair short, it re-solves with a growing safety margin
(1e-6 .. 1e-3 points) before giving up and saying so in `Plan.notes`.

`whatif_total` is the fast path for interactive what-ifs: new totals and ranks from a ScoreResult's
points matrix and a few changed leaf points, without re-scoring the inputs.

*Several years (`make_years_plan`), the one engine behind the two-year plan (`scoring.plan2y`).* The same
levers, built once per year from today's figures, their columns stated as the cumulative change by that
year; per year the rank boundary against that year's peers; between years each moved figure never falls
and rises at most by its cap from the value PLANNED the year before (x_t <= x_{t-1} + floor(g·x_{t-1}),
in whole steps); items and assessed points never go back; effort = difficulty × (final − today) / today,
charged once on the final state. One exact MILP, so no split of the work between the years is cheaper.

CLI: `python -m scoring plan ...` (see `scoring.cli.cmd_plan`; default: the growth-cap model with the
entity's own history; `--legacy-points-cap` for the old points cap; `--targets Y1:N1,Y2:N2` for two years) writes PLAN.csv
(`indicator,variable,from_value,to_value,points_gain`, then more columns) and exits 0 when the target
is reached, 4 when it is not reachable under the caps, 5 if the re-scoring check failed, 2 on a bad
request.

Why one module: make_plan is one algorithm — the MILP model over the levers, the solve, the check by
re-scoring and the actions it returns — with the growth caps it reads and the fast what-if it checks with.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.engine import (
    InputError,
    ScoreResult,
    normalise_inputs,
    score,
)
from scoring.framework import Framework

from scoring.plan_settings import (ACTION_COLUMNS, DEFAULT_DIFFICULTY, DEFAULT_GROWTH, FINE_STEP_POINTS, MARGINS, MAX_HISTORY_GROWTH, MIN_GROWTH, PLAN_CSV_COLUMNS, PLAN_CSV_EXTRA, RANK_ROUND, TIE_EPS)  # noqa: F401 (read from here too)
from scoring.plan_levers import (
    _build_lever,
    _Lever,
    _Model,
    _per_leaf,
    _rank_against,
    _rounded,
    eval_leaf,
    format_value,
    lever_variable,
)


@dataclass
class Plan:
    entity: str
    year: int
    target_kind: str  # "rank" or "total"
    target: float  # the rank N (top N) or the total asked for
    required_points: float  # total the entity needs (N-th other's value in its points, or the target)
    reachable: bool
    best_reachable_rank: int | None  # rank with everything allowed maxed (set when not reachable)
    total_before: float
    total_after: float
    rank_before: int
    rank_after: int
    cost: float
    actions: pd.DataFrame
    n_ranked: int = 0  # entities ranked that year (the entity included)
    max_total: float = float("nan")  # total with everything allowed maxed
    verified: bool = True  # re-scoring the applied plan reaches the (effective) target
    optimal: bool = True  # the solver proved optimality
    notes: list[str] = field(default_factory=list)
    effort: str = "points"  # "points": cost = cost_per_point × points; "relative": difficulty × Δx / x

    @property
    def target_rank(self) -> int | None:
        return int(self.target) if self.target_kind == "rank" else None

    @property
    def target_total(self) -> float | None:
        return float(self.target) if self.target_kind == "total" else None

    @property
    def points_needed(self) -> float:
        return max(0.0, self.required_points - self.total_before)

    def summary(self) -> str:
        """A few lines for people: before -> after, points, cost, reachability."""
        want = f"top {int(self.target)}" if self.target_kind == "rank" else f"total {self.target:g}"
        lines = [f"{self.entity} {self.year}: target {want}; needs {self.required_points:.3f} points "
                 f"(has {self.total_before:.3f})"]
        if not self.reachable:
            lines.append(f"not reachable under these caps; best reachable rank {self.best_reachable_rank} "
                         f"(max total {self.max_total:.3f})")
        gained = self.total_after - self.total_before
        n_ind = self.actions["indicator"].nunique() if len(self.actions) else 0
        lines.append(f"rank {self.rank_before} -> {self.rank_after} of {self.n_ranked}; total "
                     f"{self.total_before:.3f} -> {self.total_after:.3f} (+{gained:.3f}); cost {self.cost:.3f}; "
                     f"{len(self.actions)} change(s) on {n_ind} indicator(s)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class WhatIf:
    entity: str
    year: int
    total_before: float
    total_after: float
    rank_before: int
    rank_after: int
    n_ranked: int


def _entity_values(inputs_long: pd.DataFrame, entity: str, year: int) -> dict[tuple[str, str], float]:
    df, _ = normalise_inputs(inputs_long)
    ent = df["entity"].astype(str)
    sub = df.loc[(ent == entity).to_numpy() & (df["year"].to_numpy() == year)]
    return {(str(i), str(v)): float(x) for i, v, x in zip(sub["indicator"], sub["variable"], sub["value"])}


def _others(result: ScoreResult, entity: str, year: int, competitor_totals: pd.Series | None) -> pd.Series:
    """Values (points / applicable max) of the other entities of the year, overrides applied."""
    rows = result.rows
    mask = (rows["year"].to_numpy() == year) & (rows["entity"].astype(str).to_numpy() != entity)
    names = rows["entity"].astype(str).to_numpy()[mask]
    pts, amax = result.points[mask, 0], result.applicable_max[mask, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = pd.Series(np.where(amax > 0, pts / amax, np.nan), index=names, dtype=float)
    if competitor_totals is not None:
        amax_of = dict(zip(names, amax))
        for name, total in competitor_totals.items():
            name = str(name).strip()
            if name == entity:
                continue
            a = amax_of.get(name, result.framework.max_points)
            vals[name] = float(total) / a if a and total is not None and not pd.isna(total) else np.nan
    return vals


def make_plan(framework: Framework, inputs_long: pd.DataFrame, entity: str, year: int, *,
              target_rank: int | None = None, target_total: float | None = None,
              max_gain: float | None = None, cost_per_point: dict[str, float] | None = None,
              caps: dict[str, float] | None = None, locked: set[str] | None = None,
              item_achievable: dict[tuple[str, str], bool] | None = None,
              competitor_totals: pd.Series | None = None,
              max_growth: float | dict | None = None,
              difficulty: dict[str, float] | None = None) -> Plan:
    """The cheapest set of input changes that brings `entity` in `year` to `target_rank` or `target_total`.

    See the module docstring for the model. Raises ValueError for a bad request and InputError when
    the entity's own inputs do not score.
    """
    if (target_rank is None) == (target_total is None):
        raise ValueError("give exactly one of target_rank and target_total")
    if target_rank is not None and int(target_rank) < 1:
        raise ValueError(f"target_rank must be 1 or more (got {target_rank})")
    if max_gain is not None and max_gain < 0:
        raise ValueError(f"max_gain must not be negative (got {max_gain})")
    entity, year = str(entity).strip(), int(year)
    costs = _per_leaf(framework, cost_per_point, "cost_per_point")
    if any(c < 0 or not math.isfinite(c) for c in costs.values()):
        raise ValueError("cost_per_point values must be finite and not negative")
    caps_leaf = _per_leaf(framework, caps, "caps")
    locked_leaf = set(_per_leaf(framework, {c: True for c in (locked or ())}, "locked"))
    achievable = dict(item_achievable or {})
    if isinstance(max_growth, dict):
        growth_of = {(str(k[0]), str(k[1])) if isinstance(k, tuple) else (str(k), None): float(v)
                     for k, v in max_growth.items()}
        if any(g < 0 or not math.isfinite(g) for g in growth_of.values()):
            raise ValueError("max_growth values must be finite and not negative")
    else:
        if max_growth is not None and (max_growth < 0 or not math.isfinite(max_growth)):
            raise ValueError(f"max_growth must not be negative (got {max_growth})")
        growth_of = {}
    diff_leaf = None
    if difficulty is not None:
        diff_leaf = {leaf.code: DEFAULT_DIFFICULTY for leaf in framework.leaves}
        diff_leaf.update(_per_leaf(framework, difficulty, "difficulty"))
        if any(d <= 0 or not math.isfinite(d) for d in diff_leaf.values()):
            raise ValueError("difficulty values must be finite and positive")

    def growth_for(code: str) -> float | None:
        if not isinstance(max_growth, dict):
            return None if max_growth is None else float(max_growth)
        var = lever_variable(framework.nodes[code])
        if (code, var) in growth_of:
            return growth_of[(code, var)]
        return growth_of.get((code, None), DEFAULT_GROWTH)

    base = score(framework, inputs_long, strict=False)
    rows = base.rows
    hit = np.flatnonzero((rows["entity"].astype(str).to_numpy() == entity) & (rows["year"].to_numpy() == year))
    if not len(hit):
        known = sorted(rows.loc[rows["year"] == year, "entity"].astype(str))
        raise ValueError(f"no inputs for {entity!r} in {year} (entities that year: {', '.join(known) or 'none'})")
    r = int(hit[0])
    total_before, amax_e = float(base.points[r, 0]), float(base.applicable_max[r, 0])
    if not math.isfinite(total_before):
        own = [p for p in base.problems if p.entity == entity and p.year == year]
        raise InputError(own or [])
    raw = _entity_values(inputs_long, entity, year)
    others = _others(base, entity, year, competitor_totals)
    other_vals = others.to_numpy(dtype=float)
    n_ranked = int(np.count_nonzero(~np.isnan(other_vals))) + 1
    rank_before = _rank_against(total_before / amax_e, other_vals)

    # levers
    notes: list[str] = []
    levers: list[_Lever] = []
    pos = {c: i for i, c in enumerate(base.codes)}
    for leaf in framework.leaves:
        if leaf.code in locked_leaf:
            continue
        if base.applicable_max[r, pos[leaf.code]] <= 0:
            continue  # not applicable to this entity
        values = {v: raw.get((leaf.code, v), np.nan) for v in leaf.variable_names()}
        p0 = float(base.points[r, pos[leaf.code]])
        g = growth_for(leaf.code) if leaf.rule["type"] not in ("weighted_items", "direct") else None
        lv = _build_lever(leaf, values, year, p0, float(costs.get(leaf.code, 1.0)), max_gain=max_gain,
                          cap=caps_leaf.get(leaf.code), achievable=achievable, growth=g,
                          difficulty=None if diff_leaf is None else float(diff_leaf[leaf.code]))
        if not isinstance(lv, str):
            lv.growth = g
            if g is not None and getattr(lv, "x0", None) == 0.0 and leaf.rule["type"] != "direct":
                notes.append(f"{leaf.code}: {lv.var} is 0; a growth cap in % cannot start it (not planned)")
        if isinstance(lv, str):
            notes.append(lv)
        elif lv.useful:
            levers.append(lv)
    model = _Model(levers)

    # target -> required total and the "reached" test (engine-consistent ties)
    exact = np.sort(other_vals[~np.isnan(other_vals)])[::-1]
    rounded = _rounded(exact)

    def rank_boundary(n: int, for_solver: bool = False) -> float:
        """Total the entity needs for rank <= n: the n-th other's value in the entity's points.

        For the solver, the lowest total that the engine's rounding still ties with the n-th value:
        anything >= the smallest exact value rounding to it, or >= 0.49e-9 below the rounded value.
        """
        if n > len(exact):
            return -math.inf
        if not for_solver:
            return float(exact[n - 1]) * amax_e
        v = rounded[n - 1]
        return min(float(exact[rounded == v].min()), float(v) - 0.49 * 10.0 ** -RANK_ROUND) * amax_e

    def reaches(total: float, kind: str, goal: float) -> bool:
        if kind == "rank":
            return _rank_against(total / amax_e, other_vals) <= goal
        return total >= goal - TIE_EPS

    if target_rank is not None:
        kind, goal = "rank", int(target_rank)
        required = rank_boundary(goal)
    else:
        kind, goal = "total", float(target_total)
        required = goal
    max_gain_pts, _ = model.max_gain()
    max_total = total_before + max_gain_pts
    reachable = reaches(total_before, kind, goal) or reaches(max_total, kind, goal)
    best_rank = None
    eff_kind, eff_goal = kind, goal
    if not reachable:
        best_rank = _rank_against(max_total / amax_e, other_vals)
        if kind == "rank":
            eff_goal = best_rank
        else:
            eff_goal = max_total - 0.5 * TIE_EPS  # as close as the caps allow: everything maxed

    def eff_need() -> float:
        if eff_kind == "rank":
            b = rank_boundary(eff_goal, for_solver=True)
            return -math.inf if not math.isfinite(b) else b - total_before
        return eff_goal - total_before

    empty = pd.DataFrame(columns=ACTION_COLUMNS)
    plan = Plan(entity=entity, year=year, target_kind=kind, target=goal,
                required_points=float(required) if math.isfinite(required) else 0.0,
                reachable=reachable, best_reachable_rank=best_rank, total_before=total_before,
                total_after=total_before, rank_before=rank_before, rank_after=rank_before, cost=0.0,
                actions=empty, n_ranked=n_ranked, max_total=max_total, notes=notes,
                effort="points" if diff_leaf is None else "relative")
    if reaches(total_before, eff_kind, eff_goal):
        return plan

    need = eff_need()
    for margin in MARGINS:
        x, optimal = model.cheapest(need + margin)
        if x is None:
            plan.verified = False
            plan.notes.append("the solver found no plan (unexpected; the maximum said it was reachable)")
            return plan
        plan.actions = _actions(model, x)
        plan.optimal = optimal
        plan.cost = float(plan.actions["cost"].sum()) if len(plan.actions) else 0.0
        after = score(framework, apply_plan(inputs_long, plan), strict=False)
        ra = np.flatnonzero((after.rows["entity"].astype(str).to_numpy() == entity)
                            & (after.rows["year"].to_numpy() == year))[0]
        plan.total_after = float(after.points[ra, 0])
        if competitor_totals is None:
            plan.rank_after = int(after.rank_of(after.codes[0])[ra])
        else:
            plan.rank_after = _rank_against(plan.total_after / float(after.applicable_max[ra, 0]), other_vals)
        ok = plan.rank_after <= eff_goal if eff_kind == "rank" else plan.total_after >= eff_goal - TIE_EPS
        if ok:
            plan.verified = True
            if margin > 0:
                plan.notes.append(f"re-solved with a safety margin of {margin:g} points")
            break
        plan.verified = False
    if not plan.verified:
        plan.notes.append("applying the plan and scoring again does NOT reach the target "
                          "(rounding of the inputs broke the guarantee); check the plan by hand")
    if not plan.optimal:
        plan.notes.append("the solver stopped before proving optimality (time limit)")
    return plan


def _actions(model: _Model, x: np.ndarray) -> pd.DataFrame:
    out = []
    for lv, off in zip(model.levers, model.offsets):
        changes = lv.decode(x[off: off + len(lv.cols)])
        if not changes:
            continue
        values = dict(lv.values)
        ratio, pts = eval_leaf(lv.leaf, values, lv.year)
        for var, new in changes:
            old = values[var]
            values[var] = new
            ratio2, pts2 = eval_leaf(lv.leaf, values, lv.year)
            out.append({"indicator": lv.leaf.code, "name_vi": lv.leaf.name_vi, "lead_agency": lv.leaf.lead_agency,
                        "variable": var, "from_value": float(old), "to_value": float(new),
                        "ratio_from": ratio, "ratio_to": ratio2, "points_from": pts, "points_to": pts2,
                        "points_gain": pts2 - pts, "cost": lv.action_cost(var, old, new, pts2 - pts),
                        "max_to_value": lv.max_value(var), "growth_cap": lv.growth})
            ratio, pts = ratio2, pts2
    if not out:
        return pd.DataFrame(columns=ACTION_COLUMNS)
    return pd.DataFrame(out, columns=ACTION_COLUMNS)


def apply_plan(inputs_long: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The inputs with the plan's actions applied to the plan's entity and year (a new frame)."""
    out = inputs_long.copy()
    if plan.actions is None or plan.actions.empty:
        return out
    numeric = pd.api.types.is_numeric_dtype(out["value"])
    if numeric and not pd.api.types.is_float_dtype(out["value"]):
        out["value"] = out["value"].astype("float64")
    ent = out["entity"].astype(str).str.strip().to_numpy()
    yr = pd.to_numeric(out["year"], errors="coerce").to_numpy()
    ind = out["indicator"].astype(str).str.strip().to_numpy()
    var = out["variable"].astype(str).str.strip().to_numpy()
    base = (ent == plan.entity) & (yr == plan.year)
    added = []
    for a in plan.actions.itertuples(index=False):
        new = float(a.to_value) if numeric else format_value(a.to_value)
        m = base & (ind == str(a.indicator)) & (var == str(a.variable))
        if m.any():
            out.loc[m, "value"] = new
            if "not_applicable" in out.columns:
                out.loc[m, "not_applicable"] = False
        else:
            added.append({"entity": plan.entity, "year": plan.year, "indicator": a.indicator,
                          "variable": a.variable, "value": new})
    if added:
        out = pd.concat([out, pd.DataFrame(added)], ignore_index=True)
    return out


def growth_from_history(framework: Framework, inputs_long: pd.DataFrame, entity: str, year: int, *,
                        minimum: float = MIN_GROWTH, maximum: float = MAX_HISTORY_GROWTH,
                        default: float = DEFAULT_GROWTH) -> pd.DataFrame:
    """The largest yearly rise allowed for each variable a plan moves, from the entity's own history.

    For every leaf with a lever variable (`lever_variable`): the growth of that variable between the
    last two years the entity has it (years <= `year`), floored at `minimum` and capped at `maximum`;
    `default` where fewer than two years exist or the earlier value is not positive. Columns: indicator, variable, growth,
    source ("history" | "default"), year_from, year_to, value_from, value_to.
    """
    df, _ = normalise_inputs(inputs_long)
    sub = df.loc[(df["entity"].astype(str) == str(entity)).to_numpy() & (df["year"].to_numpy() <= int(year))]
    sub = sub.loc[sub["value"].notna()]
    by_key = {}
    for (ind, var), g in sub.groupby(["indicator", "variable"], sort=False):
        g = g.sort_values("year")
        by_key[(str(ind), str(var))] = (g["year"].to_numpy(), g["value"].to_numpy(dtype=float))
    rows = []
    for leaf in framework.leaves:
        var = lever_variable(leaf)
        if var is None or leaf.rule["type"] == "direct":
            continue
        years, vals = by_key.get((leaf.code, var), (np.array([]), np.array([])))
        row = {"indicator": leaf.code, "variable": var, "growth": float(default), "source": "default",
               "year_from": None, "year_to": None, "value_from": np.nan, "value_to": np.nan}
        if len(years) >= 2 and vals[-2] > 0:
            g = float(vals[-1] / vals[-2] - 1.0)
            row.update(growth=min(float(maximum), max(float(minimum), g)), source="history", year_from=int(years[-2]),
                       year_to=int(years[-1]), value_from=float(vals[-2]), value_to=float(vals[-1]))
        rows.append(row)
    return pd.DataFrame(rows, columns=["indicator", "variable", "growth", "source", "year_from", "year_to",
                                       "value_from", "value_to"])


def growth_caps(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """`growth_from_history` as the `max_growth` mapping make_plan takes."""
    return {(str(i), str(v)): float(g) for i, v, g in zip(table["indicator"], table["variable"], table["growth"])}


def whatif_total(framework: Framework, base_result: ScoreResult, entity: str, year: int,
                 changed_leaf_points: dict[str, float]) -> WhatIf:
    """New total and rank of one entity-year when some of its leaves score `changed_leaf_points`.

    Works on the ScoreResult's points matrix (no re-scoring): the total moves by the change in the
    leaves' points (each clipped to [0, max]); the rank is the competition rank among that year's
    entities, rounded like the engine. Other entities are unchanged.
    """
    rows = base_result.rows
    years = rows["year"].to_numpy()
    in_year = np.flatnonzero(years == int(year))
    names = rows["entity"].to_numpy()[in_year].astype(str)
    hit = np.flatnonzero(names == str(entity))
    if not len(hit):
        raise ValueError(f"no scores for {entity!r} in {year}")
    r = int(in_year[hit[0]])
    codes = base_result.codes
    delta = 0.0
    for code, pts in changed_leaf_points.items():
        node = framework.nodes.get(code)
        if node is None or not node.is_leaf:
            raise ValueError(f"{code!r} is not a leaf of framework {framework.id}")
        j = codes.index(code)
        old = base_result.points[r, j]
        if np.isnan(old):
            raise ValueError(f"{entity} {year} {code}: the leaf has no points (not applicable or missing)")
        delta += float(np.clip(pts, 0.0, node.max_points)) - float(old)
    total_before = float(base_result.points[r, 0])
    total_after = total_before + delta
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = base_result.points[in_year, 0] / base_result.applicable_max[in_year, 0]
    others = np.delete(vals, hit[0])
    amax = float(base_result.applicable_max[r, 0])
    return WhatIf(entity=str(entity), year=int(year), total_before=total_before, total_after=total_after,
                  rank_before=_rank_against(total_before / amax, others),
                  rank_after=_rank_against(total_after / amax, others),
                  n_ranked=int(np.count_nonzero(~np.isnan(vals))))


def actions_csv_frame(actions: pd.DataFrame, entity: str, year=None) -> pd.DataFrame:
    """One CSV row per action, the same columns for a one-year and a several-year plan: the year (`year`, or the
    actions' own `year` column), indicator, variable, from_value, to_value, points_gain, then the extra columns."""
    a = actions
    return pd.DataFrame({
        "indicator": a["indicator"].astype(str),
        "variable": a["variable"].astype(str),
        "from_value": [format_value(v) for v in a["from_value"]],
        "to_value": [format_value(v) for v in a["to_value"]],
        "points_gain": a["points_gain"].astype(float).round(6),
        "entity": entity,
        "year": a["year"].astype(int) if year is None else year,
        "name_vi": a["name_vi"],
        "lead_agency": a["lead_agency"],
        "ratio_from": a["ratio_from"].astype(float).round(9),
        "ratio_to": a["ratio_to"].astype(float).round(9),
        "points_from": a["points_from"].astype(float).round(6),
        "points_to": a["points_to"].astype(float).round(6),
        "cost": a["cost"].astype(float).round(6),
        "max_to_value": [format_value(v) if pd.notna(v) else "" for v in a["max_to_value"]],
        "growth_cap": a["growth_cap"].astype(float).round(6),
    })


def plan_to_csv_frame(plan: Plan) -> pd.DataFrame:
    """PLAN.csv rows: indicator, variable, from_value, to_value, points_gain, then the extra columns."""
    return actions_csv_frame(plan.actions, plan.entity, plan.year)[PLAN_CSV_COLUMNS + PLAN_CSV_EXTRA]


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send file descriptor 1 to stderr for a while (CLI only: stdout may carry PLAN.csv)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreters)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


YEARS_ACTION_COLUMNS = ["year"] + ACTION_COLUMNS




LEAD_PLACEHOLDERS = {"", "cơ quan chủ trì chưa xác định trong văn bản", "chưa có cơ quan chủ trì"}
