"""In-year progress (issue 10): dated updates of a province's variables → points at each date, a
projected year-end value per variable, the projected year-end score. Pure (numpy, pandas).

Reading (how a year-end value is projected): each variable's points in time are last year's value (at
31/12 of the previous year, when known) and this year's dated updates; with two or more points the
least-squares line through them is read at 31/12 of the year, never below 0 and, for a variable that is
the part of a whole (a numerator of a share), never above that whole as projected; with one point that
value stays. A variable without any value stays missing (never invented), and so does its component's score.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from scoring.engine import score
from scoring.framework import Framework
from scoring.rules import ratio_pairs


def _points_in_time(base: pd.DataFrame, updates: pd.DataFrame, year: int) -> pd.DataFrame:
    """indicator, variable, as_of, value: last year's values at 31/12 of year−1, then the updates."""
    b = base[["indicator", "variable", "value"]].assign(as_of=pd.Timestamp(date(year - 1, 12, 31)))
    u = updates[["indicator", "variable", "value", "as_of"]].assign(as_of=lambda d: pd.to_datetime(d["as_of"]))
    return pd.concat([b, u], ignore_index=True).dropna(subset=["value"])


def values_at(base: pd.DataFrame, updates: pd.DataFrame, when) -> pd.DataFrame:
    """Each variable's latest known value on a date (last year's value when nothing newer is known)."""
    when = pd.Timestamp(when)
    u = updates.assign(as_of=pd.to_datetime(updates["as_of"]))
    u = u.loc[u["as_of"] <= when].sort_values("as_of").drop_duplicates(["indicator", "variable"], keep="last")
    merged = base[["indicator", "variable", "value"]].merge(u[["indicator", "variable", "value"]],
                                                           on=["indicator", "variable"], how="outer",
                                                           suffixes=("_base", ""))
    merged["value"] = merged["value"].where(merged["value"].notna(), merged["value_base"])
    return merged[["indicator", "variable", "value"]]


def project_year_end(framework: Framework, base: pd.DataFrame, updates: pd.DataFrame, year: int) -> pd.DataFrame:
    """indicator, variable, value (projected at 31/12 of `year`), n_points, method ('trend' | 'last')."""
    pts = _points_in_time(base, updates, year)
    end = pd.Timestamp(date(year, 12, 31))
    rows = []
    yes_no = {(leaf.code, v) for leaf in framework.leaves if leaf.rule and leaf.rule["type"] == "weighted_items"
              for v in leaf.variable_names()}
    for (ind, var), g in pts.groupby(["indicator", "variable"], sort=True):
        g = g.sort_values("as_of").drop_duplicates("as_of", keep="last")
        if len(g) >= 2 and (ind, var) not in yes_no:  # a yes/no item keeps its latest state
            x = (g["as_of"] - end).dt.days.to_numpy(dtype=float)
            y = g["value"].to_numpy(dtype=float)
            slope, intercept = np.polyfit(x, y, 1)
            value, method = max(0.0, float(intercept)), "trend"  # x = 0 at the year's end
        else:
            value, method = float(g["value"].iloc[-1]), "last"
        rows.append((ind, var, value, len(g), method))
    out = pd.DataFrame(rows, columns=["indicator", "variable", "value", "n_points", "method"])
    # a part never above its whole (both as projected)
    vals = {(i, v): x for i, v, x in zip(out["indicator"], out["variable"], out["value"])}
    for leaf in framework.leaves:
        if leaf.rule is None or not leaf.rule.get("part_of_whole", True):
            continue
        for num, den in ratio_pairs(leaf.rule):
            whole = sum(vals.get((leaf.code, d), np.nan) for d in den)
            part = [(leaf.code, n) for n in num if (leaf.code, n) in vals and n not in den]
            total_part = sum(vals[k] for k in part)
            if part and np.isfinite(whole) and total_part > whole > 0:
                for k in part:
                    vals[k] = vals[k] * whole / total_part
    out["value"] = [vals[(i, v)] for i, v in zip(out["indicator"], out["variable"])]
    return out


def score_values(framework: Framework, values: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    """code, points, max_points of one entity's values (strict=False: a missing figure → no points)."""
    long = values.assign(entity=entity, year=year)[["entity", "year", "indicator", "variable", "value"]]
    long = long.loc[long["indicator"].isin([leaf.code for leaf in framework.leaves])]
    res = score(framework, long, strict=False)
    s = res.scores
    return s.loc[s["entity"] == entity, ["code", "points", "max_points"]].reset_index(drop=True)


def points_over_time(framework: Framework, base: pd.DataFrame, updates: pd.DataFrame, entity: str,
                     year: int) -> pd.DataFrame:
    """as_of, code, points at 31/12 of year−1 and at each update date (values known then)."""
    dates = [pd.Timestamp(date(year - 1, 12, 31))] + sorted(pd.to_datetime(updates["as_of"]).unique())
    frames = []
    for d in dates:
        s = score_values(framework, values_at(base, updates, d), entity, year)
        frames.append(s.assign(as_of=pd.Timestamp(d)))
    return pd.concat(frames, ignore_index=True)
