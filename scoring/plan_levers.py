"""How one leaf can gain points (scoring.planning's building blocks): a lever per rule type — a ratio raised
step by step within its yearly growth cap, a threshold reached, 0/1 items completed, points assessed — each with
its cost (difficulty × relative rise), and the small numeric helpers they share. Pure.

Why one module: every lever follows one protocol (the _Lever base: steps, costs, points per step) and the
model (_Model) is built from them; split, the protocol's users would be spread over files.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.framework import Framework, Node
from scoring.plan_settings import (
    FEWEST_OPTIONS,
    FINE_STEP_POINTS,
    MAX_DECIMALS,
    MIP_OPTIONS,
    RANK_ROUND,
    UNPLANNED_RULES,
)
from scoring.rules import RULES, RuleContext, resolve_param


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

    def dense_rows(self, offset: int, n_cols: int):
        """This lever's own constraint rows placed in a model of `n_cols` columns at `offset`: (row, lo, hi)."""
        for coefs, a, b in self.rows:
            row = np.zeros(n_cols)
            for j, v in coefs.items():
                row[offset + j] = v
            yield row, a, b

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
            for row, a, b in lv.dense_rows(off, n):
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
