"""Thu thập số liệu — a data-collection round: one workbook per lead agency, a tracker, each returned
workbook received on its own, the consolidated self-assessment, evidence per figure, the official result."""
import storage.collection
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, provenance, tables, widgets
from office import collection as col
from office import collection_round as rounds

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.collection.title"))
st.caption(ctx.t("ui.collection.intro"))
store = data.store()
fw = data.framework(sel.framework_id)


def yes_no(flag) -> str:
    if flag is None or (isinstance(flag, float) and flag != flag) or flag is pd.NA:
        return "—"
    return ctx.t("ui.collection.yes") if bool(flag) else ctx.t("ui.collection.no")


def show_problems(problems: list[str], limit: int = 40) -> None:
    """Each message whole (never cut at a table's edge), as plain text (cells are user text)."""
    for m in problems[:limit]:
        st.text(f"• {m}")
    if len(problems) > limit:
        st.caption(ctx.t("ui.data.errors_more", n=len(problems) - limit))


def value_text(code: str, var: str, value, na: bool = False) -> str:
    return tables.raw_value(fw, code, var, value, lang, na=na, trim=True)


def who_input(key: str) -> str | None:
    """The signed-in editor who does what follows (recorded with it); None for a reader, whose
    data-changing buttons are disabled with the reason (issue 9: every data change needs an editor)."""
    signed = auth.editor()
    if signed:
        st.text(ctx.t("ui.collection.signed_in", name=signed))  # user text: never Markdown
        return signed
    st.caption(auth.reason(lang))
    return None


if not sel.is_province or sel.group == "63" or fw.unit_levels != ("province",):
    st.info(ctx.t("ui.collection.province_only"))
    st.stop()

# -- the round --------------------------------------------------------------------------------------
all_rounds = storage.collection.rounds(store, fw.id)
all_rounds = all_rounds.loc[all_rounds["province"] == sel.focus]
with st.expander(ctx.t("ui.collection.new_round"), expanded=all_rounds.empty):
    c1, c2, c3 = st.columns(3)
    year = c1.number_input(ctx.t("ui.common.year"), min_value=2020, max_value=2035, step=1,
                           value=int(sel.year or 2025), key="col_year")
    deadline = c2.date_input(ctx.t("ui.collection.deadline"), value=None, key="col_deadline", format="DD/MM/YYYY")
    label = c3.text_input(ctx.t("ui.collection.label"), key="col_label")
    creator = who_input("col_who_new")
    if st.button(ctx.t("ui.collection.create"), type="primary", key="col_create", disabled=creator is None):
        rid = storage.collection.create_round(store, fw.id, sel.focus, int(year), deadline, label, creator)
        st.session_state["col_round"] = rid
        st.success(ctx.t("ui.collection.created", id=rid))
        all_rounds = storage.collection.rounds(store, fw.id)
        all_rounds = all_rounds.loc[all_rounds["province"] == sel.focus]

if all_rounds.empty:
    st.info(ctx.t("ui.collection.no_round", province=sel.focus))
    st.stop()


def round_label(rid: int) -> str:
    r = all_rounds.set_index("round_id").loc[rid]
    return ctx.t("ui.collection.round_name", id=rid, year=int(r["year"]), label=r["label"] or "",
                 deadline=fmt.date(r["deadline"]) or "—")


ids = [int(x) for x in all_rounds["round_id"]]
if st.session_state.get("col_round") not in ids:
    st.session_state["col_round"] = ids[0]
rid = st.selectbox(ctx.t("ui.collection.round"), ids, key="col_round", format_func=round_label)
rnd = storage.collection.round_row(store, rid)
year = int(rnd["year"])
actor = who_input("col_who")

# -- workbooks for the agencies ---------------------------------------------------------------------
st.subheader(ctx.t("ui.collection.requests"))
st.caption(ctx.t("ui.collection.requests_help"))
if st.button(ctx.t("ui.collection.generate"), key="col_generate", disabled=actor is None):
    blob, names = rounds.generate(store, fw, rid, actor,
                                  origin_label=lambda flag: provenance.label(provenance.kind_of(flag), "vi"),
                                  made_on=fmt.vn_date(pd.Timestamp.now(tz="UTC")))
    st.session_state["col_zip"] = (rid, blob, len(names))
zipped = st.session_state.get("col_zip")
if zipped and zipped[0] == rid:
    st.success(ctx.t("ui.collection.generated", n=zipped[2]))
    st.download_button(ctx.t("ui.collection.download_zip"), zipped[1], file_name=f"phieu_thu_thap_DTI_{year}.zip",
                       mime="application/zip", key="col_zip_dl")

# -- tracker ----------------------------------------------------------------------------------------
cons = rounds.consolidated(store, fw, rid)
trk = rounds.tracker(store, fw, rid, cons)
st.subheader(ctx.t("ui.collection.tracker"))
view = pd.DataFrame({
    ctx.t("ui.collection.agency"): trk["agency"],
    ctx.t("ui.collection.indicators"): trk["indicators"],
    ctx.t("ui.collection.sent"): [fmt.vn_date(v) or "—" for v in trk["sent_at"]],
    ctx.t("ui.collection.received"): [fmt.vn_datetime(v) or "—" for v in trk["received_at"]],
    ctx.t("ui.collection.n_files"): trk["n_files"],
    ctx.t("ui.collection.valid"): [yes_no(v) for v in trk["last_valid"]],
    ctx.t("ui.collection.missing"): [f"{n} ({m})" if n else "0" for n, m in zip(trk["n_missing"], trk["missing"])],
    ctx.t("ui.collection.conflicts"): [f"{n} ({m})" if n else "0" for n, m in zip(trk["n_conflicts"], trk["conflicts"])],
    ctx.t("ui.collection.late"): [yes_no(v) for v in trk["late"]],
    ctx.t("ui.collection.no_evidence"): [f"{n} ({m})" if n else "0"
                                         for n, m in zip(trk["n_without_evidence"], trk["without_evidence"])],
})
st.dataframe(view, hide_index=True, width="stretch")

