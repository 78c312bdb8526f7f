"""The unit's own form in an appraisal round: read it, save a draft, add and remove evidence, submit, withdraw,
reply to a decision. Every rule is enforced here; the page only calls these functions."""
from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

import storage.accounts
import storage.appraisal
import storage.collection
import storage.units
from loaders import limits
from office import access as editors
from office.appraisal import (
    check_open,
    check_unit_in_round,
    member_names,
    round_head,
    round_view,
    states_of,
    status_event,
)
from office.round_checks import content_matches, value_problems
from office.round_faults import (
    BadEvidenceFile,
    BadValue,
    EvidenceContent,
    EvidenceEmpty,
    FormIncomplete,
    FormLocked,
    NotUnitScored,
    NotYourUnit,
    ReplyNotAllowed,
    TextRequired,
    UnknownCriterion,
    ValueRefused,
)
from office.round_rules import (
    criteria_table,
    decision_state,
    level_view,
    non_negative,
    now_or_clock,
    own_unit_actor,
    same_value,
    typed_text,
    unit_codes,
)
from scoring.engine import score
from scoring.framework import Framework, criterion_words, display_code, variable_words
from storage.db import Store


def _form_frame(crit: pd.DataFrame, values: pd.DataFrame, evidence: pd.DataFrame, notes: pd.DataFrame,
                decisions: pd.DataFrame, dstate: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    f = crit.copy()
    v = values[["indicator", "variable", "value", "not_applicable"]].rename(columns={"indicator": "code"}) \
        if len(values) else pd.DataFrame(columns=["code", "variable", "value", "not_applicable"])
    f = f.merge(v, on=["code", "variable"], how="left")
    f["value"] = f["value"].astype("float64")
    f["not_applicable"] = f["not_applicable"].fillna(False).astype(bool)
    nev = evidence.groupby("indicator").size() if len(evidence) else pd.Series(dtype="int64")
    f["n_evidence"] = f["code"].map(nev).fillna(0).astype(int)
    def by_code(kind):  # the latest note of a kind per criterion (a second reply from a race: the later)
        n = notes.loc[notes["kind"] == kind].sort_values("seq")
        return n.groupby("indicator")["text"].last()

    expl = by_code("explanation") if len(notes) else {}
    reply = by_code("reply") if len(notes) else {}
    f["explanation"] = f["code"].map(expl) if len(notes) else None
    f["reply"] = f["code"].map(reply) if len(notes) else None
    d = decisions[["indicator", "variable", "value", "not_applicable"]].rename(
        columns={"indicator": "code", "value": "decided_value", "not_applicable": "decided_na"}) \
        if len(decisions) else pd.DataFrame(columns=["code", "variable", "decided_value", "decided_na"])
    f = f.merge(d, on=["code", "variable"], how="left")
    f["decided_value"] = f["decided_value"].astype("float64")
    ds = dstate.set_index("code") if len(dstate) else None
    for col, src in (("decided_reason", "reason"), ("decided_by", "decided_by"), ("decided_at", "decided_at"),
                     ("stale", "stale")):
        f[col] = f["code"].map(ds[src]) if ds is not None else None
    f["decided"] = f["decided_by"].notna()
    f["decided_by_name"] = f["decided_by"].map(lambda x: names.get(x, x) if isinstance(x, str) else None)
    f["stale"] = f["stale"].fillna(False).astype(bool)
    return f


def form(store: Store, framework: Framework, round_id: int, unit: str, actor: dict,
         now: datetime | None = None) -> pd.DataFrame:
    """The unit's form: one row per (criterion, variable) with the criterion (code, name_vi, max_points, rule
    dict for dashboard.formulas.words, variable, meaning_vi, unit of measure, na_allowed, evidence_text,
    needs_evidence), the unit's value / not_applicable, n_evidence, explanation, the council's decision
    (decided_value, decided_na, decided_reason, decided_by(_name), decided_at, stale) and reply; plus the
    form's status and editable (same on every row). Only the unit itself or an editor may read it."""
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    if not actor or (actor.get("role") != "editor" and not (actor.get("role") == "unit"
                                                            and actor.get("unit") == unit)):
        raise NotYourUnit(unit)
    check_unit_in_round(store, rnd, unit)
    view = round_view(framework, rnd)
    states, values, _ = states_of(store, rnd, now, unit)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id, unit)
    f = _form_frame(criteria_table(view), values, storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id, unit),
                    storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id, unit), decisions,
                    decision_state(decisions, values), member_names(store, rnd["province"]))
    st_ = states.iloc[0]
    return f.assign(status=st_["status"], editable=bool(st_["editable"]), deadline=st_["deadline"])


