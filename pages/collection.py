"""Thu thập số liệu — a data-collection round: one workbook per lead agency, a tracker, each returned
workbook received on its own, the consolidated self-assessment, evidence per figure, the official result."""
import storage.collection
import pandas as pd
import streamlit as st

from dashboard import collection_view as cv, data, fmt, provenance, widgets
from office import collection as col
from office import collection_round as rounds

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.collection.title"))
st.caption(ctx.t("ui.collection.intro"))
store = data.store()
fw = data.framework(sel.framework_id)

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
    creator = cv.who_input(ctx)
    if st.button(ctx.t("ui.collection.create"), type="primary", key="col_create", disabled=creator is None):
        rid = storage.collection.create_round(store, fw.id, sel.focus, int(year), deadline, label, creator)
        st.session_state["col_round"] = rid
        st.success(ctx.t("ui.collection.created", id=rid))
        all_rounds = storage.collection.rounds(store, fw.id)
        all_rounds = all_rounds.loc[all_rounds["province"] == sel.focus]

if all_rounds.empty:
    st.info(ctx.t("ui.collection.no_round", province=sel.focus))
    st.stop()

ids = [int(x) for x in all_rounds["round_id"]]
if st.session_state.get("col_round") not in ids:
    st.session_state["col_round"] = ids[0]
rid = st.selectbox(ctx.t("ui.collection.round"), ids, key="col_round", format_func=cv.round_labeller(ctx, all_rounds))
rnd = storage.collection.round_row(store, rid)
year = int(rnd["year"])
actor = cv.who_input(ctx)

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
st.dataframe(cv.tracker_table(ctx, trk), hide_index=True, width="stretch")

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
cv.received_outcome(ctx)

# -- conflicts between agencies of a shared component: the office decides ------------------------------
cv.conflicts_section(ctx, store, fw, rid, actor)

# -- consolidated self-assessment, evidence per figure, official result ----------------------------------
cv.consolidated_section(ctx, fw, rnd, year, cons)
cv.evidence_section(ctx, store, rid, cons, actor)
cv.official_section(ctx, store, fw, rid, rnd, year, actor)
