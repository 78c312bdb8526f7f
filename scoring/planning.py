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
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.engine import RANK_DECIMALS, InputError, ScoreResult, normalise_inputs, score
from scoring.framework import Framework, Node
from scoring.rules import RULES, RuleContext, resolve_param

RANK_ROUND = RANK_DECIMALS + 3  # the engine ranks values rounded to this many decimals
TIE_EPS = 1e-6  # points: a target total is reached at total >= target - TIE_EPS
FINE_STEP_POINTS = 1e-4  # a step worth less than this is modelled as continuous (then rounded up)
MAX_DECIMALS = 6  # finest step of a non-whole variable
MARGINS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3)  # extra points asked of the solver when a check fails
MIP_OPTIONS = {"mip_rel_gap": 1e-9, "time_limit": 60.0}
# The "fewest indicators" stage only chooses among plans of optimal cost: any solution it has when
# the time is up is still a cheapest plan, so it gets a short limit.
FEWEST_OPTIONS = {"mip_rel_gap": 1e-9, "time_limit": 2.0}
UNPLANNED_RULES = {"inverse", "sum_of_ratios", "tiered", "capped_sum"}

ACTION_COLUMNS = ["indicator", "name_vi", "lead_agency", "variable", "from_value", "to_value",
                  "ratio_from", "ratio_to", "points_from", "points_to", "points_gain", "cost",
                  "max_to_value", "growth_cap"]
# Feasibility on raw variables (the plan a steering committee can accept):
MIN_GROWTH = 0.10  # the province's own growth is floored at +10 % a year
MAX_HISTORY_GROWTH = 0.50  # ... and capped at +50 % a year (one odd year is not a pace to plan on)
DEFAULT_GROWTH = 0.20  # +20 % a year where the province has no two years of the variable
DEFAULT_DIFFICULTY = 3.0  # difficulty 1 (easy) .. 5 (hard) per indicator, set by the office
PLAN_CSV_COLUMNS = ["indicator", "variable", "from_value", "to_value", "points_gain"]
PLAN_CSV_EXTRA = ["entity", "year", "name_vi", "lead_agency", "ratio_from", "ratio_to", "points_from",
                  "points_to", "cost", "max_to_value", "growth_cap"]


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


# --- small helpers ----------------------------------------------------------------------------------

def _step_of(x: float) -> tuple[float, int]:
    """The unit a raw value moves in: 1 for whole numbers, else 10^-d for its d decimals (d <= 6)."""
    for dec in range(MAX_DECIMALS + 1):
        scaled = x * 10 ** dec
        if abs(scaled - round(scaled)) <= 1e-9 * max(1.0, abs(scaled)):
            return 10.0 ** -dec, dec
    return 10.0 ** -MAX_DECIMALS, MAX_DECIMALS


def _floor_steps(x: float) -> int:
    return int(math.floor(x + 1e-7 + 1e-12 * abs(x))) if math.isfinite(x) else 0


def format_value(v: float) -> str:
    """A raw value as text for CSV files: whole numbers without '.0', others in shortest form."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def eval_leaf(leaf: Node, values: dict[str, float], year: int) -> tuple[float, float]:
    """(ratio or NaN, points clipped to [0, max]) of one leaf from raw values, with the engine's rule."""
    ctx = RuleContext(values={k: np.array([float(v)]) for k, v in values.items()},
                      years=np.array([int(year)], dtype=np.int64), rule=leaf.rule, max_points=leaf.max_points)
    ratio, pts = RULES[leaf.rule["type"]].fn(ctx)
    p = float(np.clip(np.asarray(pts, dtype=float), 0.0, leaf.max_points)[0])
    r = float("nan") if ratio is None else float(np.asarray(ratio, dtype=float)[0])
    return r, p


