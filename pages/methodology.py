"""Phương pháp — the framework tree, each indicator's formula, variables, agencies and seed quote."""
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, formulas, tables, widgets

ctx = widgets.context()
fw, lang = ctx.framework, ctx.lang
st.title(ctx.t("ui.methodology.title", name=fw.name_en if lang == "en" else fw.name_vi))
# The framework's source in words (its `source` field names seed files and lines: developer notes).
st.caption(ctx.t("ui.methodology.source_of", source=ctx.t(f"ui.sources.{fw.id}")))

st.subheader(ctx.t("ui.methodology.tree"))
tree = fw.describe()
# A framework whose document names lead agencies: a missing one is unreadable OCR; otherwise none is named.
no_lead = ctx.t("ui.methodology.unknown_agency") if any(n.lead_agency for n in fw.leaves) \
    else ctx.t("ui.methodology.no_agency_in_document")
tree_view = pd.DataFrame({
    ctx.t("ui.methodology.code"): ["" if c == "total" else ctx.code(c) for c in tree["code"]],
    ctx.t("ui.methodology.indicator"): ["    " * max(lv - 1, 0) + ctx.node_name(c)
                                        for c, lv in zip(tree["code"], tree["level"])],
    ctx.t("ui.methodology.max"): tree["max_points"],
    ctx.t("ui.methodology.rule"): [ctx.t(f"ui.rules.{r}") if r else "" for r in tree["rule"]],
    ctx.t("ui.methodology.lead"): [a or ("" if not r else no_lead) for a, r in zip(tree["lead_agency"], tree["rule"])],
})
full = data.framework(fw.id)
if len(full.unit_levels) > 1:
    tree_view[ctx.t("ui.methodology.levels")] = [
        ", ".join(ctx.t(f"ui.levels.{lv}") for lv in full.unit_levels if full.applies_to(c, lv))
        for c in tree["code"]]
tables.show(tables.localise(tree_view, lang), hide_index=True, width="stretch", height=420)
if len(full.unit_levels) > 1:
    st.caption(ctx.t("ui.methodology.level_maxima", maxima="; ".join(
        f"{ctx.t(f'ui.levels.{lv}')}: {fmt.number(full.for_level(lv).max_points, 0, lang)}"
        for lv in full.unit_levels)))

leaf_codes = [leaf.code for leaf in fw.leaves]
leaf_labels = {c: f"{ctx.node_label(c)} ({fw.nodes[c].max_points:g})" for c in leaf_codes}
code = st.selectbox(ctx.t("ui.methodology.pick"), leaf_codes, key="method_leaf",
                    format_func=leaf_labels.get)
node = fw.nodes[code]
left, right = st.columns([3, 2])
with left:
    st.markdown(f"**{ctx.t('ui.methodology.formula_words')}:** {formulas.words(node.rule, lang)}")
    st.markdown(f"**{ctx.t('ui.methodology.formula_math')}:**")
    st.latex(formulas.latex(node.rule, node.max_points, lang))
    st.markdown(f"**{ctx.t('ui.methodology.variables')}**")
    tables.show(pd.DataFrame([{ctx.t("ui.methodology.var_name"): tables.variable_word(v.name, lang),
                                ctx.t("ui.methodology.var_meaning"): v.meaning_en if lang == "en" else v.meaning_vi,
                                ctx.t("ui.methodology.var_unit"): v.unit} for v in node.variables]),
                 hide_index=True, width="stretch")
with right:
    st.markdown(f"**{ctx.t('ui.methodology.lead')}:** {auth.plain(node.lead_agency or no_lead)}")
    st.markdown(f"**{ctx.t('ui.methodology.implementing')}:** {auth.plain(', '.join(node.implementing_agencies) or '—')}")
    st.markdown(f"**{ctx.t('ui.methodology.frequency')}:** {auth.plain(node.frequency or '—')}")
    st.markdown(f"**{ctx.t('ui.methodology.target')}:** {auth.plain(node.target_text or '—')}")
    if node.covers:
        st.markdown(f"**{ctx.t('ui.methodology.covers')}:** {', '.join(node.covers)}")
    if node.evidence:
        st.markdown(f"**{ctx.t('ui.methodology.evidence')}:**")
        st.text(node.evidence)
    if node.exemption:
        st.markdown(f"**{ctx.t('ui.methodology.exemption')}:**")
        st.text(node.exemption)