def evidence(store: Store, round_id: int, unit: str, actor: dict) -> pd.DataFrame:
    """The unit's evidence not removed (the unit itself, an editor, or a council member)."""
    if not actor or (actor.get("role") == "unit" and actor.get("unit") != unit) or actor.get("role") not in (
            "unit", "editor", "council"):
        raise NotYourUnit(unit)
    return storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id, unit)


def evidence_path(store: Store, round_id: int, file_path: str) -> Path:
    """The stored file of an evidence row (inside the round's evidence folder, never outside it)."""
    folder = (storage.collection.evidence_folder(store) / "appraisal" / str(int(round_id))).resolve()
    path = (folder / file_path).resolve()
    if folder not in path.parents:
        raise BadEvidenceFile(file_path)
    return path


def editable_state(store: Store, rnd: dict, unit: str, now: datetime):
    check_open(rnd)
    check_unit_in_round(store, rnd, unit)
    token = storage.appraisal.appraisal_token(store, int(rnd["round_id"]), unit)
    states, values, events = states_of(store, rnd, now, unit)
    st_ = states.iloc[0]
    return st_, values, token


def _check_values(view: Framework, values: pd.DataFrame) -> pd.DataFrame:
    """Clean long values (indicator, variable, value, not_applicable) against the level view."""
    vars_of = {leaf.code: set(leaf.variable_names()) for leaf in view.leaves}
    out = []
    for r in values.itertuples(index=False):
        code, var = str(r.indicator), str(r.variable)
        if code not in vars_of or var not in vars_of[code]:
            raise UnknownCriterion(variable_words(view, code, var))
        na = bool(getattr(r, "not_applicable", False)) if not pd.isna(getattr(r, "not_applicable", False)) else False
        val = getattr(r, "value", None)
        val = None if val is None or (isinstance(val, float) and math.isnan(val)) or pd.isna(val) else val
        if na and not view.nodes[code].not_applicable_allowed:
            raise BadValue(f"{criterion_words(view, code)}: không áp dụng")
        if val is not None:
            val = non_negative(val, variable_words(view, code, var))
        out.append({"indicator": code, "variable": var, "value": None if na else val, "not_applicable": na})
    return pd.DataFrame(out, columns=["indicator", "variable", "value", "not_applicable"])


def _open_form(store: Store, framework: Framework | None, round_id: int, unit: str, actor: dict, now):
    """The checks before a unit changes its form: its own unit, the form editable now (else FormLocked).
    Returns (who, now, round, level view (None without a framework), current values, guard token)."""
    who = own_unit_actor(actor, unit)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    view = round_view(framework, rnd) if framework is not None else None
    state, values, token = editable_state(store, rnd, unit, now)
    if not state["editable"]:
        raise FormLocked(state["status"])
    return who, now, rnd, view, values, token


