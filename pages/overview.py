"""Tổng quan — where the focus province stands, why, and how it has moved."""
import streamlit as st

from dashboard import analysis, charts, controls, data, fmt, round_results, sources_view, tables, widgets
from scoring import montecarlo

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.overview.title", entity=sel.focus))
widgets.group_note(ctx)
sources_view.stale_flag(lang)  # an automatic source that stopped delivering is said here, not only on its page
if sel.is_province and sel.group == "63":
    # A pre-merger province: what it became, and what was published for it (as published).
    merged = data.entities("63").set_index("name")["merged_into"].get(sel.focus)
    if merged:
        st.markdown(ctx.t("ui.overview.merged_into", entity=sel.focus, new=merged))
        st.button(ctx.t("ui.overview.switch_to", new=merged), key="switch_34",
                  on_click=controls.focus_on_34, args=(merged,))
    rows = analysis.history_of(analysis.published_history_63(data.published()), "63", [sel.focus])
    st.subheader(ctx.t("ui.overview.published_history"))
    if rows.empty:
        st.info(ctx.t("ui.overview.no_published", entity=sel.focus))
    else:
        tables.show(tables.localise(tables.history_table(rows, lang), lang), hide_index=True, width="stretch")
    st.stop()
if widgets.need_scores(ctx):
    result, year = ctx.result, sel.year
    if sel.focus not in analysis.entities_of(result):
        st.info(ctx.t("ui.empty.focus_not_scored", entity=sel.focus), icon=":material/info:")
        st.stop()
    widgets.origin_badge(ctx, year)
    if sel.is_province:  # the province's own collection round of this year, if any (issue 10)
        from office.collection_round import round_status

        status = round_status(data.store(), ctx.framework, sel.focus, year)
        if status and (status["n_missing"] or status["n_without_evidence"]):
            st.warning(ctx.t("ui.collection.overview_flag", id=status["round_id"], missing=status["n_missing"],
                             codes=", ".join(map(ctx.code, status["missing"])) or "—", no_ev=status["n_without_evidence"],
                             ev_codes=", ".join(map(ctx.code, status["without_evidence"])) or "—"), icon=":material/inbox:")
    ov = analysis.overview(result, sel.focus, year, target_ranks=sel.target_ranks)

    # Year-on-year change, like with like: the same dataset's previous year, else (own data of 2025) the
    # published 2024 result; never SAMPLE against own figures. `chg.basis` says which (None: no change shown).
    baseline = data.baseline_2024() if sel.is_province else None
    chg = analysis.year_change(result, sel.focus, year, sel.dataset, baseline)
    tr = lambda key, **kw: ctx.t(key, **kw)  # noqa: E731
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("ui.overview.total_of", max=fmt.number(ov.applicable_max or ov.max_points, 0, lang)),
              fmt.number(ov.points, 2, lang),  # the maximum after N/A (490 when III.6 of 500 is N/A)
              delta=None if chg.points_change is None else fmt.number(chg.points_change, 2, lang, signed=True),
              help=ctx.t("ui.overview.total_help"))
    unit = "" if sel.is_province else "_unit"  # a unit's share of its maximum is no "DTI value"
    c2.metric(ctx.t(f"ui.overview.value{unit}"), fmt.number(ov.value, 4, lang), help=ctx.t(f"ui.overview.value_help{unit}"))
    unit_partial = (not sel.is_province) and round_results.coverage(ctx, year, ov.n_ranked)[2]
    c3.metric(ctx.t("ui.overview.rank"), "—" if unit_partial else fmt.rank(ov.rank, ov.n_ranked),
              **({"delta": None} if unit_partial else analysis.rank_delta(chg.rank_change, ctx.t)),
              help=ctx.t("ui.overview.rank_help", year=chg.previous_year or "—"))
    c4.metric(ctx.t("ui.overview.next_place"), fmt.number(ov.next_gap, 2, lang) if ov.next_entity else "—",
              help=ctx.t("ui.overview.next_place_help", entity=ov.next_entity or "—"))
    if chg.basis is None:
        st.caption(ctx.t("ui.overview.change_none"))
    elif chg.basis == "published":
        parts = []
        if chg.previous_rank is not None:
            parts.append(ctx.t("ui.overview.change_pub_rank", rank=fmt.rank(chg.previous_rank, chg.previous_n),
                               kind=analysis.kind_words(chg.rank_kind, tr)))
        if chg.previous_points is not None:
            parts.append(ctx.t("ui.overview.change_pub_points", points=fmt.number(chg.previous_points, 2, lang),
                               kind=analysis.kind_words(chg.points_kind, tr)))
        note = ctx.t("ui.overview.change_published", year=chg.previous_year, parts="; ".join(parts))
        if chg.rank_change is None and chg.previous_rank is not None:
            note += " " + ctx.t("ui.overview.change_no_rank", year=year, n=ov.n_ranked, n_prev=chg.previous_n or "—")
        st.caption(note)
    else:
        st.caption(ctx.t("ui.overview.change_same", year=chg.previous_year,
                         dataset=ctx.t(f"ui.dataset.{chg.basis}")))

    # A dataset that scores only part of the group (e.g. the province's own file, without the others'
    # figures): its rank, gaps and averages are among those entities only — said, and no top-N claims.
    if sel.is_province:
        group_size = len(data.entities("34"))
        partial = ov.n_ranked < group_size
        if partial:
            st.warning(ctx.t("ui.overview.partial_field", n=ov.n_ranked, total=group_size),
                       icon=":material/group_off:")
    else:  # a unit level: the round and basis named, coverage of the level's units, no top-N on partial
        partial = round_results.coverage_note(ctx, year, ov.n_ranked)
    if not partial:
        # Rank band: how far the headline rank could move if the others' points shift by ±20 points (normal).
        # ±2% of the maximum (±20 points of the 1000-point provincial method), whatever the framework's scale.
        band_sd = 0.02 * ctx.framework.max_points
        band_sim = data.rank_odds(sel.framework_id, year, sel.focus, sd=band_sd, group=sel.score_group,
                                  basis=sel.basis, dataset=sel.dataset)  # cached
        st.caption(ctx.t("ui.overview.band", sd=fmt.number(band_sd, 1, lang), best=band_sim.band(0.8)[0],
                         worst=band_sim.band(0.8)[1])
                   + " " + montecarlo.rank_band_note(band_sim, lang))

        g1, g2 = st.columns(2)
        for col, n in zip((g1, g2), sel.target_ranks):
            gap = ov.gaps[n]
            if ov.rank is not None and ov.rank <= n:
                col.success(ctx.t("ui.overview.in_top", n=n), icon=":material/check_circle:")
            else:
                col.warning(ctx.t("ui.overview.gap_top", n=n, points=fmt.number(gap, 2, lang)),
                            icon=":material/flag:")

    main_codes = [m.code for m in ctx.framework.main_indices()]
    widgets.chart(charts.main_index_bars(ov.main, ctx.labels(main_codes), lang,
                                         title=ctx.t("ui.overview.main_bars"), points_label=ctx.t("ui.common.points"),
                                         fmt=lambda v, d: fmt.number(v, d, lang)),
                  key="overview_main")

    strengths, weaknesses = analysis.strengths_and_weaknesses(result, sel.focus, year)
    st.caption(ctx.t("ui.overview.sw_rule"))
    s_col, w_col = st.columns(2)
    for col, frame, key in ((s_col, strengths, "strengths"), (w_col, weaknesses, "weaknesses")):
        col.subheader(ctx.t(f"ui.overview.{key}"))
        if frame.empty:
            col.write(ctx.t("ui.overview.none"))
        for _, r in frame.iterrows():
            col.markdown(ctx.t(
                "ui.overview.sw_line", code=ctx.code(r["code"]), name=ctx.node_name(r["code"]),
                points=fmt.number(r["points"], 2, lang), max=fmt.number(r["max_points"], 0, lang),
                pct=fmt.percent(r["value"], 0, lang), avg=fmt.percent(r["national_avg"], 0, lang)))

    if not sel.is_province:
        st.stop()  # the steering-committee briefing is about the province's DTI

    def briefing_bytes(kind: str) -> bytes:
        # The same builder and arguments as `python -m reports briefing` (the page's mode plays no part).
        from reports import briefing

        deck = briefing.build_deck(data.store(), sel.framework_id, sel.focus, year, lang=lang, dataset=sel.dataset,
                                   target_ranks=tuple(sel.target_ranks))
        return briefing.render(deck, kind)

    from reports.briefing.slides import file_name

    b1, b2 = st.columns(2)
    b1.download_button(ctx.t("ui.briefing.download"), lambda: briefing_bytes("pptx"),
                       file_name=file_name(sel.focus, year, "pptx"),
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="dl_briefing", icon=":material/slideshow:")
    b2.download_button(ctx.t("ui.briefing.download_pdf"), lambda: briefing_bytes("pdf"),
                       file_name=file_name(sel.focus, year, "pdf"), mime="application/pdf", key="dl_briefing_pdf",
                       icon=":material/picture_as_pdf:")