def _per_leaf(framework: Framework, mapping: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """Spread a {code: value} mapping over leaves; a leaf takes the value of its nearest listed code."""
    if not mapping:
        return {}
    unknown = [c for c in mapping if c not in framework.nodes]
    if unknown:
        raise ValueError(f"{what}: unknown code(s) {unknown} for framework {framework.id}")
    out = {}
    for leaf in framework.leaves:
        code = leaf.code
        while code is not None:
            if code in mapping:
                out[leaf.code] = mapping[code]
                break
            code = framework.nodes[code].parent
    return out


def _rounded(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float), RANK_ROUND)


def _rank_against(own_value: float, others: np.ndarray) -> int:
    """Competition rank of one value among others (engine rounding; NaN others are unranked)."""
    o = _rounded(others)
    o = o[~np.isnan(o)]
    return int(1 + np.count_nonzero(o > _rounded(own_value)))


# --- levers: how one leaf can gain points ------------------------------------------------------------

class _Lever:
    """One leaf's decision variables (local columns), its gain expression and extra rows."""

    def __init__(self, leaf: Node, values: dict[str, float], year: int, p0: float, cost: float,
                 difficulty: float | None = None):
        self.leaf, self.values, self.year, self.p0, self.cost = leaf, dict(values), year, p0, cost
        self.difficulty = difficulty  # None: cost on points (cost × points); else difficulty × relative change
        self.base = 1.0  # the value a raw change is relative to (set by the lever)
        self.cols: list[tuple[float, float, int]] = []  # (lb, ub, integrality)
        self.gain: list[tuple[int, float]] = []  # (local col, points per unit)
        self.raw: list[float] = []  # change of the raw variable per unit of each column
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def add_col(self, lb, ub, integer, gain_coef, raw_per_unit=0.0):
        self.cols.append((float(lb), float(ub), int(integer)))
        j = len(self.cols) - 1
        self.gain.append((j, float(gain_coef)))
        self.raw.append(float(raw_per_unit))
        return j

    growth: float | None = None  # the largest relative rise of the moved variable this year (None: no cap)

    def max_value(self, var: str) -> float:
        """The largest value the growth cap allows for `var` (NaN when no growth cap applies)."""
        x0, step = getattr(self, "x0", None), getattr(self, "step", None)
        if self.growth is None or x0 is None or var != getattr(self, "var", None):
            return float("nan")
        return round(x0 + _growth_kmax(x0, step, self.growth) * step, getattr(self, "dec", MAX_DECIMALS))

    def col_cost(self, j: int) -> float:
        """Cost of one unit of local column j: points × cost, or difficulty × raw change / base."""
        if self.difficulty is None:
            return self.gain[j][1] * self.cost
        return self.difficulty * self.raw[j] / self.base

    def action_cost(self, var: str, old: float, new: float, points_gain: float) -> float:
        if self.difficulty is None:
            return points_gain * self.cost
        return self.difficulty * (float(new) - float(old)) / self.base

    @property
    def useful(self) -> bool:
        return any(ub > lb + 1e-12 and coef > 0 for (lb, ub, _), (_, coef) in zip(self.cols, self.gain))

    def decode(self, x: np.ndarray) -> list[tuple[str, float]]:  # ordered (variable, new value)
        raise NotImplementedError


