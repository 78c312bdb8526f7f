"""Vòng đánh giá — the internal appraisal round (issues 12, 18): its progress at a glance for everyone, the gap
table after close (for the editor also before, to review the council's changes); for an editor: open a round, assign criteria to council members, issue accounts, reopen a
unit, change the deadline, close. Every change goes through office/appraisal.py (auth.act explains a
refusal in words); user text is shown as text, never as Markdown."""

import streamlit as st

from dashboard import auth, data, fmt, round_editor, round_view as rv, tables, widgets
from office import appraisal

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.round.title"))
st.caption(ctx.t("ui.round.intro"))
store = data.store()
user = auth.current_user()
is_editor = bool(user and user["role"] == "editor")

# -- open a round (editor) ----------------------------------------------------------------------------
all_rounds = appraisal.rounds(store)
if is_editor and not sel.present:  # a projector shows the round, not the editor's tools
    if round_editor.open_round_form(ctx, store, expanded=all_rounds.empty) is not None:
        all_rounds = appraisal.rounds(store)

if all_rounds.empty:
    st.info(ctx.t("ui.round.no_round"), icon=":material/inbox:")
    st.stop()

# -- which round --------------------------------------------------------------------------------------
ids = [int(x) for x in all_rounds["round_id"]]
labels = {int(r["round_id"]): rv.round_label(r, lang) for _, r in all_rounds.iterrows()}
if st.session_state.get("rd_round") not in ids:
    mine = all_rounds.loc[(all_rounds["framework_id"] == sel.framework_id)
                          & (all_rounds["province"] == (sel.province or ""))]
    st.session_state["rd_round"] = int(mine["round_id"].max()) if not mine.empty else max(ids)
rid = st.selectbox(ctx.t("ui.round.round"), ids, key="rd_round", format_func=labels.get)
info = appraisal.round_info(store, rid)
fw_full = data.framework(info["framework_id"])  # the service takes the framework; it views it by level
fw = data.framework_view(info["framework_id"], info["level"])
closed = info.get("status") == "closed"
widgets.sample_round_note(ctx, info)
st.info(ctx.t(f"ui.round.banner_{info.get('status', 'open')}", deadline=rv.stamp(info["deadline"]),
              closed_at=rv.stamp(info.get("closed_at"))), icon=":material/event:")
flash = st.session_state.pop("rd_flash", None)
if flash:
    st.success(ctx.t(flash[0], **flash[1]), icon=":material/check:")
last = st.session_state.get("rd_closed_msg")
if last and last[0] == rid:
    st.success(ctx.t("ui.round.closed_ok", without=last[1], kept=last[2]))

# -- progress at a glance -----------------------------------------------------------------------------
summary, per_unit, per_member = appraisal.progress(store, fw_full, rid)
st.subheader(ctx.t("ui.round.progress"))
counts = {k: int(summary.get(k, 0)) for k in ("n_units", "submitted", "late", "not_submitted", "missing_evidence",
                                              "decided", "to_decide")}
undecided = max(counts["to_decide"] - counts["decided"], 0)
m = st.columns(3) + st.columns(3)  # two rows of three: "1.234/6.000" fits even in presentation mode
m[0].metric(ctx.t("ui.round.m_units"), fmt.number(counts["n_units"], 0, lang))
m[1].metric(ctx.t("ui.round.m_submitted"), fmt.number(counts["submitted"], 0, lang))
m[2].metric(ctx.t("ui.round.m_late"), fmt.number(counts["late"], 0, lang))
m[3].metric(ctx.t("ui.round.m_not_submitted"), fmt.number(counts["not_submitted"], 0, lang))
m[4].metric(ctx.t("ui.round.m_missing_evidence"), fmt.number(counts["missing_evidence"], 0, lang),
            help=ctx.t("ui.round.m_missing_evidence_help"))
m[5].metric(ctx.t("ui.round.m_decided"),
            f"{fmt.number(counts['decided'], 0, lang)}/{fmt.number(counts['to_decide'], 0, lang)}",
            help=ctx.t("ui.round.m_decided_help"))

units_view = rv.unit_table(per_unit, lang)
status_col = ctx.t("ui.round.col_status")
choices = [ctx.t("ui.round.all_statuses")] + sorted(set(units_view[status_col]))
shown = st.selectbox(ctx.t("ui.round.filter_status"), choices, key="rd_filter_status")
if shown != choices[0]:
    units_view = units_view.loc[units_view[status_col] == shown]
st.dataframe(units_view, hide_index=True, width="stretch", height=min(38 + 35 * len(units_view), 560))
if not per_member.empty:
    st.markdown(f"**{ctx.t('ui.round.members')}**")
    st.dataframe(rv.member_table(per_member, lang), hide_index=True, width="stretch")

# -- the gap table: after close for everyone; before close for the editor (the same builder) -------------
if closed or (is_editor and not sel.present):
    st.subheader(ctx.t("ui.round.gap_title") if closed else ctx.t("ui.council.gap_before_title"))
    st.caption(ctx.t("ui.round.gap_help") if closed else ctx.t("ui.council.gap_before_help"))
    gap = appraisal.gap(store, fw_full, rid)
    changed = rv.gap_rows_to_review(gap)   # differences, and the criteria the council scores itself
    only_changed = st.checkbox(ctx.t("ui.round.gap_only_changed", n=len(changed), total=len(gap)), value=True,
                               key="rd_gap_changed")
    shown_gap = changed if only_changed else gap
    if shown_gap.empty:
        st.info(ctx.t("ui.round.gap_empty"))
    else:
        st.dataframe(rv.gap_table(shown_gap, lang), hide_index=True, width="stretch",  # every column in view
                     column_config={ctx.t(k): st.column_config.TextColumn(width="medium")
                                    for k in ("ui.round.col_criterion", "ui.round.col_reason", "ui.round.col_appraiser")})
        tables.download_buttons(rv.gap_table(shown_gap, lang, numeric=True), f"chenh_lech_vong_{rid}", lang)

if is_editor and not sel.present:
    events = appraisal.round_events(store, rid)
    with st.expander(ctx.t("ui.round.events_title", n=len(events)), icon=":material/history:"):
        st.dataframe(rv.events_table(events, lang), hide_index=True, width="stretch")
if not is_editor or sel.present:
    if user is None:
        st.caption(":material/lock: " + ctx.t("ui.round.editor_only"))
    st.stop()
if closed:
    st.stop()

# -- editor: the round's work ---------------------------------------------------------------------------
round_editor.tools(ctx, store, rid, info, fw, fw_full, undecided)
