"""Phiếu tự đánh giá — a unit's own form in an appraisal round (issues 12, 18): per criterion its name,
maximum, how points are earned (thresholds in words), the evidence required, the values, the points they
give now, evidence and an explanation; save the whole form, discard, submit, withdraw; the council's
decisions and the one reply. What is typed is kept in a draft (dashboard/round_form.py) across group switches
and reruns until saved or discarded; every value is checked against its rule when typed and when saved.
The council's and automatic criteria are read-only. A unit user sees only its own form (the service
refuses any other); an editor reads any unit's form; others see a sign-in hint. One group of criteria is
drawn at a time (never every criterion's widgets at once)."""
import streamlit as st

from dashboard import auth, data, fmt, formulas, round_form as rf, round_view as rv, widgets
from office import appraisal
from office import self_assessment

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

form = auth.act(lang, lambda actor: self_assessment.form(store, data.framework(info["framework_id"]), rid, unit, actor))
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


# -- the draft: what is typed, kept until saved or discarded ---------------------------------------------
view = data.framework(info["framework_id"])
dkey = rf.draft_key(rid, unit)
draft = st.session_state.setdefault(dkey, rf.empty_draft())
prefix = f"sa_{rid}_{unit}"


def box(key: str, initial: str):
    """A widget's key, its value put back from the draft when Streamlit dropped it (another group shown)."""
    if key not in st.session_state:
        st.session_state[key] = initial
    return key


groups = rv.criteria(fw)
by_code = {code: part for code, part in form.groupby("code", sort=False)}
mine = [c for c in by_code if fw.nodes[c].scored_by == "unit"]
values_now, bad = rf.typed_values(form, draft)
filled = {c: all(values_now.get((c, v)) is not None for v in part["variable"]) for c, part in by_code.items()}
group_names = {g: f"{ctx.code(g)}. {name} ({sum(filled.get(c, False) for c in codes if c in mine)}/"
                  f"{sum(c in mine for c in codes)})" for g, name, codes in groups}
gcode = st.selectbox(ctx.t("ui.selfform.group"), [g for g, _, _ in groups], key=f"sa_group_{rid}",
                     format_func=group_names.get)
codes = next(codes for g, _, codes in groups if g == gcode)
problems = rf.problems(fw, form, draft)
unsaved = set(rf.pending(form, draft)[2])

for code in codes:
    part = by_code.get(code)
    if part is None:
        continue
    first, node = part.iloc[0], fw.nodes[code]
    elsewhere = rf.scored_elsewhere(node, lang)
    title = f"{ctx.code(code)}. {node.name_vi} — {ctx.t('ui.selfform.max', points=fmt.number(node.max_points, 2, lang))}"
    if elsewhere:
        title += " · " + ctx.t(f"ui.selfform.by_{node.scored_by}_short")
    if not rv.is_missing(first.get("decided_by")) and rv.decision_words(part, lang)[0]:
        title += " · " + ctx.t("ui.selfform.changed_mark")  # find the council's changes among 40 criteria
    mine_bad = [p for p in problems if p["code"] == code] + [{"code": c, "variable": v, "kind": "bad"}
                                                             for c, v in bad if c == code]
    if code in unsaved:
        title += " · " + ctx.t("ui.selfform.unsaved_mark")
    if mine_bad:
        title = ":red[:material/error:] " + title
    with st.expander(title, expanded=bool(mine_bad) or code in unsaved):
        if not elsewhere:   # how the unit's figures earn points (the council's own scale is not the unit's)
            st.caption(ctx.t("ui.selfform.how", words=formulas.words(node.rule, lang)))
            for hint in rf.hints(node, lang):
                st.caption(":material/flag: " + auth.plain(hint))
        if node.evidence:
            st.caption(ctx.t("ui.selfform.evidence_required", text=auth.plain(node.evidence)))
        if elsewhere:  # the council or a source gives these points: nothing to enter
            st.info(elsewhere, icon=":material/gavel:" if node.scored_by == "council" else ":material/sync:")
        else:
            is_na = False
            if bool(first.get("na_allowed")):
                k = box(f"{prefix}_{code}_na", draft["na"].get(code, rv.flag(first.get("not_applicable"))))
                is_na = st.checkbox(ctx.t("ui.selfform.not_applicable"), key=k, disabled=not editable)
                if is_na != rv.flag(first.get("not_applicable")) or code in draft["na"]:
                    draft["na"][code] = is_na
            for _, row in part.iterrows():
                var = row["variable"]
                saved = "" if rv.is_missing(row["value"]) else (
                    str(int(row["value"])) if row.get("unit") == "0/1" else rv.number_text(row["value"], lang))
                k = box(f"{prefix}_{code}_{var}", draft["values"].get((code, var), saved))
                if row.get("unit") == "0/1":
                    st.selectbox(rf.box_label(row, lang), ["", "1", "0"], key=k, disabled=not editable or is_na,
                                 format_func=lambda v: ctx.t({"": "ui.selfform.not_entered", "1": "ui.selfform.yes1",
                                                              "0": "ui.selfform.no0"}[v]))
                else:
                    st.text_input(rf.box_label(row, lang), key=k, disabled=not editable or is_na,
                                  placeholder=ctx.t("ui.selfform.number_placeholder"))
                if st.session_state[k] != saved or (code, var) in draft["values"]:
                    draft["values"][(code, var)] = st.session_state[k]
                for p in mine_bad:
                    if p["variable"] == var:
                        why = (ctx.t("ui.selfform.bad_number") if p["kind"] == "bad"
                               else rf.problem_text(p, node, lang))
                        st.markdown(f":red[:material/error: {auth.plain(why)}]")
        k = box(f"{prefix}_{code}_ex", draft["ex"].get(code, "" if rv.is_missing(first.get("explanation"))
                                                     else str(first["explanation"])))
        st.text_area(ctx.t("ui.selfform.explanation"), key=k, disabled=not editable, height=68)
        if code in draft["ex"] or st.session_state[k] != ("" if rv.is_missing(first.get("explanation"))
                                                          else str(first["explanation"])):
            draft["ex"][code] = st.session_state[k]
        st.caption(ctx.t("ui.selfform.n_evidence", n=int(first.get("n_evidence") or 0)))
        rf.decision_block(ctx, store, rid, unit, code, part, can_reply=own and bool(info.get("allow_reply"))
                          and not closed)