class _StepLever(_Lever):
    """Concave rules (linear, threshold, count_capped): gain = min(a·k, G), k whole steps of `var`."""

    def __init__(self, leaf, values, year, p0, cost, var, a, G, kmax_cap, difficulty=None):
        super().__init__(leaf, values, year, p0, cost, difficulty)
        self.var, self.x0 = var, float(values[var])
        self.step, self.dec = _step_of(self.x0)
        self.base = self.x0 if self.x0 > 0 else self.step
        a = a * self.step  # a is given per unit of the variable
        self.a, self.G = a, G
        self.fine = a < FINE_STEP_POINTS
        if a <= 0 or G <= 1e-12:
            return
        kf = _floor_steps(G / a)
        extra = G - a * kf
        if extra <= 1e-9 * max(1.0, G):
            extra, kc = 0.0, kf
        else:
            kc = kf + 1
        kc = self._first_k_reaching(p0 + G - 1e-9, kc)
        kmax = kc if kmax_cap is None else max(0, min(int(kmax_cap), kc))
        self.kf, self.kc, self.kmax = kf, kc, kmax
        if kmax <= 0:
            return
        if self.fine:
            self.add_col(0.0, min(G, a * kmax), 0, 1.0, self.step / a)
        else:
            k1 = self.add_col(0.0, min(kf, kmax), 1, a, self.step)
            if extra > 0 and kc <= kmax:
                y = self.add_col(0.0, 1.0, 1, extra, (kc - kf) * self.step)
                self.rows.append(({k1: 1.0, y: -float(kf)}, 0.0, np.inf))

    def value_at(self, k: int) -> float:
        return round(self.x0 + k * self.step, self.dec)

    def points_at(self, k: int) -> float:
        return eval_leaf(self.leaf, {**self.values, self.var: self.value_at(k)}, self.year)[1]

    def _first_k_reaching(self, target_points: float, k: int) -> int:
        """Smallest k >= (estimate - 1) with points_at(k) >= target (the estimate is off by one at most)."""
        k = max(0, k)
        while k > 0 and self.points_at(k - 1) >= target_points:
            k -= 1
        for _ in range(1000):
            if self.points_at(k) >= target_points:
                return k
            k += 1
        return k

    def decode(self, x):
        if not self.cols:
            return []
        if self.fine:
            g = float(x[0])
            if g <= 1e-12:
                return []
            if g >= self.G - 1e-9:
                k = self.kc
            else:
                k = max(0, math.ceil(g / self.a - 1e-9))
                k = min(self.kmax, self._first_k_reaching(self.p0 + g - 1e-12, k))
            k = min(k, self.kmax)
        else:
            k = int(round(float(x[0])))
            if len(self.cols) > 1 and round(float(x[1])) >= 1:
                k = self.kc
        return [] if k <= 0 else [(self.var, self.value_at(k))]


class _ReachLever(_Lever):
    """all_or_nothing: the full gain once the ratio reaches its threshold (binary)."""

    def __init__(self, leaf, values, year, p0, cost, var, num, den, t, kmax_cap, difficulty=None, partial=False):
        super().__init__(leaf, values, year, p0, cost, difficulty)
        self.partial = partial  # several years: the rise may start a year before the threshold is reached
        self.var, self.x0 = var, float(values[var])
        self.step, self.dec = _step_of(self.x0)
        self.base = self.x0 if self.x0 > 0 else self.step
        G = leaf.max_points - p0
        if G <= 1e-12:
            return
        est = max(0, math.ceil((t * den - num) / self.step - 1e-9))
        k = est
        while k > 0 and self._points(k - 1) >= leaf.max_points - 1e-9:
            k -= 1
        for _ in range(1000):
            if self._points(k) >= leaf.max_points - 1e-9:
                break
            k += 1
        self.k_needed = k
        if partial:  # z (threshold reached, the gain) and k (whole steps risen, the effort), k >= k_needed·z
            kub = k if kmax_cap is None else min(k, int(kmax_cap))
            if kub <= 0 or k <= 0:
                return
            z = self.add_col(0.0, 1.0 if k <= kub else 0.0, 1, G, 0.0)
            kk = self.add_col(0.0, float(kub), 1, 0.0, self.step)
            self.rows.append(({kk: 1.0, z: -float(k)}, 0.0, np.inf))
            return
        if kmax_cap is not None and k > kmax_cap:
            return
        self.add_col(0.0, 1.0, 1, G, k * self.step)

    def value_at(self, k):
        return round(self.x0 + k * self.step, self.dec)

    def _points(self, k):
        return eval_leaf(self.leaf, {**self.values, self.var: self.value_at(k)}, self.year)[1]

    def decode(self, x):
        if self.partial:
            k = int(round(float(x[1]))) if len(self.cols) > 1 else 0
            return [(self.var, self.value_at(k))] if k > 0 else []
        if self.cols and round(float(x[0])) >= 1 and self.k_needed > 0:
            return [(self.var, self.value_at(self.k_needed))]
        return []


