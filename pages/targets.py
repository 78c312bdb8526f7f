"""Mục tiêu & phân công — target points per indicator (seed 001) against the current points, and the
view a steering committee goes through agency by agency."""
import pandas as pd
import streamlit as st

from dashboard import analysis, charts, data, tables, widgets

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.targets.title", entity=sel.focus, year=sel.year or ""))
if widgets.need_scores(ctx):
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
        ctx.t("ui.methodology.code"): mine["code"],
        ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in mine["code"]],
        ctx.t("ui.targets.points"): mine["points"],
        ctx.t("ui.targets.max"): mine["max_points"],
        ctx.t("ui.targets.target"): mine["target_points"],
        ctx.t("ui.targets.target_scale"): mine["target_denominator"],
        ctx.t("ui.targets.target_gap"): mine["target_gap"],
        ctx.t("ui.targets.status"): [ctx.t(f"ui.targets.status_{s}") for s in mine["status"]],
    })
    st.dataframe(tables.localise(view, lang), hide_index=True, width="stretch")
    widgets.chart(charts.target_bars(progress, ctx.labels([c for c in progress["code"]]), lang,
                                     title=ctx.t("ui.targets.chart"), names={
                                         k: ctx.t(f"ui.targets.{k}") for k in ("points", "target", "max")}),
                  key="target_chart")
    st.caption(ctx.t("ui.targets.other_plans"))
