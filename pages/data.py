"""Dữ liệu — import CSV/Excel with a preview and validation report before anything is written;
templates; import history; origin of the figures."""
import streamlit as st

from dashboard import auth, data, import_view as iv, tables, widgets
from loaders.templates import build_template

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
fw = data.framework(sel.framework_id)  # the whole framework: a unit file may hold several levels
st.title(ctx.t("ui.data.title"))

st.subheader(ctx.t("ui.data.upload") if sel.is_province
             else ctx.t("ui.data.upload_units", province=sel.province, framework=fw.name_vi))
uploaded = st.file_uploader(ctx.t("ui.data.upload"), type=["csv", "xlsx"], help=ctx.t("ui.data.upload_help"),
                            key="upload_file", label_visibility="collapsed")
widgets.chosen_file(uploaded, lang)
editor = auth.explain_if_reader(lang)  # every write below needs a signed-in editor (recorded as who)
c1, c2 = st.columns(2)
flag = c1.selectbox(ctx.t("ui.data.flag"), ["self_assessed", "published", "plan", "sample"], key="upload_flag",
                    format_func=lambda f: ctx.t(f"ui.data.flag_{f}"))
# Marking figures "published" is an explicit choice with its source, recorded on the import.
flag_source = (c2.text_input(ctx.t("ui.auth.published_source"), key="upload_flag_source",
                             help=ctx.t("ui.auth.published_source_help")).strip() if flag == "published" else "")
if flag == "published" and not flag_source:
    st.caption(ctx.t("ui.auth.published_needs_source"))
writing = iv.Writing(editor=editor, can_write=editor and (flag != "published" or bool(flag_source)),
                     help=None if editor else auth.reason(lang), flag=flag, flag_source=flag_source)
basis = "self"
if not sel.is_province:
    basis = st.radio(ctx.t("ui.controls.basis"), ["self", "appraised"], horizontal=True, key="upload_basis",
                     format_func=lambda b: ctx.t(f"ui.basis.{b}"), help=ctx.t("ui.controls.basis_help"))

if uploaded is not None:
    iv.file_import(ctx, fw, uploaded, basis, writing)
iv.targets_import(ctx, writing)
iv.units_section(ctx, writing)

st.subheader(ctx.t("ui.data.template"))
st.caption(ctx.t("ui.data.template_help"))
entities = list(data.entities("34")["name"]) if sel.is_province else list(data.entities(sel.group)["name"])
years = sorted({int(y) for y in ctx.inputs()["year"].unique()} | {2025, 2026})
st.download_button(ctx.t("ui.data.template"), lambda: build_template(fw, entities, years, lang),  # on click
                   file_name=f"mau_nhap_lieu_{fw.id}.xlsx", key="dl_template",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(ctx.t("ui.data.flags"))
st.caption(ctx.t("ui.data.flags_note"))
for ds in data.datasets(fw.id, sel.score_group, sel.basis) or ["own"]:
    st.markdown(f"**{ctx.t(f'ui.dataset.{ds}')}**")
    tables.show(tables.flags_frame(data.flags_by_year(fw.id, sel.score_group, sel.basis, ds), ctx),
                 hide_index=True)

iv.sample_removal(ctx, fw, writing)
iv.import_history(ctx, writing)

if not sel.is_province:
    st.stop()  # the published provincial results and the plan below are about provinces, not units
st.subheader(ctx.t("ui.data.published"))
tables.show(tables.published_frame(data.published(), ctx), hide_index=True, width="stretch", height=300,
             column_config={ctx.t("ui.rankings.source"): st.column_config.LinkColumn(ctx.t("ui.rankings.source"))})
st.subheader(ctx.t("ui.data.plan"))
tables.show(tables.plan_frame(data.plan_values(fw.id), ctx), hide_index=True, width="stretch")
