"""Đơn vị trong tỉnh — a province's internal ranking: all its departments or communes in one table and
chart, the weakest criteria across the province and who leads them, a unit's profile, and where the
appraisal changed the self-assessed points."""
import pandas as pd
import streamlit as st

from dashboard import analysis, charts, data, fmt, round_results, tables, widgets

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.units.title"))
if sel.is_province:
    levels = data.unit_levels_with_data()
    st.info(ctx.t("ui.units.pick_level") if levels else ctx.t("ui.units.no_units"), icon=":material/info:")
    st.page_link("pages/data.py", label=ctx.t("ui.nav.data"), icon=":material/database:")
    st.stop()
widgets.group_note(ctx)
if widgets.need_scores(ctx):
    result, year = ctx.result, sel.year
    widgets.origin_badge(ctx, year)
    level_word = ctx.t(f"ui.levels.{sel.level}")
    st.subheader(ctx.t("ui.units.ranking", level=level_word, province=sel.province, year=year))
    table = analysis.unit_ranking(result, year)
    partial = round_results.coverage_note(ctx, year, int(table["total"].notna().sum()))
    main_codes = [m.code for m in ctx.framework.main_indices()]
    raw = tables.ranking_frame(table, ctx, main_codes)
    tables.show(tables.localise(raw, lang), hide_index=True, width="stretch",
                 height=min(36 * (len(raw) + 1) + 4, 640))
    tables.download_buttons(raw, f"xep_hang_noi_bo_{sel.level}_{year}", lang)
    bars = pd.DataFrame({"entity": table["entity"], "bar_value": table["total"], "rank": table["rank"]})
    who = ctx.t("ui.rankings.who_unit")
    widgets.chart(charts.ranking_bars(bars, sel.focus, value_col="bar_value", cutoffs=(), lang=lang,
                                      title=ctx.t("ui.units.chart", level=level_word, year=year),
                                      gap_label=ctx.t("ui.rankings.others", n="{n}", who=who)),
                  key="units_bars")
    if len(bars) > charts.FULL_RANKING_MAX:  # condensed chart: the whole field in a histogram
        widgets.field_spread(ctx, bars, sel.focus, who, key="units_spread")

    st.subheader(ctx.t("ui.units.weakest", province=sel.province))
    st.caption(ctx.t("ui.units.weakest_rule"))
    weak = analysis.weakest_criteria(result, year, k=10)
    assigned = data.criterion_leads(sel.framework_id, sel.province)
    tables.show(tables.localise(pd.DataFrame({
        ctx.t("ui.methodology.code"): weak["code"].map(ctx.code),
        ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in weak["code"]],
        ctx.t("ui.units.avg_share"): [fmt.percent(v, 1, lang) for v in weak["avg_value"]],
        ctx.t("ui.units.below_half"): [f"{b}/{n}" for b, n in zip(weak["below_half"], weak["n_units"])],
        ctx.t("ui.methodology.lead"): [x or assigned.get(c) or ctx.t("ui.units.no_lead")
                                       for c, x in zip(weak["code"], weak["lead_agency"])],
    }), lang), hide_index=True, width="stretch")
    widgets.lead_assignment(ctx, sel.province)

    st.subheader(ctx.t("ui.units.profile", entity=sel.focus))
    if sel.focus in set(table["entity"]):
        ov = analysis.overview(result, sel.focus, year, target_ranks=sel.target_ranks)
        c1, c2, c3 = st.columns(3)
        c1.metric(ctx.t("ui.overview.total_of", max=fmt.number(ov.applicable_max or ov.max_points, 0, lang)),
                  fmt.number(ov.points, 2, lang))  # the maximum after N/A (490 when III.6 is N/A)
        c2.metric(ctx.t("ui.overview.rank"), "—" if partial else fmt.rank(ov.rank, ov.n_ranked))
        c3.metric(ctx.t("ui.units.share"), fmt.percent(ov.value, 1, lang))
        strengths, weaknesses = analysis.strengths_and_weaknesses(result, sel.focus, year)
        s_col, w_col = st.columns(2)
        for col, frame, key in ((s_col, strengths, "strengths"), (w_col, weaknesses, "weaknesses")):
            col.markdown(f"**{ctx.t(f'ui.overview.{key}')}**")
            for _, r in frame.iterrows():
                col.text(ctx.t("ui.units.sw_line", code=ctx.code(r["code"]), name=ctx.node_name(r["code"]),
                               points=fmt.number(r["points"], 2, lang), max=fmt.number(r["max_points"], 0, lang),
                               pct=fmt.percent(r["value"], 0, lang)))
    else:
        st.info(ctx.t("ui.empty.focus_not_scored", entity=sel.focus))

    st.subheader(ctx.t("ui.units.gap_title"))
    bases = data.bases(sel.framework_id, sel.group)
    if "appraised" not in bases or "self" not in bases:
        st.caption(ctx.t("ui.units.gap_none"))
    else:
        gap = analysis.basis_gap(data.scores(sel.framework_id, sel.group, "self"),
                                 data.scores(sel.framework_id, sel.group, "appraised"), year)
        totals = gap.loc[gap["code"] == "total"].sort_values("difference")
        if totals.empty:
            st.caption(ctx.t("ui.units.gap_none"))
        else:
            tables.show(tables.localise(pd.DataFrame({
                ctx.entity_word: totals["entity"],
                ctx.t("ui.basis.self"): totals["self_points"].round(2),
                ctx.t("ui.basis.appraised"): totals["appraised_points"].round(2),
                ctx.t("ui.units.difference"): totals["difference"].round(2),
            }), lang), hide_index=True, width="stretch")
            mine = gap.loc[(gap["entity"] == sel.focus) & (gap["code"] != "total") & (gap["difference"] != 0)]
            leaves = {leaf.code for leaf in ctx.framework.leaves}
            mine = mine.loc[mine["code"].isin(leaves)].sort_values("difference")
            st.caption(ctx.t("ui.units.gap_focus", entity=sel.focus, n=len(mine)))
            if not mine.empty:
                tables.show(tables.localise(pd.DataFrame({
                    ctx.t("ui.methodology.code"): mine["code"].map(ctx.code),
                    ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in mine["code"]],
                    ctx.t("ui.basis.self"): mine["self_points"].round(2),
                    ctx.t("ui.basis.appraised"): mine["appraised_points"].round(2),
                    ctx.t("ui.units.difference"): mine["difference"].round(2),
                }), lang), hide_index=True, width="stretch")
