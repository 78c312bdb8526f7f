"""Pure analysis over a ScoreResult and the published results (no Streamlit, no SQL).

Pages call these and hand the DataFrames to chart builders; every number shown comes from here.

Why one module: the pure tables over a ScoreResult (overview, changes, history, gaps, targets) share the
same published-history and kind rules; each is a plain function tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.engine import ScoreResult
from scoring.framework import ROOT_CODE, display_code

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
    applicable_max: float | None = None  # the maximum after N/A criteria (490 when III.6 of 500 is N/A)


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
        applicable_max=float(total["applicable_max"]) if "applicable_max" in total.index
        and not pd.isna(total["applicable_max"]) else float(total["max_points"]),
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


# --- published history (2020–2024) -----------------------------------------------------------------
# Kinds of a shown published figure. A published field carries its source kind (`official`, `press`,
# `third_party` or a combination such as `official+third_party`, from the reference file); a figure we
# derive carries one of these two:
DERIVED_MEAN = "derived_mean"   # a 34-group value = mean of the constituents' published totals (the published rule)
DERIVED_SORT = "derived_sort"   # a rank from sorting a year's values, when every province of the group has one
METHOD_BREAKS = (2022, 2025)    # first years measured by a new method: compare within a period only
HISTORY_COLUMNS = ["year", "entity_group", "entity", "value", "value_kind", "rank", "rank_kind", "n_ranked",
                   "constituents", "constituent_kinds", "source_url", "note"]


def method_period(year: int) -> int:
    """Index of the method period a year belongs to (0: before 2022, 1: 2022–2024, 2: from 2025)."""
    return sum(int(year) >= b for b in METHOD_BREAKS)


def _union_kinds(kinds) -> str:
    parts = sorted({k for kind in kinds if isinstance(kind, str) and kind for k in kind.split("+")})
    return "+".join(parts)


def _with_derived_ranks(frame: pd.DataFrame, group_size: int) -> pd.DataFrame:
    """Fill missing ranks by sorting the year's values (competition ranks 1, 2, 2, 4), labelled
    DERIVED_SORT — only in a year where every province of the group has a value. Published ranks are
    never replaced (a published rank may differ from the sort of rounded values, e.g. Kon Tum 2022)."""
    from scoring.engine import rank_values

    parts = []
    for _, g in frame.groupby("year", sort=True):
        g = g.copy()
        complete = g["value"].notna().sum() == group_size and g["entity"].nunique() == group_size
        if complete:
            sorted_rank = pd.Series(rank_values(g["value"].to_numpy()), index=g.index)
            fill = g["rank"].isna()
            g.loc[fill, "rank"] = sorted_rank[fill]
            g.loc[fill, "rank_kind"] = DERIVED_SORT
            g.loc[fill, "n_ranked"] = group_size
        parts.append(g)
    out = pd.concat(parts, ignore_index=True) if parts else frame
    out["rank"] = pd.to_numeric(out["rank"], errors="coerce").astype("Int64")
    out["n_ranked"] = pd.to_numeric(out["n_ranked"], errors="coerce").astype("Int64")
    return out


def _published_rows(published: pd.DataFrame, group: str) -> pd.DataFrame:
    p = published.loc[published["entity_group"].astype(str) == group]
    has_value, has_rank = p["total_value"].notna(), p["total_rank"].notna()
    return pd.DataFrame({
        "year": p["year"].astype(int).to_numpy(), "entity_group": group, "entity": p["entity"].to_numpy(),
        "value": p["total_value"].astype(float).to_numpy(),
        "value_kind": p["value_kind"].where(has_value, None).to_numpy(),
        "rank": p["total_rank"].astype("Int64").to_numpy(),
        "rank_kind": p["rank_kind"].where(has_rank, None).to_numpy(),
        "n_ranked": p["n_ranked"].astype("Int64").to_numpy(),
        "constituents": "", "constituent_kinds": "",
        "source_url": p["source_url"].to_numpy(), "note": p["note"].to_numpy(),
    })


def published_history_63(published: pd.DataFrame, group_size: int = 63) -> pd.DataFrame:
    """The 63-group history as published (one row per published year and province), with the kind of
    each value and rank; ranks missing in a year where all 63 values are published are derived by
    sorting (DERIVED_SORT). Columns: HISTORY_COLUMNS."""
    rows = _published_rows(published, "63")
    return _with_derived_ranks(rows, group_size).sort_values(["entity", "year"]).reset_index(drop=True)


def published_history_34(published: pd.DataFrame, entities63: pd.DataFrame) -> pd.DataFrame:
    """The history on the 34-province map, 2020–2024.

    Per year and 34-group province: the published 34-group value/rank where published (2024), else the
    value derived by the published rule — the mean of its constituents' 63-group totals of that year,
    only when EVERY constituent has one (else missing), kind DERIVED_MEAN, with `constituents` and the
    kinds of their values in `constituent_kinds`. Ranks: published where published, else by sorting
    when all 34 have a value (DERIVED_SORT). Columns: HISTORY_COLUMNS.
    """
    merged_into = entities63.set_index("name")["merged_into"]
    members = {new: sorted(g.index) for new, g in merged_into.groupby(merged_into)}
    p34 = _published_rows(published, "34").set_index(["year", "entity"])
    p63 = _published_rows(published, "63")
    years = sorted(set(p63["year"]) | {y for y, _ in p34.index})
    rows = []
    for year in years:
        values = p63.loc[p63["year"] == year].set_index("entity")
        for new, olds in members.items():
            vals = [values["value"].get(o, np.nan) for o in olds]
            complete = all(not pd.isna(v) for v in vals)
            row = {"year": int(year), "entity_group": "34", "entity": new,
                   "value": float(np.mean(vals)) if complete else np.nan,
                   "value_kind": DERIVED_MEAN if complete else None, "rank": pd.NA, "rank_kind": None,
                   "n_ranked": pd.NA, "constituents": ", ".join(olds),
                   "constituent_kinds": _union_kinds(values["value_kind"].get(o) for o in olds) if complete else "",
                   "source_url": None, "note": None}
            if (year, new) in p34.index:
                pub = p34.loc[(year, new)]
                if not pd.isna(pub["value"]):
                    row.update(value=float(pub["value"]), value_kind=pub["value_kind"], constituent_kinds="")
                if not pd.isna(pub["rank"]):
                    row.update(rank=int(pub["rank"]), rank_kind=pub["rank_kind"], n_ranked=pub["n_ranked"])
                row.update(source_url=pub["source_url"], note=pub["note"])
            rows.append(row)
    out = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    out = _with_derived_ranks(out, len(members))
    return out.sort_values(["entity", "year"]).reset_index(drop=True)


def published_history(published: pd.DataFrame, entities63: pd.DataFrame) -> pd.DataFrame:
    """Both groups' histories in one long frame (HISTORY_COLUMNS)."""
    return pd.concat([published_history_63(published, len(entities63)),
                      published_history_34(published, entities63)], ignore_index=True)


