"""Cached data access for the pages: the only module using st.cache_*.

- one DuckDB connection per server (`st.cache_resource`), a cursor per query inside Store;
- data (frameworks, scores, published results) keyed by the store's data version (the latest
  import id) so an import shows up at once;
- the big objects (the current inputs, the ScoreResult with its long table) are kept once per
  server with `st.cache_resource` and handed out without copying: `st.cache_data` would pickle
  them and unpickle a fresh copy on every rerun of every page (hundreds of MB at commune scale),
  and the long table would be rebuilt each time. They are shared between sessions, so they are
  read-only: their numpy arrays are frozen, and callers must not modify their DataFrames in place
  (filtering, `.loc[...]`, `.assign(...)` and `.copy()` all give new frames);
- heavy computations (the plan's MILP) are cached on their arguments and the data version;
- nothing here reads the round's history tables (values, notes, evidence, events, decisions, assignments):
  a round's own writes leave the data version as it is (storage.appraisal.appraisal_record), so its pages read
  them fresh and every other cache survives a unit's save.
"""
from __future__ import annotations
import storage.units
import storage.targets
import storage.inputs

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from office import bootstrap
from office.bootstrap import DEFAULT_FRAMEWORK
from storage.db import Store, default_db_path
from loaders.units import split_group
from scoring import load_framework, montecarlo, score, whatif
from scoring.framework import available_frameworks


@st.cache_resource(show_spinner=False)
def get_store(path: str | None = None) -> Store:
    """The server's store: opened with recovery (a missing/corrupt file rebuilt from the shipped data
    and the users' backup, a read-only one opened for reading); what happened is in `store.notice`."""
    from office.recovery import open_database as open_with_recovery

    store, notice = open_with_recovery(path or os.environ.get("DTI_STUDIO_DB") or default_db_path())
    store.notice = notice
    return store


def store_notice() -> tuple[str, dict] | None:
    """What the user must know about the database now: a recovery at start, read-only, or lost."""
    s = store()
    if not s.memory and s.lost():
        return "lost", {"path": s.path}
    return s.notice


def store() -> Store:
    return get_store(str(default_db_path()))


def data_version() -> int:
    return store().data_version()  # grows with every write (imports, rollbacks, settings)


@st.cache_resource(show_spinner=False)
def framework(framework_id: str):
    """A parsed framework (frozen dataclasses: shared, not copied; parsed once per process, the default
    data's loading included)."""
    if framework_id in available_frameworks():
        return bootstrap.framework(framework_id)
    return load_framework(framework_id)  # not a shipped one: load_framework names the problem


def framework_ids() -> list[str]:
    """Framework ids, the default (provincial) framework first: it is the one chosen on a first visit."""
    return sorted(available_frameworks(), key=lambda fid: (fid != DEFAULT_FRAMEWORK, fid))


@st.cache_resource(show_spinner=False)  # shared like framework(): cache_data would unpickle a copy per rerun
def framework_view(framework_id: str, level: str = "province"):
    """The framework as a unit level sees it (criteria that do not apply left out, maxima recomputed)."""
    fw = framework(framework_id)
    return fw.for_level(level) if level in fw.unit_levels else fw


def frameworks_for_level(level: str) -> list[str]:
    return [f for f in framework_ids() if level in framework(f).unit_levels]


def _view_of(framework_id: str, group: str):
    return framework_view(framework_id, split_group(group)[0])


@st.cache_resource(show_spinner=False, max_entries=8)
def _current_inputs(framework_id: str, group: str, version: int, basis: str = "self",
                    dataset: str | None = None) -> pd.DataFrame:
    return storage.inputs.current_inputs(store(), framework_id, group, basis, dataset)


def current_inputs(framework_id: str, group: str = "34", basis: str = "self",
                   dataset: str | None = None) -> pd.DataFrame:
    """The current inputs of ONE dataset ('own' or 'sample'; None = the group's default dataset), one
    basis (shared, not copied: do not modify in place)."""
    return _current_inputs(framework_id, group, data_version(), basis, dataset)


def _freeze(result) -> None:
    for arr in (result.points, result.applicable_max, result.ratio_values, result.ranks, result.values):
        arr.flags.writeable = False


@st.cache_resource(show_spinner=False, max_entries=8)
def _scores(framework_id: str, group: str, version: int, basis: str = "self", dataset: str | None = None):
    inputs = _current_inputs(framework_id, group, version, basis, dataset)
    if inputs.empty:
        return None
    fw = _view_of(framework_id, group)  # a unit group is scored on the framework as its level sees it
    inputs = inputs.loc[inputs["indicator"].isin([leaf.code for leaf in fw.leaves])]
    # The cached result does not carry the inputs (current_inputs() has them); its long tables
    # (all ranks included) are built here, once per data version.
    result = score(fw, inputs, strict=False).without_inputs()
    _ = result.scores, result.ratios
    _freeze(result)
    return result


