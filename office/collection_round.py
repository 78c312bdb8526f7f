"""A data-collection round over the store: generate, receive, track, consolidate (issue 10).

The pure pieces are in `office.collection`; this module ties them to `storage.db.Store`.
`actor` arguments are the free-text "người thực hiện" until editor sign-in lands (see `dashboard.widgets.actor`).
"""
from __future__ import annotations
import storage.inputs
import storage.collection

from datetime import date

import pandas as pd

from office import collection as col
from office.imports import resolver
from storage.db import Store
from scoring.engine import score
from scoring.framework import Framework


def last_year_values(store: Store, framework: Framework, province: str, year: int,
                     origin_label=None, dataset: str = "own") -> pd.DataFrame:
    """The province's own current figures of the previous year (self-assessed, automatic, published or plan
    as stored) — never the SAMPLE dataset. `origin`: the stored flag, or `origin_label(flag)` when given
    (the pages pass `dashboard.provenance` words: this room does not import the dashboard)."""
    df = storage.inputs.current_inputs(store, framework.id, "34", "self", dataset=dataset)
    df = df.loc[(df["entity"] == province) & (df["year"] == year - 1)]
    if "flag" in df and dataset == "own":
        df = df.loc[df["flag"].astype(str) != "sample"]
        flags = df["flag"].astype(str)
    else:
        flags = pd.Series("", index=df.index)
    return df.assign(origin=[origin_label(f) if origin_label else f for f in flags])


def _deadline(rnd: dict) -> date | None:
    d = rnd.get("deadline")
    if d is None or (isinstance(d, float) and d != d) or pd.isna(d):
        return None
    return pd.Timestamp(d).date()


def generate(store: Store, framework: Framework, round_id: int, actor: str | None = None,
             origin_label=None, made_on: str = "") -> tuple[bytes, dict]:
    """Every agency's workbook of a round (zip), recorded as sent. `origin_label(flag)` words the origin of
    last year's values; `made_on` the day (Vietnam time) written on each workbook."""
    rnd = storage.collection.round_row(store, round_id)
    blob, names = col.build_round_zip(framework, rnd["province"], int(rnd["year"]), _deadline(rnd),
                                      last_year_values(store, framework, rnd["province"], int(rnd["year"]),
                                                       origin_label),
                                      rnd.get("label") or "", made_on)
    storage.collection.record_sent(store, round_id, names, actor)
    return blob, names


def receive(store: Store, framework: Framework, round_id: int, agency: str, source: bytes, file_name: str,
            actor: str | None = None, received_at=None) -> col.ReturnedWorkbook:
    """Read one agency's returned workbook and log it; its values land only when it is valid, all at once."""
    rnd = storage.collection.round_row(store, round_id)
    read = col.read_returned_workbook(framework, agency, source, file_name, rnd["province"], int(rnd["year"]),
                                      resolver(store, "34"))
    storage.collection.record_collection_import(store, round_id, agency, file_name=file_name, sha256=read.sha256, ok=read.ok,
                                   data=read.data if read.ok else None, n_missing=len(read.missing),
                                   problems=[p.text() for p in read.problems],
                                   evidence=read.evidence if read.ok else None, imported_by=actor,
                                   received_at=received_at)
    return read


def consolidated(store: Store, framework: Framework, round_id: int) -> pd.DataFrame:
    return col.consolidate(framework, storage.collection.round_values(store, round_id),
                           storage.collection.round_evidence(store, round_id),
                           storage.collection.round_decisions(store, round_id))


def conflicts(store: Store, framework: Framework, round_id: int) -> pd.DataFrame:
    """Figures of shared components given differently by two agencies (one row per agency)."""
    return col.conflicts(framework, storage.collection.round_values(store, round_id),
                         storage.collection.round_decisions(store, round_id))


def decide(store: Store, framework: Framework, round_id: int, indicator: str, variable: str, agency: str,
           actor: str | None) -> None:
    """The office keeps `agency`'s value of a figure in conflict (editor only; logged). Refused when that
    agency gave no value of it."""
    per = col.by_agency(storage.collection.round_values(store, round_id))
    mine = per.loc[(per["indicator"] == indicator) & (per["variable"] == variable) & (per["agency"] == agency)]
    if mine.empty:
        raise ValueError(f"{agency} chưa gửi giá trị {indicator} {variable}.")
    r = mine.iloc[0]
    storage.collection.record_decision(store, round_id, indicator, variable, agency, r["value"],
                                       bool(r["not_applicable"]), decided_by=actor)


def tracker(store: Store, framework: Framework, round_id: int, cons: pd.DataFrame | None = None,
            today: date | None = None) -> pd.DataFrame:
    rnd = storage.collection.round_row(store, round_id)
    cons = consolidated(store, framework, round_id) if cons is None else cons
    return col.tracker(framework, _deadline(rnd), storage.collection.round_sent(store, round_id), storage.collection.round_imports(store, round_id), cons,
                       today)


