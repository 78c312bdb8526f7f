"""The council's queue (pages/appraisal.py, issue 18): built for 40 criteria × 150 units. One row per
(unit, criterion); yes/no items as toggles; "accept as submitted" for one row (one click) or for every row
the filter shows (one action, one transaction); what the member changes is kept across pages until
"Lưu các quyết định" saves it in ONE batch; a reason is asked only where the value differs from the unit's
own; the criteria the council scores itself have no self value to accept. Every change goes through
office/appraisal.py via auth.act; user text is shown as text."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, fmt
from dashboard import round_view as rv
from dashboard.widgets import PageContext
from loaders.parsing import parse_number
from office import self_assessment
from office import council

PAGE_SIZES = (10, 25, 50, 100)
COUNCIL = ("council",)


# -- pure helpers (tested without a server) -------------------------------------------------------------
def pairs_of(queue: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, code) of a queue: decided, stale, can (decide now), status, scored_by, acceptable
    (the unit's submitted values are complete and the council may accept them as they are)."""
    q = queue.assign(_decided=~queue["decided_by"].isna(), _stale=queue["stale"].fillna(False).astype(bool),
                     _can=queue["can_decide"].fillna(False).astype(bool),
                     _self=queue["self_value"].notna() | queue["self_na"].astype(bool),
                     _by=queue["scored_by"] if "scored_by" in queue.columns else "unit")
    p = (q.groupby(["unit", "code"], sort=False)
         .agg(decided=("_decided", "all"), stale=("_stale", "any"), can=("_can", "any"), status=("status", "first"),
              scored_by=("_by", "first"), complete=("_self", "all"))
         .reset_index())
    p["acceptable"] = p["can"] & (p["scored_by"] == "unit") & p["complete"]
    return p


def filter_pairs(pairs: pd.DataFrame, code=None, unit=None, only_open=False, only_stale=False,
                 only_submitted=True) -> pd.DataFrame:
    shown = pairs
    if only_submitted:
        shown = shown.loc[shown["can"] | shown["decided"]]
    if code is not None:
        shown = shown.loc[shown["code"] == code]
    if unit is not None:
        shown = shown.loc[shown["unit"] == unit]
    if only_open:
        shown = shown.loc[~shown["decided"]]
    if only_stale:
        shown = shown.loc[shown["stale"]]
    return shown.assign(_o=shown["decided"] & ~shown["stale"]).sort_values("_o", kind="stable").drop(columns="_o")


def to_accept(shown: pd.DataFrame) -> list[tuple[str, str]]:
    """The filtered rows "accept as submitted" takes: undecided (or stale) rows with a complete self value."""
    rows = shown.loc[shown["acceptable"] & (~shown["decided"] | shown["stale"])]
    return list(zip(rows["unit"], rows["code"]))


def baseline(rows: pd.DataFrame) -> dict[str, float | None | str]:
    """{variable: value | None | "na"} a row starts from: the council's decision when there is one, else the
    unit's submitted value (none for the criteria the council scores itself)."""
    out = {}
    for _, r in rows.iterrows():
        if not rv.is_missing(r.get("decided_by")):
            out[r["variable"]] = "na" if rv.flag(r.get("decided_na")) else (
                None if rv.is_missing(r.get("decided_value")) else float(r["decided_value"]))
        elif r.get("scored_by", "unit") != "unit":
            out[r["variable"]] = None
        else:
            out[r["variable"]] = "na" if rv.flag(r.get("self_na")) else (
                None if rv.is_missing(r.get("self_value")) else float(r["self_value"]))
    return out


def self_of(rows: pd.DataFrame) -> dict[str, float | None | str]:
    return {r["variable"]: ("na" if rv.flag(r.get("self_na")) else
                            (None if rv.is_missing(r.get("self_value")) else float(r["self_value"])))
            for _, r in rows.iterrows()}


def differs_from_self(rows: pd.DataFrame, typed: dict) -> bool:
    """Whether typed values change the unit's own (a reason is then required); never for the council's own
    criteria."""
    if rows.iloc[0].get("scored_by", "unit") != "unit":
        return False
    return typed != self_of(rows)


# -- widgets --------------------------------------------------------------------------------------------
def _pending_key(rid: int) -> str:
    return f"ap_pending_{rid}"


def pending(rid: int) -> dict:
    """{(unit, code): {"values": {...}, "reason": str}} typed but not saved, kept across pages and reruns."""
    return st.session_state.setdefault(_pending_key(rid), {})


def _forget_widgets(prefixes: list[str]) -> None:
    for k in [k for k in st.session_state if isinstance(k, str) and any(k.startswith(p) for p in prefixes)]:
        del st.session_state[k]


def value_text(value, yes_no: bool, ctx: PageContext) -> str:
    if value == "na":
        return ctx.t("ui.selfform.na_short")
    if value is None:
        return "—"
    if yes_no:
        return ctx.t("ui.council.yes") if float(value) >= 0.5 else ctx.t("ui.council.no")
    return rv.number_text(value, ctx.lang)


