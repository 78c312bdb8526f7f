"""Phiếu tự đánh giá — a unit's own form in an appraisal round (issue 12): per criterion its name, maximum,
how it is scored, the evidence required, the values, the points they give now, evidence and an explanation;
save a draft, submit, withdraw; the council's decisions and the one reply. A unit user sees only its own
form (the service refuses any other); an editor reads any unit's form; others see a sign-in hint. One group
of criteria is drawn at a time (never every criterion's widgets at once)."""
import pandas as pd
import streamlit as st

from dashboard import auth, data, fmt, formulas, round_view as rv, widgets
from office import appraisal
from loaders.parsing import parse_number

ctx = widgets.context()
sel, lang = ctx.sel, ctx.lang
st.title(ctx.t("ui.selfform.title"))
store = data.store()
user = auth.current_user()
if user is None or user["role"] not in ("unit", "editor"):
    st.info(ctx.t("ui.selfform.sign_in_hint"), icon=":material/login:")
    st.stop()
own = user["role"] == "unit"

# -- which round, which unit ----------------------------------------------------------------------------
rows = appraisal.rounds_for(store, user)  # a unit user: only the rounds that list its unit
rid = widgets.round_choice(ctx, rows, "sa_round")
info = appraisal.round_info(store, rid)
fw = data.framework_view(info["framework_id"], info["level"])
if own:
    unit = user["unit"]
else:
    unit = st.selectbox(ctx.t("ui.selfform.which_unit"), list(info.get("units") or []), key=f"sa_unit_{rid}")
    st.caption(":material/visibility: " + ctx.t("ui.selfform.editor_reads"))
widgets.sample_round_note(ctx, info)

form = auth.act(lang, lambda actor: appraisal.form(store, data.framework(info["framework_id"]), rid, unit, actor))
if form is None or isinstance(form, bool):
    st.stop()
status = appraisal.unit_status(store, rid)
status = status.loc[status["unit"] == unit].iloc[0].to_dict() if (status["unit"] == unit).any() else {}
state = status.get("status", "not_started")
closed = info.get("status") == "closed"
editable = own and not closed and bool(form["editable"].iloc[0]) if len(form) else False

# -- status banner --------------------------------------------------------------------------------------
deadline = rv.stamp(status.get("deadline", info["deadline"]))
banner = ctx.t(f"ui.selfform.banner_{'closed' if closed else state}", deadline=deadline,
               submitted_at=rv.stamp(status.get("submitted_at")))
if closed or state == "locked":
    st.warning(banner, icon=":material/lock:")
elif state == "submitted":
    st.success(banner, icon=":material/task_alt:")
else:
    st.info(banner, icon=":material/edit_note:")
if rv.flag(status.get("late")):
    st.caption(ctx.t("ui.selfform.late_note"))
flash = st.session_state.pop("sa_flash", None)
if flash:
    st.success(ctx.t(flash[0], **flash[1]), icon=":material/check:")


# -- the values typed now (one group of criteria at a time) --------------------------------------------
def typed_value(key: str, current, kind: str):
    """What a box holds: a float, None (empty) or "bad" (unreadable)."""
    raw = st.session_state.get(key)
    if raw is None:
        return current
    if kind == "yes_no":
        return None if raw == "" else float(raw)
    raw = str(raw).strip()
    if raw == "":
        return None
    try:
        return float(parse_number(raw))
    except (TypeError, ValueError):
        return "bad"


groups = rv.criteria(fw)
by_code = {code: part for code, part in form.groupby("code", sort=False)}
filled = {c: bool(((~part["value"].isna()) | part["not_applicable"].fillna(False).astype(bool)).all())
          for c, part in by_code.items()}
group_names = {g: f"{g}. {name} ({sum(filled.get(c, False) for c in codes)}/{len(codes)})"
               for g, name, codes in groups}
gcode = st.selectbox(ctx.t("ui.selfform.group"), [g for g, _, _ in groups], key=f"sa_group_{rid}",
                     format_func=group_names.get)
codes = next(codes for g, _, codes in groups if g == gcode)
prefix = f"sa_{rid}_{unit}"
typed: dict = {}
bad: list[str] = []
explanations: dict[str, str] = {}

