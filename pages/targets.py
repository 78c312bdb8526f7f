"""Mục tiêu & phân công — target points per indicator (seed 001) against the current points, and the
view a steering committee goes through agency by agency."""
import pandas as pd
import streamlit as st

from dashboard import analysis, charts, data, fmt, tables, widgets
from loaders.targets import progress_table as plan_progress


def fmt_target(value, kind):
    if pd.isna(value):
        return "—"
    return fmt.percent(value, 0, ctx.lang) if kind in ("percent", "share_of_grdp") else fmt.number(value, 0, ctx.lang)



ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.targets.title", entity=sel.focus, year=sel.year or ""))
if not sel.is_province:
    st.caption(ctx.t("ui.targets.units_note"))
elif widgets.need_scores(ctx):
    result, year = ctx.result, sel.year
    widgets.origin_badge(ctx, year)
    plan = data.plan_values(fw.id)
    plan = plan.loc[plan["entity"] == sel.focus] if not plan.empty else plan
    if plan.empty:
        st.info(ctx.t("ui.targets.no_plan", entity=sel.focus))
    else:
        st.caption(ctx.t("ui.targets.plan_note"))
    progress = analysis.target_progress(result, sel.focus, year, plan)
    summary = analysis.agency_summary(progress)

    st.subheader(ctx.t("ui.targets.by_agency"))
    agency_view = pd.DataFrame({
        ctx.t("ui.targets.agency"): [a or ctx.t("ui.methodology.unknown_agency") for a in summary["agency"]],
        ctx.t("ui.targets.indicators"): summary["indicators"],
        ctx.t("ui.targets.points"): summary["points"],
        ctx.t("ui.targets.max"): summary["max_points"],
        ctx.t("ui.targets.missing"): summary["missing"],
        ctx.t("ui.targets.target_gap"): summary["target_gap"],
        ctx.t("ui.targets.not_met"): summary["not_met"],
    })
    st.dataframe(tables.localise(agency_view, lang), hide_index=True, width="stretch")

    agencies = list(summary["agency"])
    pick = st.selectbox(ctx.t("ui.targets.pick_agency"), agencies, key="target_agency",
                        format_func=lambda a: a or ctx.t("ui.methodology.unknown_agency"))
    mine = progress.loc[progress["lead_agency"].map(analysis.split_agencies).map(lambda lst: pick in lst)]
    view = pd.DataFrame({
        ctx.t("ui.methodology.code"): mine["code"].map(ctx.code),
        ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in mine["code"]],
        ctx.t("ui.targets.points"): mine["points"],
        ctx.t("ui.targets.max"): mine["max_points"],
        ctx.t("ui.targets.target"): mine["target_points"],
        ctx.t("ui.targets.target_printed"): [
            "—" if pd.isna(p) else (fmt.number(p, 2, lang).rstrip("0").rstrip(",.") +
                                    ("" if pd.isna(d) else "/" + fmt.number(d, 0, lang)))
            for p, d in zip(mine["target_printed"], mine["target_denominator"])],
        ctx.t("ui.targets.target_gap"): mine["target_gap"],
        ctx.t("ui.targets.status"): [ctx.t(f"ui.targets.status_{s}") for s in mine["status"]],
    })
    st.dataframe(tables.localise(view, lang), hide_index=True, width="stretch")
    widgets.lead_assignment(ctx, sel.focus)  # plans link here for criteria the document names no lead for
    widgets.chart(charts.target_bars(progress, ctx.labels([c for c in progress["code"]]), lang,
                                     title=ctx.t("ui.targets.chart"), names={
                                         k: ctx.t(f"ui.targets.{k}") for k in ("points", "target", "max")}),
                  key="target_chart",
                  origin=f"{st.session_state.get('_origin_text', '')} {ctx.t('ui.origin.plan_targets')}".strip())

owner = sel.focus if sel.is_province else sel.province
st.subheader(ctx.t("ui.targets.plans_title", province=owner))
targets = data.plan_targets(owner) if sel.group != "63" else data.plan_targets().iloc[0:0]
if targets.empty:
    st.info(ctx.t("ui.targets.plans_empty", province=owner))
else:
    st.caption(ctx.t("ui.targets.plans_note"))
    table = plan_progress(targets, data.target_progress())
    f1, f2 = st.columns(2)
    plans = sorted(table["plan_id"].unique())
    plan_pick = f1.selectbox(ctx.t("ui.targets.plan"), plans, key="target_plan",
                             format_func=lambda p: ctx.t(f"ui.targets.plan_{p}"))
    levels = [lv for lv in ("province", "district", "commune") if lv in set(table["level"])]
    level_pick = f2.multiselect(ctx.t("ui.targets.level"), levels, default=levels, key="target_levels",
                                format_func=lambda lv: ctx.t(f"ui.targets.level_{lv}"),
                                placeholder=ctx.t("ui.targets.level_none"))
    shown = table.loc[(table["plan_id"] == plan_pick) & table["level"].isin(level_pick)]
    view = pd.DataFrame({
        ctx.t("ui.methodology.code"): shown["target_id"],
        ctx.t("ui.targets.level"): [ctx.t(f"ui.targets.level_{lv}") for lv in shown["level"]],
        ctx.t("ui.targets.target_text"): shown["text_en"] if lang == "en" else shown["text_vi"],
        ctx.t("ui.targets.target"): [fmt_target(v, k) for v, k in zip(shown["target_value"], shown["metric_kind"])],
        ctx.t("ui.common.year"): shown["target_year"].astype("Int64"),
        ctx.t("ui.targets.latest"): [fmt_target(v, k) for v, k in zip(shown["latest_value"], shown["metric_kind"])],
        ctx.t("ui.targets.status"): [ctx.t(f"ui.targets.pstatus_{x}") for x in shown["status"]],
        ctx.t("ui.targets.agency"): shown["lead_agency"].fillna(""),
    })
    st.dataframe(view, hide_index=True, width="stretch")