# The original text (scanned, as read) and the team's reading stay inside one "văn bản gốc" expander.
with st.expander(ctx.t("ui.methodology.source")):
    st.caption(ctx.t("ui.methodology.source_note"))
    st.code(node.source.strip(), language=None, wrap_lines=True)
    if node.reading and lang == "en":  # the team's reading notes are written in English: not on a Vietnamese screen
        st.markdown(f"**{ctx.t('ui.methodology.reading')}:**")
        st.code(node.reading, language=None, wrap_lines=True)

# Only real discrepancies (a maximum printed differently from the one used, or not printed at all), each
# with its reason in the reader's language (`discrepancy_vi` in the framework file for Vietnamese).
gaps = [{**g, "why_vi": full.nodes[g["code"]].discrepancy_vi} for g in full.discrepancies()
        if g["printed"] is None or abs(g["printed"] - g["used"]) > 1e-9]
if gaps:
    st.subheader(ctx.t("ui.methodology.discrepancies"))
    st.caption(ctx.t("ui.methodology.discrepancies_note"))
    st.dataframe(pd.DataFrame({
        ctx.t("ui.methodology.code"): [ctx.t("ui.methodology.total") if g["code"] == "total" else ctx.code(g["code"])
                                       for g in gaps],
        ctx.t("ui.methodology.indicator"): [ctx.node_name(g["code"]) if g["code"] in fw.nodes and g["code"] != "total"
                                            else (g["name_vi"] if lang == "vi" else full.nodes[g["code"]].name_en
                                                  or g["name_vi"]) for g in gaps],
        ctx.t("ui.methodology.printed"): [ctx.t("ui.methodology.not_printed") if g["printed"] is None
                                          else fmt.number(g["printed"], 0, lang) for g in gaps],
        ctx.t("ui.methodology.used"): [fmt.number(g["used"], 0, lang) for g in gaps],
        ctx.t("ui.methodology.why"): [(g["why_vi"] or ctx.t("ui.methodology.why_missing")) if lang == "vi"
                                      else g["why"] for g in gaps],
    }), hide_index=True, width="stretch",
        column_config={ctx.t("ui.methodology.why"): st.column_config.TextColumn(width="large")})
    with st.expander(ctx.t("ui.methodology.discrepancy_details"), expanded=len(gaps) <= 5):
        for g in gaps:  # the whole reason, never cut at the table's edge
            code = ctx.t("ui.methodology.total") if g["code"] == "total" else ctx.code(g["code"])
            st.text(f"{code}: " + ((g["why_vi"] or ctx.t("ui.methodology.why_missing")) if lang == "vi" else g["why"]))

plan = data.plan_values(fw.id)
if not plan.empty:
    st.subheader(ctx.t("ui.methodology.compare405"))
    st.caption(ctx.t("ui.methodology.compare_note"))
    draft = {c: n.max_points for c, n in fw.nodes.items()}
    view = pd.DataFrame({
        ctx.t("ui.methodology.code"): ["" if c == "total" else ctx.code(c) for c in plan["code"]],
        ctx.t("ui.methodology.indicator"): [ctx.node_name(c) if c in fw.nodes else ctx.code(c) for c in plan["code"]],
        "QĐ 405": plan["max_qd405"],
        ctx.t("ui.methodology.max_framework"): plan["code"].map(draft),
        ctx.t("ui.methodology.max_plan_table"): plan["max_draft"],
        "2024": plan["points_2024"],
        ctx.t("ui.methodology.target"): plan["target_points"],
    })
    tables.show(tables.localise(view, lang), hide_index=True, width="stretch", height=480)
    with st.expander(ctx.t("ui.methodology.source_plan")):
        st.caption(ctx.t("ui.methodology.source_note"))
        if lang == "en":  # the readings of the plan table are English notes: not on a Vietnamese screen
            st.code("\n\n".join(f"{c}: {r}" for c, r in zip(plan["code"], plan["reading"]) if isinstance(r, str) and r),
                    language=None, wrap_lines=True)