def rank_delta(change: int | None, tr) -> dict:
    """st.metric keyword arguments for a change of rank (places gained > 0): "+2 bậc" / "-3 bậc" with
    the arrow, "giữ nguyên hạng" without an arrow or colour when nothing changed, nothing when unknown.
    `tr(key, **kw)` translates (a page context's `t`)."""
    if change is None:
        return {"delta": None}
    if int(change) == 0:
        return {"delta": tr("ui.overview.rank_same"), "delta_color": "off", "delta_arrow": "off"}
    return {"delta": tr("ui.overview.places", n=f"{int(change):+d}")}


def points_delta(change: float | None, number) -> dict:
    """st.metric keyword arguments for a change of points: signed with the arrow, or "0,00" without an
    arrow when it rounds to zero. `number(x, signed)` formats (dashboard.fmt.number in the UI language)."""
    if change is None or pd.isna(change):
        return {"delta": None}
    if round(float(change), 2) == 0:
        return {"delta": number(0.0, False), "delta_color": "off", "delta_arrow": "off"}
    return {"delta": number(float(change), True)}


def published_year_rows(history: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year of a published history (HISTORY_COLUMNS), best rank first: the rows the published
    ranking table lists AND the map beside it colours (one source, so they cannot disagree)."""
    rows = history.loc[history["year"] == int(year)]
    return rows.sort_values(["rank", "entity"], na_position="last").reset_index(drop=True)


def map_outlines(entities) -> str:
    """Which outlines a map of these entities needs: "34" when every one is a province of the 34
    (from 1/7/2025), else "63" (the provinces before the merger)."""
    from loaders.parsing import load_provinces

    names = {str(e) for e in entities}
    return "34" if names <= set(load_provinces().new) else "63"


def baseline_2024(published: pd.DataFrame, entities63: pd.DataFrame, year: int = 2024) -> pd.DataFrame:
    """The 2024 baseline of each of the 34 provinces, to compare its own 2025 data with.

    One row per 34-group province: `value` (0–1) and `rank` (of `n_ranked`) — published where the 34-group
    publication has them, derived otherwise (value: DERIVED_MEAN of the constituents' 2024 totals; rank:
    DERIVED_SORT of the 34 values) — each with its kind (`value_kind`, `rank_kind`), plus `points`
    (value × 1000, the published scale), `constituents`, `constituent_kinds`, `source_url`, `note`.
    A value or rank that can be neither published nor derived stays missing (kind None).
    """
    hist = published_history_34(published, entities63)
    out = hist.loc[hist["year"] == year].drop(columns=["entity_group"]).copy()
    out.insert(out.columns.get_loc("value") + 1, "points", out["value"] * 1000)
    return out.sort_values(["rank", "entity"], na_position="last").reset_index(drop=True)


def history_of(history: pd.DataFrame, group: str, entities: list[str]) -> pd.DataFrame:
    """The rows of one group for the given entities (in that order), by year."""
    h = history.loc[(history["entity_group"] == group) & history["entity"].isin(entities)]
    order = {e: i for i, e in enumerate(entities)}
    return h.assign(_o=h["entity"].map(order)).sort_values(["_o", "year"]).drop(columns="_o").reset_index(drop=True)


def published_beside_own(history: pd.DataFrame, entities: list[str], scale: float) -> pd.DataFrame:
    """The published 34-group history of `entities` (2020–2024) on the scale of the scored totals, to draw
    beside a province's own figures: entity, year, points (published 0–1 value × `scale`), value_kind,
    rank, rank_kind, n_ranked, period (`method_period`). Kinds stay as published or derived; a point
    without a value keeps its rank (and the reverse)."""
    h = history_of(history, "34", entities)
    out = pd.DataFrame({
        "entity": h["entity"].to_numpy(), "year": h["year"].astype(int).to_numpy(),
        "points": h["value"].astype(float).to_numpy() * float(scale), "value_kind": h["value_kind"].to_numpy(),
        "rank": h["rank"].to_numpy(), "rank_kind": h["rank_kind"].to_numpy(), "n_ranked": h["n_ranked"].to_numpy(),
    })
    out["period"] = [method_period(y) for y in out["year"]]
    return out


def comparable_ranks(totals: pd.DataFrame, group_size: int) -> tuple[pd.DataFrame, list[int]]:
    """Rank rows of the years where the whole group is ranked (n_ranked == group_size), and the years
    left out: a rank among the few provinces with own figures (1/1) is not a rank of the group."""
    full = totals["n_ranked"].fillna(0).astype(int) >= int(group_size)
    return totals.loc[full].reset_index(drop=True), sorted(int(y) for y in totals.loc[~full, "year"].unique())


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


def target_on_scale(target, printed_scale, max_points: float) -> float:
    """A plan target on the indicator's own scale (its maximum in the framework).

    Seed 001 prints each target as "target/scale"; for some indicators the scale is the old QĐ 405
    maximum (1.5: "20/30" while the draft's maximum is 80). The target's share of its printed scale is
    kept: 20/30 of 80 = 53,33 points. No printed scale (or the indicator's own) → the target as printed.
    Capped at the maximum."""
    if target is None or pd.isna(target):
        return np.nan
    target = float(target)
    if printed_scale is not None and not pd.isna(printed_scale) and float(printed_scale) > 0:
        target = target / float(printed_scale) * float(max_points)
    return min(target, float(max_points))


def target_progress(result: ScoreResult, entity: str, year: int, plan: pd.DataFrame) -> pd.DataFrame:
    """Per component: current points (scoring engine), the plan's target ON THE SAME SCALE (points of the
    indicator's maximum, `target_on_scale`), gap and status; the target as printed (`target_printed`,
    `target_denominator`) kept beside it; lead agency from the framework."""
    fw = result.framework
    s = result.scores
    mine = s.loc[(s["entity"] == entity) & (s["year"] == year)].set_index("code")
    targets = plan.set_index("code") if not plan.empty else pd.DataFrame()
    rows = []
    for leaf in fw.leaves:
        printed = targets["target_points"].get(leaf.code) if "target_points" in targets else np.nan
        denom = targets["target_denominator"].get(leaf.code) if "target_denominator" in targets else np.nan
        target = target_on_scale(printed, denom, leaf.max_points)
        pts = float(mine.loc[leaf.code, "points"]) if leaf.code in mine.index else np.nan
        gap = np.nan if pd.isna(target) or pd.isna(pts) else max(0.0, float(target) - pts)
        status = "no_target" if pd.isna(target) else ("met" if gap <= 1e-9 else "not_met")
        rows.append({"code": leaf.code, "main": fw.ancestor_at_level(leaf.code, 1), "lead_agency": leaf.lead_agency,
                     "points": pts, "max_points": leaf.max_points, "missing": leaf.max_points - pts,
                     "target_points": target, "target_printed": printed, "target_denominator": denom,
                     "target_gap": gap, "status": status})
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
        indicators=("code", lambda c: ", ".join(map(display_code, c))),  # the codes as read
        n=("code", "size"), points=("points", "sum"),
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


# --- kinds of published figures ---------------------------------------------------------------------

def kind_label(kind, label_of) -> str:
    """Words for a kind: each part of a combination labelled (`label_of("official")` …), joined by " + "."""
    if kind is None or (not isinstance(kind, str) and pd.isna(kind)) or not str(kind):
        return ""
    return " + ".join(label_of(k) for k in str(kind).split("+"))


def kind_words(kind, tr, constituent_kinds: str = "") -> str:
    """A figure's kind in words through a translate callable `tr(key, **kw)` (keys `ui.kind.*`); a derived
    value also says what its constituents' values were ('… — từ số liệu: Tổng hợp của bên thứ ba …')."""
    words = kind_label(kind, lambda k: tr(f"ui.kind.{k}"))
    if words and constituent_kinds:
        words += " — " + tr("ui.kind.from", kinds=kind_label(constituent_kinds, lambda k: tr(f"ui.kind.{k}")))
    return words


def change_value_kinds(published: pd.DataFrame, changes: pd.DataFrame, group: str = "63") -> pd.Series:
    """How many of the values behind the given year-on-year changes are of each value kind
    (each change uses two values; a value used by two changes counts twice). Index: kind, sorted by count."""
    p = published.loc[published["entity_group"].astype(str) == group].set_index(["entity", "year"])["value_kind"]
    keys = list(zip(changes["entity"], changes["year_from"])) + list(zip(changes["entity"], changes["year_to"]))
    kinds = pd.Series([p.get(k) for k in keys], dtype=object).dropna()
    return kinds.value_counts()


def kinds_text(counts: pd.Series, label_of, lang: str = "vi") -> str:
    """'250 × Tổng hợp của bên thứ ba (không chính thức); 2 × Báo chí' from change_value_kinds."""
    return "; ".join(f"{int(n)} × {kind_label(k, label_of)}" for k, n in counts.items())


BASELINE_YEAR = 2024


@dataclass
class YearChange:
    """A year-on-year change that compares like with like, and says against what.

    `basis`: 'own' / 'sample' (the previous year of the same dataset), 'published' (the official published
    result of `previous_year`, for a province whose own data has no previous year), or None (nothing
    comparable: no change is shown). `points_kind`/`rank_kind`: the kind of the baseline figures when
    `basis == 'published'` (a source kind such as 'press', or DERIVED_MEAN / DERIVED_SORT)."""
    basis: str | None
    previous_year: int | None = None
    previous_points: float | None = None
    previous_rank: int | None = None
    previous_n: int | None = None
    points_change: float | None = None
    rank_change: int | None = None   # positive = moved up
    points_kind: str | None = None
    rank_kind: str | None = None


def year_change(result: ScoreResult, entity: str, year: int, dataset: str,
                baseline: pd.DataFrame | None = None, baseline_year: int = BASELINE_YEAR) -> YearChange:
    """The change of `entity`'s total from the previous year, like with like.

    1. The previous year of the SAME dataset (own vs own, SAMPLE vs SAMPLE); a rank change only when
       both years rank the same number of entities.
    2. Else, for own data of `baseline_year + 1`, the published baseline (`baseline_2024` rows): points
       against its value × the framework maximum where a value was published or derived, rank against its
       rank only where the current year ranks as many entities as the baseline did.
    3. Else nothing: SAMPLE figures are never compared with own ones, nor own figures with SAMPLE."""
    s = result.scores
    tot = s.loc[s["code"] == ROOT_CODE]
    cur = tot.loc[(tot["year"] == year) & (tot["entity"] == entity)]
    if cur.empty or pd.isna(cur["points"].iloc[0]):
        return YearChange(basis=None)
    points, rank, n_now = float(cur["points"].iloc[0]), cur["rank"].iloc[0], int(cur["n_ranked"].iloc[0])
    max_points = float(cur["max_points"].iloc[0])
    prev_years = [y for y in years_of(result) if y < year]
    if prev_years:
        py = max(prev_years)
        prev = tot.loc[(tot["year"] == py) & (tot["entity"] == entity)]
        if len(prev) and not pd.isna(prev["points"].iloc[0]):
            p_rank, p_n = prev["rank"].iloc[0], int(prev["n_ranked"].iloc[0])
            same_field = p_n == n_now and not pd.isna(p_rank) and not pd.isna(rank)
            return YearChange(basis=dataset, previous_year=py, previous_points=float(prev["points"].iloc[0]),
                              previous_rank=None if pd.isna(p_rank) else int(p_rank), previous_n=p_n,
                              points_change=points - float(prev["points"].iloc[0]),
                              rank_change=int(p_rank) - int(rank) if same_field else None)
    if dataset != "own" or baseline is None or year != baseline_year + 1:
        return YearChange(basis=None)
    row = baseline.loc[baseline["entity"] == entity]
    if row.empty:
        return YearChange(basis=None)
    b = row.iloc[0]
    has_value = not pd.isna(b["value"])
    has_rank = not pd.isna(b["rank"])
    if not has_value and not has_rank:
        return YearChange(basis=None)
    b_points = float(b["value"]) * max_points if has_value else None
    b_n = None if pd.isna(b["n_ranked"]) else int(b["n_ranked"])
    comparable_rank = has_rank and not pd.isna(rank) and b_n == n_now
    return YearChange(basis="published", previous_year=baseline_year, previous_points=b_points,
                      previous_rank=int(b["rank"]) if has_rank else None, previous_n=b_n,
                      points_change=points - b_points if has_value else None,
                      rank_change=int(b["rank"]) - int(rank) if comparable_rank else None,
                      points_kind=b["value_kind"] if has_value else None,
                      rank_kind=b["rank_kind"] if has_rank else None)
