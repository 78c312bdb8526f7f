"""What-if: change one entity's raw inputs (or a leaf's ratio), re-score, and diff against the baseline.

A scenario is a dict of changes {"<indicator>.<variable>": new value} for one entity and year. The
other entities keep their values for that year, optionally projected with a growth rate (a share of
the points they are still missing, so nobody passes the maximum).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.engine import ScoreResult, rank_values, score
from scoring.framework import ROOT_CODE, Framework
from scoring.rules import item_variables, ratio_pairs


def entity_values(inputs: pd.DataFrame, entity: str, year: int) -> dict[str, float]:
    rows = inputs.loc[(inputs["entity"] == entity) & (inputs["year"] == year)]
    return {f"{r.indicator}.{r.variable}": float(r.value) for r in rows.itertuples()}


def apply_changes(inputs: pd.DataFrame, entity: str, year: int, changes: dict[str, float]) -> pd.DataFrame:
    """Inputs with the entity-year's variables replaced by `changes` (long form, same columns)."""
    if not changes:
        return inputs
    out = inputs.copy()
    key = out["indicator"].astype(str) + "." + out["variable"].astype(str)
    mask = (out["entity"] == entity) & (out["year"] == year)
    for name, value in changes.items():
        hit = mask & (key == name)
        if not hit.any():
            raise KeyError(f"{entity} {year} has no input {name}")
        out.loc[hit, "value"] = float(value)
    return out


def leaf_ratio_bounds(framework: Framework, code: str) -> tuple[float, float]:
    """The range a leaf's ratio can take by the formula (shares ≤ 1; per-1,000 ratios up to 3× the threshold)."""
    rule = framework.nodes[code].rule
    if not rule.get("part_of_whole", True):
        t = rule.get("threshold", 1.0)
        return 0.0, 3.0 * (t if isinstance(t, (int, float)) else 1.0)
    return 0.0, 1.0


def ratio_changes(framework: Framework, values: dict[str, float], code: str, new_ratio: float) -> dict[str, float]:
    """Raw-variable changes giving leaf `code` the ratio `new_ratio` (first numerator variable moves,
    wholes stay). Whole-number inputs stay whole (rounded up, so the ratio is at least the one asked)."""
    leaf = framework.nodes[code]
    lo, hi = leaf_ratio_bounds(framework, code)
    new_ratio = float(np.clip(new_ratio, lo, hi))
    pairs = ratio_pairs(leaf.rule)
    if not pairs:
        raise ValueError(f"{code} has no ratio (rule {leaf.rule['type']})")
    num, den = pairs[0]
    whole = sum(values[f"{code}.{v}"] for v in den)
    others = sum(values[f"{code}.{v}"] for v in num[1:])
    first = f"{code}.{num[0]}"
    target = new_ratio * whole - others
    if float(values[first]).is_integer():
        target = float(np.ceil(target - 1e-9))
    limit = whole - others if leaf.rule.get("part_of_whole", True) else np.inf
    return {first: float(np.clip(target, 0.0, limit))}


def current_ratio(framework: Framework, values: dict[str, float], code: str) -> float | None:
    leaf = framework.nodes[code]
    pairs = ratio_pairs(leaf.rule)
    if not pairs:
        return None
    num, den = pairs[0]
    whole = sum(values[f"{code}.{v}"] for v in den)
    return sum(values[f"{code}.{v}"] for v in num) / whole if whole else None


def editable_items(framework: Framework, code: str) -> list[str]:
    return item_variables(framework.nodes[code].rule)


def controls_for(framework: Framework, values: dict[str, float]) -> list[dict]:
    """What the simulator lets a user move for each leaf: a ratio (with its bounds) or 0/1 items."""
    out = []
    for leaf in framework.leaves:
        items = editable_items(framework, leaf.code)
        if items:
            out.append({"code": leaf.code, "kind": "items",
                        "items": {v: bool(values[f"{leaf.code}.{v}"] >= 0.5) for v in items}})
        elif ratio_pairs(leaf.rule):
            lo, hi = leaf_ratio_bounds(framework, leaf.code)
            out.append({"code": leaf.code, "kind": "ratio", "current": current_ratio(framework, values, leaf.code),
                        "min": lo, "max": hi, "percent": bool(leaf.rule.get("part_of_whole", True))})
        else:
            out.append({"code": leaf.code, "kind": "fixed"})
    return out


def changes_from_controls(framework: Framework, values: dict[str, float], ratios: dict[str, float],
                          items: dict[str, bool]) -> dict[str, float]:
    """Raw-variable changes for the ratios and items a user set (unchanged ones are left out)."""
    changes: dict[str, float] = {}
    for code, ratio in ratios.items():
        cur = current_ratio(framework, values, code)
        # Sliders show shares as percents with 2 decimals (per-1,000 ratios with 2 decimals): a value
        # within that rounding of the current ratio is "unchanged".
        tol = 5.1e-5 if framework.nodes[code].rule.get("part_of_whole", True) else 5.1e-3
        if cur is None or abs(ratio - cur) < tol:
            continue
        changes.update(ratio_changes(framework, values, code, ratio))
    for name, done in items.items():
        if float(values[name] >= 0.5) != float(done):
            changes[name] = 1.0 if done else 0.0
    return changes


