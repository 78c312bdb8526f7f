"""Thẩm định — a council member's queue in an appraisal round (issue 12): the criteria assigned to them across
the round's units (filters: criterion, unit, undecided, stale), the unit's self-assessed values, evidence and
explanation, and the appraised value with a reason, saved per row. Ten rows a page (150 communes × the
assigned criteria never draw at once). The service refuses criteria not assigned to the member."""
import streamlit as st

from dashboard import auth, data, fmt, round_view as rv, widgets
from office import appraisal
from loaders.parsing import parse_number

PAGE_SIZE = 10

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.appraise.title"))
store = data.store()
user = auth.current_user()
if user is None or user["role"] != "council":
    st.info(ctx.t("ui.appraise.sign_in_hint"), icon=":material/login:")
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

queue = appraisal.queue(store, fw_full, rid, user)
if queue.empty:
    st.info(ctx.t("ui.appraise.nothing_assigned"), icon=":material/assignment:")
    st.stop()

# one row per (unit, criterion): decided when every variable has a decision
pairs = (queue.assign(_decided=~queue["decided_by"].isna(), _stale=queue["stale"].fillna(False).astype(bool),
                      _can=queue["can_decide"].fillna(False).astype(bool))
         .groupby(["unit", "code"], sort=False)
         .agg(decided=("_decided", "all"), stale=("_stale", "any"), can=("_can", "any"), status=("status", "first"))
         .reset_index())
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
                    format_func=lambda c: c if c == all_word else f"{c}. {fw.nodes[c].name_vi}")
units = sorted(set(pairs["unit"]))
unit_pick = f2.selectbox(ctx.t("ui.round.col_unit"), [all_word] + units, key="ap_unit")
only_open = f3.checkbox(ctx.t("ui.appraise.only_undecided"), key="ap_only_open")
only_stale = f4.checkbox(ctx.t("ui.appraise.only_stale"), key="ap_only_stale")
only_submitted = f5.checkbox(ctx.t("ui.appraise.only_submitted"), value=True, key="ap_only_submitted",
                             help=ctx.t("ui.appraise.only_submitted_help"))
shown = pairs
if only_submitted:
    shown = shown.loc[shown["can"] | shown["decided"]]
if code != all_word:
    shown = shown.loc[shown["code"] == code]
if unit_pick != all_word:
    shown = shown.loc[shown["unit"] == unit_pick]
if only_open:
    shown = shown.loc[~shown["decided"]]
if only_stale:
    shown = shown.loc[shown["stale"]]
