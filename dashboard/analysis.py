"""Pure analysis over a ScoreResult and the published results (no Streamlit, no SQL).

Pages call these and hand the DataFrames to chart builders; every number shown comes from here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.engine import ScoreResult
from scoring.framework import ROOT_CODE

TARGET_RANKS = (20, 15)


def years_of(result: ScoreResult) -> list[int]:
    return sorted(int(y) for y in result.rows["year"].unique())


def entities_of(result: ScoreResult) -> list[str]:
    return sorted(result.rows["entity"].unique())


def gap_to_rank(points_by_entity: pd.Series, entity: str, target_rank: int) -> float:
    """Points the entity needs to add to rank ≤ target (ties share the better rank).

    The entity reaches rank ≤ N when its points are ≥ the N-th highest points among the *others*.
    """
    others = points_by_entity.drop(index=entity).dropna().sort_values(ascending=False)
    own = points_by_entity.get(entity, np.nan)
    if len(others) < target_rank:
        return 0.0
    needed = others.iloc[target_rank - 1]
    return float(max(0.0, needed - own))


def gap_to_next_place(points_by_entity: pd.Series, entity: str) -> tuple[float, str | None]:
    """Points to draw level with the nearest entity strictly above, and who that is."""
    own = points_by_entity.get(entity, np.nan)
    above = points_by_entity.drop(index=entity).dropna()
    above = above[above > own + 1e-9]
    if above.empty:
        return 0.0, None
    nearest = above.idxmin()
    return float(above.min() - own), str(nearest)


@dataclass
class Overview:
    entity: str
    year: int
    points: float
    max_points: float
    value: float
    rank: int | None
    n_ranked: int
    previous_year: int | None
    points_change: float | None
    rank_change: int | None  # positive = moved up
    gaps: dict[int, float]  # target rank -> points needed
    next_gap: float
    next_entity: str | None
    main: pd.DataFrame  # code, points, max_points, value, rank


def overview(result: ScoreResult, entity: str, year: int, target_ranks=TARGET_RANKS) -> Overview:
    s = result.scores
    this = s.loc[(s["year"] == year) & (s["entity"] == entity)].set_index("code")
    total = this.loc[ROOT_CODE]
    totals = s.loc[(s["year"] == year) & (s["code"] == ROOT_CODE)].set_index("entity")["points"]
    prev_year = max((y for y in years_of(result) if y < year), default=None)
    points_change = rank_change = None
    if prev_year is not None:
        prev = s.loc[(s["year"] == prev_year) & (s["entity"] == entity) & (s["code"] == ROOT_CODE)]
        if len(prev) and not pd.isna(prev["points"].iloc[0]):
            points_change = float(total["points"] - prev["points"].iloc[0])
            if not pd.isna(prev["rank"].iloc[0]) and not pd.isna(total["rank"]):
                rank_change = int(prev["rank"].iloc[0]) - int(total["rank"])
    main_codes = [n.code for n in result.framework.main_indices()]
    main = this.loc[main_codes, ["points", "max_points", "value", "rank"]].reset_index()
    next_gap, next_entity = gap_to_next_place(totals, entity)
    return Overview(
        entity=entity, year=year, points=float(total["points"]), max_points=float(total["max_points"]),
        value=float(total["value"]), rank=None if pd.isna(total["rank"]) else int(total["rank"]),
        n_ranked=int(total["n_ranked"]), previous_year=prev_year, points_change=points_change,
        rank_change=rank_change, gaps={n: gap_to_rank(totals, entity, n) for n in target_ranks},
        next_gap=next_gap, next_entity=next_entity, main=main,
    )


def strengths_and_weaknesses(result: ScoreResult, entity: str, year: int, k: int = 3):
    """Stated rule: strengths = the k components whose % of max is furthest ABOVE the national
    average; weaknesses = the k components with the most points missing to their maximum
    (ties broken by distance below the national average)."""
    comp = result.table(year, level=max(n.level for n in result.framework.leaves))
    avg = comp.groupby("code")["value"].mean()
    mine = comp.loc[comp["entity"] == entity].set_index("code")
    table = pd.DataFrame({
        "code": mine.index,
        "value": mine["value"].to_numpy(),
        "national_avg": avg.reindex(mine.index).to_numpy(),
        "points": mine["points"].to_numpy(),
        "max_points": mine["max_points"].to_numpy(),
        "rank": mine["rank"].to_numpy(),
    })
    table["vs_avg"] = table["value"] - table["national_avg"]
    table["missing"] = table["max_points"] - table["points"]
    strengths = table.loc[table["vs_avg"] > 0].sort_values("vs_avg", ascending=False).head(k)
    weaknesses = table.loc[table["missing"] > 1e-9].sort_values(["missing", "vs_avg"],
                                                                 ascending=[False, True]).head(k)
    return strengths.reset_index(drop=True), weaknesses.reset_index(drop=True)


def ranking_table(result: ScoreResult, year: int) -> pd.DataFrame:
    """One row per entity: total and main-index points and ranks, plus rank change from the previous year."""
    s = result.scores
    main_codes = [n.code for n in result.framework.main_indices()]
    cur = s.loc[(s["year"] == year) & s["code"].isin([ROOT_CODE] + main_codes)]
    points = cur.pivot(index="entity", columns="code", values="points")
    ranks = cur.pivot(index="entity", columns="code", values="rank")
    out = pd.DataFrame({"entity": points.index})
    out["total"] = points[ROOT_CODE].to_numpy()
    out["value"] = out["total"] / result.framework.max_points
    out["rank"] = ranks[ROOT_CODE].to_numpy()
    for c in main_codes:
        out[f"main_{c}"] = points[c].to_numpy()
        out[f"rank_{c}"] = ranks[c].to_numpy()
    prev_year = max((y for y in years_of(result) if y < year), default=None)
    if prev_year is not None:
        prev = s.loc[(s["year"] == prev_year) & (s["code"] == ROOT_CODE)].set_index("entity")
        out["rank_prev"] = out["entity"].map(prev["rank"]).to_numpy()
        out["rank_change"] = out["rank_prev"] - out["rank"]
        out["points_change"] = out["total"] - out["entity"].map(prev["points"]).to_numpy()
    return out.sort_values(["rank", "entity"]).reset_index(drop=True)


def component_ranking(result: ScoreResult, year: int, code: str) -> pd.DataFrame:
    s = result.scores
    sel = s.loc[(s["year"] == year) & (s["code"] == code), ["entity", "points", "max_points", "value", "rank"]]
    return sel.sort_values(["rank", "entity"]).reset_index(drop=True)


def radar_series(result: ScoreResult, year: int, entity: str, codes: list[str], peer: str | None = None,
                 target_rank: int = 20) -> pd.DataFrame:
    """% of max per code for: the focus entity, the national average, the entity at the target-rank
    cut-off, the best entity (by total) and an optional peer. Long: series, code, value, points."""
    s = result.table(year)
    s = s.loc[s["code"].isin(codes)]
    totals = result.total(year).set_index("entity")
    rows = []

    def add(series, frame):
        for _, r in frame.iterrows():
            rows.append({"series": series, "code": r["code"], "value": r["value"], "points": r["points"],
                         "max_points": r["max_points"]})

    add("focus", s.loc[s["entity"] == entity])
    avg = s.groupby("code", sort=False)[["value", "points", "max_points"]].mean().reset_index()
    add("average", avg)
    ordered = totals.sort_values("points", ascending=False)
    if len(ordered) >= target_rank:
        cutoff_entity = ordered.index[target_rank - 1]
        add("cutoff", s.loc[s["entity"] == cutoff_entity])
    best = ordered.index[0]
    add("best", s.loc[s["entity"] == best])
    if peer and peer != entity:
        add("peer", s.loc[s["entity"] == peer])
    out = pd.DataFrame(rows)
    order = {c: i for i, c in enumerate(codes)}
    out["order"] = out["code"].map(order)
    return out.sort_values(["series", "order"]).drop(columns="order").reset_index(drop=True)


def radar_entities(result: ScoreResult, year: int, target_rank: int = 20) -> dict[str, str]:
    ordered = result.total(year).sort_values("points", ascending=False)
    out = {"best": ordered["entity"].iloc[0]}
    if len(ordered) >= target_rank:
        out["cutoff"] = ordered["entity"].iloc[target_rank - 1]
    return out


def trend_table(result: ScoreResult, codes: list[str] | None = None) -> pd.DataFrame:
    """entity, year, code, points, value, rank over all scored years."""
    s = result.scores
    if codes is not None:
        s = s.loc[s["code"].isin(codes)]
    return s[["entity", "year", "code", "points", "value", "rank", "n_ranked"]].reset_index(drop=True)


def biggest_movers(result: ScoreResult, year: int, k: int = 5) -> pd.DataFrame:
    table = ranking_table(result, year)
    if "rank_change" not in table:
        return table.head(0)
    table = table.dropna(subset=["rank_change"])
    up = table.sort_values(["rank_change", "points_change"], ascending=False).head(k)
    down = table.sort_values(["rank_change", "points_change"], ascending=True).head(k)
    return pd.concat([up.assign(direction="up"), down.assign(direction="down")], ignore_index=True)


def published_history_34(published: pd.DataFrame, entities63: pd.DataFrame) -> pd.DataFrame:
    """Published totals on the 34-province map: the 2024 (34) publication as published, and
    63-province years mapped onto the 34 as the average of their constituents' values (as the
    2024 publication did) only where every constituent's value was published — otherwise missing.

    Returns: year, entity, value, rank, n_ranked, basis ('published_34' | 'mapped_from_63'), constituents.
    """
    rows = []
    merged_into = entities63.set_index("name")["merged_into"]
    members = merged_into.groupby(merged_into).apply(lambda s: sorted(s.index)).to_dict()
    p34 = published.loc[published["entity_group"] == "34"]
    for _, r in p34.iterrows():
        rows.append({"year": int(r["year"]), "entity": r["entity"], "value": r["total_value"],
                     "rank": r["total_rank"], "n_ranked": r["n_ranked"], "basis": "published_34",
                     "constituents": ""})
    p63 = published.loc[published["entity_group"] == "63"]
    for year, grp in p63.groupby("year"):
        if int(year) in set(p34["year"].astype(int)):
            continue
        values = grp.set_index("entity")["total_value"]
        for new, olds in members.items():
            vals = [values.get(o, np.nan) for o in olds]
            value = float(np.mean(vals)) if all(not pd.isna(v) for v in vals) else np.nan
            rows.append({"year": int(year), "entity": new, "value": value, "rank": pd.NA, "n_ranked": pd.NA,
                         "basis": "mapped_from_63", "constituents": ", ".join(olds)})
    out = pd.DataFrame(rows)
    return out.sort_values(["entity", "year"]).reset_index(drop=True)


def component_table(series: pd.DataFrame, labels: dict[str, str], series_names: dict[str, str]) -> pd.DataFrame:
    """Radar series as a table: one row per code, one column per series (points), plus the maximum."""
    pts = series.pivot(index="code", columns="series", values="points")
    order = [c for c in labels if c in pts.index]
    pts = pts.loc[order]
    out = pd.DataFrame({"": [labels[c] for c in order]})
    maxima = series.drop_duplicates("code").set_index("code")["max_points"]
    for key in ["focus", "average", "cutoff", "best", "peer"]:
        if key in pts.columns:
            out[series_names[key]] = pts[key].to_numpy()
    out["max"] = maxima.loc[order].to_numpy()
    return out


def target_progress(result: ScoreResult, entity: str, year: int, plan: pd.DataFrame) -> pd.DataFrame:
    """Per component: current points (scoring engine), the plan's target points (seed 001, as printed,
    with the denominator it was printed against), gap and status; lead agency from the framework."""
    fw = result.framework
    s = result.scores
    mine = s.loc[(s["entity"] == entity) & (s["year"] == year)].set_index("code")
    targets = plan.set_index("code") if not plan.empty else pd.DataFrame()
    rows = []
    for leaf in fw.leaves:
        target = targets["target_points"].get(leaf.code) if "target_points" in targets else np.nan
        denom = targets["target_denominator"].get(leaf.code) if "target_denominator" in targets else np.nan
        pts = float(mine.loc[leaf.code, "points"]) if leaf.code in mine.index else np.nan
        gap = np.nan if pd.isna(target) or pd.isna(pts) else max(0.0, float(target) - pts)
        status = "no_target" if pd.isna(target) else ("met" if gap <= 1e-9 else "not_met")
        rows.append({"code": leaf.code, "main": fw.ancestor_at_level(leaf.code, 1), "lead_agency": leaf.lead_agency,
                     "points": pts, "max_points": leaf.max_points, "missing": leaf.max_points - pts,
                     "target_points": target, "target_denominator": denom, "target_gap": gap, "status": status})
    return pd.DataFrame(rows)


def split_agencies(text: str) -> list[str]:
    parts = [p.strip() for p in str(text or "").replace(";", "\n").splitlines() if p.strip()]
    return parts or [""]


def agency_summary(progress: pd.DataFrame) -> pd.DataFrame:
    """One row per lead agency (an indicator led jointly counts for each of its leads)."""
    rows = []
    for _, r in progress.iterrows():
        for agency in split_agencies(r["lead_agency"]):
            rows.append({**r.to_dict(), "agency": agency})
    long = pd.DataFrame(rows)
    out = long.groupby("agency", sort=False).agg(
        indicators=("code", lambda c: ", ".join(c)), n=("code", "size"), points=("points", "sum"),
        max_points=("max_points", "sum"), missing=("missing", "sum"),
        target_gap=("target_gap", lambda g: float(np.nansum(g))),
        not_met=("status", lambda st: int((st == "not_met").sum())),
    ).reset_index()
    return out.sort_values(["missing"], ascending=False).reset_index(drop=True)


# --- a province's own units -------------------------------------------------------------------------

def weakest_criteria(result: ScoreResult, year: int, k: int = 10) -> pd.DataFrame:
    """Criteria (leaves) where the units of the group score worst on average: code, avg value (share of
    the maximum, over the units where the criterion applies), units below half of the maximum, units
    scored, lead agency. Stated rule: lowest average share first; ties by more units below half."""
    leaves = {leaf.code: leaf for leaf in result.framework.leaves}
    s = result.scores
    comp = s.loc[(s["year"] == year) & s["code"].isin(list(leaves)) & s["points"].notna()]
    if comp.empty:
        return pd.DataFrame(columns=["code", "avg_value", "below_half", "n_units", "max_points", "lead_agency"])
    g = comp.groupby("code", observed=True)
    out = pd.DataFrame({
        "avg_value": g["value"].mean(),
        "below_half": g["value"].apply(lambda v: int((v < 0.5).sum())),
        "n_units": g["entity"].nunique(),
    }).reset_index()
    out["max_points"] = out["code"].map(lambda c: leaves[c].max_points)
    out["lead_agency"] = out["code"].map(lambda c: leaves[c].lead_agency)
    out["code"] = out["code"].astype(str)
    return out.sort_values(["avg_value", "below_half"], ascending=[True, False]).head(k).reset_index(drop=True)


def unit_ranking(result: ScoreResult, year: int) -> pd.DataFrame:
    """entity, rank, total, value, and the points of each main group: the internal ranking table."""
    return ranking_table(result, year).sort_values(["rank", "entity"]).reset_index(drop=True)


def basis_gap(self_result: ScoreResult | None, appraised: ScoreResult | None, year: int,
              entity: str | None = None) -> pd.DataFrame:
    """Where appraisal changed points: entity, code, self points, appraised points, difference
    (appraised − self), for leaves and the total; only pairs scored on both bases."""
    if self_result is None or appraised is None:
        return pd.DataFrame(columns=["entity", "code", "self_points", "appraised_points", "difference"])
    keep = ["entity", "code", "points"]
    a = self_result.scores.loc[self_result.scores["year"] == year, keep]
    b = appraised.scores.loc[appraised.scores["year"] == year, keep]
    if entity is not None:
        a, b = a.loc[a["entity"] == entity], b.loc[b["entity"] == entity]
    m = a.merge(b, on=["entity", "code"], suffixes=("_self", "_appraised"))
    m = m.rename(columns={"points_self": "self_points", "points_appraised": "appraised_points"})
    m = m.dropna(subset=["self_points", "appraised_points"])
    m["difference"] = m["appraised_points"] - m["self_points"]
    m["entity"], m["code"] = m["entity"].astype(str), m["code"].astype(str)
    return m.reset_index(drop=True)