def scores(framework_id: str, group: str = "34", basis: str = "self", dataset: str | None = None):
    """The ScoreResult of every entity-year with inputs in ONE dataset of the store (None when there are
    none). A unit group ("<level>@<province>") is scored on the framework as that level sees it.
    Shared between sessions and reruns, not copied: read it, do not modify it in place."""
    return _scores(framework_id, group, data_version(), basis, dataset)


@st.cache_data(show_spinner=False)
def _datasets(framework_id: str, group: str, version: int, basis: str | None) -> list[str]:
    return storage.inputs.datasets(store(), framework_id, group, basis)


def datasets(framework_id: str, group: str, basis: str | None = None) -> list[str]:
    """The datasets ('own', 'sample') with values for the framework and group, 'own' first."""
    return _datasets(framework_id, group, data_version(), basis)


@st.cache_data(show_spinner=False)
def _bases(framework_id: str, group: str, version: int) -> list[str]:
    return storage.inputs.bases(store(), framework_id, group)


def bases(framework_id: str, group: str) -> list[str]:
    return _bases(framework_id, group, data_version())


@st.cache_data(show_spinner=False)
def _units(version: int) -> pd.DataFrame:
    return storage.units.units(store())


def units(province: str | None = None) -> pd.DataFrame:
    df = _units(data_version())
    return df if province is None else df.loc[df["province"] == province]


@st.cache_data(show_spinner=False)
def _criterion_leads(framework_id: str, province: str, version: int, stamp: str) -> pd.DataFrame:
    return storage.units.criterion_leads(store(), framework_id, province)


def criterion_leads(framework_id: str, province: str) -> dict[str, str]:
    """code → the lead agency the province assigned (only assigned, non-empty ones)."""
    stamp = str(store().query("SELECT max(assigned_at) AS t FROM criterion_leads").iloc[0, 0])
    df = _criterion_leads(framework_id, province, data_version(), stamp)
    return {c: a for c, a in zip(df["code"], df["lead_agency"]) if isinstance(a, str) and a}


def unit_levels_with_data() -> list[str]:
    """Unit levels for which some province has a unit list and some framework scores them."""
    df = _units(data_version())
    scored = {lv for f in framework_ids() for lv in framework(f).unit_levels}
    return [lv for lv in ("department", "commune", "district") if lv in set(df["level"]) and lv in scored]


@st.cache_data(show_spinner=False, max_entries=64)
def _plan(framework_id: str, group: str, version: int, entity: str, year: int, target_rank, target_total,
          max_growth, difficulty: tuple, locked: tuple, not_achievable: tuple, growth: float, basis: str,
          dataset: str | None = None):
    fw = _view_of(framework_id, group)
    inputs = _current_inputs(framework_id, group, version, basis, dataset)
    inputs = inputs.loc[inputs["indicator"].isin([leaf.code for leaf in fw.leaves])]
    from scoring import planning  # scipy's MILP loads with the first plan, not with every page (cold start)

    competitors = None
    if growth:
        totals = _scores(framework_id, group, version, basis, dataset).total(year).set_index("entity")["points"]
        competitors = whatif.project_totals(totals.drop(index=entity), growth, fw.max_points)
    return planning.make_plan(
        fw, inputs.loc[inputs["year"] == year], entity, year, target_rank=target_rank, target_total=target_total,
        max_growth=dict(max_growth) if isinstance(max_growth, tuple) else max_growth,
        difficulty=dict(difficulty), locked=set(locked),
        item_achievable={key: False for key in not_achievable}, competitor_totals=competitors)


def plan(framework_id: str, entity: str, year: int, *, target_rank: int | None = None,
         target_total: float | None = None, max_growth: float | dict | None = None,
         difficulty: dict | None = None, locked=(), not_achievable=(), growth: float = 0.0,
         group: str = "34", basis: str = "self", dataset: str | None = None):
    """planning.make_plan on the current inputs of `year` of a group, cached on every argument and the data
    version: a rerun that changes nothing does not solve the MILP again. `max_growth`: one yearly rate or
    one per figure; `difficulty`: 1–5 per indicator; `not_achievable` lists (indicator, item) pairs;
    `growth` projects the other entities' totals (whatif.project_totals)."""
    growth_key = (tuple(sorted(((k, float(v)) for k, v in max_growth.items()), key=repr))
                  if isinstance(max_growth, dict) else (None if max_growth is None else float(max_growth)))
    diff_key = tuple(sorted((str(k), float(v)) for k, v in (difficulty or {}).items()))
    return _plan(framework_id, group, data_version(), entity, int(year), target_rank,
                 None if target_total is None else float(target_total), growth_key, diff_key,
                 tuple(sorted(locked)), tuple(sorted(tuple(x) for x in not_achievable)), float(growth), basis,
                 dataset)


