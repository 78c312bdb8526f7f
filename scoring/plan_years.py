"""Plans over several years as one exact calculation (scoring.planning's engine): each figure rises at most its
yearly cap from the value planned for the year before, denominators never move, every year is applied and scored
again to check it reaches its target. The two-year plan page, its annex, the briefing and `python -m scoring
plan --targets` use it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.engine import (
    InputError,
    normalise_inputs,
    score,
)
from scoring.framework import Framework, Node
from scoring.plan_levers import (
    _build_lever,
    _growth_kmax,
    _per_leaf,
    _rank_against,
    _rounded,
    eval_leaf,
    lever_variable,
)
from scoring.plan_settings import (UNASSIGNED_LEAD, 
    DEFAULT_DIFFICULTY,
    DEFAULT_GROWTH,
    MARGINS,
    MIP_OPTIONS,
    RANK_ROUND,
)
from scoring.planning import (
    LEAD_PLACEHOLDERS,
    YEARS_ACTION_COLUMNS,
    Plan,
    _entity_values,
    _others,
    apply_plan,
)


def lead_or_unassigned(lead: str | None) -> str:
    """The lead agency, or UNASSIGNED_LEAD when the framework names none (empty or a placeholder):
    an action never goes to a non-agency."""
    text = str(lead or "").strip()
    return UNASSIGNED_LEAD if text.lower() in LEAD_PLACEHOLDERS else text


def history_basis(inputs: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    """The rows a province's own pace may be read from: SAMPLE rows never set the pace of real data.

    When the entity's figures of `year` are not all SAMPLE (`flag` column), SAMPLE rows are left out
    (a real 2025 against a sample 2024 is no pace at all); SAMPLE figures are compared with SAMPLE."""
    if "flag" not in inputs.columns:
        return inputs
    own = inputs.loc[(inputs["entity"].astype(str) == str(entity))
                     & (pd.to_numeric(inputs["year"], errors="coerce") == int(year))]
    if len(own) and (own["flag"].astype(str) == "sample").all():
        return inputs
    return inputs.loc[inputs["flag"].astype(str) != "sample"]


@dataclass
class YearsPlan:
    """One plan over several years (`make_years_plan`): the actions of each year (column `year`)."""
    entity: str
    years: tuple
    targets: tuple  # rank asked for each year
    reachable: bool  # every year's target reached under the caps
    best_ranks: tuple  # with every figure at its cap each year
    total_before: tuple  # the entity's total today, as each year's rules score it
    total_after: tuple
    rank_before: tuple
    rank_after: tuple
    cost: float
    actions: pd.DataFrame  # YEARS_ACTION_COLUMNS
    verified: bool = True
    optimal: bool = True
    notes: list[str] = field(default_factory=list)


def _boundary(exact_desc: np.ndarray, amax: float, n: int, for_solver: bool) -> float:
    """Total needed for rank <= n among others' values (sorted descending), engine-consistent ties."""
    if n > len(exact_desc):
        return -math.inf
    if not for_solver:
        return float(exact_desc[n - 1]) * amax
    rounded = _rounded(exact_desc)
    v = rounded[n - 1]
    return min(float(exact_desc[rounded == v].min()), float(v) - 0.49 * 10.0 ** -RANK_ROUND) * amax


