"""Widgets of the data page (pages/data.py, "Dữ liệu"): a chosen file's validation report and preview before
anything is written (and its commit), the target-progress upload, the unit list (edited on screen or from a
file), the SAMPLE removal and the import history (rows, diff, undo). Every write goes through office.imports /
storage.inputs via `auth.write`, which records the signed-in editor and explains a refusal in words. Messages
and file names are shown as plain text, never as Markdown."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

import storage.inputs
from dashboard import auth, data, fmt, tables
from dashboard.widgets import PageContext, chosen_file
from office import imports as importer

ROWS_SHOWN = 2000  # rows of one import read and shown on screen (the count says how many there are)


@dataclass(frozen=True)
class Writing:
    """What the page's choices say about a write: who may write, with which flag and source."""
    editor: bool             # a signed-in editor
    can_write: bool          # an editor, and a "published" flag has its source
    help: str | None         # why the write buttons are disabled (None for an editor)
    flag: str
    flag_source: str


def file_import(ctx: PageContext, fw, uploaded, basis: str, w: Writing) -> None:
    """The chosen file checked once per content (cached by name, checksum, framework and province): what was
    just written, or the preview with the commit (a file already imported asks once more), or the problems."""
    sel, lang = ctx.sel, ctx.lang
    raw = uploaded.getvalue()
    sha = hashlib.sha256(raw).hexdigest()
    cache_key = (uploaded.name, sha, fw.id, sel.province)
    if st.session_state.get("parsed_key") != cache_key:
        try:
            st.session_state["parsed"] = (
                importer.validate(data.store(), fw, raw, uploaded.name) if sel.is_province
                else importer.validate_unit_data(data.store(), fw, sel.province, raw, uploaded.name))
        except Exception as exc:  # an unreadable file is explained, never a traceback
            st.session_state["parsed"] = None
            st.error(ctx.t("ui.data.invalid", n=1))
            st.text(ctx.t("ui.data.read_error", file=uploaded.name, reason=str(exc)))  # plain text, no Markdown
        st.session_state["parsed_key"] = cache_key
    parsed = st.session_state.get("parsed")
    written = st.session_state.get("import_written")
    if written and written["key"] == cache_key:
        # This very file was just written: say so, and only that (no "nothing written yet" beside it).
        st.success(ctx.t("ui.data.committed", id=written["id"], n=fmt.count(written["n"], lang)),
                   icon=":material/check_circle:")
        st.caption(ctx.t("ui.data.committed_next"))
    elif parsed is not None and parsed.ok:
        years = ", ".join(str(y) for y in sorted(parsed.data["year"].unique()))
        st.success(ctx.t("ui.data.valid", n=fmt.count(len(parsed.data), lang),
                         entities=fmt.count(parsed.data["entity"].nunique(), lang), years=years))
        with st.expander(ctx.t("ui.data.preview", n=fmt.count(len(parsed.data), lang)), expanded=True):
            tables.show(tables.preview_frame(parsed.data, ctx), hide_index=True, width="stretch")
        # The same file (same checksum) is written again only after an explicit confirmation.
        before = storage.inputs.import_log(data.store())
        before = before.loc[before["sha256"] == parsed.sha256]
        confirmed = True
        if len(before):
            last = before.iloc[0]
            st.warning(ctx.t("ui.data.duplicate", file=last["file_name"], id=int(last["import_id"]),
                             when=fmt.vn_date(last["imported_at"])), icon=":material/content_copy:")
            confirmed = st.checkbox(ctx.t("ui.data.duplicate_confirm"), key="confirm_duplicate")
        if st.button(ctx.t("ui.data.commit"), type="primary", key="commit_import",
                     disabled=not (w.can_write and confirmed), help=w.help):
            import_id = auth.write(lang, lambda who: (
                importer.commit(data.store(), parsed, fw, w.flag, who, flag_source=w.flag_source or None)
                if sel.is_province else importer.commit_unit_data(data.store(), parsed, fw, w.flag, basis, who,
                                                                  flag_source=w.flag_source or None)))
            if import_id is not None:
                st.session_state["import_written"] = {"key": cache_key, "id": import_id, "n": len(parsed.data)}
                st.session_state.pop("confirm_duplicate", None)
                if w.flag != "sample":  # show what was just imported: the own dataset
                    st.session_state["dataset"] = "own"
                    st.session_state.pop("w_dataset", None)
                st.rerun()
    elif parsed is not None:
        st.error(ctx.t("ui.data.invalid", n=fmt.count(len(parsed.problems), lang)))
        messages = parsed.messages(lang)
        for m in messages[:30]:
            st.text(f"• {m}")  # plain text: a cell or file name is never read as Markdown/HTML
        if len(messages) > 30:
            st.caption(ctx.t("ui.data.errors_more", n=fmt.count(len(messages) - 30, lang)))


