"""The steering-committee briefing from the store, for the command line (no Streamlit)."""
from __future__ import annotations
import storage.plans
import storage.inputs

import json
from pathlib import Path

import pandas as pd

from dashboard import analysis, briefing, charts
from dashboard import fmt as number_format
from dashboard.i18n import name_of, t
from office.bootstrap import ensure_default_data
from storage.db import Store, default_db_path
from scoring import load_framework, score
from scoring.framework import available_frameworks

ROOT = Path(__file__).resolve().parents[1]
GEO_34 = ROOT / "data" / "geo" / "vn_provinces_34.geojson"


class RequestError(ValueError):
    """A request the briefing cannot answer (unknown framework, province or year); message for people."""


def geojson_34() -> dict | None:
    """The 34 province outlines when the geographic map exists (charts.province_map), else None."""
    if GEO_34.exists() and hasattr(charts, "province_map"):
        return json.loads(GEO_34.read_text(encoding="utf-8"))
    return None


def make_briefing(framework_id: str, entity: str, year: int, *, lang: str = "vi", fmt: str = "pptx",
                  db: str | None = None) -> bytes:
    """The briefing's bytes (.pptx, or .pdf through LibreOffice) for one province and year."""
    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    if framework_id not in available_frameworks():
        raise RequestError(tr("ui.briefing.cli_no_framework", framework=framework_id,
                              known=", ".join(sorted(available_frameworks()))))
    store = Store(db or default_db_path())
    try:
        ensure_default_data(store)
        fw = load_framework(framework_id)
        inputs = storage.inputs.current_inputs(store, framework_id, "34")
        published = storage.inputs.published_results(store)
        entities63 = storage.inputs.entities(store, "63")
        plan_values = storage.inputs.plan_values(store, framework_id)
        saved = storage.plans.effort_weights(store, framework_id)
    finally:
        close = getattr(store, "close", None)
        if close:
            close()
    if inputs.empty:
        raise RequestError(tr("ui.briefing.cli_no_data", framework=framework_id))
    inputs = inputs.loc[inputs["indicator"].isin([leaf.code for leaf in fw.leaves])]
    result = score(fw, inputs, strict=False)
    totals = result.total(year) if year in set(result.rows["year"]) else pd.DataFrame(columns=["entity"])
    if entity not in set(totals["entity"]):
        years = sorted(int(y) for y in result.rows["year"].unique())
        raise RequestError(tr("ui.briefing.cli_no_entity", entity=entity, year=year,
                              years=", ".join(map(str, years))))
    flags = sorted(set(inputs.loc[pd.to_numeric(inputs["year"]) == year, "flag"].dropna().astype(str)))
    inp = briefing.prepare(result, entity, year, inputs, plan_values, flags, lang, name_of, tr,
                           baseline=analysis.baseline_2024(published, entities63),
                           history=analysis.published_history_34(published, entities63),
                           difficulty=dict(zip(saved["code"], saved["cost_per_point"].astype(float))),
                           geojson=geojson_34())
    pptx = briefing.build_briefing(inp, tr, lambda v, d: fmt_number(v, d, lang))
    return briefing.to_pdf(pptx, tr) if fmt == "pdf" else pptx


def fmt_number(v, d, lang):
    return number_format.number(v, d, lang)
