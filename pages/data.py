"""Dữ liệu — import CSV/Excel with a preview and validation report before anything is written;
templates; import history; origin of the figures."""
import streamlit as st

from dashboard import data, tables, widgets
from loaders import importer
from loaders.templates import build_template

ctx = widgets.context()
sel, lang, fw = ctx.sel, ctx.lang, ctx.framework
st.title(ctx.t("ui.data.title"))

st.subheader(ctx.t("ui.data.upload"))
uploaded = st.file_uploader(ctx.t("ui.data.upload"), type=["csv", "xlsx"], help=ctx.t("ui.data.upload_help"),
                            key="upload_file", label_visibility="collapsed")
c1, c2 = st.columns(2)
flag = c1.selectbox(ctx.t("ui.data.flag"), ["self_assessed", "published", "plan", "sample"], key="upload_flag",
                    format_func=lambda f: ctx.t(f"ui.data.flag_{f}"))
who = c2.text_input(ctx.t("ui.data.imported_by"), key="upload_who")

if uploaded is not None:
    raw = uploaded.getvalue()
    cache_key = (uploaded.name, len(raw), fw.id)
    if st.session_state.get("parsed_key") != cache_key:
        try:
            st.session_state["parsed"] = importer.validate(data.store(), fw, raw, uploaded.name)
        except Exception as exc:  # an unreadable file is explained, never a traceback
            st.session_state["parsed"] = None
            st.error(ctx.t("ui.data.invalid", n=1))
            st.text(ctx.t("ui.data.read_error", file=uploaded.name, reason=str(exc)))  # plain text, no Markdown
        st.session_state["parsed_key"] = cache_key
    parsed = st.session_state.get("parsed")
    if parsed is not None:
        if parsed.ok:
            years = ", ".join(str(y) for y in sorted(parsed.data["year"].unique()))
            st.success(ctx.t("ui.data.valid", n=len(parsed.data), entities=parsed.data["entity"].nunique(),
                             years=years))
            with st.expander(ctx.t("ui.data.preview", n=len(parsed.data), form=parsed.form), expanded=True):
                st.dataframe(parsed.data.head(200), hide_index=True, width="stretch")
            if st.button(ctx.t("ui.data.commit"), type="primary", key="commit_import"):
                import_id = importer.commit(data.store(), parsed, fw, flag, who)
                st.session_state.pop("parsed_key", None)
                st.success(ctx.t("ui.data.committed", id=import_id, n=len(parsed.data)))
        else:
            st.error(ctx.t("ui.data.invalid", n=len(parsed.problems)))
            messages = parsed.messages(lang)
            for m in messages[:30]:
                st.text(f"• {m}")  # plain text: a cell or file name is never read as Markdown/HTML
            if len(messages) > 30:
                st.caption(ctx.t("ui.data.errors_more", n=len(messages) - 30))

with st.expander(ctx.t("ui.data.targets_upload")):
    st.caption(ctx.t("ui.data.targets_help"))
    t_file = st.file_uploader(ctx.t("ui.data.targets_upload"), type=["csv", "xlsx"], key="upload_targets",
                              label_visibility="collapsed")
    if t_file is not None:
        t_parsed = importer.validate_target_progress(data.store(), t_file.getvalue(), t_file.name)
        if t_parsed.ok:
            st.success(ctx.t("ui.data.targets_valid", n=len(t_parsed.data)))
            st.dataframe(t_parsed.data, hide_index=True)
            if st.button(ctx.t("ui.data.commit"), key="commit_targets"):
                tid = importer.commit_target_progress(data.store(), t_parsed, flag, who)
                st.success(ctx.t("ui.data.committed", id=tid, n=len(t_parsed.data)))
        else:
            st.error(ctx.t("ui.data.invalid", n=max(1, len(t_parsed.problems))))
            for m in t_parsed.messages(lang)[:30]:
                st.text(f"• {m}")

st.subheader(ctx.t("ui.data.template"))
st.caption(ctx.t("ui.data.template_help"))
entities = list(data.entities("34")["name"])
years = sorted({int(y) for y in data.current_inputs(fw.id)["year"]} | {2025, 2026})
st.download_button(ctx.t("ui.data.template"), build_template(fw, entities, years, lang),
                   file_name=f"mau_nhap_lieu_{fw.id}.xlsx", key="dl_template",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(ctx.t("ui.data.flags"))
st.caption(ctx.t("ui.data.flags_note"))
st.dataframe(data.flags_by_year(fw.id), hide_index=True)

st.subheader(ctx.t("ui.data.history"))
st.dataframe(data.import_log(), hide_index=True, width="stretch")

st.subheader(ctx.t("ui.data.published"))
st.dataframe(tables.localise(data.published().drop(columns=["quote"]), lang), hide_index=True, width="stretch",
             height=300, column_config={"source_url": st.column_config.LinkColumn("source_url")})
st.subheader(ctx.t("ui.data.plan"))
st.dataframe(tables.localise(data.plan_values(fw.id).drop(columns=["framework_id", "source"]), lang),
             hide_index=True, width="stretch")
