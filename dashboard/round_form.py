"""The unit's self-assessment form (issue 18): what is typed is kept until saved or discarded, every value is
checked against its criterion's rule when typed and when saved, thresholds are said in words, the council's
and automatic criteria are read-only; one criterion's box (`criterion_box`) and the form's buttons
(`form_actions`). The evidence widgets are in dashboard/round_evidence.py.

The draft (what the unit typed and has not saved) lives in st.session_state under `draft_key(round, unit)`:
{"values": {(code, variable): text typed}, "na": {code: bool}, "ex": {code: text}} — never in the widgets'
own keys, which Streamlit drops when a group of criteria is not drawn. The pure helpers (`hints`,
`problem_text`, `read_number`, `typed_values`, `pending`) work without a server."""
from __future__ import annotations

import pandas as pd

from dashboard import fmt
from dashboard.i18n import display_code, t
from scoring.framework import node_variable_meaning
from dashboard.round_view import is_missing, number_text
from loaders.parsing import parse_number
from office.round_checks import is_count, value_problems
from office import self_assessment

BAD = "bad"   # a box whose text is not a number


def draft_key(round_id: int, unit: str) -> str:
    return f"sa_draft_{int(round_id)}_{unit}"


def empty_draft() -> dict:
    return {"values": {}, "na": {}, "ex": {}}


# -- reading what is typed --------------------------------------------------------------------------------
def read_number(raw, yes_no: bool = False):
    """A box's text as a float, None (empty) or BAD (unreadable): "1.234,5" → 1234.5."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if raw == "":
        return None
    if yes_no:
        return float(raw) if raw in ("0", "1") else BAD
    try:
        return float(parse_number(raw))
    except (TypeError, ValueError):
        return BAD


def stored_values(form: pd.DataFrame) -> dict:
    """{(code, variable): float | None | "na"} as saved."""
    out = {}
    for code, var, value, na in zip(form["code"], form["variable"], form["value"], form["not_applicable"]):
        out[(code, var)] = "na" if (not is_missing(na) and bool(na)) else (None if is_missing(value) else float(value))
    return out


def typed_values(form: pd.DataFrame, draft: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The form's values with the draft laid over: ({(code, variable): float | None | "na"}, unreadable
    boxes [(code, variable)])."""
    values, bad = stored_values(form), []
    units = dict(zip(zip(form["code"], form["variable"]), form["unit"]))
    for (code, var), raw in draft["values"].items():
        v = read_number(raw, units.get((code, var)) == "0/1")
        if v == BAD:
            bad.append((code, var))
            continue
        values[(code, var)] = v
    for code, na in draft["na"].items():
        for (c, var) in list(values):
            if c == code:
                if na:
                    values[(c, var)] = "na"
                elif values[(c, var)] == "na":
                    raw = draft["values"].get((c, var))
                    v = read_number(raw, units.get((c, var)) == "0/1") if raw is not None else None
                    values[(c, var)] = None if v == BAD else v
    return values, bad


def pending(form: pd.DataFrame, draft: dict) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """What the draft changes against the saved form: (rows indicator, variable, value, not_applicable;
    explanations {code: text}; the codes changed, in form order)."""
    stored = stored_values(form)
    values, _ = typed_values(form, draft)
    rows = []
    for key, now in values.items():
        if now != stored.get(key) and not (now is None and stored.get(key) is None):
            rows.append({"indicator": key[0], "variable": key[1], "value": None if now in (None, "na") else now,
                         "not_applicable": now == "na"})
    saved_text = {c: ("" if is_missing(p.iloc[0].get("explanation")) else str(p.iloc[0]["explanation"]))
                  for c, p in form.groupby("code", sort=False)}
    ex = {c: txt for c, txt in draft["ex"].items() if txt != saved_text.get(c, "")}
    touched = {r["indicator"] for r in rows} | set(ex)
    codes = [c for c in dict.fromkeys(form["code"]) if c in touched]
    return pd.DataFrame(rows, columns=["indicator", "variable", "value", "not_applicable"]), ex, codes