def accept_bar(ctx: PageContext, store, fw_full, rid: int, shown: pd.DataFrame, closed: bool) -> None:
    """"Chấp nhận như đơn vị nộp" for every row the filter shows (one action, one transaction)."""
    todo = pending(rid)
    take = [p for p in to_accept(shown) if p not in todo]  # a row being changed is not accepted over the change
    c1, c2 = st.columns([3, 2])
    c1.caption(ctx.t("ui.council.accept_filtered_help", n=fmt.count(len(take))))
    c2.button(ctx.t("ui.council.accept_filtered", n=fmt.count(len(take))), key="ap_accept_filtered",
              disabled=closed or not take, icon=":material/done_all:", width="stretch", on_click=_accept,
              args=(ctx.lang, store, fw_full, rid, take))


def _accept(lang: str, store, fw_full, rid: int, take: list[tuple[str, str]]) -> None:
    """"Accept as submitted" for the rows `take`, in a button's callback (one script run, not two): one
    transaction through the service; the outcome waits in `ap_flash` / `ap_fault` for the run to show."""
    done = auth.act(lang, lambda actor: council.accept_as_submitted(store, fw_full, rid, take, actor), COUNCIL,
                    hold="ap_fault")
    if done is not None:
        for unit, code in take:
            pending(rid).pop((unit, code), None)
        _forget_widgets([f"ap_{rid}_{u}_{c}_" for u, c in take])
        st.session_state["ap_flash"] = ("ui.council.accepted", {"n": fmt.count(int(done))})


def save_bar(ctx: PageContext, store, fw_full, queue: pd.DataFrame, rid: int, closed: bool, where: str) -> None:
    """The pending changes and the one button that saves them all (decide_many: one transaction)."""
    todo = pending(rid)
    c1, c2 = st.columns([3, 2])
    if todo:
        c1.warning(ctx.t("ui.council.unsaved", n=fmt.count(len(todo))), icon=":material/edit_note:")
    else:
        c1.caption(ctx.t("ui.council.nothing_unsaved"))
    if c2.button(ctx.t("ui.council.save_all", n=fmt.count(len(todo))), key=f"ap_save_all_{where}", type="primary",
                 disabled=closed or not todo, icon=":material/save:", width="stretch"):
        problems, decisions = [], []
        for (unit, code), item in todo.items():
            values = item["values"]
            if any(v is None for v in values.values()):
                problems.append(ctx.t("ui.council.row_incomplete", unit=unit, code=ctx.code(code)))
                continue
            rows = queue.loc[(queue["unit"] == unit) & (queue["code"] == code)]
            if differs_from_self(rows, values) and not item.get("reason", "").strip():
                problems.append(ctx.t("ui.council.row_needs_reason", unit=unit, code=ctx.code(code)))
                continue
            decisions.append((unit, code, {v: (None if x == "na" else float(x)) for v, x in values.items()},
                              item.get("reason", "").strip()))
        if problems:
            st.error(ctx.t("ui.council.not_saved") + "\n\n" + "\n".join(f"- {auth.plain(p)}" for p in problems))
            return
        done = auth.act(ctx.lang, lambda actor: council.decide_many(store, fw_full, rid, decisions, actor), COUNCIL)
        if done is not None:
            _forget_widgets([f"ap_{rid}_{u}_{c}_" for u, c, _, _ in decisions])
            st.session_state[_pending_key(rid)] = {}
            st.session_state["ap_flash"] = ("ui.council.saved", {"n": fmt.count(int(done))})
            st.rerun()


