"""Xu hướng — totals and main indices over the years, rank trajectories, slope chart, movers, history."""
import streamlit as st

from dashboard import analysis, charts, data, tables, widgets

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.trends.title", entity=sel.focus if sel.group != "63" else ""))
widgets.group_note(ctx) if not sel.is_province else None
if widgets.need_scores(ctx):
    result = ctx.result
    years = analysis.years_of(result)
    widgets.origin_badge(ctx, None)
    others = [e for e in analysis.entities_of(result) if e != sel.focus]
    compare = st.multiselect(ctx.t("ui.trends.compare"), others, key="trend_compare", max_selections=5,
                             placeholder=ctx.t("ui.trends.compare_placeholder"))
    totals = analysis.trend_table(result, ["total"])
    if len(years) < 2:
        st.info(ctx.t("ui.trends.one_year"))
    widgets.chart(charts.trend_lines(totals, sel.focus, highlight=compare, lang=lang,
                                     title=ctx.t("ui.trends.total_lines"), y_title=ctx.t("ui.common.points")),
                  key="trend_total")
    main_codes = [m.code for m in ctx.framework.main_indices()]
    mains = analysis.trend_table(result, main_codes)
    mine = mains.loc[mains["entity"] == sel.focus].assign(series=lambda d: d["code"].map(ctx.labels(main_codes)))
    widgets.chart(charts.main_index_lines(mine, lang, title=ctx.t("ui.trends.main_lines", entity=sel.focus),
                                          y_title=ctx.t("ui.common.points")), key="trend_main")
    widgets.chart(charts.rank_trajectories(totals, sel.focus, highlight=compare, lang=lang,
                                           title=ctx.t("ui.trends.rank_lines"), y_title=ctx.t("ui.common.rank")),
                  key="trend_rank")
    if len(years) >= 2:
        a, b = years[-2], years[-1]
        left, right = st.columns([3, 2])
        with left:
            widgets.chart(charts.slope_chart(totals, a, b, sel.focus, lang=lang,
                                             title=ctx.t("ui.trends.slope", a=a, b=b)), key="trend_slope")
        with right:
            st.subheader(ctx.t("ui.trends.movers", a=a, b=b))
            movers = analysis.biggest_movers(result, b)
            for direction in ("up", "down"):
                part = movers.loc[movers["direction"] == direction]
                st.markdown(f"**{ctx.t('ui.trends.' + direction)}**")
                raw = tables.movers_frame(part, lang)
                st.dataframe(tables.localise(raw, lang), hide_index=True, width="stretch")

if not sel.is_province:
    st.stop()  # the published history is of provinces
st.subheader(ctx.t("ui.trends.history"))
st.caption(ctx.t("ui.trends.history_note"))
history = analysis.published_history_34(data.published(), data.entities("63"))
focus_hist = history.loc[history["entity"] == sel.focus] if sel.group == "34" else history.iloc[0:0]
widgets.chart(charts.history_chart(history, sel.focus, {b: ctx.t(f"ui.trends.basis_{b}") for b in
                                                         ("published_34", "mapped_from_63")},
                                   break_label=ctx.t("ui.trends.series_break"), lang=lang), key="trend_history")
st.dataframe(tables.localise(tables.history_frame(history, lang), lang), hide_index=True, width="stretch",
             height=320)