def make_years_plan(framework: Framework, inputs_long: pd.DataFrame, entity: str, years, targets, *,
                    peers=None, max_growth: float | dict | None = None, difficulty: dict | None = None,
                    locked: set[str] | None = None,
                    item_achievable: dict[tuple[str, str], bool] | None = None) -> YearsPlan:
    """The least-effort plan reaching rank <= targets[i] in years[i], for every i, in one exact MILP.

    Model (the plan page's, over several years): denominators are facts and never move; each moved
    numerator rises in a year by at most its yearly cap (`max_growth`: one fraction, a mapping as from
    `growth_caps(growth_from_history(...))`, missing figures DEFAULT_GROWTH), counted from the value the
    year before PLANNED (year 2's cap starts from year 1's planned value); items are yes/no
    (`item_achievable`); effort = difficulty (1–5, default 3) × the rise relative to today's value, so
    the plan's effort is that of its final state. `inputs_long` holds years[0] of the entity and its
    peers; later years are scored on the entity's figures relabelled to that year (each year's rules)
    against `peers[i]` (entity -> projected total; required for i >= 1; peers[0] may override year 1's).
    Every year is applied and scored again (`verified`)."""
    years = [int(y) for y in years]
    targets = [int(t) for t in targets]
    if len(years) != len(targets) or not years:
        raise ValueError("give one target per year")
    if any(b <= a for a, b in zip(years, years[1:])):
        raise ValueError(f"years must increase (got {years})")
    if any(t < 1 for t in targets):
        raise ValueError(f"targets must be 1 or more (got {targets})")
    peers = list(peers or [None] * len(years))
    peers += [None] * (len(years) - len(peers))
    if any(p is None for p in peers[1:]):
        raise ValueError("give the projected totals of the peers for every year after the first")
    entity = str(entity).strip()
    T = len(years)
    locked_leaf = set(_per_leaf(framework, {c: True for c in (locked or ())}, "locked"))
    achievable = dict(item_achievable or {})
    diff_leaf = {leaf.code: DEFAULT_DIFFICULTY for leaf in framework.leaves}
    diff_leaf.update(_per_leaf(framework, difficulty, "difficulty"))
    if any(d <= 0 or not math.isfinite(d) for d in diff_leaf.values()):
        raise ValueError("difficulty values must be finite and positive")
    if isinstance(max_growth, dict):
        growth_of = {(str(k[0]), str(k[1])) if isinstance(k, tuple) else (str(k), None): float(v)
                     for k, v in max_growth.items()}
    else:
        g_all = DEFAULT_GROWTH if max_growth is None else float(max_growth)
        growth_of = {}
    if any(g < 0 or not math.isfinite(g) for g in growth_of.values()) or (
            not isinstance(max_growth, dict) and (g_all < 0 or not math.isfinite(g_all))):
        raise ValueError("max_growth values must be finite and not negative")

    def growth_for(leaf: Node) -> float | None:
        if leaf.rule["type"] in ("weighted_items", "direct"):
            return None
        if not isinstance(max_growth, dict):
            return g_all
        var = lever_variable(leaf)
        return growth_of.get((leaf.code, var), growth_of.get((leaf.code, None), DEFAULT_GROWTH))

    # every year: the start state scored with that year's rules, the others, the levers
    raw = _entity_values(inputs_long, entity, years[0])
    if not raw:
        df, _ = normalise_inputs(inputs_long)
        known = sorted(set(df.loc[df["year"] == years[0], "entity"].astype(str)))
        raise ValueError(f"no inputs for {entity!r} in {years[0]} (entities that year: {', '.join(known) or 'none'})")
    own0 = _own_rows(inputs_long, entity, years[0])
    states, totals0, amaxes, others, levers = [], [], [], [], []
    for t, year in enumerate(years):
        inp = inputs_long if t == 0 else own0.assign(year=year)
        base = score(framework, inp, strict=False)
        r = int(np.flatnonzero((base.rows["entity"].astype(str).to_numpy() == entity)
                               & (base.rows["year"].to_numpy() == year))[0])
        total, amax = float(base.points[r, 0]), float(base.applicable_max[r, 0])
        if not math.isfinite(total):
            raise InputError([p for p in base.problems if p.entity == entity] or [])
        totals0.append(total)
        amaxes.append(amax)
        vals = _others(base, entity, year, peers[t]).to_numpy(dtype=float)
        others.append(vals)
        pos = {c: i for i, c in enumerate(base.codes)}
        lv_t = {}
        for leaf in framework.leaves:
            if leaf.code in locked_leaf or base.applicable_max[r, pos[leaf.code]] <= 0:
                continue
            values = {v: raw.get((leaf.code, v), np.nan) for v in leaf.variable_names()}
            g = growth_for(leaf)
            lv = _build_lever(leaf, values, year, float(base.points[r, pos[leaf.code]]), 1.0, max_gain=None,
                              cap=None, achievable=achievable, growth=g, difficulty=float(diff_leaf[leaf.code]),
                              years=t + 1, partial=True)
            if not isinstance(lv, str):
                lv.growth = g
                lv_t[leaf.code] = lv
        levers.append(lv_t)
        states.append(base)
    codes = [c for c in levers[-1] if any(levers[t].get(c) is not None and levers[t][c].useful for t in range(T))]
    notes = sorted({f"{c}: {getattr(levers[0][c], 'var', '')} is 0; a growth cap in % cannot start it (not planned)"
                    for c in levers[0] if getattr(levers[0][c], "x0", None) == 0.0 and levers[0][c].growth is not None})

    # columns: year-major, leaf, the lever's own columns
    offs, n = {}, 0
    for t in range(T):
        for c in codes:
            lv = levers[t].get(c)
            offs[(t, c)] = n
            n += len(lv.cols) if lv is not None else 0
    lb, ub, integ = np.zeros(n), np.zeros(n), np.zeros(n, dtype=int)
    gain_rows, cost = np.zeros((T, n)), np.zeros(n)
    rows, lo, hi = [], [], []

    def raw_row(t, c):
        row = np.zeros(n)
        lv = levers[t].get(c)
        if lv is not None:
            for j in range(len(lv.cols)):
                row[offs[(t, c)] + j] = lv.raw[j]
        return row

    for t in range(T):
        for c in codes:
            lv, off = levers[t].get(c), offs[(t, c)]
            if lv is None:
                continue
            for j, (a, b, i) in enumerate(lv.cols):
                lb[off + j], ub[off + j], integ[off + j] = a, b, i
            for j, coef in lv.gain:
                gain_rows[t, off + j] = coef
                if t == T - 1:
                    cost[off + j] = lv.col_cost(j)
            for row, a, b in lv.dense_rows(off, n):
                rows.append(row)
                lo.append(a)
                hi.append(b)
    for t in range(1, T):
        for c in codes:
            prev, cur = levers[t - 1].get(c), levers[t].get(c)
            if cur is None:
                continue
            if hasattr(cur, "x0"):  # a moved figure: never falls, and rises within the cap from last year's plan
                rows.append(raw_row(t, c) - raw_row(t - 1, c))
                lo.append(0.0)
                hi.append(np.inf)
                g = cur.growth
                if g is not None:
                    slack = g * cur.x0 + 1e-7 * cur.step
                    if getattr(cur, "fine", False):
                        slack -= cur.step  # the continuous gain is rounded up to a whole step afterwards
                    rows.append(raw_row(t, c) - (1.0 + g) * raw_row(t - 1, c))
                    lo.append(-np.inf)
                    hi.append(slack)
            elif prev is not None and len(prev.cols) == len(cur.cols):  # items, assessed points: kept
                for j in range(len(cur.cols)):
                    row = np.zeros(n)
                    row[offs[(t, c)] + j], row[offs[(t - 1, c)] + j] = 1.0, -1.0
                    rows.append(row)
                    lo.append(0.0)
                    hi.append(np.inf)

    def solve(c_vec, extra):
        A = rows + [r for r, _, _ in extra]
        L = lo + [a for _, a, _ in extra]
        H = hi + [b for _, _, b in extra]
        cons = [LinearConstraint(np.vstack(A), np.array(L, dtype=float), np.array(H, dtype=float))] if A else []
        return milp(c=c_vec, integrality=integ, bounds=Bounds(lb, ub), constraints=cons, options=MIP_OPTIONS)

    # the best each year can do: every figure at its cap every year (one solve maximises them all)
    if n:
        res = solve(-gain_rows.sum(axis=0), [])
        max_gain = gain_rows @ res.x if res.x is not None else np.zeros(T)
    else:
        max_gain = np.zeros(T)
    best = tuple(_rank_against((totals0[t] + max_gain[t]) / amaxes[t], others[t]) for t in range(T))
    rank0 = tuple(_rank_against(totals0[t] / amaxes[t], others[t]) for t in range(T))
    reachable = all(b <= g for b, g in zip(best, targets))
    goals = [min(max(g, b), len(others[t]) + 1) if b > g else g for t, (g, b) in enumerate(zip(targets, best))]
    desc = [np.sort(o[~np.isnan(o)])[::-1] for o in others]
    need = [_boundary(desc[t], amaxes[t], goals[t], True) - totals0[t] for t in range(T)]
    plan = YearsPlan(entity, tuple(years), tuple(targets), reachable, best, tuple(totals0), tuple(totals0), rank0,
                     rank0, 0.0, pd.DataFrame(columns=YEARS_ACTION_COLUMNS), notes=notes)
    if not reachable:
        plan.notes.append("not every year's target is reachable under the yearly caps; the plan reaches the "
                          f"best ranks {list(best)}")
    if all(nd <= 0 for nd in need):
        return plan
    for margin in MARGINS:
        extra = [(gain_rows[t], need[t] + margin, np.inf) for t in range(T) if math.isfinite(need[t])]
        res = solve(cost, extra)
        if res.x is None:
            plan.verified = False
            plan.notes.append("the solver found no plan (unexpected; the maximum said it was reachable)")
            return plan
        plan.optimal = res.status == 0
        plan.actions = _years_actions(framework, levers, codes, offs, res.x, years, raw)
        plan.cost = float(plan.actions["cost"].sum()) if len(plan.actions) else 0.0
        after, ok = [], True
        state = inputs_long
        for t, year in enumerate(years):
            acts = plan.actions.loc[plan.actions["year"] == year]
            if t == 0:
                state = apply_plan(inputs_long, _as_plan(entity, year, acts))
                scored_in = state
            else:
                prev_own = _own_rows(state, entity, years[t - 1]).assign(year=year)
                state = apply_plan(prev_own, _as_plan(entity, year, acts))
                scored_in = state
            res_t = score(framework, scored_in, strict=False)
            ra = int(np.flatnonzero((res_t.rows["entity"].astype(str).to_numpy() == entity)
                                    & (res_t.rows["year"].to_numpy() == year))[0])
            tot = float(res_t.points[ra, 0])
            rk = _rank_against(tot / float(res_t.applicable_max[ra, 0]), others[t])
            after.append((tot, rk))
            ok = ok and rk <= goals[t]
        plan.total_after = tuple(a for a, _ in after)
        plan.rank_after = tuple(b for _, b in after)
        plan.verified = ok
        if ok:
            if margin > 0:
                plan.notes.append(f"re-solved with a safety margin of {margin:g} points")
            break
    if not plan.verified:
        plan.notes.append("applying the plan and scoring again does NOT reach the targets; check the plan by hand")
    if not plan.optimal:
        plan.notes.append("the solver stopped before proving optimality (time limit)")
    return plan