class _ItemsLever(_Lever):
    """weighted_items: each achievable item still at 0 can become 1 (binary)."""

    def __init__(self, leaf, values, year, p0, cost, achievable, cap, difficulty=None):
        super().__init__(leaf, values, year, p0, cost, difficulty)
        self.items = []
        share0 = sum(float(i["weight"]) * float(values[i["var"]]) for i in leaf.rule["items"])
        coefs = {}
        for item in leaf.rule["items"]:
            var, w = item["var"], float(item["weight"])
            if float(values[var]) == 0.0 and w > 0 and achievable.get((leaf.code, var), True):
                j = self.add_col(0.0, 1.0, 1, leaf.max_points * w, 1.0)  # an item: 0 -> 1, effort 1
                self.items.append((j, var))
                coefs[j] = w
        if cap is not None and coefs:
            self.rows.append((coefs, -np.inf, max(0.0, float(cap) - share0) + 1e-12))

    def decode(self, x):
        return [(var, 1.0) for j, var in self.items if round(float(x[j])) >= 1]


class _DirectLever(_Lever):
    """direct: assessed points may rise up to the maximum (or caps[code])."""

    def __init__(self, leaf, values, year, p0, cost, cap, difficulty=None):
        super().__init__(leaf, values, year, p0, cost, difficulty)
        self.var = leaf.rule["variable"]
        self.base = leaf.max_points  # assessed points: the change relative to the maximum
        hi = leaf.max_points if cap is None else min(leaf.max_points, float(cap))
        if hi - p0 > 1e-12:
            self.add_col(0.0, hi - p0, 0, 1.0, 1.0)
        self.hi = hi

    def decode(self, x):
        if not self.cols or float(x[0]) <= 1e-12:
            return []
        new = min(self.hi, math.ceil((self.p0 + float(x[0])) * 10 ** MAX_DECIMALS - 1e-6) / 10 ** MAX_DECIMALS)
        return [(self.var, new)]


def _growth_kmax(x0: float, step: float, growth: float | None) -> int | None:
    """Whole steps a raw value may rise when it may grow by at most `growth` (a fraction) in the year."""
    if growth is None:
        return None
    return max(0, _floor_steps(x0 * float(growth) / step)) if x0 > 0 else 0


def _min_k(*ks):
    ks = [k for k in ks if k is not None]
    return min(ks) if ks else None


def lever_variable(leaf: Node) -> str | None:
    """The raw variable a plan moves for a leaf: the first numerator variable not in the denominator,
    the count of count_capped, the assessed points of direct; None for items and unplanned rules."""
    rule = leaf.rule
    rtype = rule["type"]
    if rtype == "count_capped" or rtype == "direct":
        return rule["variable"]
    if rtype in ("linear", "threshold", "all_or_nothing"):
        movable = [v for v in rule["numerator"] if v not in rule["denominator"]]
        return movable[0] if movable else None
    return None


def _growth_kmax_years(x0: float, step: float, growth: float | None, years: int = 1) -> int | None:
    """Whole steps a raw value may rise over `years` years, each year's cap counted from the value the
    year before planned (x, then x + k1·step, ...): the caps carry over."""
    if growth is None:
        return None
    k = 0
    for _ in range(max(1, int(years))):
        k += _growth_kmax(x0 + k * step, step, growth)
    return k


