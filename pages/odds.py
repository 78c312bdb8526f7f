"""Khả năng xếp hạng — probability of reaching the top 20 / top 15 given the others' uncertain progress."""
import pandas as pd
import streamlit as st

from dashboard import charts, data, fmt, tables, widgets
from scoring import montecarlo

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
if widgets.page_start(ctx, ctx.t("ui.odds.title", entity=sel.focus, year=sel.year or "")):
    result, year = ctx.result, sel.year
    totals = result.total(year).set_index("entity")["points"]
    if sel.focus not in totals.index:
        st.info(ctx.t("ui.empty.focus_not_scored", entity=sel.focus))
        st.stop()
    c1, c2, c3 = st.columns(3)
    method = c1.radio(ctx.t("ui.odds.method"), ["normal", "bootstrap"], key="odds_method",
                      format_func=lambda m: ctx.t(f"ui.odds.method_{m}"))
    sd = c2.slider(ctx.t("ui.odds.sd"), 5, 60, 20, step=5, key="odds_sd", disabled=method != "normal",
                   help=ctx.t("ui.odds.sd_help"))
    focus_points = c3.number_input(ctx.t("ui.odds.focus_points"), 0.0, float(ctx.framework.max_points),
                                   float(round(totals[sel.focus], 2)), step=5.0, key="odds_focus_points",
                                   help=ctx.t("ui.odds.focus_points_help"))
    changes = montecarlo.published_changes(data.published()) * ctx.framework.max_points
    sim = data.rank_odds(sel.framework_id, year, sel.focus, focus_points, method=method, sd=float(sd))  # cached
    m1, m2, m3 = st.columns(3)
    m1.metric(ctx.t("ui.odds.p_top", n=20), fmt.percent(sim.p_top(20), 1, lang))
    m2.metric(ctx.t("ui.odds.p_top", n=15), fmt.percent(sim.p_top(15), 1, lang))
    best, worst = sim.band(0.8)
    m3.metric(ctx.t("ui.odds.band"), f"{best}–{worst}")
    st.info(montecarlo.rank_band_note(sim, lang), icon=":material/insights:")
    if method == "bootstrap":
        st.caption(ctx.t("ui.odds.bootstrap_note", n=len(changes)))
    widgets.chart(charts.rank_distribution(pd.Series(sim.ranks), lang=lang, title=ctx.t("ui.odds.distribution"),
                                           x_title=ctx.t("ui.common.rank"), y_title=ctx.t("ui.odds.share")),
                  key="odds_dist")
    st.subheader(ctx.t("ui.odds.competitors"))
    comp = sim.competitors(6)
    st.dataframe(tables.localise(pd.DataFrame({
        ctx.t("ui.common.province"): comp["entity"],
        ctx.t("ui.odds.p_above"): comp["p_above"],
        ctx.t("ui.common.points"): comp["base_points"],
        ctx.t("ui.odds.gap"): comp["gap"],
    }), lang), hide_index=True, width="stretch")
    st.caption(ctx.t("ui.odds.method_note", draws="10.000" if lang == "vi" else "10,000"))