def _own_rows(inputs_long: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    m = (inputs_long["entity"].astype(str).str.strip() == entity) & (pd.to_numeric(inputs_long["year"]) == year)
    return inputs_long.loc[m]


def _as_plan(entity: str, year: int, actions: pd.DataFrame) -> Plan:
    return Plan(entity=entity, year=year, target_kind="total", target=0.0, required_points=0.0, reachable=True,
                best_reachable_rank=None, total_before=0.0, total_after=0.0, rank_before=0, rank_after=0, cost=0.0,
                actions=actions)


def _years_actions(framework, levers, codes, offs, x, years, raw) -> pd.DataFrame:
    """Each year's changes from the year before's planned values, each within its cap from there."""
    out = []
    for c in codes:
        leaf = framework.nodes[c]
        prev_vals = {v: raw.get((c, v), np.nan) for v in leaf.variable_names()}
        for t, year in enumerate(years):
            lv = levers[t].get(c)
            if lv is None:
                continue
            off = offs[(t, c)]
            cur = dict(prev_vals)
            for var, new in lv.decode(x[off: off + len(lv.cols)]):
                cur[var] = max(new, prev_vals[var]) if hasattr(lv, "x0") else new
            if hasattr(lv, "x0") and lv.growth is not None:  # whole steps within the cap from last year's plan
                k_prev = int(round((prev_vals[lv.var] - lv.x0) / lv.step))
                k_max = k_prev + _growth_kmax(prev_vals[lv.var], lv.step, lv.growth)
                cur[lv.var] = min(cur[lv.var], round(lv.x0 + k_max * lv.step, lv.dec))
            changed = [v for v in leaf.variable_names() if not _close(prev_vals.get(v), cur.get(v))]
            vals = dict(prev_vals)
            ratio, pts = eval_leaf(leaf, vals, year)
            for var in changed:
                old = vals[var]
                vals[var] = cur[var]
                ratio2, pts2 = eval_leaf(leaf, vals, year)
                cap_to = float("nan")
                if hasattr(lv, "x0") and lv.growth is not None and var == lv.var:
                    cap_to = round(old + _growth_kmax(old, lv.step, lv.growth) * lv.step, lv.dec)
                out.append({"year": year, "indicator": c, "name_vi": leaf.name_vi, "lead_agency": leaf.lead_agency,
                            "variable": var, "from_value": float(old), "to_value": float(vals[var]),
                            "ratio_from": ratio, "ratio_to": ratio2, "points_from": pts, "points_to": pts2,
                            "points_gain": pts2 - pts, "cost": lv.action_cost(var, old, vals[var], pts2 - pts),
                            "max_to_value": cap_to, "growth_cap": getattr(lv, "growth", None)})
                ratio, pts = ratio2, pts2
            prev_vals = vals
    if not out:
        return pd.DataFrame(columns=YEARS_ACTION_COLUMNS)
    df = pd.DataFrame(out, columns=YEARS_ACTION_COLUMNS)
    return df.sort_values(["year"], kind="stable").reset_index(drop=True)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-12 * max(1.0, abs(a))