def _build_lever(leaf: Node, values: dict[str, float], year: int, p0: float, cost: float, *,
                 max_gain: float | None, cap: float | None, achievable: dict,
                 growth: float | None = None, difficulty: float | None = None, years: int = 1,
                 partial: bool = False) -> _Lever | str:
    """The lever of one leaf, or a sentence saying why the leaf is not planned."""
    rule, rtype, M = leaf.rule, leaf.rule["type"], leaf.max_points
    year_arr = np.array([year], dtype=np.int64)
    if rtype in UNPLANNED_RULES:
        return f"{leaf.code}: rule {rtype} is not planned (kept at its current points)"
    if rtype == "weighted_items":
        return _ItemsLever(leaf, values, year, p0, cost, achievable, cap, difficulty)
    if rtype == "direct":
        return _DirectLever(leaf, values, year, p0, cost, cap, difficulty)
    if rtype == "count_capped":
        var = rule["variable"]
        ppe = float(np.asarray(resolve_param(rule["points_per_event"], year_arr)).reshape(-1)[0])
        top = min(float(np.asarray(resolve_param(rule.get("cap", M), year_arr)).reshape(-1)[0]), M)
        x0 = float(values[var])
        step, _ = _step_of(x0)
        kmax = None if cap is None else _floor_steps((float(cap) - x0) / step)
        kmax = _min_k(kmax, _growth_kmax_years(x0, step, growth, years))
        return _StepLever(leaf, values, year, p0, cost, var, ppe, max(0.0, top - p0), kmax, difficulty)
    # ratio rules: linear, threshold, all_or_nothing
    num_vars, den_vars = list(rule["numerator"]), list(rule["denominator"])
    movable = [v for v in num_vars if v not in den_vars]
    if not movable:
        return f"{leaf.code}: every numerator variable is also in the denominator (not planned)"
    var = movable[0]
    num = sum(float(values[v]) for v in num_vars)
    den = sum(float(values[v]) for v in den_vars)
    if not den > 0:
        return f"{leaf.code}: zero denominator (not planned)"
    r0 = num / den
    part_of_whole = rule.get("part_of_whole", True)
    hi = 1.0 if part_of_whole else math.inf
    if max_gain is not None:
        hi = min(hi, r0 + max_gain if part_of_whole else r0 * (1.0 + max_gain))
    if cap is not None:
        hi = min(hi, float(cap))
    step, _ = _step_of(float(values[var]))
    kmax = None if not math.isfinite(hi) else max(0, _floor_steps((hi * den - num) / step))
    kmax = _min_k(kmax, _growth_kmax_years(float(values[var]), step, growth, years))
    if rtype == "all_or_nothing":
        t = float(np.asarray(resolve_param(rule.get("threshold", 1.0), year_arr)).reshape(-1)[0])
        return _ReachLever(leaf, values, year, p0, cost, var, num, den, t, kmax, difficulty, partial=partial)
    if rtype == "linear":
        a = M / den
    elif rtype == "threshold":
        t = float(np.asarray(resolve_param(rule["threshold"], year_arr)).reshape(-1)[0])
        a = M / (t * den)
    else:
        return f"{leaf.code}: rule {rtype} is not planned (kept at its current points)"
    return _StepLever(leaf, values, year, p0, cost, var, a, max(0.0, M - p0), kmax, difficulty)


# --- the MILP ------------------------------------------------------------------------------------------

