"""Tìm phương án — the least-effort actions that reach the top 20 and the top 15, side by side (exact MILP).

Feasibility on the raw figures: denominators never change; each moved figure rises at most by a yearly
rate (the province's own pace, or one common rate); effort = difficulty (1–5, set by the office) × the
rise relative to today. The actions read as sentences for their lead agency.
"""
import storage.plans
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, plan_text, tables, widgets
from scoring import planning, whatif
from scoring import plan_settings

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
if widgets.page_start(ctx, ctx.t("ui.plan.title", entity=sel.focus, year=sel.year or "")):
    result, year, entity = ctx.result, sel.year, sel.focus
    inputs = ctx.inputs()
    tr = lambda key, **kw: ctx.t(key, **kw)  # noqa: E731

    # --- feasibility: the yearly rise of each figure ---------------------------------------------------
    c1, c2, c3 = st.columns([2, 2, 2])
    mode = c1.radio(ctx.t("ui.plan.growth_mode"), ["history", "common"], key="plan_growth_mode",
                    format_func=lambda m: ctx.t(f"ui.plan.growth_{m}"), help=ctx.t("ui.plan.growth_help"))
    common = c2.slider(ctx.t("ui.plan.growth_pct"), 5, 50, int(round(100 * plan_settings.DEFAULT_GROWTH)), step=5,
                       format="%d%%", key="plan_growth_pct", disabled=mode != "common",
                       help=ctx.t("ui.plan.growth_help")) / 100
    growth = c3.slider(ctx.t("ui.whatif.growth"), 0, 50, 0, step=5, format="%d%%", key="plan_growth",
                       help=ctx.t("ui.whatif.growth_help")) / 100
    history = planning.growth_from_history(fw, plan_text.history_basis(inputs, entity, year), entity, year)
    max_growth = planning.growth_caps(history) if mode == "history" else common

    leaf_codes = [leaf.code for leaf in fw.leaves]
    labels = ctx.labels(leaf_codes)
    with st.expander(ctx.t("ui.plan.settings2")):
        locked = st.multiselect(ctx.t("ui.plan.locked"), leaf_codes, key="plan_locked", format_func=labels.get,
                                placeholder=ctx.t("ui.trends.compare_placeholder"))
        item_names = [f"{c}.{v}" for c in leaf_codes for v in whatif.editable_items(fw, c)]
        not_achievable = st.multiselect(ctx.t("ui.plan.not_achievable"), item_names, key="plan_items",
                                        placeholder=ctx.t("ui.trends.compare_placeholder"),
                                        format_func=lambda n: plan_text.item_label(fw, *n.rsplit(".", 1), lang))
        saved = storage.plans.effort_weights(data.store(), fw.id).set_index("code")["cost_per_point"]
        weights = pd.DataFrame({
            "code": [ctx.code(c) for c in leaf_codes], "name": [ctx.node_name(c) for c in leaf_codes],
            "difficulty": [int(min(5, max(1, round(float(saved.get(c, plan_settings.DEFAULT_DIFFICULTY))))))
                           for c in leaf_codes]}, index=leaf_codes)  # the stored code: the hidden index
        edited = st.data_editor(
            weights, key="plan_difficulty", hide_index=True, width="stretch", disabled=["code", "name"],
            column_config={"difficulty": st.column_config.NumberColumn(ctx.t("ui.plan.difficulty"), min_value=1,
                                                                       max_value=5, step=1, format="%d"),
                           "name": ctx.t("ui.methodology.indicator"), "code": ctx.t("ui.methodology.code")})
        editor = auth.explain_if_reader(lang)
        if st.button(ctx.t("ui.plan.save_difficulty"), key="plan_save_difficulty", disabled=not editor,
                     help=None if editor else auth.reason(lang)):
            if auth.write(lang, lambda who: storage.plans.save_effort_weights(data.store(), 
                    fw.id, dict(zip(edited.index, edited["difficulty"])), who=who)):
                st.success(ctx.t("ui.plan.difficulty_saved"))
    difficulty = {c: float(d) for c, d in zip(edited.index, edited["difficulty"]) if pd.notna(d)}
    st.caption(ctx.t("ui.plan.difficulty_note"))
    if mode == "history":
        st.caption(ctx.t("ui.plan.growth_note", min=fmt.percent(plan_settings.MIN_GROWTH, 0, lang),
                         max=fmt.percent(plan_settings.MAX_HISTORY_GROWTH, 0, lang),
                         default=fmt.percent(plan_settings.DEFAULT_GROWTH, 0, lang)))

    # Every plan is cached on its arguments and the data version: a rerun does not solve again.
    common_args = dict(max_growth=max_growth, difficulty=difficulty, locked=locked,
                       not_achievable=[tuple(n.rsplit(".", 1)) for n in not_achievable], growth=growth,
                       group=sel.score_group, basis=sel.basis, dataset=sel.dataset)

    def show_plan(plan, n: int, box) -> None:
        head = ctx.t("ui.plan.plan_for", n=n) if sel.is_province else ctx.t("ui.plan.plan_for_unit", n=n)
        box.subheader(head)
        m1, m2, m3 = box.columns(3)
        m1.metric(ctx.t("ui.plan.needed"), fmt.number(plan.points_needed, 2, lang))
        m2.metric(ctx.t("ui.common.rank"), f"{plan.rank_before} → {plan.rank_after}")
        m3.metric(ctx.t("ui.plan.effort_total"), fmt.number(plan.cost, 2, lang))
        if plan.actions.empty and plan.reachable:
            box.success(ctx.t("ui.plan.already", rank=plan.rank_before, n=n), icon=":material/check_circle:")
            return
        if plan.reachable:
            box.success(ctx.t("ui.plan.reachable", n=len(plan.actions)), icon=":material/check_circle:")
        else:
            box.error(ctx.t("ui.plan.unreachable", best=plan.best_reachable_rank,
                            total=fmt.number(plan.max_total, 2, lang)), icon=":material/block:")
        box.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(plan_text.sentences(
            plan, fw, lang, tr, actions=plan_text.with_assigned_leads(plan.actions, assigned)), start=1)))

    # the office's assignment (Targets page for the province's own criteria; units page for a unit framework)
    assigned = data.criterion_leads(fw.id, sel.focus if sel.is_province else sel.province)
    plans = {}
    cols = st.columns(2)
    for n, box in zip(sel.target_ranks, cols):
        plans[str(n)] = data.plan(fw.id, entity, year, target_rank=int(n), **common_args)
        show_plan(plans[str(n)], int(n), box)

    missing = sorted({c for p in plans.values() for c in plan_text.unassigned_codes(
        plan_text.with_assigned_leads(p.actions, assigned))}, key=plan_text._code_key)
    if missing:
        st.warning(ctx.t("ui.plan.assign_note", codes=", ".join(map(ctx.code, missing))), icon=":material/assignment_ind:")
        st.page_link("pages/targets.py" if sel.is_province else "pages/units.py", label=ctx.t("ui.plan.assign_link" if sel.is_province else "ui.plan.assign_link_units"), icon=":material/assignment_ind:")
    skipped = sorted({note.split(":", 1)[0] for p in plans.values() for note in p.notes
                      if ":" in note and note.split(":", 1)[0] in fw.nodes})
    if skipped:
        st.caption(ctx.t("ui.plan.not_planned", codes=", ".join(map(ctx.code, skipped))))

    agencies = plan_text.by_agency(plans, fw, lang, tr)
    if len(agencies) and "agency" in agencies:
        st.subheader(ctx.t("ui.plan.actions_title"))
        shown = {ctx.t("ui.targets.agency"): agencies["agency"]}
        for n in sel.target_ranks:
            label = ctx.t("ui.plan.plan_for", n=n) if sel.is_province else ctx.t("ui.plan.plan_for_unit", n=n)
            acts = pd.Series(agencies.get(f"actions_{n}", 0), index=agencies.index)
            pts = pd.Series(agencies.get(f"points_{n}", 0.0), index=agencies.index, dtype=float)
            shown[f"{label}: {ctx.t('ui.plan.actions_count')}"] = acts.where(acts > 0).astype("Int64")  # 0 -> "—"
            shown[f"{label}: {ctx.t('ui.plan.gain').lower()}"] = pts.where(acts > 0)
        shown[ctx.t("ui.methodology.code")] = agencies["indicators"]
        st.dataframe(tables.localise(pd.DataFrame(shown), lang), hide_index=True, width="stretch")

    with st.expander(ctx.t("ui.plan.details")):
        frames = []
        for key, plan in plans.items():
            a, rows = plan.actions, plan_text.action_rows(plan, fw, lang, tr)
            if a.empty:
                continue
            frames.append(pd.DataFrame({
                ctx.t("ui.plan.plan_col"): ctx.t("ui.plan.plan_for", n=key),
                ctx.t("ui.methodology.code"): a["indicator"].map(ctx.code).to_numpy(),
                ctx.t("ui.methodology.indicator"): [ctx.node_name(c) for c in a["indicator"]],
                ctx.t("ui.plan.sentence_col"): rows["sentence"].to_numpy(),
                ctx.t("ui.plan.unit_col"): [plan_text.unit_of(fw, c, v, lang) or "—"
                                            for c, v in zip(a["indicator"], a["variable"])],
                ctx.t("ui.plan.from"): [plan_text.value_text(v, lang) for v in a["from_value"]],
                ctx.t("ui.plan.to"): [plan_text.value_text(v, lang) for v in a["to_value"]],
                ctx.t("ui.plan.max_to_col"): [plan_text.value_text(v, lang) for v in a["max_to_value"]],
                ctx.t("ui.plan.cap_col"): (100 * a["growth_cap"]).to_numpy(),
                ctx.t("ui.plan.gain"): a["points_gain"].to_numpy(),
                ctx.t("ui.plan.effort_col"): a["cost"].to_numpy(),
            }))
        if frames:
            raw = pd.concat(frames, ignore_index=True)
            st.dataframe(tables.localise(raw, lang), hide_index=True, width="stretch")
            tables.download_buttons(raw, f"phuong_an_{entity}_{year}", lang)

    # --- any other target ------------------------------------------------------------------------------
    with st.expander(ctx.t("ui.plan.other_target")):
        kind = st.radio(ctx.t("ui.plan.target_kind"), ["rank", "total"], key="plan_kind", horizontal=True,
                        format_func=lambda k: ctx.t(f"ui.plan.kind_{k}"))
        target_rank = target_total = None
        if kind == "rank":
            n_entities = len(result.total(year))
            target_rank = int(st.number_input(ctx.t("ui.plan.rank_n"), 1, max(1, n_entities), min(10, n_entities),
                                              key="plan_rank_n"))

        else:
            target_total = float(st.number_input(ctx.t("ui.plan.total"), 0.0, float(fw.max_points),
                                                 float(round(0.75 * fw.max_points)), step=10.0, format="%.0f",
                                                 key="plan_total"))

        other = data.plan(fw.id, entity, year, target_rank=target_rank, target_total=target_total, **common_args)
        m1, m2, m3 = st.columns(3)
        m1.metric(ctx.t("ui.plan.after"), fmt.number(other.total_after, 2, lang),
                  delta=fmt.number(other.total_after - other.total_before, 2, lang, signed=True))
        m2.metric(ctx.t("ui.common.rank"), f"{other.rank_before} → {other.rank_after}")
        m3.metric(ctx.t("ui.plan.effort_total"), fmt.number(other.cost, 2, lang))
        if other.reachable:
            st.success(ctx.t("ui.plan.reachable", n=len(other.actions)), icon=":material/check_circle:")
        else:
            st.error(ctx.t("ui.plan.unreachable", best=other.best_reachable_rank,
                           total=fmt.number(other.max_total, 2, lang)), icon=":material/block:")
        st.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(plan_text.sentences(
            other, fw, lang, tr, actions=plan_text.with_assigned_leads(other.actions, assigned)), start=1)))
    st.caption(ctx.t("ui.plan.method_note"))
