"""The figures of the steering-committee briefing, gathered from the store (no Streamlit).

`gather(store, framework_id, entity, year, lang=..., dataset=..., target_ranks=...)` is the only way in:
the Overview page and `python -m reports briefing` both call it (through `reports.briefing.build_deck`)
with the same arguments, so they get the same figures. Plans: the first target in `year`
(`scoring.planning.make_plan`) and the second target the year after (`scoring.plan2y.two_year_plan_from_inputs`, the one two-year model).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import storage.inputs
import storage.plans
from dashboard import analysis, fmt, plan_text, provenance
from dashboard.i18n import label_of, t
from scoring import load_framework, montecarlo, planning, score
from scoring import plan_settings
from scoring.framework import available_frameworks
from scoring.plan2y import two_year_plan_from_inputs

ROOT = Path(__file__).resolve().parents[2]
GEO_34 = ROOT / "data" / "geo" / "vn_provinces_34.geojson"
WHAT_ON_SLIDE = 120  # characters of a figure's meaning in a slide's action (the column is wide)


class RequestError(ValueError):
    """A request the briefing cannot answer (unknown framework, province or year); message for people."""


@dataclass
class BriefingInput:
    entity: str
    year: int
    lang: str
    framework_name: str
    max_points: float
    overview: object  # dashboard.analysis.Overview
    band: tuple[int, int]
    band_note: str
    group_size: int  # provinces in the group (34); ov.n_ranked < group_size: a partial field
    main_labels: dict[str, str]
    origin: list[str]  # provenance kinds of this year's figures (e.g. ["sample"])
    published: list[str]  # the published 2024 line, each figure with its kind
    target_ranks: tuple[int, int]
    plan1: object | None  # planning.Plan to target_ranks[0] in `year`
    plan2: object | None  # planning.Plan (second year of the two-year plan) to target_ranks[1] in year + 1
    plan2_reachable: bool
    rows1: pd.DataFrame
    rows2: pd.DataFrame
    plan_agencies: pd.DataFrame
    ranking: pd.DataFrame  # entity, points, rank
    radar: pd.DataFrame
    radar_names: dict[str, str]
    history: pd.DataFrame  # published history of the focus before `year`
    main_cutoffs: pd.DataFrame  # code, focus, rank_<n> (points)
    cutoff_entities: dict[int, str]
    geojson: dict | None
    growth_note: str
    strengths: list[str] = field(default_factory=list)  # "code. name (reached %)" of the strengths


def geojson_34() -> dict | None:
    return json.loads(GEO_34.read_text(encoding="utf-8")) if GEO_34.exists() else None


def gather(store, framework_id: str, entity: str, year: int, *, lang: str = "vi", dataset: str | None = None,
           target_ranks: tuple[int, int] = (20, 15)) -> BriefingInput:
    """Everything the briefing shows, for one province and year of one dataset ('own'/'sample'; None = the
    store's default), on the province's own basis ('self')."""
    from office.bootstrap import ensure_default_data

    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    if framework_id not in available_frameworks():
        raise RequestError(tr("ui.briefing.cli_no_framework", framework=framework_id,
                              known=", ".join(sorted(available_frameworks()))))
    ensure_default_data(store)
    fw = load_framework(framework_id)
    inputs = storage.inputs.current_inputs(store, framework_id, "34", "self", dataset)
    published = storage.inputs.published_results(store)
    e63 = storage.inputs.entities(store, "63")
    group_size = len(storage.inputs.entities(store, "34")) or 34
    plan_values = storage.inputs.plan_values(store, framework_id)
    saved = storage.plans.effort_weights(store, framework_id)
    if inputs.empty:
        raise RequestError(tr("ui.briefing.cli_no_data", framework=framework_id))
    inputs = inputs.loc[inputs["indicator"].isin([leaf.code for leaf in fw.leaves])]
    result = score(fw, inputs, strict=False)
    totals_all = result.total(year) if year in set(result.rows["year"]) else pd.DataFrame(columns=["entity"])
    if entity not in set(totals_all["entity"]):
        years = sorted(int(y) for y in result.rows["year"].unique())
        raise RequestError(tr("ui.briefing.cli_no_entity", entity=entity, year=year,
                              years=", ".join(map(str, years))))
    year_rows = inputs.loc[pd.to_numeric(inputs["year"], errors="coerce") == year]
    flags = sorted(set(year_rows["flag"].dropna().astype(str))) if "flag" in year_rows else []
    difficulty = dict(zip(saved["code"], saved["cost_per_point"].astype(float)))
    del plan_values  # the plan's targets are the target ranks; plan_values feed the Targets page
    return prepare(result, entity, year, inputs, flags, lang, group_size,
                   baseline=analysis.baseline_2024(published, e63),
                   history=analysis.published_history_34(published, e63),
                   target_ranks=tuple(target_ranks), difficulty=difficulty, geojson=geojson_34())


def prepare(result, entity: str, year: int, inputs: pd.DataFrame, flags: list[str], lang: str, group_size: int,
            baseline=None, history=None, target_ranks=(20, 15), difficulty=None, geojson=None) -> BriefingInput:
    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    fw = result.framework
    n1, n2 = target_ranks
    ov = analysis.overview(result, entity, year, target_ranks)
    totals = result.total(year).set_index("entity")["points"]
    sim = montecarlo.simulate_ranks(totals, entity, n_draws=10_000, seed=2025, sd=0.02 * fw.max_points,
                                    max_total=fw.max_points)
    year_inputs = inputs.loc[pd.to_numeric(inputs["year"], errors="coerce") == year]
    caps = planning.growth_caps(planning.growth_from_history(fw, plan_text.history_basis(inputs, entity, year),
                                                             entity, year))
    plan1 = plan2 = None
    plan2_ok = False
    if ov.n_ranked >= n1:
        plan1 = planning.make_plan(fw, year_inputs, entity, year, target_rank=n1, max_growth=caps,
                                   difficulty=difficulty or {})
    if ov.n_ranked >= n2:
        # the one two-year model (page "Kế hoạch", its annex and `scoring plan --targets` call the same function)
        two = two_year_plan_from_inputs(fw, inputs, entity, {year: n1, year + 1: n2}, max_growth=caps or "history",
                                        difficulty=difficulty or None)
        second = two.actions.loc[two.actions["year"] == year + 1] if "year" in two.actions else two.actions
        plan2 = planning.Plan(
            entity=entity, year=year + 1, target_kind="rank", target=float(n2), required_points=float("nan"),
            reachable=bool(two.reachable), best_reachable_rank=(two.best_ranks[1] if len(two.best_ranks) > 1 else None),
            total_before=float(two.total1), total_after=float(two.total2), rank_before=int(two.rank1 or 0),
            rank_after=int(two.rank2 or 0), cost=float(second["cost"].sum()) if "cost" in second else float("nan"),
            actions=second.reset_index(drop=True), n_ranked=int(ov.n_ranked), effort="relative")
        plan2_ok = bool(two.reachable)
    rows1 = plan_text.action_rows(plan1, fw, lang, tr, limit=WHAT_ON_SLIDE)
    rows2 = plan_text.action_rows(plan2, fw, lang, tr, limit=WHAT_ON_SLIDE)
    main_codes = [m.code for m in fw.main_indices()]
    radar = analysis.radar_series(result, year, entity, main_codes, target_rank=n1)
    who = analysis.radar_entities(result, year, target_rank=n1)
    radar_names = {"focus": entity, "average": tr("ui.pillars.average", avg_scope_cap=tr("ui.scope.avg_cap_province")), "best": tr("ui.pillars.best", entity=who["best"])}
    if who.get("cutoff"):
        radar_names["cutoff"] = tr("ui.pillars.cutoff", n=n1, entity=who["cutoff"])
    table = result.table(year)
    ordered = totals.sort_values(ascending=False)

    def pts(e, c):
        return float(table.loc[(table["entity"] == e) & (table["code"] == c), "points"].iloc[0])

    cut = {"code": main_codes, "focus": [pts(entity, c) for c in main_codes]}
    cutoff_entities = {}
    for n in target_ranks:
        if len(ordered) >= n:
            cutoff_entities[n] = ordered.index[n - 1]
            cut[f"rank_{n}"] = [pts(ordered.index[n - 1], c) for c in main_codes]
    hist = pd.DataFrame(columns=analysis.HISTORY_COLUMNS)
    if history is not None and len(history):
        keep = (history["entity"] == entity) & (history["year"] < year)
        if "entity_group" in history:
            keep &= history["entity_group"] == "34"
        hist = history.loc[keep]
    growth_note = tr("ui.briefing.growth_note", min=fmt.percent(plan_settings.MIN_GROWTH, 0, lang),
                     max=fmt.percent(plan_settings.MAX_HISTORY_GROWTH, 0, lang),
                     default=fmt.percent(plan_settings.DEFAULT_GROWTH, 0, lang))
    plans = {str(n1): plan1, str(n2): plan2}
    strengths, _ = analysis.strengths_and_weaknesses(result, entity, year)
    return BriefingInput(
        entity=entity, year=year, lang=lang, framework_name=fw.name_en if lang == "en" else fw.name_vi,
        max_points=fw.max_points, overview=ov, band=sim.band(0.8), band_note=montecarlo.rank_band_note(sim, lang),
        group_size=group_size,
        main_labels={m.code: label_of(m, lang) for m in fw.main_indices()},
        origin=[provenance.kind_of(f) or f for f in flags], published=published_lines(baseline, entity, lang),
        target_ranks=(n1, n2), plan1=plan1, plan2=plan2, plan2_reachable=plan2_ok, rows1=rows1, rows2=rows2,
        plan_agencies=plan_text.by_agency({k: p for k, p in plans.items() if p is not None}, fw, lang, tr),
        ranking=result.total(year)[["entity", "points", "rank"]], radar=radar, radar_names=radar_names,
        history=hist, main_cutoffs=pd.DataFrame(cut), cutoff_entities=cutoff_entities, geojson=geojson,
        growth_note=growth_note,
        strengths=[f"{label_of(fw.nodes[r['code']], lang)} ({fmt.percent(r['value'], 0, lang)})"
                   for _, r in strengths.iterrows()])


def published_lines(baseline, entity: str, lang: str) -> list[str]:
    """The entity's 2024 baseline as one line: rank and value, each with its kind in words."""
    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    if baseline is None or entity not in set(baseline["entity"]):
        return []
    r = baseline.loc[baseline["entity"] == entity].iloc[0]
    rank = "—" if pd.isna(r["rank"]) else fmt.rank(r["rank"], r["n_ranked"])
    return [tr("ui.briefing.published_2024", rank=rank, rank_kind=analysis.kind_words(r["rank_kind"], tr) or "—",
               value=fmt.number(r["value"], 4, lang),
               value_kind=analysis.kind_words(r["value_kind"], tr, r["constituent_kinds"]) or "—")]