@st.cache_data(show_spinner=False, max_entries=64)
def _rank_odds(framework_id: str, group: str, version: int, year: int, focus: str, focus_points, method: str,
               sd: float, n_draws: int, seed: int, basis: str = "self", changes: tuple | None = None,
               dataset: str | None = None):
    fw = _view_of(framework_id, group)
    totals = _scores(framework_id, group, version, basis, dataset).total(year).set_index("entity")["points"]
    return montecarlo.simulate_ranks(totals, focus, focus_points, n_draws=n_draws, seed=seed, method=method,
                                     sd=sd, changes=None if changes is None else np.asarray(changes),
                                     max_total=fw.max_points)


def rank_odds(framework_id: str, year: int, focus: str, focus_points: float | None = None, *,
              method: str = "normal", sd: float = 20.0, n_draws: int = 10_000, seed: int = 2025,
              group: str = "34", basis: str = "self", changes=None, dataset: str | None = None):
    """montecarlo.simulate_ranks of the focus against that year's totals of the group, cached on every
    argument and the data version. The bootstrap draws from `changes` (the caller's real changes,
    already centred/scaled as the user chose)."""
    return _rank_odds(framework_id, group, data_version(), int(year), focus,
                      None if focus_points is None else float(focus_points), method, float(sd), int(n_draws),
                      int(seed), basis, None if changes is None else tuple(float(c) for c in changes), dataset)


@st.cache_data(show_spinner=False)
def _flags(framework_id: str, group: str, version: int, basis: str, dataset: str | None) -> pd.DataFrame:
    return storage.inputs.flags_by_year(store(), framework_id, group, basis, dataset)


def flags_by_year(framework_id: str, group: str = "34", basis: str = "self",
                  dataset: str | None = None) -> pd.DataFrame:
    """year, flag, n of the current values of one dataset."""
    return _flags(framework_id, group, data_version(), basis, dataset)


@st.cache_data(show_spinner=False)
def _published(version: int) -> pd.DataFrame:
    return storage.inputs.published_results(store())


def published() -> pd.DataFrame:
    return _published(data_version())


@st.cache_data(show_spinner=False)
def _published_history(version: int, what: str) -> pd.DataFrame:
    from dashboard import analysis

    build = {"history": analysis.published_history_34, "baseline": analysis.baseline_2024}[what]
    return build(published(), entities("63"))


def published_history_34() -> pd.DataFrame:
    """analysis.published_history_34 over the stored published results (read by every first page of a session:
    computed once per data version, not once per run)."""
    return _published_history(data_version(), "history")


def baseline_2024() -> pd.DataFrame:
    """analysis.baseline_2024 over the stored published results, once per data version."""
    return _published_history(data_version(), "baseline")


@st.cache_data(show_spinner=False)
def _entities(group: str, version: int) -> pd.DataFrame:
    return storage.inputs.entities(store(), group)


def entities(group: str = "34") -> pd.DataFrame:
    return _entities(group, data_version())


@st.cache_data(show_spinner=False)
def _plan_values(framework_id: str, version: int) -> pd.DataFrame:
    return storage.inputs.plan_values(store(), framework_id)


def plan_values(framework_id: str = DEFAULT_FRAMEWORK) -> pd.DataFrame:
    return _plan_values(framework_id, data_version())


def import_log() -> pd.DataFrame:
    return storage.inputs.import_log(store())


def import_rows(import_id: int, limit: int | None = None) -> pd.DataFrame:
    return storage.inputs.import_rows(store(), import_id, limit)


def import_diff(import_id: int, limit: int | None = None) -> pd.DataFrame:
    return storage.inputs.import_diff(store(), import_id, limit)


@st.cache_data(show_spinner=False)
def _plan_targets(version: int, province: str | None) -> pd.DataFrame:
    return storage.targets.plan_targets(store(), province)


def plan_targets(province: str | None = None) -> pd.DataFrame:
    """Plan targets; with `province`, only the plans of that province (a plan belongs to its province)."""
    return _plan_targets(data_version(), province)


@st.cache_data(show_spinner=False)
def _target_progress(version: int) -> pd.DataFrame:
    return storage.targets.target_progress(store())


def target_progress() -> pd.DataFrame:
    return _target_progress(data_version())



GEO_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"


@st.cache_data(show_spinner=False)
def geojson(group: str = "34") -> dict:
    """Province outlines (data/geo/vn_provinces_<group>.geojson, built by scripts/build_geo.py; ODbL)."""
    if group not in ("34", "63"):
        raise ValueError(f"no outlines for province group {group!r}")
    return json.loads((GEO_DIR / f"vn_provinces_{group}.geojson").read_text(encoding="utf-8"))


@st.cache_data(show_spinner=False)
def _source_status(version: int, minute: str) -> pd.DataFrame:
    from office import sources

    return sources.status_table(store())


def source_status() -> pd.DataFrame:
    """The automatic sources' state — last success, last failure, next pull, stale (cached per data version and
    per minute: staleness moves with the clock, not only with writes)."""
    import time as _time

    return _source_status(data_version(), _time.strftime("%Y%m%d%H%M", _time.gmtime()))
