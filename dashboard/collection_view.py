"""Widgets of the data-collection page (pages/collection.py, "Thu thập số liệu"): the signed-in editor line,
the round tracker, a returned workbook's outcome, the conflicts the office decides, the consolidated
self-assessment with its downloads, evidence per figure and the official result beside the self-assessment.
The rules live in office.collection / office.collection_round; these only show and ask. User text (agency
names, file names, messages) is shown as plain text or dataframe cells, never as Markdown."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import storage.collection
from dashboard import auth, fmt, tables
from dashboard.widgets import PageContext
from office import collection as col
from office import collection_round as rounds


def yes_no(ctx: PageContext, flag) -> str:
    if flag is None or (isinstance(flag, float) and flag != flag) or flag is pd.NA:
        return "—"
    return ctx.t("ui.collection.yes") if bool(flag) else ctx.t("ui.collection.no")


def show_problems(ctx: PageContext, problems: list[str], limit: int = 40) -> None:
    """Each message whole (never cut at a table's edge), as plain text (cells are user text)."""
    for m in problems[:limit]:
        st.text(f"• {m}")
    if len(problems) > limit:
        st.caption(ctx.t("ui.data.errors_more", n=len(problems) - limit))


def value_text(ctx: PageContext, fw, code: str, var: str, value, na: bool = False) -> str:
    return tables.raw_value(fw, code, var, value, ctx.lang, na=na, trim=True)


def who_input(ctx: PageContext) -> str | None:
    """The signed-in editor who does what follows (recorded with it); None for a reader, whose
    data-changing buttons are disabled with the reason (issue 9: every data change needs an editor)."""
    signed = auth.editor()
    if signed:
        st.text(ctx.t("ui.collection.signed_in", name=signed))  # user text: never Markdown
        return signed
    st.caption(auth.reason(ctx.lang))
    return None


def round_labeller(ctx: PageContext, all_rounds: pd.DataFrame):
    """The round box's option words: "Đợt 3 · 2025 · … · hạn 31/03/2026"."""
    def round_label(rid: int) -> str:
        r = all_rounds.set_index("round_id").loc[rid]
        return ctx.t("ui.collection.round_name", id=rid, year=int(r["year"]), label=r["label"] or "",
                     deadline=fmt.date(r["deadline"]) or "—")
    return round_label


def tracker_table(ctx: PageContext, trk: pd.DataFrame) -> pd.DataFrame:
    """One row per lead agency: sent, received, files, valid, missing, conflicts, late, without evidence."""
    return pd.DataFrame({
        ctx.t("ui.collection.agency"): trk["agency"],
        ctx.t("ui.collection.indicators"): trk["indicators"],
        ctx.t("ui.collection.sent"): [fmt.vn_date(v) or "—" for v in trk["sent_at"]],
        ctx.t("ui.collection.received"): [fmt.vn_datetime(v) or "—" for v in trk["received_at"]],
        ctx.t("ui.collection.n_files"): trk["n_files"],
        ctx.t("ui.collection.valid"): [yes_no(ctx, v) for v in trk["last_valid"]],
        ctx.t("ui.collection.missing"): [f"{n} ({m})" if n else "0" for n, m in zip(trk["n_missing"], trk["missing"])],
        ctx.t("ui.collection.conflicts"): [f"{n} ({m})" if n else "0"
                                           for n, m in zip(trk["n_conflicts"], trk["conflicts"])],
        ctx.t("ui.collection.late"): [yes_no(ctx, v) for v in trk["late"]],
        ctx.t("ui.collection.no_evidence"): [f"{n} ({m})" if n else "0"
                                             for n, m in zip(trk["n_without_evidence"], trk["without_evidence"])],
    })


def received_outcome(ctx: PageContext) -> None:
    """What the last "receive" said (kept over its rerun in `col_last`): figures read, or the problems."""
    last = st.session_state.pop("col_last", None)
    if last is None:
        return
    ok, problems, n, missing = last
    if ok:
        st.success(ctx.t("ui.collection.received_ok", n=n, missing=len(missing)))
        if missing:
            st.caption(ctx.t("ui.collection.missing_cells"))
            show_problems(ctx, missing)
    else:
        st.error(ctx.t("ui.collection.received_bad", n=len(problems)))
        show_problems(ctx, problems)


def conflicts_section(ctx: PageContext, store, fw, rid: int, actor: str | None) -> None:
    """Conflicts between agencies of a shared component: the table, and the office's choice of one agency."""
    clash = rounds.conflicts(store, fw, rid)
    if clash.empty:
        return
    st.subheader(ctx.t("ui.collection.conflicts_title"))
    st.warning(ctx.t("ui.collection.conflicts_help", n=clash[["indicator", "variable"]].drop_duplicates().shape[0]))
    st.dataframe(pd.DataFrame({
        ctx.t("ui.methodology.code"): clash["indicator"].map(ctx.code),
        ctx.t("ui.collection.agency"): clash["agency"],
        ctx.t("ui.collection.value"): [value_text(ctx, fw, i, v, x, na) for i, v, x, na in
                                       zip(clash["indicator"], clash["variable"], clash["value"], clash["not_applicable"])],
        ctx.t("ui.collection.unit"): clash["unit"],
        ctx.t("ui.collection.received"): [fmt.vn_datetime(v) for v in clash["received_at"]],
        ctx.t("ui.collection.chosen"): [ctx.t("ui.collection.chosen_by", who=w) if c else ""
                                        for c, w in zip(clash["chosen"], clash["decided_by"])],
        ctx.t("ui.collection.variable"): clash["meaning"],
    }), hide_index=True, width="stretch")
    pairs = list(dict.fromkeys(f"{i}|{v}" for i, v in zip(clash["indicator"], clash["variable"])))
    d1, d2 = st.columns(2)
    pair = d1.selectbox(ctx.t("ui.collection.figure"), pairs, key="col_clash_fig",
                        format_func=lambda k: f"{k.split('|')[0]} · {k.split('|')[1]}")
    ind, var = pair.split("|")
    options = clash.loc[(clash["indicator"] == ind) & (clash["variable"] == var)]
    keep = d2.selectbox(ctx.t("ui.collection.keep_agency"), list(options["agency"]), key="col_clash_agency",
                        format_func=lambda a: f"{a}: " + value_text(ctx, fw, ind, var, *options.loc[
                            options["agency"] == a, ["value", "not_applicable"]].iloc[0]))
    if st.button(ctx.t("ui.collection.decide"), key="col_decide", disabled=actor is None):
        rounds.decide(store, fw, rid, ind, var, keep, actor)
        st.rerun()


def consolidated_section(ctx: PageContext, fw, rnd, year: int, cons: pd.DataFrame) -> None:
    """The consolidated self-assessment: counts and points, what is missing or in conflict, the table and
    its downloads (long CSV, Excel)."""
    lang = ctx.lang
    st.subheader(ctx.t("ui.collection.consolidated", province=rnd["province"], year=year))
    pts = rounds.self_scores(fw, cons, rnd["province"], year).set_index("code")["points"]
    n_missing = int((cons["status"] == "missing").sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(ctx.t("ui.collection.figures_received"),
              f"{fmt.count(int((cons['status'] == 'received').sum()), lang)}/{fmt.count(len(cons), lang)}")
    m2.metric(ctx.t("ui.collection.figures_missing"), fmt.count(n_missing, lang))
    m3.metric(ctx.t("ui.collection.self_total"), fmt.number(pts.get("total"), 2, lang))
    if n_missing:
        st.warning(ctx.t("ui.collection.incomplete", codes=", ".join(map(ctx.code, dict.fromkeys(
            cons.loc[cons["status"] == "missing", "indicator"])))))
    if (cons["status"] == "conflict").any():
        st.warning(ctx.t("ui.collection.incomplete_conflicts",
                         n=fmt.count(int((cons["status"] == "conflict").sum()), lang),
                         codes=", ".join(map(ctx.code, dict.fromkeys(cons.loc[cons["status"] == "conflict", "indicator"])))))
    cview = pd.DataFrame({
        ctx.t("ui.methodology.code"): cons["indicator"].map(ctx.code),
        ctx.t("ui.collection.variable"): cons["meaning"],
        ctx.t("ui.collection.value"): [value_text(ctx, fw, i, v, x, na) for i, v, x, na in
                                       zip(cons["indicator"], cons["variable"], cons["value"], cons["not_applicable"])],
        ctx.t("ui.collection.unit"): cons["unit"],
        ctx.t("ui.collection.status"): [ctx.t(f"ui.collection.status_{s}") for s in cons["status"]],
        ctx.t("ui.collection.from_agency"): cons["agency"].fillna("—"),
        ctx.t("ui.collection.evidence"): [yes_no(ctx, h) if r else "—" for h, r in zip(cons["has_evidence"],
                                                                                       cons["status"] == "received")],
        ctx.t("ui.collection.points"): [fmt.number(pts.get(c), 2, lang) for c in cons["indicator"]],
        ctx.t("ui.methodology.indicator"): cons["name"],
    })
    st.dataframe(cview, hide_index=True, width="stretch",
                 column_config={ctx.t("ui.collection.variable"): st.column_config.TextColumn(width="medium")})
    long = col.consolidated_long(cons, rnd["province"], year)
    dl1, dl2 = st.columns(2)
    dl1.download_button(ctx.t("ui.collection.download_long"), long.to_csv(index=False).encode("utf-8"),
                        file_name=f"tu_danh_gia_{year}.csv", mime="text/csv", key="col_long_dl",
                        help=ctx.t("ui.collection.download_long_help"))
    dl2.download_button(ctx.t("ui.collection.download_xlsx"),
                        lambda: col.consolidated_xlsx(cons, rnd["province"], year, fw),
                        file_name=f"tu_danh_gia_{year}.xlsx", key="col_xlsx_dl",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def evidence_section(ctx: PageContext, store, rid: int, cons: pd.DataFrame, actor: str | None) -> None:
    """Evidence per figure: the add form (document, date, issuer, link, file) and the round's evidence."""
    st.subheader(ctx.t("ui.collection.evidence_title"))
    st.caption(ctx.t("ui.collection.evidence_help"))
    figures = [f"{i}|{v}" for i, v in zip(cons["indicator"], cons["variable"])]
    fig = st.selectbox(ctx.t("ui.collection.figure"), figures, key="col_ev_fig",
                       format_func=lambda k: f"{k.split('|')[0]} · {k.split('|')[1]}")
    e1, e2, e3 = st.columns(3)
    doc_number = e1.text_input(ctx.t("ui.collection.doc_number"), key="col_ev_num")
    doc_date = e2.date_input(ctx.t("ui.collection.doc_date"), value=None, key="col_ev_date", format="DD/MM/YYYY")
    issuer = e3.text_input(ctx.t("ui.collection.issuer"), key="col_ev_issuer")
    link = st.text_input(ctx.t("ui.collection.link"), key="col_ev_link")
    ev_file = st.file_uploader(ctx.t("ui.collection.ev_file"), key="col_ev_file")
    if st.button(ctx.t("ui.collection.ev_save"), key="col_ev_save", disabled=actor is None):
        if not (doc_number or link or ev_file is not None):
            st.error(ctx.t("ui.collection.ev_empty"))
        else:
            ind, var = fig.split("|")
            storage.collection.add_evidence(store, rid, ind, var, doc_number=doc_number, doc_date=doc_date,
                                            issuer=issuer, link=link,
                                            file_name=ev_file.name if ev_file is not None else None,
                                            file_bytes=ev_file.getvalue() if ev_file is not None else None,
                                            added_by=actor)
            st.success(ctx.t("ui.collection.ev_saved", figure=fig.replace("|", " · ")))
    ev = storage.collection.round_evidence(store, rid)
    if not ev.empty:
        st.dataframe(pd.DataFrame({
            ctx.t("ui.methodology.code"): ev["indicator"].map(ctx.code), ctx.t("ui.collection.variable"): ev["variable"],
            ctx.t("ui.collection.doc_number"): ev["doc_number"].fillna("—"),
            ctx.t("ui.collection.doc_date"): [fmt.date(d) or "—" for d in ev["doc_date"]],
            ctx.t("ui.collection.issuer"): ev["issuer"].fillna("—"), ctx.t("ui.collection.link"): ev["link"].fillna("—"),
            ctx.t("ui.collection.ev_file"): ev["file_path"].fillna("—"),
            ctx.t("ui.collection.who"): ev["added_by"].fillna("—"),
            ctx.t("ui.collection.when"): [fmt.vn_datetime(d) for d in ev["added_at"]],
        }), hide_index=True, width="stretch")


def official_section(ctx: PageContext, store, fw, rid: int, rnd, year: int, actor: str | None) -> None:
    """The official result: its upload, and the self-assessment beside it (points lost per agency)."""
    lang = ctx.lang
    st.subheader(ctx.t("ui.collection.official_title", year=year))
    st.caption(ctx.t("ui.collection.official_help"))
    off_file = st.file_uploader(ctx.t("ui.collection.official_upload"), type=["csv"], key="col_off")
    if off_file is not None and st.button(ctx.t("ui.collection.official_save"), key="col_off_save",
                                          disabled=actor is None):
        off, problems = col.parse_official(off_file.getvalue(), fw)
        if problems:
            st.error(ctx.t("ui.collection.official_bad", n=len(problems)))
            show_problems(ctx, problems)
        else:
            storage.collection.save_official_points(store, fw.id, rnd["province"], year, off, file_name=off_file.name,
                                                    imported_by=actor)
            st.success(ctx.t("ui.collection.official_saved", n=len(off), province=rnd["province"], year=year,
                             codes=", ".join(ctx.t("ui.collection.total_word") if c == "total" else ctx.code(c)
                                             for c in off["code"])))
    compared = rounds.official_comparison(store, fw, rid)
    if compared is None:
        st.info(ctx.t("ui.collection.official_none"))
        return
    comp, lost = compared["comp"], compared["lost"]
    st.caption(ctx.t("ui.collection.official_basis", n=compared["n_official"],
                     when=fmt.vn_datetime(compared["official_at"])))
    if compared["n_valid_files"] == 0:
        st.info(ctx.t("ui.collection.no_forms"))
    elif compared["n_compared"] < compared["n_official"]:
        st.info(ctx.t("ui.collection.partly_compared", n=compared["n_compared"], total=compared["n_official"]))
    st.dataframe(pd.DataFrame({
        ctx.t("ui.methodology.code"): [ctx.t("ui.collection.total_word") if c == "total" else ctx.code(c) for c in comp["code"]],
        ctx.t("ui.collection.self_points"): [fmt.number(v, 2, lang) for v in comp["self_points"]],
        ctx.t("ui.collection.official_points"): [fmt.number(v, 2, lang) for v in comp["official_points"]],
        ctx.t("ui.collection.difference"): [fmt.number(v, 2, lang, signed=True) if c
                                            else ctx.t("ui.collection.not_compared")
                                            for v, c in zip(comp["difference"], comp["compared"])],
        ctx.t("ui.collection.agency"): comp["lead_agency"],
        ctx.t("ui.methodology.indicator"): comp["name"],
    }), hide_index=True, width="stretch")
    if not lost.empty:
        st.markdown(f"**{ctx.t('ui.collection.lost_title')}**")
        st.caption(ctx.t("ui.collection.lost_help"))
        st.dataframe(pd.DataFrame({
            ctx.t("ui.collection.agency"): lost["agency"],
            ctx.t("ui.collection.points_lost"): [fmt.number(v, 2, lang) for v in lost["points_lost"]],
            ctx.t("ui.collection.n_compared"): [fmt.count(n, lang) for n in lost["n_compared"]],
        }), hide_index=True, width="stretch")
