"""Tiến độ trong năm — dated (quarterly) updates of the variables from the lead agencies, the projected
year-end score and rank with its band, and each agency's components on their way to the target."""
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, office_charts, provenance, tables, widgets
from office import collection as col
from office import collection_round as rounds
from scoring import montecarlo

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
fw = data.framework(sel.framework_id)
st.title(ctx.t("ui.progress.title", entity=sel.focus, year=sel.year or ""))
if not sel.is_province or sel.group == "63" or fw.unit_levels != ("province",):
    st.info(ctx.t("ui.collection.province_only"))
    st.stop()
store = data.store()
year = int(sel.year or date.today().year)
agencies = col.agency_leaves(fw)
st.caption(ctx.t("ui.progress.intro"))


def value_text(code: str, var: str, value) -> str:
    return tables.raw_value(fw, code, var, value, lang)


with st.expander(ctx.t("ui.progress.add"), expanded=False):
    c1, c2 = st.columns(2)
    agency = c1.selectbox(ctx.t("ui.collection.agency"), list(agencies), key="pg_agency")
    as_of = c2.date_input(ctx.t("ui.progress.as_of"), value=date(year, 6, 30), key="pg_as_of", format="DD/MM/YYYY")
    form_label = ctx.t("ui.progress.form_label")
    # Built when clicked (a callable), not on every rerun: the workbook reads all current inputs.
    st.download_button(ctx.t("ui.progress.form"), lambda: col.build_request_workbook(
        fw, agency, agencies[agency], sel.focus, year, None,
        rounds.last_year_values(store, fw, sel.focus, year,
                                lambda f: provenance.label(provenance.kind_of(f), "vi")), form_label,
        fmt.vn_date(pd.Timestamp.now(tz="UTC"))),
        file_name=f"cap_nhat_{col.file_stem(agency)}_{year}.xlsx", key="pg_form",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    up = st.file_uploader(ctx.t("ui.collection.upload"), type=["xlsx"], key="pg_upload")
    who = auth.editor()  # every data change needs a signed-in editor (recorded as who)
    if who is None:
        st.caption(auth.reason(lang))
    if up is not None and st.button(ctx.t("ui.progress.save"), type="primary", key="pg_save", disabled=who is None):
        read = rounds.receive_progress(store, fw, sel.focus, year, as_of, agency, up.getvalue(), up.name, who)
        if read.ok:
            st.success(ctx.t("ui.progress.saved", n=len(read.data), date=fmt.date(as_of)))
            if len(read.missing):
                st.caption(ctx.t("ui.progress.kept", n=len(read.missing)))
        else:
            st.error(ctx.t("ui.progress.refused", n=len(read.problems)))
            for m in [p.text() for p in read.problems][:40]:
                st.text(f"• {m}")  # whole messages, plain text (cells are user text)

result = ctx.result
peers = result.total(year).set_index("entity")["points"] if result is not None else pd.Series(dtype=float)
view = rounds.progress_view(store, fw, sel.focus, year, peers, dataset=sel.dataset)
if view is None:
    st.info(ctx.t("ui.progress.none", year=year))
    st.stop()

# the projected year-end total beside the current total of the plan page, each with its basis
now_total = float(peers.get(sel.focus, float("nan")))
m1, m2, m3, m4 = st.columns(4)
m1.metric(ctx.t("ui.progress.projected_total"), fmt.number(view["total"], 2, lang),
          help=ctx.t("ui.progress.projected_total_help", max=fmt.number(fw.max_points, 0, lang)))
m2.metric(ctx.t("ui.progress.current_total"), fmt.number(now_total, 2, lang),
          help=ctx.t("ui.progress.current_total_help", year=year))
sim = view["sim"]
if sim is not None:
    best, worst = sim.band(0.8)
    m3.metric(ctx.t("ui.progress.projected_rank"), fmt.rank(sim.base_rank, sim.n_entities),
              help=ctx.t("ui.progress.rank_help"))
    m4.metric(ctx.t("ui.progress.band"), f"{best}–{worst}")
source = provenance.label("sample" if sel.dataset == "sample" else "self_assessed", lang)
st.caption(ctx.t("ui.progress.bases", year=year, prev=view["base_year"], source=source,
                 n=fmt.count(view["updates"]["as_of"].nunique(), lang)))
if sim is None:
    st.warning(ctx.t("ui.progress.incomplete"))
else:
    note = montecarlo.rank_band_note(sim, lang).strip()
    odds = "; ".join(ctx.t("ui.progress.p_top", n=n, p=fmt.percent(sim.p_top(n), 0, lang)) for n in sel.target_ranks)
    st.caption(f"{note.rstrip('.')}. {odds[:1].upper() + odds[1:]}.")

st.subheader(ctx.t("ui.progress.by_agency"))
pick = st.selectbox(ctx.t("ui.collection.agency"), list(agencies), key="pg_view_agency")
codes = agencies[pick]
st.caption(ctx.t("ui.progress.chart_note"))
plan = data.plan_values(fw.id)
plan = plan.loc[plan["entity"] == sel.focus] if not plan.empty else plan
targets = plan.set_index("code")["target_points"].to_dict() if not plan.empty else {}
proj = view["scores"].assign(as_of=pd.Timestamp(date(year, 12, 31)))
widgets.chart(office_charts.progress_lines(
    view["over_time"], proj, codes, targets, ctx.labels(codes),
    title=ctx.t("ui.progress.chart", agency=pick), separators=fmt.plotly_separators(lang),
    maxima={c: fw.nodes[c].max_points for c in codes},
    names={"projected": ctx.t("ui.progress.projected_points"), "target": ctx.t("ui.progress.target_points"),
           "points": ctx.t("ui.progress.points_reached")}), key="pg_chart")

# components, in points (target beside points, never beside raw figures)
now_pts = view["over_time"].sort_values("as_of").groupby("code")["points"].last()
proj_pts = view["scores"].set_index("code")["points"]
st.markdown(f"**{ctx.t('ui.progress.components')}**")
st.dataframe(pd.DataFrame({
    ctx.t("ui.methodology.code"): [ctx.code(c) for c in codes],
    ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in codes],
    ctx.t("ui.progress.max_points"): [fmt.number(fw.nodes[c].max_points, 0, lang) for c in codes],
    ctx.t("ui.progress.points_now"): [fmt.number(now_pts.get(c), 2, lang) for c in codes],
    ctx.t("ui.progress.projected_points"): [fmt.number(proj_pts.get(c), 2, lang) for c in codes],
    ctx.t("ui.progress.target_points"): [fmt.number(targets.get(c), 2, lang) for c in codes],
}), hide_index=True, width="stretch",
    column_config={ctx.t("ui.methodology.indicator"): st.column_config.TextColumn(width="medium")})

