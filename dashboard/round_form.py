"""The unit's self-assessment form (issue 18): what is typed is kept until saved or discarded, every value is
checked against its criterion's rule when typed and when saved, thresholds are said in words, the council's
and automatic criteria are read-only; one criterion's box (`criterion_box`) and the form's buttons
(`form_actions`). The evidence widgets are in dashboard/round_evidence.py.

The draft (what the unit typed and has not saved) is dashboard/round_draft.py's model; the page lays the boxes
into it (`round_draft.sync`) before drawing, and the buttons act in callbacks on the same model, so a save or
a submit is one script run. The words (`hints`, `problem_text`, `box_label`, `scored_elsewhere`) are pure."""
from __future__ import annotations

import pandas as pd

from dashboard import fmt
from dashboard.i18n import display_code, t
from scoring.framework import node_variable_meaning
from dashboard import round_draft as rd
from dashboard.round_view import number_text
from office.round_checks import is_count
from office import self_assessment

# -- words -----------------------------------------------------------------------------------------------
def _meaning(node, var: str, lang: str) -> str:
    """The variable's meaning (scoring.framework's naming), first letter lower-cased to stand inside a sentence."""
    text = node_variable_meaning(node, var, lang)
    return text[:1].lower() + text[1:]


def _n(x, lang: str) -> str:
    return number_text(x, lang)


def problem_text(p: dict, node, lang: str) -> str:
    """A refusal in words, to stand next to the box: "tối đa 10 điểm", "không lớn hơn tổng số … (48)"."""
    kind = p["kind"]
    if kind == "over_max":
        return t("ui.selfform.err_over_max", lang, max=_n(p["limit"], lang))
    if kind == "part_exceeds_whole":
        whole = " + ".join(_meaning(node, v, lang) for v in p["whole"])
        return t("ui.selfform.err_part_whole", lang, whole=whole, n=_n(p["limit"], lang))
    if kind == "zero_whole":
        return t("ui.selfform.err_zero_whole", lang, whole=" + ".join(_meaning(node, v, lang) for v in p["whole"]))
    if kind == "not_whole":
        return t("ui.selfform.err_not_whole", lang)
    if kind == "not_binary":
        return t("ui.selfform.err_not_binary", lang)
    return t("ui.selfform.err_negative", lang)