class _Model:
    def __init__(self, levers: list[_Lever]):
        self.levers = levers
        self.offsets, n = [], 0
        for lv in levers:
            self.offsets.append(n)
            n += len(lv.cols)
        self.n = n
        self.lb = np.array([c[0] for lv in levers for c in lv.cols], dtype=float)
        self.ub = np.array([c[1] for lv in levers for c in lv.cols], dtype=float)
        self.integrality = np.array([c[2] for lv in levers for c in lv.cols], dtype=int)
        self.gain = np.zeros(n)
        self.cost = np.zeros(n)
        rows, lo, hi = [], [], []
        for lv, off in zip(levers, self.offsets):
            for j, coef in lv.gain:
                self.gain[off + j] = coef
                self.cost[off + j] = lv.col_cost(j)
            for coefs, a, b in lv.rows:
                row = np.zeros(n)
                for j, v in coefs.items():
                    row[off + j] = v
                rows.append(row)
                lo.append(a)
                hi.append(b)
        self.rows = np.array(rows).reshape(len(rows), n)
        self.row_lo, self.row_hi = np.array(lo, dtype=float), np.array(hi, dtype=float)

    def _solve(self, c, extra_rows=(), n_extra_cols=0, extra_int=(), extra_ub=(), options=MIP_OPTIONS):
        n = self.n + n_extra_cols
        lb = np.concatenate([self.lb, np.zeros(n_extra_cols)])
        ub = np.concatenate([self.ub, np.asarray(extra_ub, dtype=float)])
        integ = np.concatenate([self.integrality, np.asarray(extra_int, dtype=int)])
        A = [np.hstack([self.rows, np.zeros((len(self.rows), n_extra_cols))])] if len(self.rows) else []
        lo, hi = [self.row_lo], [self.row_hi]
        for row, a, b in extra_rows:
            A.append(np.asarray(row, dtype=float).reshape(1, n))
            lo.append(np.array([a], dtype=float))
            hi.append(np.array([b], dtype=float))
        cons = [LinearConstraint(np.vstack(A), np.concatenate(lo), np.concatenate(hi))] if A else []
        res = milp(c=np.asarray(c, dtype=float), integrality=integ, bounds=Bounds(lb, ub), constraints=cons,
                   options=options)
        return res

    def max_gain(self) -> tuple[float, np.ndarray]:
        if self.n == 0:
            return 0.0, np.zeros(0)
        res = self._solve(-self.gain)
        if res.x is None:
            raise RuntimeError(f"planning: the maximum could not be computed ({res.message})")
        return float(self.gain @ res.x), res.x

    def cheapest(self, need: float) -> tuple[np.ndarray | None, bool]:
        """Least cost x with gain >= need, then the fewest levers used among the cheapest."""
        if self.n == 0:
            return (np.zeros(0), True) if need <= 0 else (None, True)
        res = self._solve(self.cost, [(self.gain, need, np.inf)])
        if res.x is None:
            return None, True
        optimal = res.status == 0
        best_cost = float(self.cost @ res.x)
        # second stage: fewest levers among plans costing no more than the optimum
        m = len(self.levers)
        link_rows = []
        for i, (lv, off) in enumerate(zip(self.levers, self.offsets)):
            for j in range(len(lv.cols)):
                row = np.zeros(self.n + m)
                row[off + j] = 1.0
                row[self.n + i] = -self.ub[off + j]
                link_rows.append((row, -np.inf, 0.0))
        gain_row = np.concatenate([self.gain, np.zeros(m)])
        cost_row = np.concatenate([self.cost, np.zeros(m)])
        tol = 1e-7 * max(1.0, abs(best_cost))
        res2 = self._solve(np.concatenate([np.zeros(self.n), np.ones(m)]),
                           link_rows + [(gain_row, need, np.inf), (cost_row, -np.inf, best_cost + tol)],
                           n_extra_cols=m, extra_int=np.ones(m), extra_ub=np.ones(m), options=FEWEST_OPTIONS)
        if res2.x is not None:
            return res2.x[: self.n], optimal
        return res.x, optimal


# --- planning -------------------------------------------------------------------------------------------

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


# --- growth caps from the province's own history ------------------------------------------------------

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


# --- fast what-if --------------------------------------------------------------------------------------

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


# --- CLI ---------------------------------------------------------------------------------------------------

def plan_to_csv_frame(plan: Plan) -> pd.DataFrame:
    """PLAN.csv rows: indicator, variable, from_value, to_value, points_gain, then the extra columns."""
    a = plan.actions
    out = pd.DataFrame({
        "indicator": a["indicator"].astype(str),
        "variable": a["variable"].astype(str),
        "from_value": [format_value(v) for v in a["from_value"]],
        "to_value": [format_value(v) for v in a["to_value"]],
        "points_gain": a["points_gain"].astype(float).round(6),
        "entity": plan.entity,
        "year": plan.year,
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
    return out[PLAN_CSV_COLUMNS + PLAN_CSV_EXTRA]


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


# --- several years: one plan, caps carried over from each year's planned values -------------------------

YEARS_ACTION_COLUMNS = ["year"] + ACTION_COLUMNS
UNASSIGNED_LEAD = "Cần phân công cơ quan chủ trì"  # a criterion whose lead agency the framework does not name
LEAD_PLACEHOLDERS = {"", "cơ quan chủ trì chưa xác định trong văn bản", "chưa có cơ quan chủ trì"}


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
            for coefs, a, b in lv.rows:
                row = np.zeros(n)
                for j, v in coefs.items():
                    row[off + j] = v
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