def save_draft(store: Store, framework: Framework, round_id: int, unit: str, values: pd.DataFrame, actor: dict,
               explanations: dict[str, str] | None = None, now: datetime | None = None) -> int:
    """Save the unit's values (indicator, variable, value, not_applicable; a missing value = NaN) and its
    explanations while the form is editable. Only changed values are recorded. Returns how many changed."""
    who, now, rnd, view, current, token = _open_form(store, framework, round_id, unit, actor, now)
    clean = _check_values(view, values if values is not None else pd.DataFrame(
        columns=["indicator", "variable", "value", "not_applicable"]))
    cur = {(r.indicator, r.variable): (r.value, r.not_applicable) for r in current.itertuples(index=False)}
    keep = [not ((r.indicator, r.variable) in cur and same_value(r.value, r.not_applicable,
                                                            *cur[(r.indicator, r.variable)]))
            and not ((r.indicator, r.variable) not in cur and r.value is None and not r.not_applicable)
            for r in clean.itertuples(index=False)]
    changed = clean.loc[keep]
    mine = unit_codes(view)
    theirs = [c for c, v, na in zip(changed["indicator"], changed["value"], changed["not_applicable"])
              if c not in mine and (v is not None and not pd.isna(v) or bool(na))]
    if theirs:
        raise NotUnitScored(", ".join(display_code(c) for c in dict.fromkeys(theirs)))
    if len(changed):  # the rule's limits on the form as it would be (stored values with these laid over)
        merged = {k: ("na" if bool(na) else v) for k, (v, na) in cur.items()}
        merged.update({(r.indicator, r.variable): ("na" if r.not_applicable else r.value)
                       for r in changed.itertuples(index=False)})
        touched = set(changed["indicator"])
        problems = [p for p in value_problems(view, merged) if p["code"] in touched]
        if problems:
            raise ValueRefused(problems, view)
    leaves = {leaf.code for leaf in view.leaves}
    notes = storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id, unit)
    old_expl = dict(zip(notes.loc[notes["kind"] == "explanation", "indicator"],
                        notes.loc[notes["kind"] == "explanation", "text"])) if len(notes) else {}
    expl_rows = []
    for code, text in (explanations or {}).items():
        if code not in leaves:
            raise UnknownCriterion(code)
        text = typed_text(text, code)
        if text != (old_expl.get(code) if isinstance(old_expl.get(code), str) else None):
            expl_rows.append({"unit": unit, "indicator": code, "kind": "explanation", "text": text, "saved_by": who,
                              "saved_at": now})
    if changed.empty and not expl_rows:
        return 0
    rows = changed.assign(unit=unit, saved_by=who, saved_at=now,
                          value=changed["value"].astype("float64"))
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_values": rows,
                                      "appraisal_notes": pd.DataFrame(expl_rows)},
                           who=who, action="appraisal_save", target=f"{round_id}/{unit}",
                           detail=f"{len(changed)} values, {len(expl_rows)} explanations",
                           guard=(round_id, unit, token))
    return len(changed) + len(expl_rows)


