"""Khả năng xếp hạng — probability of reaching the top 20 / top 15 given the others' uncertain progress."""
import pandas as pd
import streamlit as st

from dashboard import analysis, charts, data, fmt, tables, widgets
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
    # The bootstrap draws published provincial year-on-year changes: only meaningful for provinces.
    method = c1.radio(ctx.t("ui.odds.method"), ["normal", "bootstrap"] if sel.is_province else ["normal"],
                      key="odds_method",
                      format_func=lambda m: ctx.t(f"ui.odds.method_{m}"))
    # The spread is set in % of the framework's maximum (2% = ±20 points on the 1000-point method).
    sd_pct = c2.select_slider(ctx.t("ui.odds.sd"), [x / 2 for x in range(1, 13)], value=2.0, key="odds_sd",
                              disabled=method != "normal", format_func=lambda v: fmt.percent(v / 100, 1, lang),
                              help=ctx.t("ui.odds.sd_help", max=fmt.number(ctx.framework.max_points, 0, lang)))
    sd = sd_pct / 100 * ctx.framework.max_points
    # A text box read with the app's number parser: the value is shown and typed the Vietnamese way (673,64).
    focus_points = widgets.number_box(c3, ctx.t("ui.odds.focus_points"), float(round(totals[sel.focus], 2)),
                                      0.0, float(ctx.framework.max_points), key=f"odds_focus_points_{sel.focus}_{year}",
                                      help=ctx.t("ui.odds.focus_points_help"), lang=lang)
    changes = None
    if method == "bootstrap":
        b1, b2 = st.columns(2)
        centre = b1.checkbox(ctx.t("ui.odds.centre"), value=True, key="odds_centre", help=ctx.t("ui.odds.centre_help"))
        scale_fw = b2.checkbox(ctx.t("ui.odds.scale", max=fmt.number(ctx.framework.max_points, 0, lang)), value=True,
                               key="odds_scale", help=ctx.t("ui.odds.scale_help"))
        scale = float(ctx.framework.max_points) if scale_fw else 1000.0
        real = montecarlo.year_on_year_changes(data.published(), scale=scale, center=centre)
        changes = real["change"].to_numpy()
    sim = data.rank_odds(sel.framework_id, year, sel.focus, focus_points, method=method, sd=float(sd),
                         group=sel.score_group, basis=sel.basis, changes=changes, dataset=sel.dataset)  # cached
    m1, m2, m3 = st.columns(3)
    top_a, top_b = sel.target_ranks
    m1.metric(ctx.t("ui.odds.p_top", n=top_a), fmt.percent(sim.p_top(top_a), 1, lang))
    m2.metric(ctx.t("ui.odds.p_top", n=top_b), fmt.percent(sim.p_top(top_b), 1, lang))
    best, worst = sim.band(0.8)
    m3.metric(ctx.t("ui.odds.band"), f"{best}–{worst}")
    st.info(montecarlo.rank_band_note(sim, lang), icon=":material/insights:")
    if method == "bootstrap":
        kinds = analysis.change_value_kinds(data.published(), real)
        st.caption(ctx.t("ui.odds.bootstrap_note", n=len(real), provinces=real["entity"].nunique(),
                         pairs=", ".join(f"{a}→{b}" for a, b in real[["year_from", "year_to"]].drop_duplicates()
                                         .itertuples(index=False)),
                         scale=fmt.number(scale, 0, lang),
                         sd=fmt.number(float(real["change"].std()), 1, lang),
                         kinds=analysis.kinds_text(kinds, lambda k: ctx.t(f"ui.kind.{k}"), lang)))
    widgets.chart(charts.rank_distribution(pd.Series(sim.ranks), target_ranks=sel.target_ranks, lang=lang,
                                           title=ctx.t("ui.odds.distribution"), x_title=ctx.t("ui.common.rank"), y_title=ctx.t("ui.odds.share")),
                  key="odds_dist")
    st.subheader(ctx.t("ui.odds.competitors"))
    comp = sim.competitors(6)
    st.dataframe(tables.localise(pd.DataFrame({
        ctx.entity_word: comp["entity"],
        ctx.t("ui.odds.p_above"): [fmt.percent(p, 1, lang) for p in comp["p_above"]],
        ctx.t("ui.common.points").capitalize(): comp["base_points"],
        ctx.t("ui.odds.gap"): comp["gap"],
    }), lang), hide_index=True, width="stretch")
    st.caption(ctx.t("ui.odds.method_note", draws="10.000" if lang == "vi" else "10,000"))