def targets_import(ctx: PageContext, w: Writing) -> None:
    """The target-progress file: checked, shown, committed."""
    lang = ctx.lang
    with st.expander(ctx.t("ui.data.targets_upload")):
        st.caption(ctx.t("ui.data.targets_help"))
        t_file = st.file_uploader(ctx.t("ui.data.targets_upload"), type=["csv", "xlsx"], key="upload_targets",
                                  label_visibility="collapsed")
        chosen_file(t_file, lang)
        if t_file is None:
            return
        t_parsed = importer.validate_target_progress(data.store(), t_file.getvalue(), t_file.name)
        if t_parsed.ok:
            st.success(ctx.t("ui.data.targets_valid", n=fmt.count(len(t_parsed.data), lang)))
            tables.show(tables.import_rows_table(t_parsed.data, lang), hide_index=True)
            if st.button(ctx.t("ui.data.commit"), key="commit_targets", disabled=not w.can_write, help=w.help):
                tid = auth.write(lang, lambda who: importer.commit_target_progress(
                    data.store(), t_parsed, w.flag, who, flag_source=w.flag_source or None))
                if tid is not None:
                    st.success(ctx.t("ui.data.committed", id=tid, n=fmt.count(len(t_parsed.data), lang)))
        else:
            st.error(ctx.t("ui.data.invalid", n=fmt.count(max(1, len(t_parsed.problems)), lang)))
            for m in t_parsed.messages(lang)[:30]:
                st.text(f"• {m}")


def units_section(ctx: PageContext, w: Writing) -> None:
    """A province's unit list: edited in place (saved as a new version through the same checks as a file),
    or replaced from a file."""
    sel, lang = ctx.sel, ctx.lang
    st.subheader(ctx.t("ui.data.units_title"))
    st.caption(ctx.t("ui.data.units_help"))
    provinces = list(data.entities("34")["name"])
    default_province = (sel.province if sel.province in provinces else sel.focus if sel.focus in provinces
                        else provinces[0])
    u_province = st.selectbox(ctx.t("ui.common.province_name"), provinces, index=provinces.index(default_province),
                              key="units_province")
    current_units = data.units(u_province)
    if current_units.empty:
        st.caption(ctx.t("ui.data.units_none", province=u_province))
    else:
        st.caption(ctx.t("ui.data.units_current", province=u_province, n=fmt.count(len(current_units), lang)))
        # Edited in place; saving writes the edited table as a new version through the same checks as a file.
        level_words = {lv: ctx.t(f"ui.levels.{lv}") for lv in ("department", "commune", "district")}
        # Column headers are the words a person reads (the data editor's own table, not only its labels).
        heads = {"name": ctx.t("ui.data.unit_name"), "level": ctx.t("ui.data.unit_level"),
                 "valid_from": ctx.t("ui.data.unit_from"), "valid_to": ctx.t("ui.data.unit_to"),
                 "aliases": ctx.t("ui.data.unit_aliases")}
        editable = pd.DataFrame({
            heads["name"]: current_units["name"].astype(str),
            heads["level"]: [level_words.get(lv, lv) for lv in current_units["level"]],
            heads["valid_from"]: [fmt.date(v) for v in current_units["valid_from"]],
            heads["valid_to"]: [fmt.date(v) for v in current_units["valid_to"]],
            heads["aliases"]: current_units["aliases"].fillna("").astype(str),
        })
        edited_units = st.data_editor(
            editable, key=f"units_editor_{u_province}", hide_index=True, width="stretch", height=280,
            num_rows="dynamic",
            column_config={heads["name"]: st.column_config.TextColumn(required=True),
                           heads["level"]: st.column_config.SelectboxColumn(options=list(level_words.values()),
                                                                            required=True)})
        if st.button(ctx.t("ui.data.units_save"), key="units_save", disabled=not w.editor, help=w.help):
            words = {v: k for k, v in level_words.items()}
            table = edited_units.rename(columns={v: k for k, v in heads.items()})
            table = table.assign(level=table["level"].map(lambda word: {
                "department": "Sở", "commune": "Xã", "district": "Huyện"}.get(words.get(word), word)))
            table = table.rename(columns={"name": "Tên đơn vị", "level": "Cấp", "valid_from": "Hiệu lực từ",
                                          "valid_to": "Hiệu lực đến", "aliases": "Tên khác"})
            e_parsed = importer.validate_unit_list(table.to_csv(index=False).encode("utf-8"),
                                                   ctx.t("ui.data.units_edited_name"), kind="csv")
            if e_parsed.ok:
                uid = auth.write(lang, lambda who: importer.commit_unit_list(data.store(), u_province, e_parsed,
                                                                             "self_assessed", who))
                if uid is not None:
                    st.success(ctx.t("ui.data.units_committed", id=uid, n=fmt.count(len(e_parsed.data), lang),
                                     province=u_province))
            else:
                st.error(ctx.t("ui.data.invalid", n=fmt.count(max(1, len(e_parsed.problems)), lang)))
                st.text("\n".join(e_parsed.messages(lang)[:30]))
    u_file = st.file_uploader(ctx.t("ui.data.units_upload"), type=["csv", "xlsx"], key="upload_units")
    chosen_file(u_file, lang)
    if u_file is None:
        return
    u_parsed = importer.validate_unit_list(u_file.getvalue(), u_file.name)
    if u_parsed.ok:
        st.success(ctx.t("ui.data.units_valid", n=fmt.count(len(u_parsed.data), lang), province=u_province))
        if st.button(ctx.t("ui.data.commit"), key="commit_units", disabled=not w.can_write, help=w.help):
            uid = auth.write(lang, lambda who: importer.commit_unit_list(data.store(), u_province, u_parsed, w.flag,
                                                                         who, flag_source=w.flag_source or None))
            if uid is not None:
                st.success(ctx.t("ui.data.units_committed", id=uid, n=fmt.count(len(u_parsed.data), lang),
                                 province=u_province))
    else:
        st.error(ctx.t("ui.data.invalid", n=fmt.count(max(1, len(u_parsed.problems)), lang)))
        st.text("\n".join(u_parsed.messages(lang)[:30]))