def self_scores(framework: Framework, cons: pd.DataFrame, province: str, year: int) -> pd.DataFrame:
    """Points of the consolidated self-assessment, province alone (no rank): code, points, max_points.
    A component with a figure missing has no points (never a guess); neither have its parents."""
    inputs = col.scoring_inputs(cons, province, year)
    if inputs.empty:
        return pd.DataFrame({"code": list(framework.nodes), "points": float("nan"),
                             "max_points": [n.max_points for n in framework.nodes.values()]})
    res = score(framework, inputs, strict=False)
    s = res.scores
    s = s.loc[(s["entity"] == province) & (s["year"] == year), ["code", "points", "max_points"]]
    return s.reset_index(drop=True)


def official_comparison(store: Store, framework: Framework, round_id: int) -> dict | None:
    """The official points against the round's self-assessment; None when no official result is stored
    for the round's province and year. Keys: comp (per node the official result gives), lost (per
    agency, compared components only), n_valid_files (valid forms received), n_official, n_compared
    (nodes with both sides), official_file, official_at."""
    rnd = storage.collection.round_row(store, round_id)
    off = storage.collection.official_points(store, framework.id, rnd["province"], int(rnd["year"]))
    if off.empty:
        return None
    imports = storage.collection.round_imports(store, round_id)
    n_valid = int(imports["ok"].sum()) if not imports.empty else 0
    cons = consolidated(store, framework, round_id)
    mine = self_scores(framework, cons, rnd["province"], int(rnd["year"])).set_index("code")["points"]
    comp, lost = col.compare_official(framework, mine, off[["code", "points"]])
    if n_valid == 0:  # no form received: nothing to compare (not "0 points lost")
        comp = comp.assign(self_points=float("nan"), difference=float("nan"), compared=False)
        lost = lost.iloc[0:0]
    return {"comp": comp, "lost": lost, "n_valid_files": n_valid, "n_official": len(comp),
            "n_compared": int(comp["compared"].sum()), "official_file": str(off["file_name"].iloc[0]),
            "official_at": off["imported_at"].max()}


def round_status(store: Store, framework: Framework, province: str, year: int) -> dict | None:
    """The latest collection round of a province-year: figures missing and figures received without the
    evidence the framework requires (component codes). None when there is no round."""
    rs = storage.collection.rounds(store, framework.id)
    rs = rs.loc[(rs["province"] == province) & (rs["year"] == int(year))]
    if rs.empty:
        return None
    rid = int(rs["round_id"].max())
    cons = consolidated(store, framework, rid)
    missing = cons.loc[cons["status"] == "missing", "indicator"]
    no_ev = cons.loc[(cons["status"] == "received") & cons["evidence_required"] & ~cons["has_evidence"], "indicator"]
    return {"round_id": rid, "n_figures": len(cons), "n_missing": len(missing),
            "missing": list(dict.fromkeys(missing)), "n_without_evidence": len(no_ev),
            "without_evidence": list(dict.fromkeys(no_ev))}


def receive_progress(store: Store, framework: Framework, province: str, year: int, as_of, agency: str,
                     source: bytes, file_name: str, actor: str | None = None) -> col.ReturnedWorkbook:
    """A dated progress update in the agency's request workbook: same checks; written only when valid."""
    read = col.read_returned_workbook(framework, agency, source, file_name, province, int(year),
                                      resolver(store, "34"))
    if read.ok:
        storage.collection.record_progress(store, framework.id, province, year, as_of, read.data, agency=agency, file_name=file_name,
                              entered_by=actor)
    return read


def progress_view(store: Store, framework: Framework, province: str, year: int, peers_totals: pd.Series,
                  n_draws: int = 10_000, dataset: str = "own") -> dict | None:
    """Everything the in-year progress page shows: points over time, the projected year-end values and
    scores, and the projected rank with its band (others' totals of `year` moving ±2% of the maximum,
    normal, as on the overview). None without any update. The starting point (31/12 of year − 1) is the
    province's figures of that year in `dataset` (the page's: own, or SAMPLE when the page shows SAMPLE).
    A variable an update does not give keeps its last known value (`last_known`: value and date of each)."""
    from scoring import montecarlo, progress

    updates = storage.collection.progress_updates(store, framework.id, province, year)
    if updates.empty:
        return None
    base = last_year_values(store, framework, province, year, dataset=dataset)
    base = base.loc[~base["not_applicable"].astype(bool)] if "not_applicable" in base else base
    over_time = progress.points_over_time(framework, base, updates, province, year)
    projected = progress.project_year_end(framework, base, updates, year)
    proj_scores = progress.score_values(framework, projected[["indicator", "variable", "value"]], province, year)
    total = float(proj_scores.set_index("code")["points"].get("total", float("nan")))
    sim = None
    if total == total:
        sim = montecarlo.simulate_ranks(peers_totals.drop(labels=[province], errors="ignore"), province,
                                        focus_points=total, n_draws=n_draws, seed=2025,
                                        sd=0.02 * framework.max_points, max_total=framework.max_points)
    u = updates.assign(as_of=pd.to_datetime(updates["as_of"])).sort_values("as_of")
    known = pd.concat([base[["indicator", "variable", "value"]].assign(as_of=pd.NaT, from_last_year=True),
                       u[["indicator", "variable", "value", "as_of"]].assign(from_last_year=False)], ignore_index=True)
    last_known = known.drop_duplicates(["indicator", "variable"], keep="last").reset_index(drop=True)
    return {"updates": updates, "over_time": over_time, "projected": projected, "scores": proj_scores,
            "total": total, "sim": sim, "last_known": last_known, "base_year": year - 1}
