"""Thẩm định — a council member's queue in an appraisal round (issues 12, 18): the criteria assigned to them
across the round's units (filters: criterion, unit, undecided, stale), the unit's self-assessed values,
evidence and explanation; yes/no items as toggles; "accept as submitted" for a row or every filtered row;
changes kept across pages and saved in one batch, a reason only where a value changes. Pages of 10–100 rows
(150 communes × 40 criteria never draw at once). The service refuses criteria not assigned to the member."""
import streamlit as st

from dashboard import auth, data, fmt, round_queue as rq, widgets
from office import appraisal
from office import self_assessment
from office import council

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.appraise.title"))
store = data.store()
user = auth.current_user()
if user is None or user["role"] != "council":
    auth.page_for_hint(ctx.t("ui.appraise.sign_in_hint"), "council", lang)
    st.stop()

all_rounds = appraisal.rounds_for(store, user)  # the rounds where the member has criteria
rid = widgets.round_choice(ctx, all_rounds, "ap_round")
info = appraisal.round_info(store, rid)
fw_full = data.framework(info["framework_id"])
fw = data.framework_view(info["framework_id"], info["level"])
closed = info.get("status") == "closed"
widgets.sample_round_note(ctx, info)
flash = st.session_state.pop("ap_flash", None)
if flash:
    st.success(ctx.t(flash[0], **flash[1]), icon=":material/check:")
if fault := st.session_state.pop("ap_fault", None):   # a refusal from a button's callback, in words
    st.error(fault, icon=":material/error:")

queue = council.queue(store, fw_full, rid, user)
if queue.empty:
    st.info(ctx.t("ui.appraise.nothing_assigned"), icon=":material/assignment:")
    st.stop()

pairs = rq.pairs_of(queue)
n_done = int(pairs["decided"].sum())
m1, m2, m3, m4 = st.columns(4)
m1.metric(ctx.t("ui.appraise.m_rows"), fmt.number(len(pairs), 0, lang))
m2.metric(ctx.t("ui.appraise.m_done"), fmt.number(n_done, 0, lang))
m3.metric(ctx.t("ui.appraise.m_remaining"), fmt.number(int((pairs["can"] & ~pairs["decided"]).sum()), 0, lang),
          help=ctx.t("ui.appraise.m_remaining_help"))
m4.metric(ctx.t("ui.appraise.m_stale"), fmt.number(int(pairs["stale"].sum()), 0, lang), help=ctx.t("ui.appraise.m_stale_help"))

# -- filters ---------------------------------------------------------------------------------------------
all_word = ctx.t("ui.appraise.all")
f1, f2 = st.columns(2)
f3, f4, f5 = st.columns(3)  # the check boxes on their own row: their labels are never cut
codes = list(dict.fromkeys(pairs["code"]))
code = f1.selectbox(ctx.t("ui.round.col_criterion"), [all_word] + codes, key="ap_code",
                    format_func=lambda c: c if c == all_word else f"{ctx.code(c)}. {fw.nodes[c].name_vi}")
units = sorted(set(pairs["unit"]))
unit_pick = f2.selectbox(ctx.t("ui.round.col_unit"), [all_word] + units, key="ap_unit")
only_open = f3.checkbox(ctx.t("ui.appraise.only_undecided"), key="ap_only_open")
only_stale = f4.checkbox(ctx.t("ui.appraise.only_stale"), key="ap_only_stale")
only_submitted = f5.checkbox(ctx.t("ui.appraise.only_submitted"), value=True, key="ap_only_submitted",
                             help=ctx.t("ui.appraise.only_submitted_help"))
shown = rq.filter_pairs(pairs, None if code == all_word else code, None if unit_pick == all_word else unit_pick,
                        only_open, only_stale, only_submitted)
p1, p2 = st.columns(2)
size = p1.selectbox(ctx.t("ui.council.page_size"), rq.PAGE_SIZES, key="ap_page_size")
n_pages = max(1, -(-len(shown) // int(size)))
if st.session_state.get("ap_page", 1) > n_pages:
    st.session_state["ap_page"] = n_pages
page = p2.number_input(ctx.t("ui.appraise.page", n=n_pages), min_value=1, max_value=n_pages, value=1, step=1,
                       key="ap_page", disabled=n_pages == 1)
st.caption(ctx.t("ui.council.showing", n=fmt.count(len(shown)), total=fmt.count(len(pairs)), size=int(size)))
if shown.empty:
    st.info(ctx.t("ui.appraise.none_shown"))
    st.stop()
rq.accept_bar(ctx, store, fw_full, rid, shown, closed)
top = st.container()
evidence = self_assessment.evidence(store, rid, None, user)
for _, pair in shown.iloc[(int(page) - 1) * int(size): int(page) * int(size)].iterrows():
    rows = queue.loc[(queue["unit"] == pair["unit"]) & (queue["code"] == pair["code"])]
    rq.row(ctx, store, fw_full, fw, rid, pair, rows, evidence, closed)
with top:  # drawn after the rows: it counts what they hold now
    rq.save_bar(ctx, store, fw_full, queue, rid, closed, "top")
rq.save_bar(ctx, store, fw_full, queue, rid, closed, "bottom")