def _evidence_row(store: Store, rnd: dict, unit: str, indicator: str, who: str, now: datetime, doc_number,
                  doc_date, issuer, link, file_name, content, keep: dict | None = None) -> dict:
    """One checked evidence row (the file stored under a name the app makes); `keep` = an edited row whose
    file stays when no new file is given."""
    from scoring.framework import load_framework
    view = level_view(load_framework(rnd["framework_id"]), rnd["level"])
    if indicator not in {leaf.code for leaf in view.leaves}:
        raise UnknownCriterion(indicator)
    doc_number, issuer, link = (typed_text(x, what) for x, what in ((doc_number, "doc_number"), (issuer, "issuer"),
                                                               (link, "link")))
    try:   # a date, or text as Vietnamese write it (dd/mm/yyyy) or ISO
        if isinstance(doc_date, str) and re.fullmatch(r"\s*\d{1,2}/\d{1,2}/\d{4}\s*", doc_date):
            doc_date = datetime.strptime(doc_date.strip(), "%d/%m/%Y").date()
        doc_date = pd.Timestamp(doc_date).date() if doc_date is not None and not pd.isna(doc_date) else None
    except (TypeError, ValueError):
        raise BadValue("doc_date") from None
    if link and not re.match(r"^https?://\S+$", link):
        raise EvidenceEmpty(link)
    rel = digest = shown = None
    if keep is not None and content is None:
        rel, digest, shown = keep.get("file_path"), keep.get("sha256"), keep.get("file_name")
        rel, digest, shown = (None if x is None or pd.isna(x) else x for x in (rel, digest, shown))
    if content is None and not doc_number and not link and not rel:
        raise EvidenceEmpty(indicator)
    if content is not None:
        name = re.split(r"[\\/]", file_name or "")[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in limits.EVIDENCE_EXTENSIONS:
            raise BadEvidenceFile(f"kind:{ext or '—'}")
        if len(content) > limits.MAX_EVIDENCE_BYTES:
            raise BadEvidenceFile(f"size:{len(content)}")
        if not content:
            raise BadEvidenceFile("empty")
        if not content_matches(ext, content):
            raise EvidenceContent(ext.upper())
        digest = hashlib.sha256(content).hexdigest()
        stem = editors.slug(name.rsplit(".", 1)[0], 60) or "tep"
        rel = f"{digest[:16]}_{stem}.{ext}"
        target = storage.collection.evidence_folder(store) / "appraisal" / str(int(rnd["round_id"])) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(content)
            tmp.replace(target)
        shown = typed_text(re.split(r"[\\/]", file_name)[-1], "file_name") if file_name else None
    return {"unit": unit, "indicator": indicator, "doc_number": doc_number,
            "doc_date": doc_date, "issuer": issuer, "link": link, "file_path": rel,
            "file_name": shown, "sha256": digest, "added_by": who, "added_at": now, "removed_at": None,
            "removed_by": None}


def add_evidence(store: Store, round_id: int, unit: str, indicator: str, actor: dict, doc_number: str | None = None,
                 doc_date=None, issuer: str | None = None, link: str | None = None, file_name: str | None = None,
                 content: bytes | None = None, now: datetime | None = None) -> int:
    """Attach evidence to a criterion of the unit's editable form: a file (kinds and size in loaders.limits,
    its content checked against its kind — content_matches —, stored beside the database under a name the
    app makes) and/or a document's number, date, issuer, link. Returns the evidence id."""
    who, now, rnd, _, _, token = _open_form(store, None, round_id, unit, actor, now)
    row = _evidence_row(store, rnd, unit, indicator, who, now, doc_number, doc_date, issuer, link, file_name, content)
    ids = storage.appraisal.appraisal_record(store, round_id, {"appraisal_evidence": pd.DataFrame([row])}, who=who,
                                 action="appraisal_add_evidence", target=f"{round_id}/{unit}/{indicator}",
                                 detail=row["file_path"] or row["doc_number"] or row["link"] or "",
                                 guard=(round_id, unit, token))
    return int(ids[0])


def edit_evidence(store: Store, round_id: int, unit: str, evidence_id: int, actor: dict, indicator: str | None = None,
                  doc_number: str | None = None, doc_date=None, issuer: str | None = None, link: str | None = None,
                  file_name: str | None = None, content: bytes | None = None, now: datetime | None = None) -> int:
    """Change one evidence item of the unit's editable form (its criterion, number, date, issuer, link; a new
    file replaces the old, else the old file stays): the old row is marked removed and the new one added in
    one transaction. Returns the new evidence id."""
    who, now, rnd, _, _, token = _open_form(store, None, round_id, unit, actor, now)
    old = storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id, unit)
    old = old.loc[old["evidence_id"] == int(evidence_id)]
    if old.empty:
        raise UnknownCriterion(f"evidence {int(evidence_id)}")
    keep = old.iloc[0].to_dict()
    row = _evidence_row(store, rnd, unit, indicator or keep["indicator"], who, now, doc_number, doc_date, issuer,
                        link, file_name, content, keep=keep)
    return storage.appraisal.replace_appraisal_evidence(store, round_id, unit, int(evidence_id), pd.DataFrame([row]),
                                                        who=who, at=now, guard=(round_id, unit, token))


def remove_evidence(store: Store, round_id: int, unit: str, evidence_id: int, actor: dict,
                    now: datetime | None = None) -> bool:
    """Remove one evidence item of the unit's editable form (recorded; the file stays)."""
    who, now, _, _, _, token = _open_form(store, None, round_id, unit, actor, now)
    return storage.appraisal.remove_appraisal_evidence(store, round_id, unit, evidence_id, who=who, at=now,
                                           guard=(round_id, unit, token))