# -- points now, the unsaved changes -------------------------------------------------------------------------
values_now, bad = rf.typed_values(form, draft)
problems = rf.problems(fw, form, draft)
rf.points_block(ctx, fw, form, unit, int(info["year"]), values_now, codes, mine)

changes, ex_changes, changed_codes = rf.pending(form, draft)
wrong = [f"{p['code']} · {rf.problem_text(p, fw.nodes[p['code']], lang)}" for p in problems] + [
    f"{c} · {ctx.t('ui.selfform.bad_number')}" for c, _ in bad]
if own and not closed and changed_codes:
    st.warning(ctx.t("ui.selfform.unsaved", n=len(changed_codes), codes=", ".join(changed_codes)),
               icon=":material/edit_note:")


# -- save, discard, submit, withdraw -----------------------------------------------------------------------
def forget() -> None:
    """Drop the draft and the boxes (they are drawn again from what is saved)."""
    st.session_state.pop(dkey, None)
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix + "_")]:
        del st.session_state[k]


def save(actor) -> int:
    if len(changes) or ex_changes:
        self_assessment.save_draft(store, view, rid, unit, changes, actor, explanations=ex_changes or None)
    return len(changed_codes)


if own and not closed:
    if wrong:
        st.error(ctx.t("ui.selfform.fix_values", cells="; ".join(wrong)), icon=":material/error:")
    b1, b2, b3, b4 = st.columns(4)
    if b1.button(ctx.t("ui.selfform.save"), key="sa_save", disabled=not editable or not changed_codes,
                 type="primary"):
        if not wrong and (n := auth.act(lang, save, ("unit",))) is not None:
            forget()
            st.session_state["sa_flash"] = ("ui.selfform.saved", {"n": n})
            st.rerun()
    if b2.button(ctx.t("ui.selfform.discard"), key="sa_discard", disabled=not changed_codes):
        st.session_state["sa_discard_ask"] = True
    if b3.button(ctx.t("ui.selfform.submit"), key="sa_submit", disabled=not editable or bool(wrong),
                 help=ctx.t("ui.selfform.submit_help")):
        done = auth.act(lang, lambda actor: (save(actor), self_assessment.submit(store, view, rid, unit, actor)), ("unit",))
        if done is not None:
            forget()
            st.session_state["sa_flash"] = ("ui.selfform.submitted", {})
            st.rerun()
    if b4.button(ctx.t("ui.selfform.withdraw"), key="sa_withdraw", disabled=state != "submitted",
                 help=ctx.t("ui.selfform.withdraw_help")):
        if auth.act(lang, lambda actor: self_assessment.withdraw(store, view, rid, unit, actor), ("unit",)) is not None:
            st.session_state["sa_flash"] = ("ui.selfform.withdrawn", {})
            st.rerun()
    if st.session_state.get("sa_discard_ask") and changed_codes:
        st.warning(ctx.t("ui.selfform.discard_ask", n=len(changed_codes), codes=", ".join(changed_codes)))
        c1, c2 = st.columns(2)
        if c1.button(ctx.t("ui.selfform.discard_yes", n=len(changed_codes)), key="sa_discard_yes"):
            forget()
            st.session_state.pop("sa_discard_ask", None)
            st.session_state["sa_flash"] = ("ui.selfform.discarded", {})
            st.rerun()
        if c2.button(ctx.t("ui.selfform.discard_no"), key="sa_discard_no"):
            st.session_state.pop("sa_discard_ask", None)
            st.rerun()
    st.caption(ctx.t("ui.selfform.save_note"))

# -- evidence ------------------------------------------------------------------------------------------------
rf.evidence_section(ctx, store, fw, rid, unit, user, list(by_code), editable, default_code=codes[0])
