"""Tìm phương án — the cheapest set of improvements that reaches a chosen rank or total (exact MILP)."""
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, tables, widgets
from scoring import planning, whatif

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
if widgets.page_start(ctx, ctx.t("ui.plan.title", entity=sel.focus, year=sel.year or "")):
    result, year, entity = ctx.result, sel.year, sel.focus
    inputs = ctx.inputs()
    top_a, top_b = (str(n) for n in sel.target_ranks)

    c1, c2, c3 = st.columns(3)
    kind = c1.radio(ctx.t("ui.plan.target_kind"), [top_a, top_b, "rank", "total"], key="plan_kind",
                    format_func=lambda k: (ctx.t(f"ui.plan.kind_{k}") if sel.is_province or not k.isdigit()
                                           else ctx.t("ui.plan.kind_top", n=k)))
    target_rank = int(kind) if kind.isdigit() else None
    target_total = None
    if kind == "rank":
        n_entities = len(result.total(year))
        target_rank = int(c1.number_input(ctx.t("ui.plan.rank_n"), 1, max(1, n_entities), min(10, n_entities),
                                          key="plan_rank_n"))
    elif kind == "total":
        target_total = float(c1.number_input(ctx.t("ui.plan.total"), 0.0, fw.max_points,
                                             round(0.75 * fw.max_points), step=10.0,
                                             key="plan_total"))
    max_gain = c2.slider(ctx.t("ui.plan.max_gain"), 5, 100, 30, step=5, format="%d", key="plan_max_gain",
                         help=ctx.t("ui.plan.max_gain_help")) / 100
    growth = c3.slider(ctx.t("ui.whatif.growth"), 0, 50, 0, step=5, format="%d%%", key="plan_growth",
                       help=ctx.t("ui.whatif.growth_help")) / 100

    leaf_codes = [leaf.code for leaf in fw.leaves]
    labels = ctx.labels(leaf_codes)
    with st.expander(ctx.t("ui.plan.settings")):
        locked = st.multiselect(ctx.t("ui.plan.locked"), leaf_codes, key="plan_locked", format_func=labels.get,
                                placeholder=ctx.t("ui.trends.compare_placeholder"))
        item_names = [f"{c}.{v}" for c in leaf_codes for v in whatif.editable_items(fw, c)]
        not_achievable = st.multiselect(ctx.t("ui.plan.not_achievable"), item_names, key="plan_items",
                                        placeholder=ctx.t("ui.trends.compare_placeholder"))
        saved = data.store().effort_weights(fw.id).set_index("code")["cost_per_point"]
        weights = pd.DataFrame({"code": leaf_codes, "name": [labels[c] for c in leaf_codes],
                                "cost": [float(saved.get(c, 1.0)) for c in leaf_codes]})
        edited = st.data_editor(weights, key="plan_weights", hide_index=True, width="stretch", disabled=["code", "name"],
                                column_config={"cost": st.column_config.NumberColumn(ctx.t("ui.plan.cost"), min_value=0.01,
                                                                                     step=0.5),
                                               "name": ctx.t("ui.methodology.indicator"),
                                               "code": ctx.t("ui.methodology.code")})
        editor = auth.explain_if_reader(lang)
        if st.button(ctx.t("ui.plan.save_weights"), key="plan_save_weights", disabled=not editor,
                     help=None if editor else auth.reason(lang)):
            if auth.write(lang, lambda who: data.store().save_effort_weights(
                    fw.id, dict(zip(edited["code"], edited["cost"])), who=who)):
                st.success(ctx.t("ui.plan.weights_saved"))

    totals = result.total(year).set_index("entity")["points"]
    competitors = whatif.project_totals(totals.drop(index=entity), growth, fw.max_points) if growth else None
    year_inputs = inputs.loc[inputs["year"] == year]
    plan = planning.make_plan(
        fw, year_inputs, entity, year, target_rank=target_rank, target_total=target_total, max_gain=max_gain,
        cost_per_point=dict(zip(edited["code"], edited["cost"])), locked=set(locked),
        item_achievable={(n.rsplit(".", 1)[0], n.rsplit(".", 1)[1]): False for n in not_achievable},
        competitor_totals=competitors)

    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t("ui.plan.needed"), fmt.number(plan.points_needed, 2, lang))
    m2.metric(ctx.t("ui.plan.after"), fmt.number(plan.total_after, 2, lang),
              delta=fmt.number(plan.total_after - plan.total_before, 2, lang, signed=True))
    m3.metric(ctx.t("ui.common.rank"), f"{plan.rank_before} → {plan.rank_after}")
    m4.metric(ctx.t("ui.plan.cost_total"), fmt.number(plan.cost, 2, lang))
    if plan.reachable:
        st.success(ctx.t("ui.plan.reachable", n=len(plan.actions)), icon=":material/check_circle:")
    else:
        st.error(ctx.t("ui.plan.unreachable", best=plan.best_reachable_rank,
                       total=fmt.number(plan.max_total, 2, lang)), icon=":material/block:")
    a = plan.actions
    if not a.empty:
        raw = pd.DataFrame({
            ctx.t("ui.methodology.code"): a["indicator"],
            ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in a["indicator"]],
            ctx.t("ui.methodology.var_name"): a["variable"],
            ctx.t("ui.plan.from"): a["from_value"], ctx.t("ui.plan.to"): a["to_value"],
            ctx.t("ui.plan.ratio_from"): a["ratio_from"], ctx.t("ui.plan.ratio_to"): a["ratio_to"],
            ctx.t("ui.plan.gain"): a["points_gain"],
            ctx.t("ui.methodology.lead"): [x or ctx.t("ui.methodology.unknown_agency") for x in a["lead_agency"]],
        })
        st.dataframe(tables.localise(raw, lang), hide_index=True, width="stretch")
        tables.download_buttons(raw, f"phuong_an_{entity}_{year}_top{target_rank or 'total'}", lang)
    for note in plan.notes:
        st.caption(note)
    st.caption(ctx.t("ui.plan.method_note"))