shown = shown.assign(_done=shown["decided"]).sort_values("_done", kind="stable")  # undecided rows first
n_pages = max(1, -(-len(shown) // PAGE_SIZE))
page = st.number_input(ctx.t("ui.appraise.page", n=n_pages), min_value=1, max_value=n_pages, value=1, step=1,
                       key="ap_page") if n_pages > 1 else 1
st.caption(ctx.t("ui.appraise.showing", n=len(shown), total=len(pairs)))
if shown.empty:
    st.info(ctx.t("ui.appraise.none_shown"))
    st.stop()
evidence = appraisal.evidence(store, rid, None, user)


def decide(actor, unit, code, values, reason):
    appraisal.decide(store, fw_full, rid, unit, code, values, reason, actor)


for _, pair in shown.iloc[(int(page) - 1) * PAGE_SIZE: int(page) * PAGE_SIZE].iterrows():
    unit, code = pair["unit"], pair["code"]
    rows = queue.loc[(queue["unit"] == unit) & (queue["code"] == code)]
    node = fw.nodes[code]
    key = f"ap_{rid}_{unit}_{code}"
    with st.container(border=True):
        st.markdown(f"**{auth.plain(unit)}** · {code}. {auth.plain(node.name_vi)}")
        st.caption(ctx.t("ui.appraise.row_state", status=rv.status_word(pair["status"], lang),
                         max=rv.points_text(node.max_points, lang),
                         decided=ctx.t("ui.appraise.decided") if pair["decided"] else ctx.t("ui.appraise.undecided")))
        if pair["stale"]:
            st.warning(ctx.t("ui.appraise.stale"), icon=":material/update:")
        first = rows.iloc[0]
        if not rv.is_missing(first.get("explanation")) and str(first["explanation"]):
            st.text(ctx.t("ui.appraise.explanation", text=str(first["explanation"])))
        ev = evidence.loc[(evidence["unit"] == unit) & (evidence["indicator"] == code)] if not evidence.empty \
            else evidence
        if ev.empty:
            st.caption(ctx.t("ui.appraise.no_evidence"))
        for _, e in ev.iterrows():
            words = " · ".join(x for x in (rv.text(e.get("doc_number")), (fmt.date(e.get("doc_date")) or "—"),
                                           rv.text(e.get("issuer")), rv.text(e.get("link"))) if x != "—")
            c_text, c_file = st.columns([3, 1])
            c_text.text(ctx.t("ui.appraise.evidence_line", text=words or rv.text(e.get("file_name"))))
            if not rv.is_missing(e.get("file_path")):
                path = appraisal.evidence_path(store, rid, str(e["file_path"]))
                if path.exists():  # read only when clicked
                    c_file.download_button(ctx.t("ui.appraise.download"), lambda p=path: p.read_bytes(),
                                           file_name=str(e["file_path"]), key=f"{key}_ev_{int(e['evidence_id'])}",
                                           help=rv.text(e.get("file_name")))
        na_allowed = bool(first.get("na_allowed"))
        typed, bad = {}, False
        cols = st.columns(min(len(rows), 3) + 1)
        for i, (_, r) in enumerate(rows.iterrows()):
            var = r["variable"]
            self_text = ctx.t("ui.selfform.na_short") if bool(r.get("self_na")) \
                else rv.number_text(r.get("self_value"), lang) or "—"
            start = r.get("decided_value") if not rv.is_missing(r.get("decided_by")) else r.get("self_value")
            box = f"{key}_{var}"
            if box not in st.session_state:
                st.session_state[box] = rv.number_text(start, lang)
            where = cols[i % (len(cols) - 1)]
            label = ctx.t("ui.appraise.value_label", meaning=r.get("meaning_vi") or var, own=self_text)
            raw = where.text_input(label, key=box, disabled=closed)
            if raw.strip() == "":
                typed[var] = None
            else:
                try:
                    typed[var] = float(parse_number(raw))
                except (TypeError, ValueError):
                    where.caption(":material/error: " + ctx.t("ui.selfform.bad_number"))
                    bad = True
        if f"{key}_na" not in st.session_state:
            st.session_state[f"{key}_na"] = rv.flag(first.get("decided_na")) if not rv.is_missing(
                first.get("decided_by")) else rv.flag(first.get("self_na"))
        na = cols[-1].checkbox(ctx.t("ui.selfform.not_applicable"), key=f"{key}_na", disabled=closed) \
            if na_allowed else False
        reason_key = f"{key}_reason"
        if reason_key not in st.session_state:
            st.session_state[reason_key] = "" if rv.is_missing(first.get("reason")) else str(first["reason"])
        reason = st.text_input(ctx.t("ui.appraise.reason"), key=reason_key, disabled=closed,
                               help=ctx.t("ui.appraise.reason_help"))
        if not rv.is_missing(first.get("reply")) and str(first.get("reply")):
            st.text(ctx.t("ui.appraise.reply", text=str(first["reply"])))
        can = bool(first.get("can_decide"))
        if not can and not closed:
            st.caption(":material/hourglass_empty: " + ctx.t("ui.appraise.cannot_yet"))
        if st.button(ctx.t("ui.appraise.save"), key=f"{key}_save", disabled=closed or bad or not can,
                     type="primary"):
            values = {v: (None if na else x) for v, x in typed.items()}
            if not na and any(x is None for x in values.values()):
                st.error(ctx.t("ui.appraise.value_missing"))
            elif auth.act(lang, lambda actor: decide(actor, unit, code, values, reason.strip()),
                          ("council",)) is not None:
                st.session_state["ap_flash"] = ("ui.appraise.saved", {"code": code})
                st.rerun()