# -- receive a returned workbook --------------------------------------------------------------------
st.subheader(ctx.t("ui.collection.receive"))
st.caption(ctx.t("ui.collection.receive_help"))
agencies = list(col.agency_leaves(fw))
up = st.file_uploader(ctx.t("ui.collection.upload"), type=["xlsx"], key="col_upload")
if up is not None and st.session_state.get("col_guessed") != (up.name, up.size):
    # a new file: the agency written on its instructions sheet is proposed (the user may change it)
    st.session_state["col_guessed"] = (up.name, up.size)
    guess = col.read_request_meta(up.getvalue()).get("agency")
    if guess in agencies:
        st.session_state["col_agency"] = guess
agency = st.selectbox(ctx.t("ui.collection.agency"), agencies, key="col_agency")
if up is not None and st.button(ctx.t("ui.collection.receive_button"), type="primary", key="col_receive",
                                disabled=actor is None):
    read = rounds.receive(store, fw, rid, agency, up.getvalue(), up.name, actor)
    st.session_state["col_last"] = (read.ok, [p.text() for p in read.problems], len(read.data),
                                    col.missing_text(read.missing, fw))
    st.rerun()
last = st.session_state.pop("col_last", None)
if last is not None:
    ok, problems, n, missing = last
    if ok:
        st.success(ctx.t("ui.collection.received_ok", n=n, missing=len(missing)))
        if missing:
            st.caption(ctx.t("ui.collection.missing_cells"))
            show_problems(missing)
    else:
        st.error(ctx.t("ui.collection.received_bad", n=len(problems)))
        show_problems(problems)

# -- conflicts between agencies of a shared component: the office decides ------------------------------
clash = rounds.conflicts(store, fw, rid)
if not clash.empty:
    st.subheader(ctx.t("ui.collection.conflicts_title"))
    st.warning(ctx.t("ui.collection.conflicts_help", n=clash[["indicator", "variable"]].drop_duplicates().shape[0]))
    st.dataframe(pd.DataFrame({
        ctx.t("ui.methodology.code"): clash["indicator"].map(ctx.code),
        ctx.t("ui.collection.agency"): clash["agency"],
        ctx.t("ui.collection.value"): [value_text(i, v, x, na) for i, v, x, na in
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
                        format_func=lambda a: f"{a}: " + value_text(ind, var, *options.loc[
                            options["agency"] == a, ["value", "not_applicable"]].iloc[0]))
    if st.button(ctx.t("ui.collection.decide"), key="col_decide", disabled=actor is None):
        rounds.decide(store, fw, rid, ind, var, keep, actor)
        st.rerun()

# -- consolidated self-assessment -------------------------------------------------------------------
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
    st.warning(ctx.t("ui.collection.incomplete_conflicts", n=fmt.count(int((cons["status"] == "conflict").sum()), lang),
                     codes=", ".join(map(ctx.code, dict.fromkeys(cons.loc[cons["status"] == "conflict", "indicator"])))))
cview = pd.DataFrame({
    ctx.t("ui.methodology.code"): cons["indicator"].map(ctx.code),
    ctx.t("ui.collection.variable"): cons["meaning"],
    ctx.t("ui.collection.value"): [value_text(i, v, x, na) for i, v, x, na in
                                   zip(cons["indicator"], cons["variable"], cons["value"], cons["not_applicable"])],
    ctx.t("ui.collection.unit"): cons["unit"],
    ctx.t("ui.collection.status"): [ctx.t(f"ui.collection.status_{s}") for s in cons["status"]],
    ctx.t("ui.collection.from_agency"): cons["agency"].fillna("—"),
    ctx.t("ui.collection.evidence"): [yes_no(h) if r else "—" for h, r in zip(cons["has_evidence"],
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

# -- evidence per figure ----------------------------------------------------------------------------
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
        storage.collection.add_evidence(store, rid, ind, var, doc_number=doc_number, doc_date=doc_date, issuer=issuer, link=link,
                           file_name=ev_file.name if ev_file is not None else None,
                           file_bytes=ev_file.getvalue() if ev_file is not None else None, added_by=actor)
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

# -- official result --------------------------------------------------------------------------------
st.subheader(ctx.t("ui.collection.official_title", year=year))
st.caption(ctx.t("ui.collection.official_help"))
off_file = st.file_uploader(ctx.t("ui.collection.official_upload"), type=["csv"], key="col_off")
if off_file is not None and st.button(ctx.t("ui.collection.official_save"), key="col_off_save",
                                      disabled=actor is None):
    off, problems = col.parse_official(off_file.getvalue(), fw)
    if problems:
        st.error(ctx.t("ui.collection.official_bad", n=len(problems)))
        show_problems(problems)
    else:
        storage.collection.save_official_points(store, fw.id, rnd["province"], year, off, file_name=off_file.name,
                                                imported_by=actor)
        st.success(ctx.t("ui.collection.official_saved", n=len(off), province=rnd["province"], year=year,
                         codes=", ".join(ctx.t("ui.collection.total_word") if c == "total" else ctx.code(c)
                                         for c in off["code"])))
compared = rounds.official_comparison(store, fw, rid)
if compared is None:
    st.info(ctx.t("ui.collection.official_none"))
else:
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
        ctx.t("ui.collection.difference"): [fmt.number(v, 2, lang, signed=True) if c else ctx.t("ui.collection.not_compared")
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
