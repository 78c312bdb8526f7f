"""Xu hướng — totals and main indices over the years, rank trajectories, slope chart, movers, history."""
import streamlit as st

from dashboard import analysis, charts, data, fmt, provenance, tables, widgets

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.trends.title", entity=sel.focus if sel.group != "63" else ""))
if not sel.is_province:
    widgets.group_note(ctx)
if widgets.need_scores(ctx):
    result = ctx.result
    years = analysis.years_of(result)
    widgets.origin_badge(ctx, None)
    # A province's own figures are drawn beside its published history (the 34 group, 2020–2024): never
    # SAMPLE beside real results (SAMPLE is compared with SAMPLE only; the published history is below).
    with_published = sel.is_province and not sel.is_sample
    others = [e for e in analysis.entities_of(result) if e != sel.focus]
    if with_published:
        others = sorted(set(others) | set(data.entities("34")["name"]) - {sel.focus})
    compare = st.multiselect(ctx.t("ui.trends.compare"), others, key="trend_compare", max_selections=5,
                             placeholder=ctx.t("ui.trends.compare_placeholder"))
    totals = analysis.trend_table(result, ["total"])
    if with_published:
        shown = [sel.focus, *compare]
        pub = analysis.published_beside_own(data.published_history_34(), shown,
                                            ctx.framework.max_points)
        colors = charts.trend_colors(sel.focus, compare)
        pub_names = {e: ctx.t("ui.trends.published_series", entity=e) for e in shown}
        breaks = {y: ctx.t("ui.trends.series_break", year=y) for y in analysis.METHOD_BREAKS}
        drawn = pub.dropna(subset=["points", "rank"], how="all")
        span = (int(min(drawn["year"].min(), min(years))) if len(drawn) else min(years), max(years))
        both = f"{st.session_state.get('_origin_text', '')} {ctx.t('ui.origin.published_beside')}".strip()

        def kind(k) -> str:
            return provenance.label(k, lang) or "—"

        def hover_points(r) -> str:
            return ctx.t("ui.trends.published_hover_points", entity=r["entity"], year=int(r["year"]),
                         points=fmt.number(r["points"], 2, lang), kind=kind(r["value_kind"]))

        def hover_rank(r) -> str:
            return ctx.t("ui.trends.published_hover_rank", entity=r["entity"], year=int(r["year"]),
                         rank=fmt.rank(r["rank"], r["n_ranked"]), kind=kind(r["rank_kind"]))

        st.caption(ctx.t("ui.trends.own_beside_published", own=provenance.label("self_assessed", lang),
                         published=", ".join(provenance.label(k, lang) for k in provenance.PUBLISHED_KINDS),
                         derived=provenance.label("derived_mean", lang)))
    elif len(years) < 2:
        st.info(ctx.t("ui.trends.one_year"))
    fig = charts.trend_lines(totals, sel.focus, highlight=compare, lang=lang,
                             title=ctx.t("ui.trends.total_lines"), y_title=ctx.t("ui.common.points"))
    if with_published:
        charts.add_published_history(fig, pub, "points", colors, pub_names, kind, hover_points, breaks, span)
    widgets.chart(fig, key="trend_total", origin=both if with_published else True)
    main_codes = [m.code for m in ctx.framework.main_indices()]
    mains = analysis.trend_table(result, main_codes)
    mine = mains.loc[mains["entity"] == sel.focus].assign(series=lambda d: d["code"].map(ctx.labels(main_codes)))
    widgets.chart(charts.main_index_lines(mine, lang, title=ctx.t("ui.trends.main_lines", entity=sel.focus),
                                          y_title=ctx.t("ui.common.points")), key="trend_main")
    if with_published and mine["year"].nunique() < 2:
        st.caption(ctx.t("ui.trends.main_new_method"))
    ranks = totals
    if with_published:  # a rank among the few provinces with own figures (1/1) is not a rank of the 34
        ranks, partial = analysis.comparable_ranks(totals, len(data.entities("34")))
        if partial:
            st.caption(ctx.t("ui.trends.rank_partial", years=", ".join(map(str, partial)),
                             n=fmt.number(len(data.entities("34")), 0, lang)))
    fig = charts.rank_trajectories(ranks, sel.focus, highlight=compare, lang=lang,
                                   title=ctx.t("ui.trends.rank_lines"), y_title=ctx.t("ui.common.rank"))
    if with_published:
        charts.add_published_history(fig, pub, "rank", colors, pub_names, kind, hover_rank, breaks, span)
        fig.update_yaxes(autorange=False, range=[len(data.entities("34")) + 0.5, 0.5])  # the whole 1–34 scale
    widgets.chart(fig, key="trend_rank", origin=both if with_published else True)
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
e63 = data.entities("63")
history = analysis.published_history(data.published(), e63)
merged_into = e63.set_index("name")["merged_into"]
if sel.group == "34":
    focus34 = sel.focus
    # The constituent that gave the new province its name first (the focus line), then the others.
    focus63 = sorted(merged_into.index[merged_into == sel.focus], key=lambda n: (n != sel.focus, n))
else:
    focus34, focus63 = merged_into.get(sel.focus), [sel.focus]
kinds = set(history["value_kind"].dropna()) | set(history["rank_kind"].dropna())
kind_labels = {k: tables.kind_words(k, lang) for k in kinds}
breaks = {y: ctx.t("ui.trends.series_break", year=y) for y in analysis.METHOD_BREAKS}
st.caption(ctx.t("ui.trends.markers"))


def show_group(group: str, focus: list[str], title: str, peers_label: str) -> None:
    st.markdown(f"#### {title}")
    names = sorted(set(history.loc[history["entity_group"] == group, "entity"]) - set(focus))
    peers = st.multiselect(peers_label, names, key=f"hist_peers{group}", max_selections=5,
                           placeholder=ctx.t("ui.trends.compare_placeholder"))
    shown = focus + peers
    widgets.chart(charts.history_chart(history.loc[history["entity_group"] == group], shown, kind_labels,
                                       breaks=breaks, lang=lang, rank_word=ctx.t("ui.common.rank"),
                                       number=lambda v, d: fmt.number(v, d, lang)),
                  key=f"trend_history{group}", origin=ctx.t("ui.origin.published"))
    rows = analysis.history_of(history, group, shown)
    st.dataframe(tables.localise(tables.history_table(rows, lang, with_constituents=group == "34"), lang),
                 hide_index=True, width="stretch")


if focus34:
    show_group("34", [focus34], ctx.t("ui.trends.group34", entity=focus34), ctx.t("ui.trends.peers34"))
else:
    st.info(ctx.t("ui.trends.no_focus34", entity=sel.focus))
show_group("63", focus63, ctx.t("ui.trends.group63", entities=", ".join(focus63)), ctx.t("ui.trends.peers63"))

with st.expander(ctx.t("ui.trends.all34")):
    years34 = sorted(int(y) for y in history.loc[history["entity_group"] == "34", "year"].unique())
    year34 = st.selectbox(ctx.t("ui.common.year"), years34, index=len(years34) - 1, key="hist_all34_year")
    rows34 = history.loc[(history["entity_group"] == "34") & (history["year"] == year34)]
    rows34 = rows34.sort_values(["rank", "entity"], na_position="last")
    st.dataframe(tables.localise(tables.history_table(rows34, lang, with_constituents=True), lang), hide_index=True,
                 width="stretch", height=420)