def controls_from_changes(framework: Framework, values: dict[str, float], changes: dict[str, float]):
    """The ratios and items a saved scenario implies (to load it back into the simulator)."""
    merged = {**values, **changes}
    ratios, items = {}, {}
    for c in controls_for(framework, merged):
        if c["kind"] == "ratio":
            ratios[c["code"]] = c["current"]
        elif c["kind"] == "items":
            items.update({f"{c['code']}.{v}": done for v, done in c["items"].items()})
    return ratios, items


def variables_table(framework: Framework, values: dict[str, float], lang: str = "vi") -> pd.DataFrame:
    """The entity's raw variables (one row each) for direct editing: name, indicator, meaning, unit, value."""
    rows = []
    for leaf in framework.leaves:
        for v in leaf.variables:
            name = f"{leaf.code}.{v.name}"
            if name in values:
                rows.append({"name": name, "indicator": leaf.code,
                             "meaning": v.meaning_en if lang == "en" and v.meaning_en else v.meaning_vi,
                             "unit": v.unit, "current": values[name], "new": values[name]})
    return pd.DataFrame(rows)


def changes_from_table(edited: pd.DataFrame) -> dict[str, float]:
    """Variables whose new value differs from the current one."""
    diff = edited.loc[(edited["new"] - edited["current"]).abs() > 1e-12]
    return {str(n): float(v) for n, v in zip(diff["name"], diff["new"])}


def project_totals(totals: pd.Series, growth: float, max_total: float) -> pd.Series:
    """Others' totals next year: each closes `growth` of the gap to the maximum (0 = unchanged)."""
    return totals + growth * (max_total - totals)


def _year_points(result: ScoreResult, year: int) -> pd.DataFrame:
    """entity × code points of one year, straight from the result's matrix."""
    mask = (result.rows["year"] == year).to_numpy()
    return pd.DataFrame(result.points[mask], index=result.rows["entity"].to_numpy()[mask], columns=result.codes)


@dataclass
class WhatIf:
    entity: str
    year: int
    changes: dict[str, float]
    base: ScoreResult
    scenario: ScoreResult  # the entity-year alone, re-scored with the changes
    growth: float
    total_before: float
    total_after: float
    rank_before: int
    rank_after: int | None
    n: int
    leaf_gains: pd.DataFrame  # code, points_before, points_after, gain (non-zero only)
    main: pd.DataFrame  # main-index code, before, after


def run(framework: Framework, inputs: pd.DataFrame, entity: str, year: int, changes: dict[str, float],
        growth: float = 0.0, base: ScoreResult | None = None) -> WhatIf:
    """Re-score with the changes; rank the entity's new total among the others (projected by growth)."""
    base = base if base is not None else score(framework, inputs, strict=False)
    # Only the entity's own row changes: score it alone (the others' totals come from the baseline).
    own = inputs.loc[(inputs["year"] == year) & (inputs["entity"] == entity)]
    scenario = score(framework, apply_changes(own, entity, year, changes), strict=False)
    before = _year_points(base, year)
    after = _year_points(scenario, year)
    others = project_totals(before[ROOT_CODE].drop(index=entity), growth, framework.max_points)

    def rank_of(points: float) -> int | None:
        if np.isnan(points):  # the changed inputs do not score (a problem is reported instead)
            return None
        values = pd.concat([others, pd.Series({entity: points})])
        return int(rank_values(values / framework.max_points)[-1])

    leaf_codes = [leaf.code for leaf in framework.leaves]
    gains = pd.DataFrame({"code": leaf_codes, "points_before": before.loc[entity, leaf_codes].to_numpy(),
                          "points_after": after.loc[entity, leaf_codes].to_numpy()})
    gains["gain"] = gains["points_after"] - gains["points_before"]
    main_codes = [m.code for m in framework.main_indices()]
    return WhatIf(
        entity=entity, year=year, changes=dict(changes), base=base, scenario=scenario, growth=growth,
        total_before=float(before.loc[entity, ROOT_CODE]), total_after=float(after.loc[entity, ROOT_CODE]),
        rank_before=rank_of(float(before.loc[entity, ROOT_CODE])),
        rank_after=rank_of(float(after.loc[entity, ROOT_CODE])), n=len(others) + 1,
        leaf_gains=gains.loc[gains["gain"].abs() > 1e-9].reset_index(drop=True),
        main=pd.DataFrame({"code": main_codes, "before": before.loc[entity, main_codes].to_numpy(),
                           "after": after.loc[entity, main_codes].to_numpy()}),
    )


def changes_to_json(changes: dict[str, float]) -> str:
    return json.dumps(changes, sort_keys=True)


def changes_from_json(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in json.loads(text).items()}
