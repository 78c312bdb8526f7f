"""Phiếu tự đánh giá — a unit's own form in an appraisal round (issues 12, 18): per criterion its name,
maximum, how points are earned (thresholds in words), the evidence required, the values, the points they
give now, evidence and an explanation; save the whole form, discard, submit, withdraw; the council's
decisions and the one reply. What is typed is kept in a draft (dashboard/round_form.py) across group switches
and reruns until saved or discarded; every value is checked against its rule when typed and when saved.
The council's and automatic criteria are read-only. A unit user sees only its own form (the service
refuses any other); an editor reads any unit's form; others see a sign-in hint. One group of criteria is
drawn at a time (never every criterion's widgets at once)."""
import streamlit as st

from dashboard import auth, data, round_evidence, round_form as rf, round_view as rv, widgets
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
    if code in by_code:
        rf.criterion_box(ctx, store, fw, rid, unit, code, by_code[code], draft, prefix=prefix, problems=problems,
                         bad=bad, unsaved=unsaved, editable=editable,
                         can_reply=own and bool(info.get("allow_reply")) and not closed)

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
if own and not closed:
    rf.form_actions(ctx, store, view, rid, unit, dkey=dkey, prefix=prefix, state=state, editable=editable,
                    changes=changes, ex_changes=ex_changes, changed_codes=changed_codes, wrong=wrong)

# -- evidence ------------------------------------------------------------------------------------------------
round_evidence.evidence_section(ctx, store, fw, rid, unit, user, list(by_code), editable, default_code=codes[0])
