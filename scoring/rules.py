"""Rule types: how a leaf turns its raw variables into points.

Adding a rule type = one function + one `RULES` line + table-driven tests (tests/test_rules.py).

Every rule function receives a `RuleContext` (column arrays of the leaf's variables over all
entity-years at once, the year of each row, the leaf's max points and its parameters) and
returns `(ratio, points)`: `ratio` is the headline ratio the method talks about (or None when the
rule has none) and `points` is clipped to [0, max] here, once, for every rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

REQUIRED = object()


@dataclass
class RuleContext:
    values: dict[str, np.ndarray]  # variable name -> float array (one entry per entity-year row)
    years: np.ndarray  # int array, same length
    rule: dict[str, Any]
    max_points: float

    def param(self, name: str, default: Any = REQUIRED) -> np.ndarray | float:
        """A numeric parameter, resolved per row when it is year-dependent ({by_year = [...]})."""
        raw = self.rule.get(name, default)
        if raw is REQUIRED:
            raise KeyError(name)
        return resolve_param(raw, self.years)

    def total(self, names: list[str]) -> np.ndarray:
        out = np.zeros(len(self.years), dtype=float)
        for n in names:
            out = out + self.values[n]
        return out

    def ratio(self, numerator: list[str], denominator: list[str]) -> np.ndarray:
        num, den = self.total(numerator), self.total(denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


class YearNotCovered(ValueError):
    def __init__(self, years: list[int]):
        self.years = years
        super().__init__(f"no parameter value for year(s) {years}")


def resolve_param(raw: Any, years: np.ndarray) -> np.ndarray | float:
    if isinstance(raw, dict) and "by_year" in raw:
        out = np.full(len(years), np.nan)
        for band in raw["by_year"]:
            mask = (years >= band["from"]) & (years <= band["to"])
            out[mask] = float(band["value"])
        if np.isnan(out).any():
            raise YearNotCovered(sorted({int(y) for y in years[np.isnan(out)]}))
        return out
    return float(raw)


def param_years_covered(raw: Any, year: int) -> bool:
    if isinstance(raw, dict) and "by_year" in raw:
        return any(b["from"] <= year <= b["to"] for b in raw["by_year"])
    return True


# --- rule functions -------------------------------------------------------------------------

def linear(ctx: RuleContext):
    r = ctx.ratio(ctx.rule["numerator"], ctx.rule["denominator"])
    return r, np.clip(r, 0.0, 1.0) * ctx.max_points


def threshold(ctx: RuleContext):
    r = ctx.ratio(ctx.rule["numerator"], ctx.rule["denominator"])
    t = ctx.param("threshold")
    return r, np.where(r >= t, ctx.max_points, r / t * ctx.max_points)


def all_or_nothing(ctx: RuleContext):
    r = ctx.ratio(ctx.rule["numerator"], ctx.rule["denominator"])
    t = ctx.param("threshold", 1.0)
    # Shares computed from counts can land a hair under 1.0 (e.g. 3/3 is exact, 0.1*10 is not).
    return r, np.where(r >= t - 1e-12, ctx.max_points, 0.0)


def weighted_items(ctx: RuleContext):
    share = np.zeros(len(ctx.years))
    for item in ctx.rule["items"]:
        share = share + float(item["weight"]) * ctx.values[item["var"]]
    return share, share * ctx.max_points


def sum_of_ratios(ctx: RuleContext):
    share = np.zeros(len(ctx.years))
    for term in ctx.rule["terms"]:
        share = share + float(term.get("weight", 1.0)) * ctx.ratio(term["numerator"], term["denominator"])
    return share, np.clip(share, 0.0, 1.0) * ctx.max_points


def tiered(ctx: RuleContext):
    den = ctx.rule["denominator"]
    share = np.zeros(len(ctx.years))
    for level in ctx.rule["levels"]:
        share = share + float(level["weight"]) * ctx.ratio([level["var"]], den)
    return share, np.clip(share, 0.0, 1.0) * ctx.max_points


def count_capped(ctx: RuleContext):
    count = ctx.values[ctx.rule["variable"]]
    cap = ctx.param("cap", ctx.max_points)
    return None, np.minimum(count * ctx.param("points_per_event"), cap)


def inverse(ctx: RuleContext):
    r = ctx.ratio(ctx.rule["numerator"], ctx.rule["denominator"])
    t = ctx.param("threshold", 1.0)
    return r, ctx.max_points * (1.0 - np.minimum(r / t, 1.0))


def gated_linear(ctx: RuleContext):
    """A linear ratio that counts only once a gate count reaches its minimum (else 0 points)."""
    r = ctx.ratio(ctx.rule["numerator"], ctx.rule["denominator"])
    gate_open = ctx.values[ctx.rule["gate"]] >= ctx.param("minimum")
    return r, np.where(gate_open, np.clip(r, 0.0, 1.0) * ctx.max_points, 0.0)


def capped_sum(ctx: RuleContext):
    """Σ over terms of min(points × x, cap), capped at max. x is a variable's value (a count, or a
    0/1 option) or a ratio; with a term `threshold`, x counts 1 when it reaches the threshold, else 0.
    "Best option reached" criteria are sums too: their top option alone gives the maximum."""
    total = np.zeros(len(ctx.years))
    for term in ctx.rule["terms"]:
        if "variable" in term:
            x = ctx.values[term["variable"]].astype(float)
        else:
            x = ctx.ratio(term["numerator"], term["denominator"])
        if "threshold" in term:
            # Shares computed from counts can land a hair under the threshold (as in all_or_nothing).
            x = np.where(x >= float(term["threshold"]) - 1e-12, 1.0, 0.0)
        pts = float(term["points"]) * x
        if "cap" in term:
            pts = np.minimum(pts, float(term["cap"]))
        total = total + pts
    return None, np.minimum(total, ctx.max_points)


def direct(ctx: RuleContext):
    return None, ctx.values[ctx.rule["variable"]].astype(float)


@dataclass(frozen=True)
class RuleType:
    fn: Callable[[RuleContext], tuple[np.ndarray | None, np.ndarray]]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    formula_vi: str = ""
    formula_en: str = ""


RATIO = ("numerator", "denominator")
RULES: dict[str, RuleType] = {
    "linear": RuleType(linear, RATIO, ("part_of_whole",),
                       "Điểm = Tỷ lệ × Điểm tối đa", "points = ratio × max"),
    "threshold": RuleType(threshold, RATIO + ("threshold",), ("part_of_whole",),
                          "Tỷ lệ ≥ ngưỡng: Điểm tối đa; dưới ngưỡng: Tỷ lệ / ngưỡng × Điểm tối đa",
                          "ratio ≥ threshold: max; below: ratio / threshold × max"),
    "all_or_nothing": RuleType(all_or_nothing, RATIO, ("threshold", "part_of_whole"),
                               "Điểm tối đa nếu Tỷ lệ đạt ngưỡng, 0 nếu dưới",
                               "max if the ratio reaches the threshold, else 0"),
    "weighted_items": RuleType(weighted_items, ("items",), (),
                               "Điểm = Σ (trọng số mục × đạt/không đạt) × Điểm tối đa",
                               "points = Σ (item weight × achieved 0/1) × max"),
    "sum_of_ratios": RuleType(sum_of_ratios, ("terms",), ("part_of_whole",),
                              "Điểm = Σ (trọng số × tỷ lệ) × Điểm tối đa, tối đa bằng Điểm tối đa",
                              "points = Σ (weight × ratio) × max, capped at max"),
    "tiered": RuleType(tiered, ("denominator", "levels"), ("part_of_whole",),
                       "Điểm = Σ (trọng số cấp × tỷ lệ đạt cấp) × Điểm tối đa",
                       "points = Σ (level weight × share at that level) × max"),
    "count_capped": RuleType(count_capped, ("variable", "points_per_event"), ("cap",),
                             "Điểm = số lần × điểm mỗi lần, tối đa bằng mức trần",
                             "points = count × points per event, capped"),
    "inverse": RuleType(inverse, RATIO, ("threshold", "part_of_whole"),
                        "Tỷ lệ càng cao điểm càng thấp: Điểm = Điểm tối đa × (1 − Tỷ lệ / ngưỡng)",
                        "the higher the ratio the fewer the points: max × (1 − ratio / threshold)"),
    "gated_linear": RuleType(gated_linear, RATIO + ("gate", "minimum"), ("part_of_whole",),
                             "Điểm = Tỷ lệ × Điểm tối đa nếu biến điều kiện đạt mức tối thiểu, ngược lại 0",
                             "points = ratio × max once the gate variable reaches its minimum, else 0"),
    "capped_sum": RuleType(capped_sum, ("terms",), ("part_of_whole",),
                           "Điểm = Σ min(điểm mỗi đơn vị × giá trị, mức trần của mục), tối đa bằng Điểm tối đa "
                           "(giá trị: số lần, mục có/không 0/1 hoặc tỷ lệ; mục có ngưỡng tính 1 khi đạt ngưỡng)",
                           "points = Σ min(points per unit × value, the term's cap), capped at max "
                           "(value: a count, a 0/1 option or a ratio; a term with a threshold counts 1 when reached)"),
    "direct": RuleType(direct, ("variable",), (),
                       "Điểm do hội đồng chấm trực tiếp (0 … Điểm tối đa)",
                       "points given directly by assessors (0 … max)"),
}
NUMERIC_PARAMS = {"threshold", "points_per_event", "cap", "minimum"}


def variables_used(rule: dict[str, Any]) -> list[str]:
    """Every variable name a rule reads (for validation and templates)."""
    names: list[str] = []
    for key in ("numerator", "denominator"):
        names += list(rule.get(key, []))
    if "variable" in rule:
        names.append(rule["variable"])
    if "gate" in rule:
        names.append(rule["gate"])
    for item in rule.get("items", []) + rule.get("levels", []):
        names.append(item.get("var"))
    for term in rule.get("terms", []):
        names += list(term.get("numerator", [])) + list(term.get("denominator", []))
        if "variable" in term:  # capped_sum terms on a count or a 0/1 option
            names.append(term["variable"])
    return names


def ratio_pairs(rule: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    """(numerator, denominator) pairs of a rule, checked on input: zero whole, part > whole."""
    pairs = []
    if "numerator" in rule:
        pairs.append((list(rule["numerator"]), list(rule["denominator"])))
    for term in rule.get("terms", []):
        if "numerator" in term:  # capped_sum terms may read a variable instead of a ratio
            pairs.append((list(term["numerator"]), list(term["denominator"])))
    for level in rule.get("levels", []):
        pairs.append(([level["var"]], list(rule["denominator"])))
    return pairs


def item_variables(rule: dict[str, Any]) -> list[str]:
    return [item["var"] for item in rule.get("items", [])]


def _valid_number_or_by_year(raw: Any) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return True
    if isinstance(raw, dict) and isinstance(raw.get("by_year"), list) and raw["by_year"]:
        return all(
            isinstance(b, dict) and {"from", "to", "value"} <= set(b)
            and isinstance(b["value"], (int, float)) and b["from"] <= b["to"]
            for b in raw["by_year"]
        )
    return False


def validate_rule(rule: Any, declared: set[str]) -> list[str]:
    """Problems with a leaf's rule, as sentences (the caller prefixes the node code)."""
    if not isinstance(rule, dict):
        return ["rule must be a table"]
    rtype = rule.get("type")
    if rtype not in RULES:
        return [f"unknown rule type {rtype!r} (known: {', '.join(sorted(RULES))})"]
    spec = RULES[rtype]
    problems = [f"rule {rtype} is missing parameter '{p}'" for p in spec.required if p not in rule]
    unknown = set(rule) - set(spec.required) - set(spec.optional) - {"type"}
    problems += [f"rule {rtype} has unknown parameter '{p}'" for p in sorted(unknown)]
    for p in NUMERIC_PARAMS & set(rule):
        if not _valid_number_or_by_year(rule[p]):
            problems.append(f"rule {rtype}: parameter '{p}' must be a number or {{by_year = [...]}}")
        elif p == "threshold" and not isinstance(rule[p], dict) and rule[p] <= 0:
            problems.append(f"rule {rtype}: threshold must be > 0")
    if problems:
        return problems
    for name in variables_used(rule):
        if name not in declared:
            problems.append(f"rule uses variable {name!r} that is not declared in [[node.variables]]")
    for key in ("items", "levels", "terms"):
        if key in rule and (not isinstance(rule[key], list) or not rule[key]):
            problems.append(f"rule {rtype}: '{key}' must be a non-empty list")
    if rtype == "capped_sum":
        problems += _capped_sum_problems(rule["terms"])
    if rtype == "weighted_items":
        total = sum(float(i.get("weight", 0)) for i in rule["items"])
        if abs(total - 1.0) > 1e-9:
            problems.append(f"rule weighted_items: item weights add up to {total:g}, not 1")
    return problems


CAPPED_TERM_KEYS = {"variable", "numerator", "denominator", "points", "cap", "threshold"}


def _capped_sum_problems(terms: Any) -> list[str]:
    if not isinstance(terms, list):
        return []
    problems = []
    for i, term in enumerate(terms, start=1):
        if not isinstance(term, dict):
            problems.append(f"rule capped_sum: term {i} must be a table")
            continue
        unknown = sorted(set(term) - CAPPED_TERM_KEYS)
        if unknown:
            problems.append(f"rule capped_sum: term {i} has unknown key(s) {unknown}")
        has_var, has_ratio = "variable" in term, "numerator" in term or "denominator" in term
        if has_var == has_ratio or (has_ratio and not {"numerator", "denominator"} <= set(term)):
            problems.append(f"rule capped_sum: term {i} needs either 'variable' or 'numerator' and 'denominator'")
        for key in ("points", "cap", "threshold"):
            if key not in term:
                if key == "points":
                    problems.append(f"rule capped_sum: term {i} is missing 'points'")
                continue
            v = term[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (key == "threshold" and v <= 0):
                problems.append(f"rule capped_sum: term {i} '{key}' must be a {'positive' if key == 'threshold' else 'non-negative'} number")
    return problems
