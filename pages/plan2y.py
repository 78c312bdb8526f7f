"""Kế hoạch — the least-effort two-year plan (top N in one year and top M the next) with the plan page's
model: denominators fixed, each figure within its yearly cap counted from last year's planned value,
effort = difficulty × relative rise; per agency, with its appendix in Excel and Word."""
import pandas as pd
import streamlit as st

import storage.plans
from dashboard import auth, data, fmt, plan_text, tables, widgets
from reports.plan_appendix import build_docx, build_xlsx
from scoring import plan_settings
from scoring.plan2y import two_year_plan_from_inputs

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.plan2y.title", entity=sel.focus))
if not sel.is_province or sel.group == "63":
    st.info(ctx.t("ui.plan2y.province_only"))
    st.stop()
if widgets.need_scores(ctx):
    result, year1 = ctx.result, int(sel.year)
    year2 = year1 + 1
    tr = lambda key, **kw: ctx.t(key, **kw)  # noqa: E731
    widgets.origin_badge(ctx, year1)
    top1, top2 = sel.target_ranks
    c1, c2 = st.columns(2)
    target1 = int(c1.number_input(ctx.t("ui.plan2y.target1", year=year1), 1, 34, int(top1), key="p2_t1"))
    target2 = int(c2.number_input(ctx.t("ui.plan2y.target2", year=year2), 1, 34, int(top2), key="p2_t2"))
    c3, c4 = st.columns(2)
    mode = c3.radio(ctx.t("ui.plan.growth_mode"), ["history", "common"], key="p2_growth_mode",
                    format_func=lambda m: ctx.t(f"ui.plan.growth_{m}"), help=ctx.t("ui.plan.growth_help"))
    common = c4.slider(ctx.t("ui.plan.growth_pct"), 5, 50, int(round(100 * plan_settings.DEFAULT_GROWTH)), step=5,
                       format="%d%%", key="p2_growth_pct", disabled=mode != "common",
                       help=ctx.t("ui.plan.growth_help")) / 100
    st.caption(ctx.t("ui.plan2y.model_note", min=fmt.percent(plan_settings.MIN_GROWTH, 0, lang),
                     max=fmt.percent(plan_settings.MAX_HISTORY_GROWTH, 0, lang),
                     default=fmt.percent(plan_settings.DEFAULT_GROWTH, 0, lang), year1=year1, year2=year2))
    st.caption(ctx.t("ui.plan2y.peers_note", year0=year1 - 1, year1=year1, year2=year2)
               if not result.total(year1 - 1).empty else ctx.t("ui.plan2y.peers_flat", year2=year2))
    saved_difficulty = storage.plans.effort_weights(data.store(), fw.id).set_index("code")["cost_per_point"]
    difficulty = {leaf.code: float(min(5, max(1, round(float(saved_difficulty.get(leaf.code, plan_settings.DEFAULT_DIFFICULTY))))))
                  for leaf in fw.leaves}
    # Anyone may work out a plan; it is stored (with who and when) only for a signed-in editor.
    who = auth.editor()
    if who is None:
        st.caption(auth.reason(lang))
    if st.button(ctx.t("ui.plan2y.make"), type="primary", key="p2_make"):
        plan = two_year_plan_from_inputs(fw, ctx.inputs(), sel.focus, {year1: target1, year2: target2},
                                         max_growth="history" if mode == "history" else common,
                                         difficulty=difficulty)
        if who is not None:
            storage.plans.save_office_plan(data.store(), fw.id, plan, None, who)
        st.session_state["p2_plan"] = (sel.focus, fw.id, year1, plan)
    kept = st.session_state.get("p2_plan")
    if kept and kept[:3] == (sel.focus, fw.id, year1):
        plan = kept[3]
        if not plan.reachable:
            st.error(ctx.t("ui.plan2y.unreachable", t1=plan.target1, y1=year1, t2=plan.target2, y2=year2))
            if plan.best_ranks:
                st.caption(ctx.t("ui.plan2y.best_ranks", r1=plan.best_ranks[0], y1=year1, r2=plan.best_ranks[1],
                                 y2=year2))
        else:
            m1, m2, m3, m4 = st.columns(4)
            m1.metric(ctx.t("ui.plan2y.now"), fmt.number(plan.total_start, 2, lang))
            m2.metric(ctx.t("ui.plan2y.after", year=year1), fmt.number(plan.total1, 2, lang),
                      delta=ctx.t("ui.plan2y.rank", rank=plan.rank1), delta_color="off")
            m3.metric(ctx.t("ui.plan2y.after", year=year2), fmt.number(plan.total2, 2, lang),
                      delta=ctx.t("ui.plan2y.rank", rank=plan.rank2), delta_color="off")
            m4.metric(ctx.t("ui.plan.effort_total"), fmt.number(plan.cost, 2, lang))
            st.caption(ctx.t("ui.plan2y.optimal") if plan.optimal else ctx.t("ui.plan2y.not_proven_time"))
            a = plan_text.with_assigned_leads(plan.actions, data.criterion_leads(fw.id, sel.focus if sel.is_province else sel.province))
            for y in (year1, year2):
                st.subheader(ctx.t("ui.plan2y.tasks_year", year=y))
                st.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(
                    plan_text.sentences(None, fw, lang, tr, actions=a.loc[a["year"] == y]), start=1)))
            missing = plan_text.unassigned_codes(a)
            if missing:
                st.warning(ctx.t("ui.plan.assign_note", codes=", ".join(map(ctx.code, missing))), icon=":material/assignment_ind:")
                st.page_link("pages/targets.py" if sel.is_province else "pages/units.py", label=ctx.t("ui.plan.assign_link" if sel.is_province else "ui.plan.assign_link_units"), icon=":material/assignment_ind:")
            st.subheader(ctx.t("ui.plan2y.tasks"))
            st.dataframe(pd.DataFrame(plan_text.plan_table(a, fw, lang, tr)), hide_index=True, width="stretch",
                         column_config={ctx.t("ui.methodology.indicator"): st.column_config.TextColumn(width="medium"),
                                        ctx.t("ui.plan.variable_col"): st.column_config.TextColumn(width="medium")})
            st.subheader(ctx.t("ui.plan2y.by_agency"))
            ag = plan.by_agency()
            st.dataframe(tables.localise(pd.DataFrame({
                ctx.t("ui.collection.agency"): ag["agency"], ctx.t("ui.common.year"): ag["year"].astype(int).astype(str),
                ctx.t("ui.collection.indicators"): [", ".join(map(ctx.code, s.split(", "))) for s in ag["indicators"]], ctx.t("ui.plan2y.gain"): ag["points_gain"].astype(float),
            }), lang), hide_index=True, width="stretch")
            sample = "sample" in set(data.flags_by_year(fw.id, "34").query("year == @year1")["flag"])
            d1, d2 = st.columns(2)
            stem = f"ke_hoach_DTI_{year1}_{year2}"
            d1.download_button(ctx.t("ui.plan2y.download_xlsx"), build_xlsx(plan, fw.name_vi, sample, framework=fw),
                               file_name=f"{stem}.xlsx", key="p2_xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            d2.download_button(ctx.t("ui.plan2y.download_docx"), build_docx(plan, fw.name_vi, sample, framework=fw),
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
            ctx.t("ui.plan.effort_total"): [plan_text.effort_text(c, m, lang, tr)
                                            for c, m in zip(saved["cost"], saved["effort_model"])],
        }), hide_index=True, width="stretch")
        if (saved["effort_model"] == "points").any():
            st.caption(ctx.t("ui.plan2y.old_model_note"))
