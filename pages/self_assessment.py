"""Phiếu tự đánh giá — a unit's own form in an appraisal round (issues 12, 18): per criterion its name,
maximum, how points are earned (thresholds in words), the evidence required, the values, the points they
give now, evidence and an explanation; save the whole form, discard, submit, withdraw; the council's
decisions and the one reply. What is typed is kept in a draft (dashboard/round_form.py) across group switches
and reruns until saved or discarded; every value is checked against its rule when typed and when saved.
The council's and automatic criteria are read-only. A unit user sees only its own form (the service
refuses any other); an editor reads any unit's form; others see a sign-in hint. One group of criteria is
drawn at a time (never every criterion's widgets at once)."""
import streamlit as st

from dashboard import auth, data, round_draft as rd, round_evidence, round_form as rf, round_view as rv, widgets
from dashboard.i18n import display_code
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
status = appraisal.unit_status(store, rid, unit=unit)
status = status.iloc[0].to_dict() if len(status) else {}
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
if flash:   # (catalog key, its values[, "info"]) left by a button's callback
    if flash[2:] == ("info",):
        st.info(ctx.t(flash[0], **flash[1]), icon=":material/info:")
    else:
        st.success(ctx.t(flash[0], **flash[1]), icon=":material/check:")


# -- the draft: what is typed, kept until saved or discarded ---------------------------------------------
view = data.framework(info["framework_id"])
dkey, prefix = rd.draft_key(rid, unit), f"sa_{rid}_{unit}"
draft = rd.sync(form, st.session_state.setdefault(dkey, rd.empty_draft()), prefix, lang, st.session_state)
ds = rd.read(fw, form, draft)   # once: the boxes, the points and the buttons read the same state
groups = rv.criteria(fw)
by_code = {code: part for code, part in form.groupby("code", sort=False)}
mine = [c for c in by_code if fw.nodes[c].scored_by == "unit"]
filled = {c: all(ds.values.get((c, v)) is not None for v in part["variable"]) for c, part in by_code.items()}
group_names = {g: f"{ctx.code(g)}. {name} ({sum(filled.get(c, False) for c in codes if c in mine)}/"
                  f"{sum(c in mine for c in codes)})" for g, name, codes in groups}
gcode = st.selectbox(ctx.t("ui.selfform.group"), [g for g, _, _ in groups], key=f"sa_group_{rid}",
                     format_func=group_names.get)
codes = next(codes for g, _, codes in groups if g == gcode)

for code in codes:
    if code in by_code:
        rf.criterion_box(ctx, store, fw, rid, unit, code, by_code[code], draft, prefix=prefix, problems=ds.problems,
                         bad=ds.bad, unsaved=set(ds.changed_codes), editable=editable,
                         can_reply=own and bool(info.get("allow_reply")) and not closed)

# -- points now, the unsaved changes -------------------------------------------------------------------------
rf.points_block(ctx, fw, form, unit, int(info["year"]), ds.values, codes, mine)
if own and not closed and ds.changed_codes:
    st.warning(ctx.t("ui.selfform.unsaved", n=len(ds.changed_codes),
                     codes=", ".join(map(display_code, ds.changed_codes))), icon=":material/edit_note:")


# -- save, discard, submit, withdraw -----------------------------------------------------------------------
if own and not closed:
    rf.form_actions(ctx, store, view, fw, form, rid, unit, dkey=dkey, prefix=prefix, state=state, editable=editable,
                    ds=ds)

# -- evidence ------------------------------------------------------------------------------------------------
round_evidence.evidence_section(ctx, store, fw, rid, unit, user, list(by_code), editable, default_code=codes[0])