def problems(view, form: pd.DataFrame, draft: dict) -> list[dict]:
    """The rule's refusals on the form as typed (saved values with the draft laid over)."""
    values, _ = typed_values(form, draft)
    return value_problems(view, values)


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
    by_code = {code: part for code, part in form.groupby("code", sort=False)}
    points = rv.points_now(fw, form, unit, year, values)
    m1, m2, m3 = st.columns(3)
    m1.metric(ctx.t("ui.selfform.points_now"), rv.points_text(rv.points_so_far(fw, points), lang),
              help=ctx.t("ui.selfform.points_now_help", max=fmt.number(fw.max_points, 2, lang)))
    filled = sum(all(values.get((c, v)) is not None for v in by_code[c]["variable"]) for c in mine)
    m2.metric(ctx.t("ui.selfform.filled"), f"{filled}/{len(mine)}")
    m3.metric(ctx.t("ui.selfform.with_evidence"),
              f"{sum(int(p.iloc[0].get('n_evidence') or 0) > 0 for p in by_code.values())}/{len(by_code)}")
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
    (N/A, values, explanation; what is typed goes into the draft), the problems beside each box, the council's
    decision and the unit's reply. The council's and automatic criteria are read-only."""
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
                    st.selectbox(box_label(row, lang), ["", "1", "0"], key=k, disabled=not editable or is_na,
                                 format_func=lambda v: ctx.t({"": "ui.selfform.not_entered", "1": "ui.selfform.yes1",
                                                              "0": "ui.selfform.no0"}[v]))
                else:
                    st.text_input(box_label(row, lang), key=k, disabled=not editable or is_na,
                                  placeholder=ctx.t("ui.selfform.number_placeholder"))
                if st.session_state[k] != saved or (code, var) in draft["values"]:
                    draft["values"][(code, var)] = st.session_state[k]
                for p in mine_bad:
                    if p["variable"] == var:
                        why = (ctx.t("ui.selfform.bad_number") if p["kind"] == "bad"
                               else problem_text(p, node, lang))
                        st.markdown(f":red[:material/error: {auth.plain(why)}]")
        k = box(f"{prefix}_{code}_ex", draft["ex"].get(code, "" if rv.is_missing(first.get("explanation"))
                                                     else str(first["explanation"])))
        st.text_area(ctx.t("ui.selfform.explanation"), key=k, disabled=not editable, height=68)
        if code in draft["ex"] or st.session_state[k] != ("" if rv.is_missing(first.get("explanation"))
                                                          else str(first["explanation"])):
            draft["ex"][code] = st.session_state[k]
        st.caption(ctx.t("ui.selfform.n_evidence", n=int(first.get("n_evidence") or 0)))
        decision_block(ctx, store, rid, unit, code, part, can_reply=can_reply)


def forget(dkey: str, prefix: str) -> None:
    """Drop the draft and the boxes (they are drawn again from what is saved)."""
    import streamlit as st

    st.session_state.pop(dkey, None)
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix + "_")]:
        del st.session_state[k]


def form_actions(ctx, store, view, rid: int, unit: str, *, dkey: str, prefix: str, state: str, editable: bool,
                 changes: pd.DataFrame, ex_changes: dict[str, str], changed_codes: list[str], wrong: list[str]) -> None:
    """Save the whole form, discard (asked once more), submit (saving first), withdraw; each ends with a flash
    message kept over its rerun in `sa_flash`."""
    import streamlit as st

    from dashboard import auth

    lang = ctx.lang

    def save(actor) -> int:
        if len(changes) or ex_changes:
            self_assessment.save_draft(store, view, rid, unit, changes, actor, explanations=ex_changes or None)
        return len(changed_codes)

    if wrong:
        st.error(ctx.t("ui.selfform.fix_values", cells="; ".join(wrong)), icon=":material/error:")
    b1, b2, b3, b4 = st.columns(4)
    if b1.button(ctx.t("ui.selfform.save"), key="sa_save", disabled=not editable or not changed_codes,
                 type="primary"):
        if not wrong and (n := auth.act(lang, save, ("unit",))) is not None:
            forget(dkey, prefix)
            st.session_state["sa_flash"] = ("ui.selfform.saved", {"n": n})
            st.rerun()
    if b2.button(ctx.t("ui.selfform.discard"), key="sa_discard", disabled=not changed_codes):
        st.session_state["sa_discard_ask"] = True
    if b3.button(ctx.t("ui.selfform.submit"), key="sa_submit", disabled=not editable or bool(wrong),
                 help=ctx.t("ui.selfform.submit_help")):
        done = auth.act(lang, lambda actor: (save(actor), self_assessment.submit(store, view, rid, unit, actor)),
                        ("unit",))
        if done is not None:
            forget(dkey, prefix)
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
            forget(dkey, prefix)
            st.session_state.pop("sa_discard_ask", None)
            st.session_state["sa_flash"] = ("ui.selfform.discarded", {})
            st.rerun()
        if c2.button(ctx.t("ui.selfform.discard_no"), key="sa_discard_no"):
            st.session_state.pop("sa_discard_ask", None)
            st.rerun()
    st.caption(ctx.t("ui.selfform.save_note"))