for code in codes:
    part = by_code.get(code)
    if part is None:
        continue
    first = part.iloc[0]
    node = fw.nodes[code]
    title = f"{code}. {node.name_vi} — {ctx.t('ui.selfform.max', points=fmt.number(node.max_points, 2, lang))}"
    if not rv.is_missing(first.get("decided_by")) and rv.decision_words(part, lang)[0]:
        title += " · " + ctx.t("ui.selfform.changed_mark")  # find the council's changes among 40 criteria
    with st.expander(title, expanded=False):
        st.caption(ctx.t("ui.selfform.how", words=formulas.words(node.rule, lang)))
        if node.evidence:
            st.caption(ctx.t("ui.selfform.evidence_required", text=auth.plain(node.evidence)))
        na_key = f"{prefix}_{code}_na"
        na_now = bool(first.get("not_applicable")) if not rv.is_missing(first.get("not_applicable")) else False
        is_na = False
        if bool(first.get("na_allowed")):
            if na_key not in st.session_state:
                st.session_state[na_key] = na_now
            is_na = st.checkbox(ctx.t("ui.selfform.not_applicable"), key=na_key, disabled=not editable)
        for _, row in part.iterrows():
            var = row["variable"]
            key = f"{prefix}_{code}_{var}"
            label = f"{row.get('meaning_vi') or var}" + (f" ({row['unit']})" if row.get("unit") and
                                                          row.get("unit") != "0/1" else "")
            if row.get("unit") == "0/1":
                kind = "yes_no"
                if key not in st.session_state:
                    st.session_state[key] = "" if rv.is_missing(row["value"]) else str(int(row["value"]))
                st.selectbox(label, ["", "1", "0"], key=key, disabled=not editable or is_na,
                             format_func=lambda v: ctx.t({"": "ui.selfform.not_entered", "1": "ui.selfform.yes1",
                                                          "0": "ui.selfform.no0"}[v]))
            else:
                kind = "number"
                if key not in st.session_state:
                    st.session_state[key] = rv.number_text(row["value"], lang)
                st.text_input(label, key=key, disabled=not editable or is_na,
                              placeholder=ctx.t("ui.selfform.number_placeholder"))
            value = typed_value(key, row["value"], kind)
            if value == "bad":
                bad.append(f"{code} · {var}")
                st.caption(":material/error: " + ctx.t("ui.selfform.bad_number"))
                continue
            typed[(code, var)] = "na" if is_na else value
        ex_key = f"{prefix}_{code}_ex"
        if ex_key not in st.session_state:
            st.session_state[ex_key] = "" if rv.is_missing(first.get("explanation")) else str(first["explanation"])
        explanations[code] = st.text_area(ctx.t("ui.selfform.explanation"), key=ex_key, disabled=not editable,
                                          height=68)
        n_ev = 0 if rv.is_missing(first.get("n_evidence")) else int(first["n_evidence"])
        st.caption(ctx.t("ui.selfform.n_evidence", n=n_ev))
        # the council's decision, the one reply
        if not rv.is_missing(first.get("decided_by")):
            st.markdown(f"**{ctx.t('ui.selfform.decision')}**")
            changed, words = rv.decision_words(part, lang)
            st.text(ctx.t("ui.selfform.decided_changed" if changed else "ui.selfform.decided_same", values=words,
                          by=rv.text(first.get("decided_by_name"))))
            if not rv.is_missing(first.get("decided_reason")) and str(first["decided_reason"]).strip():
                st.text(ctx.t("ui.selfform.decided_reason", reason=str(first["decided_reason"])))
            if rv.flag(first.get("stale")):
                st.caption(":material/update: " + ctx.t("ui.selfform.stale"))
            if not rv.is_missing(first.get("reply")) and str(first.get("reply")):
                st.text(ctx.t("ui.selfform.your_reply", text=str(first["reply"])))
            elif own and info.get("allow_reply") and not closed and changed:  # a reply where points changed
                reply = st.text_area(ctx.t("ui.selfform.reply"), key=f"{prefix}_{code}_reply", height=68,
                                     help=ctx.t("ui.selfform.reply_help"))
                if st.button(ctx.t("ui.selfform.reply_send"), key=f"{prefix}_{code}_reply_send"):
                    if reply.strip() and auth.act(lang, lambda actor: appraisal.reply(store, rid, unit, code,
                                                                                      reply.strip(), actor)):
                        st.session_state["sa_flash"] = ("ui.selfform.reply_sent", {"code": code})
                        st.rerun()

# -- points now ---------------------------------------------------------------------------------------------
points = rv.points_now(fw, form, unit, int(info["year"]), typed)
m1, m2, m3 = st.columns(3)
m1.metric(ctx.t("ui.selfform.points_now"), rv.points_text(rv.points_so_far(fw, points), lang),
          help=ctx.t("ui.selfform.points_now_help", max=fmt.number(fw.max_points, 2, lang)))
m2.metric(ctx.t("ui.selfform.filled"), f"{sum(filled.values())}/{len(by_code)}")
with_ev = sum(1 for part in by_code.values() if not rv.is_missing(part.iloc[0].get("n_evidence"))
              and int(part.iloc[0]["n_evidence"]) > 0)
m3.metric(ctx.t("ui.selfform.with_evidence"), f"{with_ev}/{len(by_code)}")
group_pts = pd.DataFrame({
    ctx.t("ui.round.col_code"): codes,
    ctx.t("ui.round.col_criterion"): [fw.nodes[c].name_vi for c in codes],
    ctx.t("ui.round.col_max"): [rv.points_text(fw.nodes[c].max_points, lang) for c in codes],
    ctx.t("ui.selfform.col_points_now"): [rv.points_text(points.get(c), lang) for c in codes],
})
decided_rows = rv.decided_values(form)
if decided_rows:  # the council's points beside the unit's, for the criteria decided so far
    appraised = rv.points_now(fw, form, unit, int(info["year"]), decided_rows)
    group_pts[ctx.t("ui.selfform.col_points_appraised")] = [
        rv.points_text(appraised.get(c), lang) if (c, fw.nodes[c].variables[0].name) in decided_rows else "—"
        for c in codes]
