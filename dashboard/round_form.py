"""The unit's self-assessment form (issue 18): what is typed is kept until saved or discarded, every value is
checked against its criterion's rule when typed and when saved, thresholds are said in words, the council's
and automatic criteria are read-only, evidence is added, edited and removed.

The draft (what the unit typed and has not saved) lives in st.session_state under `draft_key(round, unit)`:
{"values": {(code, variable): text typed}, "na": {code: bool}, "ex": {code: text}} — never in the widgets'
own keys, which Streamlit drops when a group of criteria is not drawn. The pure helpers (`hints`,
`problem_text`, `read_number`, `typed_values`, `pending`) work without a server."""
from __future__ import annotations

import pandas as pd

from dashboard import fmt
from dashboard.i18n import display_code, t
from dashboard.round_view import is_missing, number_text
from scoring.framework import node_variable_meaning
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
EV_FIELDS = ("code", "number", "date", "issuer", "link", "file")


def _ev_key(name: str, n: int) -> str:
    return f"sa_ev_{name}_{n}"


def evidence_section(ctx, store, fw, rid: int, unit: str, user: dict, codes: list[str], editable: bool,
                     default_code: str | None = None) -> None:
    """The unit's evidence: the table; add (the form emptied after each addition: its widgets' keys carry a
    counter), edit or remove one item (removal asks once more)."""
    import streamlit as st

    from dashboard import auth, round_view as rv
    from office import appraisal
    from office import self_assessment

    lang = ctx.lang
    st.subheader(ctx.t("ui.selfform.evidence_title"))
    ev = self_assessment.evidence(store, rid, unit, user)
    if not ev.empty:
        st.dataframe(pd.DataFrame({
            ctx.t("ui.round.col_code"): [display_code(rv.text(v)) for v in ev["indicator"]],
            ctx.t("ui.selfform.doc_number"): [rv.text(v) for v in ev["doc_number"]],
            ctx.t("ui.selfform.doc_date"): [fmt.date(v) or "—" for v in ev["doc_date"]],
            ctx.t("ui.selfform.issuer"): [rv.text(v) for v in ev["issuer"]],
            ctx.t("ui.selfform.link"): [rv.text(v) for v in ev["link"]],
            ctx.t("ui.selfform.file"): [rv.text(v) for v in ev["file_name"]],
            ctx.t("ui.selfform.added"): [rv.stamp(v) for v in ev["added_at"]],
        }), hide_index=True, width="stretch")
    else:
        st.caption(ctx.t("ui.selfform.no_evidence"))
    if not editable:
        return
    if rv.evidence_uploader_css(lang, "sa_ev_file"):
        st.html(rv.evidence_uploader_css(lang, "sa_ev_file"))
    n = int(st.session_state.get("sa_ev_n", 0))   # a new counter = new, empty widgets
    mode_add, mode_edit = ctx.t("ui.selfform.ev_mode_add"), ctx.t("ui.selfform.ev_mode_edit")
    mode = st.radio(ctx.t("ui.selfform.ev_mode"), [mode_add, mode_edit] if not ev.empty else [mode_add],
                    horizontal=True, key="sa_ev_mode")
    label = {c: f"{display_code(c)}. {fw.nodes[c].name_vi}" for c in codes}
    with st.container(border=True):
        old = None
        if mode == mode_edit:
            ids = [int(i) for i in ev["evidence_id"]]
            def item(i):   # "I.1 · 12/QĐ-UBND · Quyết định.pdf · 08/12/2026 05:26"
                row = ev.loc[ev["evidence_id"] == i].iloc[0]
                parts = [row[c] for c in ("indicator", "doc_number", "file_name", "link") if not rv.is_missing(row[c])]
                return " · ".join([str(x) for x in parts] + [rv.stamp(row["added_at"])])

            pick = st.selectbox(ctx.t("ui.selfform.ev_pick"), ids, key="sa_ev_pick", format_func=item)
            old = ev.loc[ev["evidence_id"] == pick].iloc[0]
            n = f"{n}_e{pick}"   # the edit boxes start from the chosen item
        st.caption(ctx.t("ui.selfform.evidence_help"))
        start = old["indicator"] if old is not None else (default_code if default_code in label else codes[0])
        code = st.selectbox(ctx.t("ui.round.col_criterion"), codes, index=codes.index(start) if start in codes else 0,
                            key=_ev_key("code", n), format_func=label.get)
        e1, e2, e3 = st.columns(3)

        def old_text(col):
            return "" if old is None or rv.is_missing(old[col]) else str(old[col])

        doc_number = e1.text_input(ctx.t("ui.selfform.doc_number"), value=old_text("doc_number"),
                                   key=_ev_key("number", n))
        doc_date = e2.date_input(ctx.t("ui.selfform.doc_date"), format="DD/MM/YYYY", key=_ev_key("date", n),
                                 value=None if old is None or rv.is_missing(old["doc_date"])
                                 else pd.Timestamp(old["doc_date"]).date())
        issuer = e3.text_input(ctx.t("ui.selfform.issuer"), value=old_text("issuer"), key=_ev_key("issuer", n))
        link = st.text_input(ctx.t("ui.selfform.link"), value=old_text("link"), key=_ev_key("link", n))
        if old is not None and old_text("file_name"):
            st.caption(ctx.t("ui.selfform.ev_file_kept", name=auth.plain(old_text("file_name"))))
        with st.container(key="sa_ev_file"):
            upload = st.file_uploader(ctx.t("ui.selfform.file"), key=_ev_key("file", n),
                                      type=["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "odt", "ods"],
                                      help=ctx.t("ui.selfform.file_help"))
        fields = dict(doc_number=doc_number.strip() or None, doc_date=doc_date, issuer=issuer.strip() or None,
                      link=link.strip() or None, file_name=upload.name if upload is not None else None,
                      content=upload.getvalue() if upload is not None else None)
        if old is None:
            if st.button(ctx.t("ui.selfform.evidence_add"), key="sa_ev_add"):
                if not (fields["doc_number"] or fields["link"] or upload is not None):
                    st.error(ctx.t("ui.selfform.evidence_empty"))
                elif auth.act(lang, lambda actor: self_assessment.add_evidence(store, rid, unit, code, actor, **fields),
                              ("unit",)) is not None:
                    _evidence_done(st, "ui.selfform.evidence_added", code)
            return
        b1, b2 = st.columns(2)
        if b1.button(ctx.t("ui.selfform.ev_save"), key="sa_ev_save", type="primary"):
            if auth.act(lang, lambda actor: self_assessment.edit_evidence(store, rid, unit, int(old["evidence_id"]), actor,
                                                                    indicator=code, **fields), ("unit",)) is not None:
                _evidence_done(st, "ui.selfform.ev_saved", code)
        if b2.button(ctx.t("ui.selfform.ev_remove"), key="sa_ev_remove"):
            st.session_state["sa_ev_confirm"] = int(old["evidence_id"])
        if st.session_state.get("sa_ev_confirm") == int(old["evidence_id"]):
            st.warning(ctx.t("ui.selfform.ev_remove_confirm", code=display_code(old["indicator"])), icon=":material/delete:")
            c1, c2 = st.columns(2)
            if c1.button(ctx.t("ui.selfform.ev_remove_yes"), key="sa_ev_remove_yes", type="primary"):
                if auth.act(lang, lambda actor: self_assessment.remove_evidence(store, rid, unit, int(old["evidence_id"]),
                                                                          actor), ("unit",)) is not None:
                    st.session_state.pop("sa_ev_confirm", None)
                    _evidence_done(st, "ui.selfform.ev_removed", old["indicator"])
            if c2.button(ctx.t("ui.selfform.ev_remove_no"), key="sa_ev_remove_no"):
                st.session_state.pop("sa_ev_confirm", None)
                st.rerun()


def _evidence_done(st, key: str, code: str) -> None:
    st.session_state["sa_ev_n"] = int(st.session_state.get("sa_ev_n", 0)) + 1
    st.session_state.pop("sa_ev_mode", None)
    st.session_state["sa_flash"] = (key, {"code": display_code(code)})
    st.rerun()


def decision_block(ctx, store, rid: int, unit: str, code: str, part: pd.DataFrame, can_reply: bool) -> None:
    """The council's decision on one criterion (what changed, by whom, why) and the unit's one reply."""
    import streamlit as st

    from dashboard import auth, round_view as rv
    from office import appraisal

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