def sample_removal(ctx: PageContext, fw, w: Writing) -> None:
    """The SAMPLE dataset can be removed by an editor (recorded in the import history and the change log)."""
    sel, lang = ctx.sel, ctx.lang
    if "sample" in data.datasets(fw.id, sel.score_group):
        with st.expander(ctx.t("ui.data.remove_sample_title")):
            st.caption(ctx.t("ui.data.remove_sample_help"))
            sure = st.checkbox(ctx.t("ui.data.remove_sample_confirm"), key="remove_sample_confirm",
                               disabled=not w.editor)
            if st.button(ctx.t("ui.data.remove_sample"), key="remove_sample", disabled=not (w.editor and sure),
                         help=w.help):
                n = auth.write(lang, lambda who: storage.inputs.remove_sample(data.store(), fw.id, sel.score_group,
                                                                              who))
                if n is not None:
                    st.session_state["sample_removed"] = n
                    st.session_state.pop("remove_sample_confirm", None)
                    st.rerun()
    if st.session_state.get("sample_removed") is not None:
        st.success(ctx.t("ui.data.sample_removed", n=fmt.count(st.session_state.pop("sample_removed"), lang)))


def import_history(ctx: PageContext, w: Writing) -> None:
    """The import history: the log, one import's rows and what it changed, and its undo (with a reason)."""
    lang = ctx.lang
    st.subheader(ctx.t("ui.imports.title"))
    st.caption(ctx.t("ui.imports.help"))
    log = data.import_log()
    if log.empty:
        st.caption(ctx.t("ui.imports.none"))
        return
    tables.show(tables.import_history(log, lang), hide_index=True, width="stretch", height=260)
    by_id = log.set_index("import_id")
    picked = st.selectbox(ctx.t("ui.imports.pick"), list(log["import_id"]), key="history_pick",
                          format_func=lambda i: ctx.t("ui.imports.pick_label", id=int(i),
                                                      file=by_id.at[i, "file_name"],
                                                      at=tables._stamp(by_id.at[i, "imported_at"])))
    info = by_id.loc[picked]
    # A commune-scale import holds ~10^6 values: the page reads and formats the first ROWS_SHOWN only.
    rows = data.import_rows(int(picked), limit=ROWS_SHOWN)
    # each figure read by its framework's meaning and kind (people whole, yes/no in words)
    figures_of = data.framework(info["framework_id"]) if info.get("framework_id") in data.framework_ids() else None
    n_rows = int(info["n_rows"])
    shown_note = ctx.t("ui.imports.rows_shown", shown=fmt.count(ROWS_SHOWN, lang), n=fmt.count(n_rows, lang))
    with st.expander(ctx.t("ui.imports.rows_title", n=fmt.count(n_rows, lang))):
        tables.show(tables.import_rows_table(rows, lang, figures_of), hide_index=True, width="stretch", height=240)
        if n_rows > ROWS_SHOWN:
            st.caption(shown_note)
    st.markdown(f"**{ctx.t('ui.imports.diff_title')}**")
    diff = tables.import_diff_table(data.import_diff(int(picked), limit=ROWS_SHOWN), lang, figures_of)
    tables.show(diff, hide_index=True, width="stretch", height=min(280, 38 + 35 * max(1, len(diff))))
    if n_rows > ROWS_SHOWN:
        st.caption(shown_note)
    if pd.notna(info["rolled_back_at"]):
        st.caption(ctx.t("ui.imports.undo_already"))
    elif info["imported_by"] == "DTI Studio (dữ liệu mẫu)":
        st.caption(ctx.t("ui.imports.undo_sample"))
    else:
        reason = st.text_input(ctx.t("ui.imports.undo_reason"), key=f"undo_reason_{picked}", disabled=not w.editor)
        sure = st.checkbox(ctx.t("ui.imports.undo_confirm", id=int(picked), file=info["file_name"]),
                           key=f"undo_sure_{picked}", disabled=not w.editor)
        if st.button(ctx.t("ui.imports.undo"), key="undo_import", type="primary", disabled=not (w.editor and sure),
                     help=w.help):
            if auth.write(lang, lambda who: storage.inputs.rollback_import(data.store(), int(picked), who,
                                                                          reason.strip())):
                st.success(ctx.t("ui.imports.undo_done", id=int(picked)))