def hints(node, lang: str) -> list[str]:
    """How the criterion's points are earned, from its rule's parameters, in words: the count that reaches
    the maximum (I.4 "tối thiểu 12 tin bài …"), thresholds, gates, points per item."""
    rule = node.rule or {}
    kind = rule.get("type")
    top = _n(node.max_points, lang)
    unit_of = {v.name: v.unit for v in node.variables}
    out = []

    def plain_number(raw):
        return raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None

    if kind == "count_capped":
        per, cap = plain_number(rule.get("points_per_event")), plain_number(rule.get("cap", node.max_points))
        if per and cap is not None:
            need = -(-float(cap) // float(per))
            out.append(t("ui.selfform.hint_count", lang, per=_n(per, lang), unit=unit_of.get(rule["variable"], ""),
                         need=_n(need, lang), max=_n(min(float(cap), node.max_points), lang)))
    elif kind in ("threshold", "all_or_nothing", "inverse"):
        th = plain_number(rule.get("threshold", 1.0))
        if th is not None:
            shown = fmt.percent(th, 0, lang) if rule.get("part_of_whole", True) else _n(th, lang)
            out.append(t(f"ui.selfform.hint_{kind}", lang, t=shown, max=top))
    elif kind == "linear":
        out.append(t("ui.selfform.hint_linear", lang, max=top))
    elif kind == "gated_linear":
        low = plain_number(rule.get("minimum"))
        if low is not None:
            out.append(t("ui.selfform.hint_gate", lang, what=_meaning(node, rule["gate"], lang), n=_n(low, lang),
                         unit=unit_of.get(rule["gate"], "")))
    elif kind == "weighted_items":
        for item in rule.get("items", []):
            out.append(t("ui.selfform.hint_item", lang, what=_meaning(node, item["var"], lang),
                         points=_n(float(item["weight"]) * node.max_points, lang)))
    elif kind == "capped_sum":
        for term in rule.get("terms", []):
            if "variable" in term and unit_of.get(term["variable"]) == "0/1":
                out.append(t("ui.selfform.hint_item", lang, what=_meaning(node, term["variable"], lang),
                             points=_n(min(term["points"], term.get("cap", term["points"])), lang)))
    elif kind == "direct":
        out.append(t("ui.selfform.hint_direct", lang, max=top))
    return out


def box_label(row, lang: str) -> str:
    """A box's label: the variable's meaning and its unit ("(người, số nguyên)")."""
    label = str(row.get("meaning_vi") or row["variable"])
    unit = row.get("unit")
    if unit and unit != "0/1":
        label += f" ({unit}{t('ui.selfform.whole_suffix', lang) if is_count(unit) else ''})"
    return label


def scored_elsewhere(node, lang: str) -> str | None:
    """Why the unit enters nothing for a criterion: "do Hội đồng thẩm định chấm" / "lấy tự động từ …"."""
    if node.scored_by == "council":
        return t("ui.selfform.by_council", lang)
    if node.scored_by == "automatic":
        return t("ui.selfform.by_automatic", lang,
                 source=(node.scored_from_en if lang == "en" and node.scored_from_en else node.scored_from_vi))
    return None


# -- the page's widgets (Streamlit) ------------------------------------------------------------------------
def decision_block(ctx, store, rid: int, unit: str, code: str, part: pd.DataFrame, can_reply: bool) -> None:
    """The council's decision on one criterion (what changed, by whom, why) and the unit's one reply."""
    import streamlit as st

    from dashboard import auth, round_view as rv

    first, lang = part.iloc[0], ctx.lang
    if rv.is_missing(first.get("decided_by")):
        return
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
    elif can_reply and changed:  # a reply where points changed
        key = f"sa_{int(rid)}_{unit}_{code}_reply"
        reply = st.text_area(ctx.t("ui.selfform.reply"), key=key, height=68, help=ctx.t("ui.selfform.reply_help"))
        if st.button(ctx.t("ui.selfform.reply_send"), key=f"{key}_send"):
            if reply.strip() and auth.act(lang, lambda actor: self_assessment.reply(store, rid, unit, code, reply.strip(),
                                                                              actor)):
                st.session_state["sa_flash"] = ("ui.selfform.reply_sent", {"code": display_code(code)})
                st.rerun()


def points_block(ctx, fw, form: pd.DataFrame, unit: str, year: int, values: dict, codes: list[str],
                 mine: list[str]) -> None:
    """The points the form gives now (typed values included), how many criteria are filled and evidenced,
    and the group's table (the council's points beside the unit's where decided)."""
    import streamlit as st

    from dashboard import round_view as rv

    lang = ctx.lang
    points = rv.points_now(fw, form, unit, year, values)
    m1, m2, m3 = st.columns(3)
    m1.metric(ctx.t("ui.selfform.points_now"), rv.points_text(rv.points_so_far(fw, points), lang),
              help=ctx.t("ui.selfform.points_now_help", max=fmt.number(fw.max_points, 2, lang)))
    variables: dict[str, list[str]] = {}
    for code, var in zip(form["code"], form["variable"]):
        variables.setdefault(code, []).append(var)
    filled = sum(all(values.get((c, v)) is not None for v in variables.get(c, [])) for c in mine)
    m2.metric(ctx.t("ui.selfform.filled"), f"{filled}/{len(mine)}")
    firsts = form.drop_duplicates("code")
    m3.metric(ctx.t("ui.selfform.with_evidence"),
              f"{int((firsts['n_evidence'].fillna(0).astype(int) > 0).sum())}/{len(firsts)}")
    table = pd.DataFrame({
        ctx.t("ui.round.col_code"): [display_code(c) for c in codes],
        ctx.t("ui.round.col_criterion"): [fw.nodes[c].name_vi for c in codes],
        ctx.t("ui.round.col_max"): [rv.points_text(fw.nodes[c].max_points, lang) for c in codes],
        ctx.t("ui.selfform.col_points_now"): [rv.points_text(points.get(c), lang) for c in codes],
    })
    decided = rv.decided_values(form)
    if decided:  # the council's points beside the unit's, for the criteria decided so far
        appraised = rv.points_now(fw, form, unit, year, decided)
        table[ctx.t("ui.selfform.col_points_appraised")] = [
            rv.points_text(appraised.get(c), lang) if (c, fw.nodes[c].variables[0].name) in decided else "—"
            for c in codes]
    st.dataframe(table, hide_index=True, width="stretch")


# -- one criterion's box, the form's buttons ------------------------------------------------------------------
def box(key: str, initial: str) -> str:
    """A widget's key, its value put back from the draft when Streamlit dropped it (another group shown)."""
    import streamlit as st

    if key not in st.session_state:
        st.session_state[key] = initial
    return key


def criterion_box(ctx, store, fw, rid: int, unit: str, code: str, part: pd.DataFrame, draft: dict, *, prefix: str,
                  problems: list[dict], bad: list[tuple[str, str]], unsaved: set[str], editable: bool,
                  can_reply: bool) -> None:
    """One criterion of the form in its expander: how points are earned, the evidence asked for, the boxes
    (N/A, values, explanation; put back from the draft when Streamlit dropped them; the page lays what is typed
    into the draft before drawing: round_draft.sync), the problems beside each box, the council's decision and
    the unit's reply. The council's and automatic criteria are read-only."""
    import streamlit as st

    from dashboard import auth, formulas, round_view as rv

    lang = ctx.lang
    first, node = part.iloc[0], fw.nodes[code]
    elsewhere = scored_elsewhere(node, lang)
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
            for hint in hints(node, lang):
                st.caption(":material/flag: " + auth.plain(hint))
        if node.evidence:
            st.caption(ctx.t("ui.selfform.evidence_required", text=auth.plain(node.evidence)))
        if elsewhere:  # the council or a source gives these points: nothing to enter
            st.info(elsewhere, icon=":material/gavel:" if node.scored_by == "council" else ":material/sync:")
        else:
            is_na = False
            if bool(first.get("na_allowed")):
                k = box(rd.box_key(prefix, code, "na"), draft["na"].get(code, rv.flag(first.get("not_applicable"))))
                is_na = st.checkbox(ctx.t("ui.selfform.not_applicable"), key=k, disabled=not editable)
            for var, value, row in zip(part["variable"], part["value"], part.to_dict("records")):
                k = box(rd.box_key(prefix, code, var),
                        draft["values"].get((code, var), rd.saved_text(value, row.get("unit"), lang)))
                if row.get("unit") == "0/1":
                    st.selectbox(box_label(row, lang), ["", "1", "0"], key=k, disabled=not editable or is_na,
                                 format_func=lambda v: ctx.t({"": "ui.selfform.not_entered", "1": "ui.selfform.yes1",
                                                              "0": "ui.selfform.no0"}[v]))
                else:
                    st.text_input(box_label(row, lang), key=k, disabled=not editable or is_na,
                                  placeholder=ctx.t("ui.selfform.number_placeholder"))
                for p in mine_bad:
                    if p["variable"] == var:
                        why = (ctx.t("ui.selfform.bad_number") if p["kind"] == "bad"
                               else problem_text(p, node, lang))
                        st.markdown(f":red[:material/error: {auth.plain(why)}]")
        k = box(rd.box_key(prefix, code, "ex"), draft["ex"].get(code, rd.saved_explanation(first.get("explanation"))))
        st.text_area(ctx.t("ui.selfform.explanation"), key=k, disabled=not editable, height=68)
        st.caption(ctx.t("ui.selfform.n_evidence", n=int(first.get("n_evidence") or 0)))
        decision_block(ctx, store, rid, unit, code, part, can_reply=can_reply)


def wrong_words(fw, ds: rd.DraftState, lang: str) -> list[str]:
    """Every value the rule refuses, and every unreadable box, in words ("I.10 · không lớn hơn …")."""
    return [f"{display_code(p['code'])} · {problem_text(p, fw.nodes[p['code']], lang)}" for p in ds.problems] + [
        f"{display_code(c)} · {t('ui.selfform.bad_number', lang)}" for c, _ in ds.bad]


def _on_action(kind: str, ctx, store, view, fw, form: pd.DataFrame, rid: int, unit: str, dkey: str,
               prefix: str) -> None:
    """A button's callback, run before the page's next run (so the page is drawn once, already saved): lay the
    boxes into the draft, check it, act through the service; a refusal's words wait in `sa_fault`, the outcome
    in `sa_flash`, for the run to show beside the buttons."""
    import streamlit as st

    from dashboard import auth

    lang = ctx.lang
    draft = rd.sync(form, st.session_state.setdefault(dkey, rd.empty_draft()), prefix, lang, st.session_state)
    ds = rd.read(fw, form, draft)
    if kind in ("save", "submit") and (ds.problems or ds.bad):
        return  # the run shows what to fix (fix_values) and marks the boxes
    if kind == "save" and not ds.changed_codes:
        st.session_state["sa_flash"] = ("ui.selfform.nothing_to_save", {}, "info")
        return

    def save(actor) -> int:
        if len(ds.changes) or ds.ex_changes:
            self_assessment.save_draft(store, view, rid, unit, ds.changes, actor, explanations=ds.ex_changes or None)
        return len(ds.changed_codes)

    if kind == "save":
        fn, flash = save, ("ui.selfform.saved", {"n": len(ds.changed_codes)})
    elif kind == "submit":
        fn, flash = (lambda actor: (save(actor), self_assessment.submit(store, view, rid, unit, actor))), (
            "ui.selfform.submitted", {})
    else:
        fn, flash = (lambda actor: self_assessment.withdraw(store, view, rid, unit, actor)), ("ui.selfform.withdrawn", {})
    if auth.act(lang, fn, ("unit",), hold="sa_fault") is not None:
        if kind != "withdraw":
            rd.forget(dkey, prefix)
        st.session_state["sa_flash"] = flash


def _on_discard(answer: bool | None, dkey: str, prefix: str) -> None:
    """Discard asks once more (None: ask; True: drop the draft; False: keep it)."""
    import streamlit as st

    if answer is None:
        st.session_state["sa_discard_ask"] = True
        return
    st.session_state.pop("sa_discard_ask", None)
    if answer:
        rd.forget(dkey, prefix)
        st.session_state["sa_flash"] = ("ui.selfform.discarded", {})


def form_actions(ctx, store, view, fw, form: pd.DataFrame, rid: int, unit: str, *, dkey: str, prefix: str,
                 state: str, editable: bool, ds: rd.DraftState) -> None:
    """Save the whole form, discard (asked once more), submit (saving first), withdraw — as callbacks, so each is
    one script run; the outcome shows here (`sa_flash`, `sa_fault`) after it."""
    import streamlit as st

    lang = ctx.lang
    wrong = wrong_words(fw, ds, lang)
    changed = ds.changed_codes
    fault = st.session_state.pop("sa_fault", None)
    if fault:
        st.error(fault, icon=":material/error:")
    if wrong:
        st.error(ctx.t("ui.selfform.fix_values", cells="; ".join(wrong)), icon=":material/error:")
    args = (ctx, store, view, fw, form, rid, unit, dkey, prefix)
    b1, b2, b3, b4 = st.columns(4)
    b1.button(ctx.t("ui.selfform.save"), key="sa_save", disabled=not editable, type="primary",
              on_click=_on_action, args=("save", *args))
    b2.button(ctx.t("ui.selfform.discard"), key="sa_discard", disabled=not changed, on_click=_on_discard,
              args=(None, dkey, prefix))
    b3.button(ctx.t("ui.selfform.submit"), key="sa_submit", disabled=not editable or bool(wrong),
              help=ctx.t("ui.selfform.submit_help"), on_click=_on_action, args=("submit", *args))
    b4.button(ctx.t("ui.selfform.withdraw"), key="sa_withdraw", disabled=state != "submitted",
              help=ctx.t("ui.selfform.withdraw_help"), on_click=_on_action, args=("withdraw", *args))
    if st.session_state.get("sa_discard_ask") and changed:
        st.warning(ctx.t("ui.selfform.discard_ask", n=len(changed), codes=", ".join(changed)))
        c1, c2 = st.columns(2)
        c1.button(ctx.t("ui.selfform.discard_yes", n=len(changed)), key="sa_discard_yes", on_click=_on_discard,
                  args=(True, dkey, prefix))
        c2.button(ctx.t("ui.selfform.discard_no"), key="sa_discard_no", on_click=_on_discard,
                  args=(False, dkey, prefix))
    st.caption(ctx.t("ui.selfform.save_note"))