def submit(store: Store, framework: Framework, round_id: int, unit: str, actor: dict,
           now: datetime | None = None) -> dict:
    """Submit the unit's form: every variable answered (a value or N/A) and accepted by its rule.
    Records late = now after the round's deadline (possible only after a reopen). Returns {late}."""
    who, now, rnd, view, values, token = _open_form(store, framework, round_id, unit, actor, now)
    crit = criteria_table(view)
    mine = unit_codes(view)   # the council's and automatic criteria are not the unit's to fill
    crit = crit.loc[crit["code"].isin(mine)]
    if len(values):
        values = values.loc[values["indicator"].isin(mine)]
    got = values.loc[values["value"].notna() | values["not_applicable"].astype(bool)] if len(values) else values
    have = set(zip(got["indicator"], got["variable"])) if len(got) else set()
    na_codes = set(got.loc[got["not_applicable"].astype(bool), "indicator"]) if len(got) else set()
    missing = [c for c, v in zip(crit["code"], crit["variable"]) if (c, v) not in have and c not in na_codes]
    if missing:
        raise FormIncomplete(", ".join(display_code(c) for c in dict.fromkeys(missing)))
    problems = value_problems(view, {(i, v): ("na" if bool(na) else x) for i, v, x, na in zip(
        got["indicator"], got["variable"], got["value"], got["not_applicable"])})
    if problems:
        raise ValueRefused(problems, view)
    inputs = pd.DataFrame({"entity": unit, "year": int(rnd["year"]), "indicator": got["indicator"].astype(str),
                           "variable": got["variable"].astype(str), "value": got["value"].astype("float64"),
                           "not_applicable": got["not_applicable"].astype(bool)})
    problems = [p for p in score(view, inputs, strict=False).problems if p.indicator in mine]
    if problems:
        raise BadValue(", ".join(dict.fromkeys(p.indicator for p in problems if p.indicator)) or "—")
    late = now > rnd["deadline"]
    status_event(store, round_id, unit, "submit", who, now, token, late=late,
           detail="late" if late else "")
    return {"late": late}


def withdraw(store: Store, framework: Framework, round_id: int, unit: str, actor: dict,
             now: datetime | None = None) -> None:
    """Take a submission back to correct it: only while submitted, before the unit's deadline, round open."""
    who = own_unit_actor(actor, unit)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    st_, _, token = editable_state(store, rnd, unit, now)
    if st_["last_event"] != "submit" or now > st_["deadline"]:
        raise FormLocked(st_["status"])
    status_event(store, round_id, unit, "withdraw", who, now, token)


def reply(store: Store, round_id: int, unit: str, code: str, text: str, actor: dict,
          now: datetime | None = None) -> None:
    """The unit's one reply to the council's decision on a criterion (where the round allows replies)."""
    who = own_unit_actor(actor, unit)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    check_open(rnd)
    check_unit_in_round(store, rnd, unit)
    if not rnd["allow_reply"]:
        raise ReplyNotAllowed("round")
    if not typed_text(text, code):
        raise TextRequired(code)
    token = storage.appraisal.appraisal_token(store, round_id, unit)
    decided = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id, unit)
    if code not in set(decided["indicator"]):
        raise ReplyNotAllowed("undecided")
    notes = storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id, unit)
    if len(notes.loc[(notes["kind"] == "reply") & (notes["indicator"] == code)]):
        raise ReplyNotAllowed("second")
    row = pd.DataFrame([{"unit": unit, "indicator": code, "kind": "reply", "text": text.strip(), "saved_by": who,
                         "saved_at": now}])
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_notes": row}, who=who, action="appraisal_reply",
                           target=f"{round_id}/{unit}/{code}", detail=text.strip(), guard=(round_id, unit, token),
                           refuse_if=("SELECT 1 FROM appraisal_notes WHERE round_id = ? AND unit = ? AND indicator = ? "
                                      "AND kind = 'reply'", [int(round_id), unit, code], ReplyNotAllowed("second")))
