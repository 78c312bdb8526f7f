"""The unit's draft in an appraisal round's form (issue 18): what the unit typed and has not saved, laid over the
saved form. One model read by the page's run and by the form's buttons (which act in callbacks, before the
run: one script run per save instead of two).

The draft lives in st.session_state under `draft_key(round, unit)`:
{"values": {(code, variable): text typed}, "na": {code: bool}, "ex": {code: text}} — never only in the widgets'
own keys, which Streamlit drops when a group of criteria is not drawn. `sync` lays the widgets' keys
(`<prefix>_<code>_<variable>`, `<prefix>_<code>_na`, `<prefix>_<code>_ex`) into the draft; `read` gives
everything the page and the buttons need from one pass. All pure except `forget` (session state)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.round_view import flag as saved_na, is_missing, number_text
from loaders.parsing import parse_number
from office.round_checks import value_problems

BAD = "bad"   # a box whose text is not a number


def draft_key(round_id: int, unit: str) -> str:
    return f"sa_draft_{int(round_id)}_{unit}"


def empty_draft() -> dict:
    return {"values": {}, "na": {}, "ex": {}}


# -- what was saved, as the boxes show it ----------------------------------------------------------------------
def saved_text(value, unit, lang: str) -> str:
    """A saved value as its box shows it: "" (none), "1"/"0" for yes/no, else the number in words of the page."""
    if is_missing(value):
        return ""
    return str(int(value)) if unit == "0/1" else number_text(value, lang)


def saved_explanation(value) -> str:
    return "" if is_missing(value) else str(value)


def box_key(prefix: str, code: str, part: str) -> str:
    """A box's widget key: the form's prefix, the criterion, then the variable or "na" / "ex"."""
    return f"{prefix}_{code}_{part}"


def sync(form: pd.DataFrame, draft: dict, prefix: str, lang: str, state) -> dict:
    """Lay the boxes' values found in `state` (st.session_state, or any mapping) into the draft: a box differing
    from what is saved, or already in the draft, is kept there. Returns the draft (changed in place)."""
    firsts = form.drop_duplicates("code")
    for code, na in zip(firsts["code"], firsts["not_applicable"]):
        k = box_key(prefix, code, "na")
        if k in state and (state[k] != saved_na(na) or code in draft["na"]):
            draft["na"][code] = bool(state[k])
    expl = firsts["explanation"] if "explanation" in firsts else [None] * len(firsts)
    for code, ex in zip(firsts["code"], expl):
        k = box_key(prefix, code, "ex")
        if k in state and (state[k] != saved_explanation(ex) or code in draft["ex"]):
            draft["ex"][code] = state[k]
    for code, var, value, unit in zip(form["code"], form["variable"], form["value"], form["unit"]):
        k = box_key(prefix, code, var)
        if k in state and (state[k] != saved_text(value, unit, lang) or (code, var) in draft["values"]):
            draft["values"][(code, var)] = state[k]
    return draft


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
        out[(code, var)] = "na" if saved_na(na) else (None if is_missing(value) else float(value))
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


def pending(form: pd.DataFrame, draft: dict, values: dict | None = None) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """What the draft changes against the saved form: (rows indicator, variable, value, not_applicable;
    explanations {code: text}; the codes changed, in form order). `values`: typed_values' first half when the
    caller has it already."""
    stored = stored_values(form)
    if values is None:
        values, _ = typed_values(form, draft)
    rows = []
    for key, now in values.items():
        if now != stored.get(key) and not (now is None and stored.get(key) is None):
            rows.append({"indicator": key[0], "variable": key[1], "value": None if now in (None, "na") else now,
                         "not_applicable": now == "na"})
    firsts = form.drop_duplicates("code")
    saved = dict(zip(firsts["code"], map(saved_explanation, firsts["explanation"]))) if "explanation" in firsts else {}
    ex = {c: txt for c, txt in draft["ex"].items() if txt != saved.get(c, "")}
    touched = {r["indicator"] for r in rows} | set(ex)
    codes = [c for c in firsts["code"] if c in touched]
    return pd.DataFrame(rows, columns=["indicator", "variable", "value", "not_applicable"]), ex, codes


def problems(view, form: pd.DataFrame, draft: dict, values: dict | None = None) -> list[dict]:
    """The rule's refusals on the form as typed (saved values with the draft laid over)."""
    if values is None:
        values, _ = typed_values(form, draft)
    return value_problems(view, values)


@dataclass(frozen=True)
class DraftState:
    """Everything the page and the buttons read from the draft, computed once."""
    values: dict            # {(code, variable): float | None | "na"} as typed
    bad: list               # unreadable boxes [(code, variable)]
    problems: list          # the rule's refusals (value_problems)
    changes: pd.DataFrame   # rows to save
    ex_changes: dict        # explanations to save {code: text}
    changed_codes: list     # the criteria changed, in form order


def read(view, form: pd.DataFrame, draft: dict) -> DraftState:
    values, bad = typed_values(form, draft)
    changes, ex, codes = pending(form, draft, values)
    return DraftState(values, bad, problems(view, form, draft, values), changes, ex, codes)


def forget(dkey: str, prefix: str) -> None:
    """Drop the draft and the boxes (they are drawn again from what is saved)."""
    import streamlit as st

    st.session_state.pop(dkey, None)
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix + "_")]:
        del st.session_state[k]
