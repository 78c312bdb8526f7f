"""Cached data access for the pages: the only module using st.cache_*.

- one DuckDB connection per server (`st.cache_resource`), a cursor per query inside Store;
- data (frameworks, scores, published results) through `st.cache_data`, keyed by the store's
  data version (the latest import id) so an import shows up at once.
"""
from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from loaders.bootstrap import DEFAULT_FRAMEWORK, ensure_default_data
from loaders.store import Store, default_db_path
from scoring import load_framework, score
from loaders.units import split_group
from scoring.framework import available_frameworks


@st.cache_resource(show_spinner=False)
def get_store(path: str | None = None) -> Store:
    store = Store(path or os.environ.get("DTI_STUDIO_DB") or default_db_path())
    ensure_default_data(store)
    return store


def store() -> Store:
    return get_store(str(default_db_path()))


def data_version() -> int:
    df = store().query("SELECT coalesce(max(import_id), 0) AS v FROM imports")
    return int(df.iloc[0, 0])


@st.cache_data(show_spinner=False)
def framework(framework_id: str):
    return load_framework(framework_id)


def framework_ids() -> list[str]:
    """Framework ids, the default (provincial) framework first: it is the one chosen on a first visit."""
    return sorted(available_frameworks(), key=lambda fid: (fid != DEFAULT_FRAMEWORK, fid))


@st.cache_data(show_spinner=False)
def framework_view(framework_id: str, level: str = "province"):
    """The framework as a unit level sees it (criteria that do not apply left out, maxima recomputed)."""
    fw = load_framework(framework_id)
    return fw.for_level(level) if level in fw.unit_levels else fw


def frameworks_for_level(level: str) -> list[str]:
    return [f for f in framework_ids() if level in framework(f).unit_levels]


@st.cache_data(show_spinner=False)
def _current_inputs(framework_id: str, group: str, version: int, basis: str = "self",
                    dataset: str | None = None) -> pd.DataFrame:
    return store().current_inputs(framework_id, group, basis, dataset)


def current_inputs(framework_id: str, group: str = "34", basis: str = "self",
                   dataset: str | None = None) -> pd.DataFrame:
    """The current inputs of ONE dataset ('own' or 'sample'; None = the group's default dataset)."""
    return _current_inputs(framework_id, group, data_version(), basis, dataset)


@st.cache_data(show_spinner=False)
def _scores(framework_id: str, group: str, version: int, basis: str = "self", dataset: str | None = None):
    inputs = _current_inputs(framework_id, group, version, basis, dataset)
    if inputs.empty:
        return None
    level, _ = split_group(group)
    fw = framework_view(framework_id, level)
    inputs = inputs.loc[inputs["indicator"].isin([leaf.code for leaf in fw.leaves])]
    return score(fw, inputs, strict=False)


def scores(framework_id: str, group: str = "34", basis: str = "self", dataset: str | None = None):
    """The ScoreResult of every entity-year with inputs in ONE dataset of the store (None when there are
    none). A unit group ("<level>@<province>") is scored on the framework as that level sees it."""
    return _scores(framework_id, group, data_version(), basis, dataset)


@st.cache_data(show_spinner=False)
def _datasets(framework_id: str, group: str, version: int, basis: str | None) -> list[str]:
    return store().datasets(framework_id, group, basis)


def datasets(framework_id: str, group: str, basis: str | None = None) -> list[str]:
    """The datasets ('own', 'sample') with values for the framework and group, 'own' first."""
    return _datasets(framework_id, group, data_version(), basis)


@st.cache_data(show_spinner=False)
def _bases(framework_id: str, group: str, version: int) -> list[str]:
    return store().bases(framework_id, group)


def bases(framework_id: str, group: str) -> list[str]:
    return _bases(framework_id, group, data_version())


@st.cache_data(show_spinner=False)
def _units(version: int) -> pd.DataFrame:
    return store().units()


def units(province: str | None = None) -> pd.DataFrame:
    df = _units(data_version())
    return df if province is None else df.loc[df["province"] == province]


@st.cache_data(show_spinner=False)
def _criterion_leads(framework_id: str, province: str, version: int, stamp: str) -> pd.DataFrame:
    return store().criterion_leads(framework_id, province)


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


@st.cache_data(show_spinner=False)
def _flags(framework_id: str, group: str, version: int, basis: str, dataset: str | None) -> pd.DataFrame:
    return store().flags_by_year(framework_id, group, basis, dataset)


def flags_by_year(framework_id: str, group: str = "34", basis: str = "self",
                  dataset: str | None = None) -> pd.DataFrame:
    """year, flag, n of the current values of one dataset."""
    return _flags(framework_id, group, data_version(), basis, dataset)


@st.cache_data(show_spinner=False)
def _published(version: int) -> pd.DataFrame:
    return store().published_results()


def published() -> pd.DataFrame:
    return _published(data_version())


@st.cache_data(show_spinner=False)
def _entities(group: str, version: int) -> pd.DataFrame:
    return store().entities(group)


def entities(group: str = "34") -> pd.DataFrame:
    return _entities(group, data_version())


@st.cache_data(show_spinner=False)
def _plan_values(framework_id: str, version: int) -> pd.DataFrame:
    return store().plan_values(framework_id)


def plan_values(framework_id: str = DEFAULT_FRAMEWORK) -> pd.DataFrame:
    return _plan_values(framework_id, data_version())


def import_log() -> pd.DataFrame:
    return store().import_log()


@st.cache_data(show_spinner=False)
def _plan_targets(version: int, province: str | None) -> pd.DataFrame:
    return store().plan_targets(province)


def plan_targets(province: str | None = None) -> pd.DataFrame:
    """Plan targets; with `province`, only the plans of that province (a plan belongs to its province)."""
    return _plan_targets(data_version(), province)


@st.cache_data(show_spinner=False)
def _target_progress(version: int) -> pd.DataFrame:
    return store().target_progress()


def target_progress() -> pd.DataFrame:
    return _target_progress(data_version())

