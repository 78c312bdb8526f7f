"""Mô phỏng — change the focus province's indicators, see points and rank recomputed live; scenarios."""
import storage.plans
import pandas as pd
import streamlit as st

from dashboard import analysis, auth, charts, data, fmt, tables, widgets
from scoring import whatif

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.whatif.title", entity=sel.focus, year=sel.year or ""))
widgets.group_note(ctx)
if widgets.need_scores(ctx):
    year, entity = sel.year, sel.focus
    inputs = ctx.inputs()
    values = whatif.entity_values(inputs, entity, year)
    if not values:
        st.info(ctx.t("ui.empty.focus_not_scored", entity=entity))
        st.stop()
    widgets.origin_badge(ctx, year)
    prefix = f"wi_{entity}_{year}_"
    controls = whatif.controls_for(fw, values)

    def reset():
        for key in [k for k in st.session_state if str(k).startswith(prefix)]:
            del st.session_state[key]

    top = st.columns([2, 1])
    growth = top[0].slider(ctx.t("ui.whatif.growth"), 0, 50, 0, step=5, format="%d%%", key="wi_growth",
                           help=ctx.t("ui.whatif.growth_help")) / 100
    top[1].button(ctx.t("ui.whatif.reset"), on_click=reset, key="wi_reset")

    summary = st.container()  # filled after the controls are read, shown above them
    ratios, items = {}, {}
    tabs = st.tabs([ctx.node_label(m.code) for m in fw.main_indices()])
    by_main = {m.code: [c for c in controls if fw.ancestor_at_level(c["code"], 1) == m.code] for m in fw.main_indices()}
    for tab, main in zip(tabs, fw.main_indices()):
        with tab:
            for c in by_main[main.code]:
                code, label = c["code"], ctx.node_label(c["code"])
                if c["kind"] == "ratio" and c["current"] is not None:
                    scale = 100.0 if c["percent"] else 1.0
                    key = f"{prefix}{code}"
                    if key not in st.session_state:
                        st.session_state[key] = round(c["current"] * scale, 2)
                    # A select_slider: its values are shown the Vietnamese way (60,5%), st.slider's are not (60.5%).
                    options = widgets.slider_steps(float(c["min"] * scale), float(c["max"] * scale),
                                                   0.5 if scale > 1 else 0.01, st.session_state[key])
                    pct = c["percent"]
                    new = st.select_slider(label, options, key=key,
                                           format_func=lambda v, pct=pct: fmt.number(v, 1, lang) + "%" if pct
                                           else fmt.number(v, 2, lang),
                                           help=ctx.t("ui.whatif.current", value=fmt.number(c["current"] * scale, 2, lang)))
                    ratios[code] = new / scale
                elif c["kind"] == "items":
                    st.markdown(f"**{label}**")
                    # Two items a row at most, each label in full and wrapped (never cut mid-word).
                    entries = list(c["items"].items())
                    cols = st.columns(2) if len(entries) > 1 else [st.container()]
                    meanings = {v.name: (v.meaning_en if lang == "en" else v.meaning_vi) for v in fw.nodes[code].variables}
                    for i, (var, done) in enumerate(entries):
                        key = f"{prefix}{code}.{var}"
                        if key not in st.session_state:
                            st.session_state[key] = done
                        items[f"{code}.{var}"] = cols[i % len(cols)].checkbox(
                            meanings.get(var, var), key=key, wrap=True, width="stretch")

    with st.expander(ctx.t("ui.whatif.raw_editor")):
        st.caption(ctx.t("ui.whatif.raw_editor_help"))
        # Values shown and typed the Vietnamese way (1.234,5): text cells read with the importer's parser.
        raw_table = whatif.variables_table(fw, values, lang)
        # each variable as read: its criterion's code (CQS.2.3–2.4) and the variable's word (a, mục 1, điểm chấm)
        var_words = {n: f"{ctx.code(i)} — {tables.variable_word(n.rsplit('.', 1)[1], lang)}"
                     for n, i in zip(raw_table.get("name", []), raw_table.get("indicator", []))}
        shown = pd.DataFrame({
            ctx.t("ui.methodology.var_name"): [var_words[n] for n in raw_table["name"]] if len(raw_table) else [],
            ctx.t("ui.methodology.var_meaning"): raw_table["meaning"] if len(raw_table) else [],
            ctx.t("ui.methodology.var_unit"): raw_table["unit"] if len(raw_table) else [],
            ctx.t("ui.whatif.before"): [fmt.number(v, 2, lang) for v in raw_table.get("current", [])],
            ctx.t("ui.whatif.new_value"): [fmt.number(v, 2, lang) for v in raw_table.get("new", [])],
        })
        edited_text = st.data_editor(
            shown, key=f"{prefix}editor", hide_index=True, width="stretch",
            disabled=[ctx.t("ui.methodology.var_name"), ctx.t("ui.methodology.var_meaning"),
                      ctx.t("ui.methodology.var_unit"), ctx.t("ui.whatif.before")])
        edited, unreadable = widgets.parse_edited_numbers(raw_table, edited_text[ctx.t("ui.whatif.new_value")],
                                                          shown[ctx.t("ui.whatif.new_value")])
        for name in unreadable:
            st.warning(ctx.t("ui.whatif.unreadable", name=var_words.get(name, name)))

    # Direct edits of raw variables take precedence over the sliders for the same variable.
    changes = {**whatif.changes_from_controls(fw, values, ratios, items), **whatif.changes_from_table(edited)}
    result = whatif.run(fw, inputs, entity, year, changes, growth=growth, base=ctx.result)
    if result.scenario.problems:
        summary.error(ctx.t("ui.whatif.invalid") + " " + "; ".join(str(p) for p in result.scenario.problems[:5]))

    m1, m2, m3 = summary.columns(3)
    m1.metric(ctx.t("ui.whatif.total"), fmt.number(result.total_after, 2, lang),
              **analysis.points_delta(result.total_after - result.total_before,
                                      lambda x, signed: fmt.number(x, 2, lang, signed=signed)))
    m2.metric(ctx.t("ui.whatif.rank"), fmt.rank(result.rank_after, result.n),
              **analysis.rank_delta(None if result.rank_after is None else result.rank_before - result.rank_after,
                                    ctx.t))
    m3.metric(ctx.t("ui.whatif.changed"), len(result.leaf_gains))
    if result.leaf_gains.empty:
        summary.info(ctx.t("ui.whatif.no_change"))
    else:
        steps = result.leaf_gains.assign(label=lambda d: d["code"].map(ctx.code))
        with summary:
            widgets.chart(charts.waterfall(steps, ctx.t("ui.whatif.before"), ctx.t("ui.whatif.after"),
                                           result.total_before, lang, title=ctx.t("ui.whatif.waterfall"),
                                           fmt=lambda v: fmt.number(v, 2, lang)),
                          key="wi_waterfall")

    st.subheader(ctx.t("ui.whatif.scenarios"))
    s1, s2 = st.columns([3, 1])
    name = s1.text_input(ctx.t("ui.whatif.name"), key="wi_name")
    editor = auth.explain_if_reader(lang)
    if s2.button(ctx.t("ui.whatif.save"), key="wi_save", disabled=not editor or not name.strip() or not changes,
                 help=None if editor else auth.reason(lang)):
        if auth.write(lang, lambda who: storage.plans.save_scenario(data.store(), name.strip(), fw.id, entity, year,
                                                                    whatif.changes_to_json(changes), who=who)):
            st.success(ctx.t("ui.whatif.saved", name=name.strip()))
    saved = storage.plans.scenarios(data.store(), fw.id)
    if saved.empty:
        st.caption(ctx.t("ui.whatif.none_saved"))
    else:
        rows = []
        for r in saved.itertuples():
            sc = whatif.run(fw, inputs, r.entity, int(r.year), whatif.changes_from_json(r.changes_json),
                            growth=growth, base=ctx.result)
            rows.append({ctx.t("ui.whatif.name"): r.name, ctx.t("ui.common.province"): r.entity,
                         ctx.t("ui.common.year"): int(r.year), ctx.t("ui.whatif.before"): sc.total_before,
                         ctx.t("ui.whatif.after"): sc.total_after,
                         ctx.t("ui.whatif.rank"): f"{sc.rank_before} → {fmt.rank(sc.rank_after)}",
                         **{f"{m}": sc.main.set_index("code").loc[m, "after"] for m in sc.main["code"]}})

        st.dataframe(tables.localise(pd.DataFrame(rows), lang), hide_index=True, width="stretch")
        d1, d2, d3 = st.columns([3, 1, 1])
        pick = d1.selectbox(ctx.t("ui.whatif.pick"), list(saved["name"]), key="wi_pick")
        picked = saved.set_index("name").loc[pick]

        def load_scenario():
            reset()
            r_vals, i_vals = whatif.controls_from_changes(fw, whatif.entity_values(inputs, picked["entity"],
                                                                                int(picked["year"])),
                                                          whatif.changes_from_json(picked["changes_json"]))
            for code, ratio in r_vals.items():
                scale = 100.0 if fw.nodes[code].rule.get("part_of_whole", True) else 1.0
                st.session_state[f"wi_{picked['entity']}_{int(picked['year'])}_{code}"] = round(ratio * scale, 2)
            for key, done in i_vals.items():
                st.session_state[f"wi_{picked['entity']}_{int(picked['year'])}_{key}"] = done

        d2.button(ctx.t("ui.whatif.load"), on_click=load_scenario, key="wi_load",
                  disabled=picked["entity"] != entity or int(picked["year"]) != year)
        if d3.button(ctx.t("ui.whatif.delete"), key="wi_delete", disabled=not editor,
                     help=None if editor else auth.reason(lang)):
            if auth.write(lang, lambda who: storage.plans.delete_scenario(data.store(), fw.id, pick, who=who)):
                st.rerun()
