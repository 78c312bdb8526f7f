"""Kế hoạch — the least-effort two-year plan (top N in one year and top M the next, yearly caps carried
over, peers projected on their trend), per agency, with its appendix in Excel and Word."""
import storage.plans
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, tables, widgets
from reports.plan_appendix import build_docx, build_xlsx
from scoring.plan2y import make_two_year_plan, project_peers

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.plan2y.title", entity=sel.focus))
if not sel.is_province or sel.group == "63":
    st.info(ctx.t("ui.plan2y.province_only"))
    st.stop()
if widgets.need_scores(ctx):
    result, year1 = ctx.result, int(sel.year)
    year2 = year1 + 1
    widgets.origin_badge(ctx, year1)
    top1, top2 = sel.target_ranks
    c1, c2, c3 = st.columns(3)
    target1 = int(c1.number_input(ctx.t("ui.plan2y.target1", year=year1), 1, 34, int(top1), key="p2_t1"))
    target2 = int(c2.number_input(ctx.t("ui.plan2y.target2", year=year2), 1, 34, int(top2), key="p2_t2"))
    max_gain = c3.slider(ctx.t("ui.plan.max_gain"), 5, 100, 30, step=5, format="%d", key="p2_gain",
                         help=ctx.t("ui.plan2y.max_gain_help")) / 100
    totals = result.total()
    now = totals.loc[totals["year"] == year1].set_index("entity")["points"]
    prev = totals.loc[totals["year"] == year1 - 1].set_index("entity")["points"]
    peers = project_peers(prev, now, fw.max_points)
    st.caption(ctx.t("ui.plan2y.peers_note", year0=year1 - 1, year1=year1, year2=year2)
               if not prev.empty else ctx.t("ui.plan2y.peers_flat", year2=year2))
    # Anyone may work out a plan; it is stored (with who and when) only for a signed-in editor.
    who = auth.editor()
    if who is None:
        st.caption(auth.reason(lang))
    if st.button(ctx.t("ui.plan2y.make"), type="primary", key="p2_make"):
        inputs = ctx.inputs()
        plan = make_two_year_plan(fw, inputs.loc[inputs["year"] == year1], sel.focus, year1, year2,
                                  target1=target1, target2=target2, peers_year2=peers, max_gain=max_gain)
        if who is not None:
            storage.plans.save_office_plan(data.store(), fw.id, plan, max_gain, who)
        st.session_state["p2_plan"] = (sel.focus, fw.id, year1, plan)
    kept = st.session_state.get("p2_plan")
    if kept and kept[:3] == (sel.focus, fw.id, year1):
        plan = kept[3]
        if not plan.reachable:
            st.error(ctx.t("ui.plan2y.unreachable", t1=plan.target1, y1=year1, t2=plan.target2, y2=year2))
        else:
            m1, m2, m3, m4 = st.columns(4)
            m1.metric(ctx.t("ui.plan2y.now"), fmt.number(plan.total_start, 2, lang))
            m2.metric(ctx.t("ui.plan2y.after", year=year1), fmt.number(plan.total1, 2, lang),
                      delta=ctx.t("ui.plan2y.rank", rank=plan.rank1), delta_color="off")
            m3.metric(ctx.t("ui.plan2y.after", year=year2), fmt.number(plan.total2, 2, lang),
                      delta=ctx.t("ui.plan2y.rank", rank=plan.rank2), delta_color="off")
            m4.metric(ctx.t("ui.plan2y.effort"), fmt.number(plan.cost, 2, lang))
            st.caption(ctx.t("ui.plan2y.optimal") if plan.optimal
                       else ctx.t("ui.plan2y.not_proven", bound=fmt.number(plan.lower_bound, 2, lang)))
            a = plan.actions
            st.subheader(ctx.t("ui.plan2y.tasks"))
            st.dataframe(tables.localise(pd.DataFrame({
                ctx.t("ui.common.year"): a["year"].astype(int).astype(str),
                ctx.t("ui.methodology.code"): a["indicator"], ctx.t("ui.methodology.indicator"): a["name_vi"],
                ctx.t("ui.collection.variable"): a["variable"],
                ctx.t("ui.plan2y.from"): a["from_value"].astype(float), ctx.t("ui.plan2y.to"): a["to_value"].astype(float),
                ctx.t("ui.plan2y.points_to"): a["points_to"].astype(float),
                ctx.t("ui.plan2y.gain"): a["points_gain"].astype(float),
                ctx.t("ui.collection.agency"): a["lead_agency"], ctx.t("ui.plan2y.partners"): a["implementing_agencies"],
            }), lang), hide_index=True, width="stretch")
            st.subheader(ctx.t("ui.plan2y.by_agency"))
            ag = plan.by_agency()
            st.dataframe(tables.localise(pd.DataFrame({
                ctx.t("ui.collection.agency"): ag["agency"], ctx.t("ui.common.year"): ag["year"].astype(int).astype(str),
                ctx.t("ui.collection.indicators"): ag["indicators"], ctx.t("ui.plan2y.gain"): ag["points_gain"].astype(float),
            }), lang), hide_index=True, width="stretch")
            sample = "sample" in set(data.flags_by_year(fw.id, "34").query("year == @year1")["flag"])
            d1, d2 = st.columns(2)
            stem = f"ke_hoach_DTI_{year1}_{year2}"
            d1.download_button(ctx.t("ui.plan2y.download_xlsx"), build_xlsx(plan, fw.name_vi, sample),
                               file_name=f"{stem}.xlsx", key="p2_xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            d2.download_button(ctx.t("ui.plan2y.download_docx"), build_docx(plan, fw.name_vi, sample),
                               file_name=f"{stem}.docx", key="p2_docx",
                               mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    saved = storage.plans.office_plans(data.store(), fw.id, sel.focus)
    if not saved.empty:
        st.subheader(ctx.t("ui.plan2y.history"))
        st.dataframe(pd.DataFrame({
            ctx.t("ui.collection.when"): [fmt.vn_date(d) for d in saved["created_at"]],
            ctx.t("ui.collection.who"): saved["created_by"].fillna("—"),
            ctx.t("ui.plan2y.targets"): [f"{a} ({y1}) · {b} ({y2})" for a, b, y1, y2 in
                                         zip(saved["target1"], saved["target2"], saved["year1"], saved["year2"])],
            ctx.t("ui.plan2y.effort"): [fmt.number(c, 2, lang) for c in saved["cost"]],
        }), hide_index=True, width="stretch")
