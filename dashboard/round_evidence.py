"""The unit's evidence on its self-assessment form (pages/self_assessment.py, issue 18): the table of what is
attached, and the form to add, edit or remove one item (removal asks once more). The add form's widget keys
carry a counter (`sa_ev_n`), so it is empty after each addition. Every change goes through
office.self_assessment via `auth.act`; user text is shown as text or table cells, never as Markdown."""
from __future__ import annotations

import pandas as pd

from dashboard import fmt
from dashboard.i18n import display_code

EV_FIELDS = ("code", "number", "date", "issuer", "link", "file")


def _ev_key(name: str, n: int) -> str:
    return f"sa_ev_{name}_{n}"


def evidence_section(ctx, store, fw, rid: int, unit: str, user: dict, codes: list[str], editable: bool,
                     default_code: str | None = None) -> None:
    """The unit's evidence: the table; add (the form emptied after each addition: its widgets' keys carry a
    counter), edit or remove one item (removal asks once more)."""
    import streamlit as st

    from dashboard import auth, round_view as rv
    from office import self_assessment

    lang = ctx.lang
    st.subheader(ctx.t("ui.selfform.evidence_title"))
    ev = self_assessment.evidence(store, rid, unit, user)
    if not ev.empty:
        st.dataframe(pd.DataFrame({
            ctx.t("ui.round.col_code"): [display_code(rv.text(v)) for v in ev["indicator"]],
            ctx.t("ui.selfform.doc_number"): [rv.text(v) for v in ev["doc_number"]],
            ctx.t("ui.selfform.doc_date"): [fmt.date(v) or "—" for v in ev["doc_date"]],
            ctx.t("ui.selfform.issuer"): [rv.text(v) for v in ev["issuer"]],
            ctx.t("ui.selfform.link"): [rv.text(v) for v in ev["link"]],
            ctx.t("ui.selfform.file"): [rv.text(v) for v in ev["file_name"]],
            ctx.t("ui.selfform.added"): [rv.stamp(v) for v in ev["added_at"]],
        }), hide_index=True, width="stretch")
    else:
        st.caption(ctx.t("ui.selfform.no_evidence"))
    if not editable:
        return
    if rv.evidence_uploader_css(lang, "sa_ev_file"):
        st.html(rv.evidence_uploader_css(lang, "sa_ev_file"))
    n = int(st.session_state.get("sa_ev_n", 0))   # a new counter = new, empty widgets
    mode_add, mode_edit = ctx.t("ui.selfform.ev_mode_add"), ctx.t("ui.selfform.ev_mode_edit")
    mode = st.radio(ctx.t("ui.selfform.ev_mode"), [mode_add, mode_edit] if not ev.empty else [mode_add],
                    horizontal=True, key="sa_ev_mode")
    label = {c: f"{display_code(c)}. {fw.nodes[c].name_vi}" for c in codes}
    with st.container(border=True):
        old = None
        if mode == mode_edit:
            ids = [int(i) for i in ev["evidence_id"]]
            def item(i):   # "I.1 · 12/QĐ-UBND · Quyết định.pdf · 08/12/2026 05:26"
                row = ev.loc[ev["evidence_id"] == i].iloc[0]
                parts = [row[c] for c in ("indicator", "doc_number", "file_name", "link") if not rv.is_missing(row[c])]
                return " · ".join([str(x) for x in parts] + [rv.stamp(row["added_at"])])

            pick = st.selectbox(ctx.t("ui.selfform.ev_pick"), ids, key="sa_ev_pick", format_func=item)
            old = ev.loc[ev["evidence_id"] == pick].iloc[0]
            n = f"{n}_e{pick}"   # the edit boxes start from the chosen item
        st.caption(ctx.t("ui.selfform.evidence_help"))
        start = old["indicator"] if old is not None else (default_code if default_code in label else codes[0])
        code = st.selectbox(ctx.t("ui.round.col_criterion"), codes, index=codes.index(start) if start in codes else 0,
                            key=_ev_key("code", n), format_func=label.get)
        e1, e2, e3 = st.columns(3)

        def old_text(col):
            return "" if old is None or rv.is_missing(old[col]) else str(old[col])

        doc_number = e1.text_input(ctx.t("ui.selfform.doc_number"), value=old_text("doc_number"),
                                   key=_ev_key("number", n))
        doc_date = e2.date_input(ctx.t("ui.selfform.doc_date"), format="DD/MM/YYYY", key=_ev_key("date", n),
                                 value=None if old is None or rv.is_missing(old["doc_date"])
                                 else pd.Timestamp(old["doc_date"]).date())
        issuer = e3.text_input(ctx.t("ui.selfform.issuer"), value=old_text("issuer"), key=_ev_key("issuer", n))
        link = st.text_input(ctx.t("ui.selfform.link"), value=old_text("link"), key=_ev_key("link", n))
        if old is not None and old_text("file_name"):
            st.caption(ctx.t("ui.selfform.ev_file_kept", name=auth.plain(old_text("file_name"))))
        with st.container(key="sa_ev_file"):
            upload = st.file_uploader(ctx.t("ui.selfform.file"), key=_ev_key("file", n),
                                      type=["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "odt", "ods"],
                                      help=ctx.t("ui.selfform.file_help"))
        fields = dict(doc_number=doc_number.strip() or None, doc_date=doc_date, issuer=issuer.strip() or None,
                      link=link.strip() or None, file_name=upload.name if upload is not None else None,
                      content=upload.getvalue() if upload is not None else None)
        if old is None:
            if st.button(ctx.t("ui.selfform.evidence_add"), key="sa_ev_add"):
                if not (fields["doc_number"] or fields["link"] or upload is not None):
                    st.error(ctx.t("ui.selfform.evidence_empty"))
                elif auth.act(lang, lambda actor: self_assessment.add_evidence(store, rid, unit, code, actor, **fields),
                              ("unit",)) is not None:
                    _evidence_done(st, "ui.selfform.evidence_added", code)
            return
        b1, b2 = st.columns(2)
        if b1.button(ctx.t("ui.selfform.ev_save"), key="sa_ev_save", type="primary"):
            if auth.act(lang, lambda actor: self_assessment.edit_evidence(store, rid, unit, int(old["evidence_id"]), actor,
                                                                    indicator=code, **fields), ("unit",)) is not None:
                _evidence_done(st, "ui.selfform.ev_saved", code)
        if b2.button(ctx.t("ui.selfform.ev_remove"), key="sa_ev_remove"):
            st.session_state["sa_ev_confirm"] = int(old["evidence_id"])
        if st.session_state.get("sa_ev_confirm") == int(old["evidence_id"]):
            st.warning(ctx.t("ui.selfform.ev_remove_confirm", code=display_code(old["indicator"])), icon=":material/delete:")
            c1, c2 = st.columns(2)
            if c1.button(ctx.t("ui.selfform.ev_remove_yes"), key="sa_ev_remove_yes", type="primary"):
                if auth.act(lang, lambda actor: self_assessment.remove_evidence(store, rid, unit, int(old["evidence_id"]),
                                                                          actor), ("unit",)) is not None:
                    st.session_state.pop("sa_ev_confirm", None)
                    _evidence_done(st, "ui.selfform.ev_removed", old["indicator"])
            if c2.button(ctx.t("ui.selfform.ev_remove_no"), key="sa_ev_remove_no"):
                st.session_state.pop("sa_ev_confirm", None)
                st.rerun()


def _evidence_done(st, key: str, code: str) -> None:
    st.session_state["sa_ev_n"] = int(st.session_state.get("sa_ev_n", 0)) + 1
    st.session_state.pop("sa_ev_mode", None)
    st.session_state["sa_flash"] = (key, {"code": display_code(code)})
    st.rerun()
