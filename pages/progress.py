"""Tiến độ trong năm — dated (quarterly) updates of the variables from the lead agencies, the projected
year-end score and rank with its band, and each agency's components on their way to the target."""
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, office_charts, widgets
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

with st.expander(ctx.t("ui.progress.add"), expanded=False):
    c1, c2 = st.columns(2)
    agency = c1.selectbox(ctx.t("ui.collection.agency"), list(agencies), key="pg_agency")
    as_of = c2.date_input(ctx.t("ui.progress.as_of"), value=date(year, 6, 30), key="pg_as_of", format="DD/MM/YYYY")
    form_label = ctx.t("ui.progress.form_label")
    # Built when clicked (a callable), not on every rerun: the workbook reads all current inputs.
    st.download_button(ctx.t("ui.progress.form"), lambda: col.build_request_workbook(
        fw, agency, agencies[agency], sel.focus, year, None,
        rounds.last_year_values(store, fw, sel.focus, year), form_label),
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
        else:
            st.error(ctx.t("ui.collection.received_bad", n=len(read.problems)))
            st.dataframe(pd.DataFrame({ctx.t("ui.collection.problem"): [p.text() for p in read.problems]}),
                         hide_index=True, width="stretch")

result = ctx.result
peers = result.total(year).set_index("entity")["points"] if result is not None else pd.Series(dtype=float)
view = rounds.progress_view(store, fw, sel.focus, year, peers)
if view is None:
    st.info(ctx.t("ui.progress.none", year=year))
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric(ctx.t("ui.progress.projected_total", max=fmt.number(fw.max_points, 0, lang)), fmt.number(view["total"], 2, lang))
sim = view["sim"]
if sim is None:
    st.warning(ctx.t("ui.progress.incomplete"))
else:
    best, worst = sim.band(0.8)
    m2.metric(ctx.t("ui.progress.projected_rank"), fmt.rank(sim.base_rank, sim.n_entities),
              help=ctx.t("ui.progress.rank_help"))
    m3.metric(ctx.t("ui.progress.band"), f"{best}–{worst}")
    st.caption(montecarlo.rank_band_note(sim, lang) + " " + " · ".join(
        ctx.t("ui.progress.p_top", n=n, p=fmt.percent(sim.p_top(n), 0, lang)) for n in sel.target_ranks))

st.subheader(ctx.t("ui.progress.by_agency"))
pick = st.selectbox(ctx.t("ui.collection.agency"), list(agencies), key="pg_view_agency")
codes = agencies[pick]
plan = data.plan_values(fw.id)
plan = plan.loc[plan["entity"] == sel.focus] if not plan.empty else plan
targets = plan.set_index("code")["target_points"].to_dict() if not plan.empty else {}
proj = view["scores"].assign(as_of=pd.Timestamp(date(year, 12, 31)))
widgets.chart(office_charts.progress_lines(
    view["over_time"], proj, codes, targets, ctx.labels(codes),
    title=ctx.t("ui.progress.chart", agency=pick), separators=",." if lang == "vi" else ".,",
    names={"projected": ctx.t("ui.progress.projected"), "target": ctx.t("ui.progress.target"),
           "points": ctx.t("ui.common.points")}), key="pg_chart")
p = view["projected"]
p = p.loc[p["indicator"].isin(codes)]
u = view["updates"]
last = u.sort_values("as_of").drop_duplicates(["indicator", "variable"], keep="last").set_index(["indicator", "variable"])
st.dataframe(pd.DataFrame({
    ctx.t("ui.methodology.code"): p["indicator"], ctx.t("ui.collection.variable"): p["variable"],
    ctx.t("ui.progress.latest"): [fmt.number(last["value"].get((i, v)), 2, lang) for i, v in zip(p["indicator"], p["variable"])],
    ctx.t("ui.progress.latest_date"): [fmt.date(last["as_of"].get((i, v))) or "—" for i, v in zip(p["indicator"], p["variable"])],
    ctx.t("ui.progress.projected"): [fmt.number(v, 2, lang) for v in p["value"]],
    ctx.t("ui.progress.method"): [ctx.t(f"ui.progress.method_{m}") for m in p["method"]],
    ctx.t("ui.progress.target"): [fmt.number(targets.get(i), 2, lang) for i in p["indicator"]],
}), hide_index=True, width="stretch")