def row(ctx: PageContext, store, fw_full, fw, rid: int, pair, rows: pd.DataFrame, evidence: pd.DataFrame,
        closed: bool) -> None:
    """One (unit, criterion) row: the unit's values, evidence and explanation; the council's values (toggles
    for yes/no items); a reason only when a value differs from the unit's; "Chấp nhận" for this row."""
    lang = ctx.lang
    unit, code = pair["unit"], pair["code"]
    node = fw.nodes[code]
    key = f"ap_{rid}_{unit}_{code}"
    first = rows.iloc[0]
    council_own = pair["scored_by"] != "unit"
    todo = pending(rid)
    with st.container(border=True):
        head, act = st.columns([4, 1])
        head.markdown(f"**{auth.plain(unit)}** · {ctx.code(code)}. {auth.plain(node.name_vi)}")
        state = ctx.t("ui.appraise.decided") if pair["decided"] else ctx.t("ui.appraise.undecided")
        head.caption(ctx.t("ui.appraise.row_state", status=rv.status_word(pair["status"], lang),
                           max=rv.points_text(node.max_points, lang), decided=state))
        if council_own:
            head.caption(":material/gavel: " + ctx.t("ui.council.council_scores"))
        else:
            own = "; ".join(f"{r.get('meaning_vi') or r['variable']}: "
                            f"{value_text(v, bool(r.get('yes_no')), ctx)}"
                            for (_, r), v in zip(rows.iterrows(), self_of(rows).values()))
            head.text(ctx.t("ui.council.self_line", values=own))
        if pair["stale"]:
            st.warning(ctx.t("ui.appraise.stale"), icon=":material/update:")
        if not rv.is_missing(first.get("explanation")) and str(first["explanation"]):
            st.text(ctx.t("ui.appraise.explanation", text=str(first["explanation"])))
        ev = evidence.loc[(evidence["unit"] == unit) & (evidence["indicator"] == code)] if not evidence.empty \
            else evidence
        if ev.empty and not council_own:
            st.caption(ctx.t("ui.appraise.no_evidence"))
        for _, e in ev.iterrows():
            words = " · ".join(x for x in (rv.text(e.get("doc_number")), (fmt.date(e.get("doc_date")) or "—"),
                                           rv.text(e.get("issuer")), rv.text(e.get("link"))) if x != "—")
            c_text, c_file = st.columns([3, 1])
            c_text.text(ctx.t("ui.appraise.evidence_line", text=words or rv.text(e.get("file_name"))))
            if not rv.is_missing(e.get("file_path")):
                path = self_assessment.evidence_path(store, rid, str(e["file_path"]))
                if path.exists():  # read only when clicked
                    c_file.download_button(ctx.t("ui.appraise.download"), lambda p=path: p.read_bytes(),
                                           file_name=str(e["file_path"]), key=f"{key}_ev_{int(e['evidence_id'])}",
                                           help=rv.text(e.get("file_name")))
        can = bool(pair["can"])
        if pair["acceptable"] and not pair["decided"]:
            act.button(ctx.t("ui.council.accept_one"), key=f"{key}_accept", disabled=closed or not can,
                       icon=":material/check:", help=ctx.t("ui.council.accept_one_help"), width="stretch",
                       on_click=_accept, args=(lang, store, fw_full, rid, [(unit, code)]))
        start = dict(todo[(unit, code)]["values"]) if (unit, code) in todo else baseline(rows)
        base = baseline(rows)
        na_allowed = bool(first.get("na_allowed"))
        na_key = f"{key}__na"
        if na_key not in st.session_state:
            st.session_state[na_key] = bool(start) and all(v == "na" for v in start.values())
        per_line = 1 if rows["yes_no"].astype(bool).any() else min(len(rows), 3)  # long yes/no labels: one a line
        cols = st.columns([3] * per_line + ([1] if na_allowed else []))
        na = cols[-1].checkbox(ctx.t("ui.selfform.not_applicable"), key=na_key, disabled=closed or not can) \
            if na_allowed else False
        typed, bad = {}, False
        for i, (_, r) in enumerate(rows.iterrows()):
            var = r["variable"]
            box = f"{key}_{var}"
            where = cols[i % per_line]
            label = r.get("meaning_vi") or var
            s = start.get(var)
            if bool(r.get("yes_no")):
                if box not in st.session_state:
                    st.session_state[box] = s not in (None, "na") and float(s) >= 0.5
                on = where.toggle(label, key=box, disabled=closed or not can or na)
                typed[var] = 1.0 if on else 0.0
                if s is None and not council_own and (unit, code) not in todo:
                    typed[var] = None  # nothing submitted: the toggle alone is not a decision
            else:
                if box not in st.session_state:
                    st.session_state[box] = "" if s in (None, "na") else rv.number_text(s, lang)
                raw = where.text_input(label, key=box, disabled=closed or not can or na)
                if raw.strip() == "":
                    typed[var] = None
                else:
                    try:
                        typed[var] = float(parse_number(raw))
                    except (TypeError, ValueError):
                        where.caption(":material/error: " + ctx.t("ui.selfform.bad_number"))
                        bad = True
        if na:
            typed = {v: "na" for v in typed}
        changed = (not bad) and typed != base
        reason_key = f"{key}_reason"
        reason = todo.get((unit, code), {}).get("reason") or ("" if rv.is_missing(first.get("reason"))
                                                              else str(first["reason"]))
        if not bad and differs_from_self(rows, typed):
            if reason_key not in st.session_state:
                st.session_state[reason_key] = reason
            reason = st.text_input(ctx.t("ui.council.reason"), key=reason_key, disabled=closed,
                                   help=ctx.t("ui.appraise.reason_help"))
            if changed and not reason.strip():
                st.caption(":material/edit: " + ctx.t("ui.council.reason_needed"))
        if changed and can and not closed:
            todo[(unit, code)] = {"values": typed, "reason": reason}
        elif not bad:
            todo.pop((unit, code), None)
        if not rv.is_missing(first.get("reply")) and str(first.get("reply")):
            st.text(ctx.t("ui.appraise.reply", text=str(first["reply"])))
        if not can and not closed:
            st.caption(":material/hourglass_empty: " + ctx.t("ui.appraise.cannot_yet"))
