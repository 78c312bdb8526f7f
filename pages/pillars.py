"""Chỉ số chính — radar of the 6 main indices and, per main index, a radar over its components."""
import streamlit as st

from dashboard import analysis, charts, tables, widgets

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
if widgets.page_start(ctx, ctx.t("ui.pillars.title", entity=sel.focus, year=sel.year or "")):
    result, year = ctx.result, sel.year
    others = [e for e in analysis.entities_of(result) if e != sel.focus]
    peer = st.selectbox(ctx.t("ui.pillars.peer"), [None] + others, key="pillar_peer",
                        format_func=lambda e: "—" if e is None else e)
    who = analysis.radar_entities(result, year, target_rank=sel.target_ranks[0])
    names = {
        "focus": ctx.t("ui.pillars.focus", entity=sel.focus),
        "average": ctx.t("ui.pillars.average"),
        "cutoff": ctx.t("ui.pillars.cutoff", n=sel.target_ranks[0], entity=who.get("cutoff", "—")),
        "best": ctx.t("ui.pillars.best", entity=who["best"]),
        "peer": ctx.t("ui.pillars.peer_series", entity=peer or ""),
    }
    main_codes = [m.code for m in ctx.framework.main_indices()]
    series = analysis.radar_series(result, year, sel.focus, main_codes, peer=peer, target_rank=sel.target_ranks[0])
    widgets.chart(charts.radar(series, ctx.labels(main_codes), names, lang,
                               title=ctx.t("ui.pillars.main_radar", n=len(main_codes)),
                               points_label=ctx.t("ui.common.points")), key="radar_main")

    # One main index at a time: drawing all six component radars made the page slow to open.
    main_labels = ctx.labels(main_codes)
    code = st.radio(ctx.t("ui.pillars.pick_main"), main_codes, horizontal=True, key="pillar_main",
                    format_func=main_labels.get)
    kids = list(ctx.framework.nodes[code].children)
    comp = analysis.radar_series(result, year, sel.focus, kids, peer=peer, target_rank=sel.target_ranks[0])
    widgets.chart(charts.radar(comp, ctx.labels(kids), names, lang,
                               title=ctx.t("ui.pillars.component_radar", name=ctx.node_name(code)),
                               points_label=ctx.t("ui.common.points")), key="radar_component")
    table = analysis.component_table(comp, ctx.labels(kids, with_code=True), names).rename(
        columns={"": ctx.t("ui.methodology.indicator"), "max": ctx.t("ui.pillars.max")})
    tables.show(tables.localise(table, lang), hide_index=True, width="stretch")
