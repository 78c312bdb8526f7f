"""Xếp hạng — the full table, sortable, with rank changes, a bar chart, a tile map and downloads."""
import pandas as pd
import streamlit as st

from dashboard import analysis, charts, data, fmt, tables, widgets

STYLED_ROWS_MAX = 500  # above this the table is not styled (the focus row is named, not coloured)

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
island_labels = {fid: ctx.t(f"ui.map.{key}") for fid, key in charts.ARCHIPELAGO_LABEL_KEYS.items()}

if sel.is_province and sel.group == "63":
    # Published results only (no score, no SAMPLE): the table and the map below are drawn from the SAME rows.
    st.title(ctx.t("ui.rankings.published_title"))
    st.info(ctx.t("ui.badge.published"), icon=":material/verified:")
    st.caption(ctx.t("ui.rankings.published_note"))
    hist = analysis.published_history_63(data.published())
    years = sorted(int(y) for y in hist["year"].unique())
    # The page's year is the sidebar's when the 63 provinces have results for it; otherwise the page's own
    # box, named as such, starts at the latest published year (and says why).
    default = sel.year if sel.year in years else years[-1]
    if st.session_state.get("pub_year_sidebar") != sel.year or st.session_state.get("pub_year") not in years:
        st.session_state["pub_year"] = default
        st.session_state["pub_year_sidebar"] = sel.year
    year = st.selectbox(ctx.t("ui.rankings.published_year"), years, key="pub_year")
    if sel.year is not None and sel.year not in years:
        st.caption(ctx.t("ui.rankings.published_year_note", year=sel.year, last=years[-1]))
    rows = analysis.published_year_rows(hist, year)
    shown = tables.history_table(rows, lang).drop(columns=[ctx.t("ui.common.year")])
    st.dataframe(tables.localise(shown, lang), hide_index=True, width="stretch", height=560)
    tables.download_buttons(shown, f"dti_published_{year}_63", lang)
    n_ranked = int(rows["n_ranked"].max()) if rows["n_ranked"].notna().any() else None
    widgets.chart(charts.province_map(
        rows, data.geojson(analysis.map_outlines(rows["entity"])), sel.focus, lang, value_col="rank",
        reverse=True, title=ctx.t("ui.rankings.geo_title_63", year=year), colorbar_title=ctx.t("ui.map.rank_title"),
        archipelago_labels=island_labels, source_note=ctx.t("ui.map.source_63"),
        no_data_label=ctx.t("ui.map.no_data"),
        value_fmt=lambda r: ctx.t("ui.map.rank_of", rank=fmt.rank(r, n_ranked)),
        scale=1.1 if sel.present else 1.0), key="rank_geo63", origin=ctx.t("ui.origin.published"))
    st.caption(ctx.t("ui.rankings.geo_note_63"))
    st.stop()

st.title(ctx.t("ui.rankings.title", year=sel.year or ""))
if widgets.need_scores(ctx):
    result, year = ctx.result, sel.year
    widgets.origin_badge(ctx, year)
    st.caption(ctx.t("ui.rankings.tie_rule"))
    main_codes = [m.code for m in ctx.framework.main_indices()]
    leaf_codes = [leaf.code for leaf in ctx.framework.leaves]
    labels = ctx.labels(main_codes + leaf_codes)
    options = ["total"] + main_codes + leaf_codes
    sort_code = st.selectbox(ctx.t("ui.rankings.sort_by"), options, key="rank_sort",
                             format_func=lambda c: ctx.t("ui.rankings.by_total") if c == "total" else labels[c])

    if sort_code == "total" or sort_code in main_codes:
        table = analysis.ranking_table(result, year)
        rank_col = "rank" if sort_code == "total" else f"rank_{sort_code}"
        value_col = "total" if sort_code == "total" else f"main_{sort_code}"
        table = table.sort_values([rank_col, "entity"]).reset_index(drop=True)
        raw = tables.ranking_frame(table, ctx, main_codes)
    else:
        table = analysis.component_ranking(result, year, sort_code)
        rank_col, value_col = "rank", "points"
        raw = tables.component_frame(table, ctx)

    shown = tables.localise(raw, lang)
    if len(raw) <= STYLED_ROWS_MAX:
        st.dataframe(tables.focus_rows(shown, ctx.entity_word, sel.focus), hide_index=True,
                     width="stretch", height=min(36 * (len(raw) + 1) + 4, 720))
        st.caption(ctx.t("ui.rankings.focus_row", entity=sel.focus))
    else:  # a styled table renders every cell's HTML on each rerun (≈ 0.4 s at 3,321 rows): plain, and say where
        st.dataframe(shown, hide_index=True, width="stretch", height=720)
        rows = list(table["entity"])  # the table's rows, in the order shown
        if sel.focus in rows:
            st.caption(ctx.t("ui.rankings.focus_row_long", entity=sel.focus, n=fmt.number(len(raw), 0, lang),
                             row=fmt.number(rows.index(sel.focus) + 1, 0, lang)))
    tables.download_buttons(raw, f"dti_ranking_{sort_code}_{year}", lang)

    bar_table = pd.DataFrame({"entity": table["entity"], "bar_value": table[value_col], "rank": table[rank_col]})
    title = ctx.t("ui.rankings.chart_title", year=year, entity=sel.focus)
    who = ctx.t("ui.rankings.who_province" if sel.is_province else "ui.rankings.who_unit")
    widgets.chart(charts.ranking_bars(bar_table, sel.focus, value_col="bar_value", lang=lang,
                                      cutoffs=sel.target_ranks if sel.is_province else (),
                                      title=title if sort_code == "total" else f"{title} — {labels[sort_code]}",
                                      cutoff_label=ctx.t("ui.rankings.cutoff"),
                                      gap_label=ctx.t("ui.rankings.others", n="{n}", who=who)), key="rank_bars")
    if len(bar_table) > charts.FULL_RANKING_MAX:  # condensed chart: the whole field in a histogram
        widgets.field_spread(ctx, bar_table, sel.focus, who, key="rank_spread")

    if not sel.is_province:
        st.stop()  # the map is of provinces
    what = ctx.t("ui.rankings.by_total") if sort_code == "total" else labels[sort_code]
    map_kind = st.radio(ctx.t("ui.rankings.map_kind"), ["geo", "tiles"], horizontal=True, key="rank_map_kind",
                        format_func=lambda k: ctx.t(f"ui.rankings.map_{k}"))
    if map_kind == "geo":
        widgets.chart(charts.province_map(
            bar_table, data.geojson(analysis.map_outlines(bar_table["entity"])), sel.focus, lang, value_col="bar_value",
            title=ctx.t("ui.rankings.geo_title", what=what), colorbar_title=ctx.t("ui.common.points"),
            archipelago_labels=island_labels, source_note=ctx.t("ui.map.source"),
            no_data_label=ctx.t("ui.map.no_data"), scale=1.1 if sel.present else 1.0), key="rank_geo")
        st.caption(ctx.t("ui.rankings.geo_note", focus=sel.focus))
    else:
        map_fig = charts.tile_map(bar_table, sel.focus, "bar_value", {}, lang,
                                  title=ctx.t("ui.rankings.map_title", what=what),
                                  colorbar_title=ctx.t("ui.common.points"),
                                  archipelago_labels={k: ctx.t(f"ui.map.{k}") for k in
                                                      ("archipelago_hoang_sa", "archipelago_truong_sa")},
                                  fmt=lambda v: fmt.number(v, 1, lang))
        widgets.chart(map_fig, key="rank_map")
        st.caption(ctx.t("ui.rankings.map_note"))
