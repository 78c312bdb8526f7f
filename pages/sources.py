"""Nguồn số liệu tự động — sources that deliver figures by themselves: their state (last success, last failure
in words, next pull, stale), pulling one now, registering or editing one, and what each pull changed."""
import storage.sources
import streamlit as st

from dashboard import auth, data, sources_view, widgets

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.autosource.title"))
st.caption(ctx.t("ui.autosource.intro"))

table = data.source_status()
if table.empty:
    st.info(ctx.t("ui.autosource.none"), icon=":material/info:")
else:
    stale = table.loc[table["stale"]]
    if not stale.empty:
        st.warning(auth.plain(ctx.t("ui.autosource.stale_warning", names=", ".join(stale["name"]))),
                   icon=":material/schedule:")
    st.dataframe(sources_view.status_frame(table, lang), hide_index=True)
    sources_view.failure_lines(table, lang)
    st.subheader(ctx.t("ui.autosource.pull_title"))
    auth.explain_if_reader(lang)
    sources_view.pull_now(list(table["name"]), lang)

st.subheader(ctx.t("ui.autosource.form_title"))
editing = None
if not table.empty:
    choice = st.selectbox(ctx.t("ui.autosource.edit_pick"), ["—"] + list(table["name"]), key="sources_edit")
    editing = storage.sources.source(data.store(), choice) if choice != "—" else None
sources_view.source_form(lang, editing, sel.score_group, sel.framework_id)
if editing is not None and auth.can_edit():
    sure = st.checkbox(ctx.t("ui.autosource.delete_confirm", name=editing["name"]), key="sources_delete_sure")
    if st.button(ctx.t("ui.autosource.delete"), disabled=not sure):
        if auth.write(lang, lambda who: storage.sources.delete_source(data.store(), editing["name"], who=who)):
            st.success(auth.plain(ctx.t("ui.autosource.deleted", name=editing["name"])))

st.subheader(ctx.t("ui.autosource.history_title"))
runs = storage.sources.runs(data.store(), limit=100)
if runs.empty:
    st.caption(ctx.t("ui.autosource.no_runs"))
else:
    st.dataframe(sources_view.history_frame(runs, lang), hide_index=True)
    written = runs.loc[runs["import_id"].notna()]
    if not written.empty:
        pick = st.selectbox(ctx.t("ui.autosource.diff_pick"), [int(v) for v in written["import_id"]],
                            format_func=lambda i: ctx.t("ui.autosource.diff_item", id=i, name=written.loc[
                                written["import_id"] == i, "name"].iloc[0]), key="sources_diff")
        sources_view.import_diff(pick, lang)