# variables, in their own units
st.markdown(f"**{ctx.t('ui.progress.variables')}**")
st.caption(ctx.t("ui.progress.kept_note", prev=view["base_year"]))
cells = col.expected_cells(fw, codes)
known = view["last_known"].set_index(["indicator", "variable"])
p = view["projected"].set_index(["indicator", "variable"])
var_of = {(c, v.name): v for c in codes for v in fw.nodes[c].variables}


def since(i: str, v: str) -> str:
    if (i, v) not in known.index:
        return ctx.t("ui.progress.no_value")
    r = known.loc[(i, v)]
    return ctx.t("ui.progress.from_last_year", year=view["base_year"]) if r["from_last_year"] else fmt.date(r["as_of"])


st.dataframe(pd.DataFrame({
    ctx.t("ui.methodology.code"): cells["indicator"].map(ctx.code),
    ctx.t("ui.collection.variable"): [var_of[(i, v)].meaning_en if lang == "en" else var_of[(i, v)].meaning_vi
                                      for i, v in zip(cells["indicator"], cells["variable"])],
    ctx.t("ui.collection.unit"): [var_of[(i, v)].unit for i, v in zip(cells["indicator"], cells["variable"])],
    ctx.t("ui.progress.latest"): [value_text(i, v, known["value"].get((i, v))) for i, v in
                                  zip(cells["indicator"], cells["variable"])],
    ctx.t("ui.progress.latest_date"): [since(i, v) for i, v in zip(cells["indicator"], cells["variable"])],
    ctx.t("ui.progress.projected"): [value_text(i, v, p["value"].get((i, v))) for i, v in
                                     zip(cells["indicator"], cells["variable"])],
    ctx.t("ui.progress.method"): [ctx.t(f"ui.progress.method_{p['method'].get((i, v))}") if (i, v) in p.index else "—"
                                  for i, v in zip(cells["indicator"], cells["variable"])],
}), hide_index=True, width="stretch",
    column_config={ctx.t("ui.collection.variable"): st.column_config.TextColumn(width="medium")})