st.dataframe(group_pts, hide_index=True, width="stretch")


# -- save, submit, withdraw ------------------------------------------------------------------------------
def save(actor) -> int:
    values, ex = rv.form_changes(form, typed, explanations)
    if len(values) or ex:
        appraisal.save_draft(store, data.framework(info["framework_id"]), rid, unit, values, actor, explanations=ex or None)
    return len(values) + len(ex)


if own and not closed:
    if bad:
        st.error(ctx.t("ui.selfform.fix_numbers", cells=", ".join(bad)))
    b1, b2, b3 = st.columns(3)
    if b1.button(ctx.t("ui.selfform.save"), key="sa_save", disabled=not editable or bool(bad), type="primary"):
        n = auth.act(lang, save, ("unit",))
        if n is not None:
            st.session_state["sa_flash"] = ("ui.selfform.saved", {"n": n})
            st.rerun()
    if b2.button(ctx.t("ui.selfform.submit"), key="sa_submit", disabled=not editable or bool(bad),
                 help=ctx.t("ui.selfform.submit_help")):
        done = auth.act(lang, lambda actor: (save(actor), appraisal.submit(
            store, data.framework(info["framework_id"]), rid, unit, actor)), ("unit",))
        if done is not None:
            st.session_state["sa_flash"] = ("ui.selfform.submitted", {})
            st.rerun()
    if b3.button(ctx.t("ui.selfform.withdraw"), key="sa_withdraw", disabled=state != "submitted",
                 help=ctx.t("ui.selfform.withdraw_help")):
        if auth.act(lang, lambda actor: appraisal.withdraw(store, data.framework(info["framework_id"]), rid, unit,
                                                           actor), ("unit",)) is not None:
            st.session_state["sa_flash"] = ("ui.selfform.withdrawn", {})
            st.rerun()
    st.caption(ctx.t("ui.selfform.save_note"))

# -- evidence ------------------------------------------------------------------------------------------------
st.subheader(ctx.t("ui.selfform.evidence_title"))
evidence = appraisal.evidence(store, rid, unit, user)
if not evidence.empty:
    st.dataframe(pd.DataFrame({
        ctx.t("ui.round.col_code"): [rv.text(v) for v in evidence["indicator"]],
        ctx.t("ui.selfform.doc_number"): [rv.text(v) for v in evidence["doc_number"]],
        ctx.t("ui.selfform.doc_date"): [fmt.date(v) or "—" for v in evidence["doc_date"]],
        ctx.t("ui.selfform.issuer"): [rv.text(v) for v in evidence["issuer"]],
        ctx.t("ui.selfform.link"): [rv.text(v) for v in evidence["link"]],
        ctx.t("ui.selfform.file"): [rv.text(v) for v in evidence["file_name"]],
        ctx.t("ui.selfform.added"): [rv.stamp(v) for v in evidence["added_at"]],
    }), hide_index=True, width="stretch")
else:
    st.caption(ctx.t("ui.selfform.no_evidence"))
if editable:
    if rv.evidence_uploader_css(lang, "sa_ev_file"):  # Streamlit's English drop-zone words, in Vietnamese
        st.html(rv.evidence_uploader_css(lang, "sa_ev_file"))
    with st.container(border=True):
        st.caption(ctx.t("ui.selfform.evidence_help"))
        ev_code = st.selectbox(ctx.t("ui.round.col_criterion"), list(by_code), key="sa_ev_code",
                               format_func=lambda c: f"{c}. {fw.nodes[c].name_vi}")
        e1, e2, e3 = st.columns(3)
        doc_number = e1.text_input(ctx.t("ui.selfform.doc_number"), key="sa_ev_number")
        doc_date = e2.date_input(ctx.t("ui.selfform.doc_date"), value=None, key="sa_ev_date", format="DD/MM/YYYY")
        issuer = e3.text_input(ctx.t("ui.selfform.issuer"), key="sa_ev_issuer")
        link = st.text_input(ctx.t("ui.selfform.link"), key="sa_ev_link")
        upload = st.file_uploader(ctx.t("ui.selfform.file"), key="sa_ev_file",
                                  type=["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "odt", "ods"],
                                  help=ctx.t("ui.selfform.file_help"))
        if st.button(ctx.t("ui.selfform.evidence_add"), key="sa_ev_add"):
            if not (doc_number.strip() or link.strip() or upload is not None):
                st.error(ctx.t("ui.selfform.evidence_empty"))
            elif auth.act(lang, lambda actor: appraisal.add_evidence(
                    store, rid, unit, ev_code, actor, doc_number=doc_number.strip() or None, doc_date=doc_date,
                    issuer=issuer.strip() or None, link=link.strip() or None,
                    file_name=upload.name if upload is not None else None,
                    content=upload.getvalue() if upload is not None else None), ("unit",)) is not None:
                st.session_state["sa_flash"] = ("ui.selfform.evidence_added", {"code": ev_code})
                st.rerun()
