"""The internal appraisal round (issue 12): units assess themselves, a council appraises, the office closes.

A ROUND is one framework, province, unit level and year, opened by an editor with a deadline (the end of
that day in Vietnam) for a list of units. Each unit fills in ITS OWN form — the raw variables of every
criterion that applies to its level (`Framework.for_level`) — with evidence and an explanation, saves drafts,
submits, may withdraw and correct until its deadline; after it the form locks (an editor may reopen one
unit until a new date, with a reason). Council members appraise the criteria assigned to them across all
units (a reason is required when they change a value); a unit may send one reply per decided criterion when
the round allows it. CLOSE writes the submitted self values (basis 'self') and the appraised values (basis
'appraised') into raw_inputs as two imports of the unit group, in one transaction.

Rules are enforced HERE (the pages only call these functions); every refusal is a StoreError subclass whose
`code` has a message `ui.faults.<code>` in locales/{vi,en}/ui.toml. Everything is stored in DuckDB through
`storage.db.Store` with who/when (history tables: the latest row per key holds).

`actor` is a dict {"name": display name, "role": "editor"|"unit"|"council", "account": login or None,
"unit": unit or None}. Time: every function takes `now=` (naive UTC); None reads `clock()`, which tests may
patch. The pure helpers (`deadline_utc`, `unit_states`, `criteria_table`, `missing_evidence`,
`progress_tables`, `gap_table`) work on DataFrames without a database.
"""
from __future__ import annotations
import storage.units
import storage.collection
import storage.appraisal
import storage.accounts

import hashlib
import io
import math
import re
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from loaders import limits
from office import access as editors
from storage.schema import DATASETS
from storage.errors import EditorRequired, StoreError, require_who
from storage.appraisal import RoundChanged
from storage.db import Store
from loaders.units import unit_group
from scoring.engine import score
from scoring.rules import item_variables
from scoring.framework import Framework

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROLES = ("unit", "council")
STATUS_EVENTS = ("submit", "withdraw", "reopen")
STATUSES = ("not_started", "draft", "submitted", "withdrawn", "locked")
EPS = 1e-9

# RoundChanged (storage.db) is imported here so pages catch every fault of a round from this module.


# -- faults --------------------------------------------------------------------------------------------
class NotYourUnit(StoreError, PermissionError):
    """A unit user acting on (or reading) another unit's form."""
    code = "not_your_unit"


class NotAssigned(StoreError, PermissionError):
    """A council member acting on a criterion not assigned to them (or a non-member deciding)."""
    code = "not_assigned"


class FormLocked(StoreError):
    """The unit's form cannot be changed now (submitted, past its deadline, or the round closed)."""
    code = "form_locked"


class ReasonRequired(StoreError):
    """A decision that changes the self-assessed value, a reopen or a deadline change without a reason."""
    code = "reason_required"


class ReplyNotAllowed(StoreError):
    """A reply where the round allows none, before a decision, a second one, or after close."""
    code = "reply_not_allowed"


class RoundUndecided(StoreError):
    """Close refused: submitted units still have undecided criteria (detail = how many)."""
    code = "round_undecided"


class RoundClosed(StoreError):
    """The round is closed: read-only for everyone."""
    code = "round_closed"


class BadEvidenceFile(StoreError):
    """An evidence file of a kind not accepted, too large, or empty."""
    code = "bad_evidence_file"


class EvidenceEmpty(StoreError):
    """Evidence with neither a file, a document number nor a link."""
    code = "evidence_empty"


class AccountExists(StoreError):
    """The login name asked for belongs to another unit or member."""
    code = "account_exists"


class BadLogin(StoreError):
    """A login name asked for that is not 3–40 lower-case ASCII letters, digits and hyphens."""
    code = "bad_login"


class UnknownUnit(StoreError):
    """A unit not in the province's unit list at that level, or not in the round."""
    code = "unknown_unit"


class UnknownAccount(StoreError):
    """An account that does not exist, is disabled, or is not a council member of the province."""
    code = "unknown_account"


class UnknownCriterion(StoreError):
    """A criterion code that is not a criterion of the round's level (or a variable not of its rule)."""
    code = "unknown_criterion"


class FormIncomplete(StoreError):
    """Submit refused: criteria without a value (detail = their codes)."""
    code = "form_incomplete"


class BadValue(StoreError):
    """A value that is not a non-negative number, an N/A where the criterion allows none, or one the
    scoring rule refuses (detail = the criteria codes, shown to the user)."""
    code = "bad_value"


class ValueRefused(BadValue):
    """Values the criterion's rule refuses (above the maximum, part above its whole, a fraction in a count,
    not 0/1): `problems` lists them (value_problems); detail = "code.variable ≤ limit; …"."""
    code = "value_refused"

    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__("; ".join(problem_detail(p) for p in problems))


class NotUnitScored(StoreError):
    """A unit's value for a criterion the council or an automatic source scores (detail = the codes)."""
    code = "not_unit_scored"


class EvidenceContent(BadEvidenceFile):
    """A file whose content is not what its name's extension says (detail = the file's extension)."""
    code = "evidence_content"


class NotSubmitted(StoreError):
    """A decision on a unit that has not submitted its form."""
    code = "not_submitted"


class BadDeadline(StoreError):
    """A deadline (or a reopen's end) that is already past."""
    code = "bad_deadline"


class RoundNotFound(StoreError):
    code = "round_not_found"


class RoundExists(StoreError):
    """A round of the same framework, province, level, year and dataset is still open (detail = its id)."""
    code = "round_exists"


class TextTooLong(StoreError):
    """A typed text longer than loaders.limits.MAX_APPRAISAL_TEXT characters (detail = which)."""
    code = "text_too_long"


class TextRequired(StoreError):
    """An empty reply."""
    code = "text_required"


class CloseNotConfirmed(StoreError):
    """Close refused: before the deadline or with units not submitted, the confirmation was not typed."""
    code = "close_not_confirmed"


FAULTS = (CloseNotConfirmed, NotYourUnit, NotAssigned, FormLocked, ReasonRequired, ReplyNotAllowed, RoundUndecided, RoundClosed,
          BadEvidenceFile, EvidenceEmpty, AccountExists, BadLogin, UnknownUnit, UnknownAccount, UnknownCriterion,
          FormIncomplete, BadValue, ValueRefused, NotUnitScored, EvidenceContent, NotSubmitted, BadDeadline, RoundNotFound, TextRequired, TextTooLong, RoundExists,
          RoundChanged)


# -- time ----------------------------------------------------------------------------------------------
def clock() -> datetime:
    """Now, naive UTC (patch in tests, or pass `now=` to each function)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _now(now: datetime | None) -> datetime:
    return clock() if now is None else pd.Timestamp(now).to_pydatetime()


def deadline_utc(day: date) -> datetime:
    """The end of `day` in Vietnam (23:59:59 Asia/Ho_Chi_Minh) as naive UTC: 16:59:59 of that day."""
    if isinstance(day, datetime):
        day = day.date()
    return datetime.combine(day, time(23, 59, 59), VN).astimezone(timezone.utc).replace(tzinfo=None)


def _ts(x) -> datetime | None:
    if x is None or x is pd.NaT or (not isinstance(x, (datetime, date)) and pd.isna(x)):
        return None
    return pd.Timestamp(x).to_pydatetime()


# -- actors --------------------------------------------------------------------------------------------
def _text(value, what: str) -> str | None:
    """A typed text, stripped (None when empty); longer than limits.MAX_APPRAISAL_TEXT is refused."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if len(text) > limits.MAX_APPRAISAL_TEXT:
        raise TextTooLong(what)
    return text or None


def _who(actor: dict | None) -> str:
    actor = actor or {}
    return require_who(actor.get("account") or actor.get("name"), "appraisal")


def _editor(actor: dict | None) -> str:
    if not actor or actor.get("role") != "editor":
        raise EditorRequired("appraisal")
    return require_who(actor.get("name"), "appraisal")


def _own_unit(actor: dict | None, unit: str) -> str:
    if not actor or actor.get("role") != "unit" or actor.get("unit") != unit:
        raise NotYourUnit(unit)
    return _who(actor)



def _non_negative(x, where: str) -> float:
    """A typed value as a finite number ≥ 0, else BadValue naming the criterion and variable."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise BadValue(where) from None
    if not math.isfinite(x) or x < 0:
        raise BadValue(where)
    return x

# -- pure helpers --------------------------------------------------------------------------------------
def level_view(framework: Framework, level: str) -> Framework:
    """The framework as the round's level sees it (criteria that apply to that level only)."""
    if level in framework.unit_levels and len(framework.unit_levels) > 1:
        return framework.for_level(level)
    return framework


def scored_by(framework: Framework, code: str) -> str:
    """Who enters a criterion's value: "unit" (the unit's own form, the council accepts or changes it),
    "council" (the council enters it in its queue: no self value) or "automatic" (a source feeds it) — the
    framework file's `scored_by`, or a registered automatic source (`with_sources`)."""
    return str(framework.nodes[code].scored_by or "unit")


def with_sources(view: Framework, fed: dict[str, str]) -> Framework:
    """The round's view with the criteria a registered automatic source feeds (office.sources.fed_criteria:
    code → source name) marked automatic: the unit does not type them, the form and the queue say where they
    come from."""
    import dataclasses

    changed = {code: dataclasses.replace(view.nodes[code], scored_by="automatic",
                                         scored_from_vi=view.nodes[code].scored_from_vi or f"nguồn “{name}” (trang Nguồn tự động)",
                                         scored_from_en=view.nodes[code].scored_from_en or f"automatic source “{name}”")
               for code, name in fed.items() if code in view.nodes and view.nodes[code].is_leaf
               and view.nodes[code].scored_by == "unit"}
    return dataclasses.replace(view, nodes={**view.nodes, **changed}) if changed else view


def needs_evidence(framework: Framework, code: str) -> bool:
    """Whether a criterion asks for evidence: the node's `evidence_required`, else the framework's
    `evidence_required`, else whether the seed names any evidence (node.evidence) for it."""
    node = framework.nodes[code]
    if node.evidence_required is not None:
        return bool(node.evidence_required)
    if "evidence_required" in framework.meta:
        return bool(framework.meta["evidence_required"])
    return bool((node.evidence or "").strip())


def criteria_table(view: Framework) -> pd.DataFrame:
    """One row per (criterion, variable) of a level view, in framework order: code, name_vi, name_en,
    max_points, rule (dict, for dashboard.formulas.words), rule_type, variable, meaning_vi, meaning_en,
    unit (the variable's unit of measure), na_allowed, evidence_text, needs_evidence, exemption, scored_by
    ("unit"|"council"|"automatic", scoring.framework), scored_from_vi/_en (an automatic source in words)."""
    rows = []
    for leaf in view.leaves:
        ev = needs_evidence(view, leaf.code)
        for v in leaf.variables:
            rows.append({"code": leaf.code, "name_vi": leaf.name_vi, "name_en": leaf.name_en,
                         "max_points": float(leaf.max_points), "rule": leaf.rule, "rule_type": leaf.rule_type,
                         "variable": v.name, "meaning_vi": v.meaning_vi, "meaning_en": v.meaning_en, "unit": v.unit,
                         "na_allowed": bool(leaf.not_applicable_allowed), "evidence_text": leaf.evidence,
                         "needs_evidence": ev, "exemption": leaf.exemption, "scored_by": leaf.scored_by,
                         "scored_from_vi": leaf.scored_from_vi, "scored_from_en": leaf.scored_from_en})
    return pd.DataFrame(rows)


# Units of measure that are not counts (a fraction is fine): points, money, thousands, shares.
NOT_COUNTS = {"", "điểm", "đồng", "tỷ đồng", "triệu đồng", "nghìn đồng", "nghìn người", "%", "0/1"}


def is_count(unit_of_measure: str | None) -> bool:
    """Whether a variable counts things (people, documents, meetings): whole numbers only."""
    return (unit_of_measure or "").strip() not in NOT_COUNTS


def value_problems(view: Framework, values: dict) -> list[dict]:
    """What a criterion's rule refuses in values {(code, variable): float | None | "na"} (missing and N/A are
    not problems here; completeness is submit's): one dict per problem with code, variable, kind and the
    numbers a sentence needs —
      negative            value < 0
      not_whole           a fraction in a count (variable's unit is a count)           value
      not_binary          a yes/no item other than 0 or 1                               value
      over_max            a direct criterion's points above its maximum                 value, limit
      part_exceeds_whole  a part above its whole (variable = the part's first variable) value, limit (the
                          whole), whole (its variables)
      zero_whole          a whole of 0 with a part given (variable = the whole's first)
    Criteria not in the view are ignored (the caller checks the codes)."""
    from scoring.rules import item_variables, ratio_pairs

    out: list[dict] = []

    def got(code, var):
        v = values.get((code, var))
        return None if v is None or v == "na" or (isinstance(v, float) and math.isnan(v)) else float(v)

    codes = {c for c, _ in values}
    for code in [leaf.code for leaf in view.leaves if leaf.code in codes]:
        leaf = view.nodes[code]
        rule = leaf.rule or {}
        items = set(item_variables(rule))
        for var in leaf.variables:
            v = got(code, var.name)
            if v is None:
                continue
            base = {"code": code, "variable": var.name, "value": v}
            if v < 0:
                out.append({**base, "kind": "negative"})
            elif var.unit == "0/1" or var.name in items:
                if v not in (0.0, 1.0):
                    out.append({**base, "kind": "not_binary"})
            elif is_count(var.unit) and abs(v - round(v)) > EPS:
                out.append({**base, "kind": "not_whole"})
        if rule.get("type") == "direct":
            v = got(code, rule["variable"])
            if v is not None and v > leaf.max_points + EPS:
                out.append({"code": code, "variable": rule["variable"], "value": v, "kind": "over_max",
                            "limit": float(leaf.max_points)})
        if rule.get("part_of_whole", True) is False:
            continue
        seen = set()
        for num, den in ratio_pairs(rule):
            nv, dv = [got(code, n) for n in num], [got(code, d) for d in den]
            if any(x is None for x in nv + dv) or (tuple(num), tuple(den)) in seen:
                continue
            seen.add((tuple(num), tuple(den)))
            n, d = sum(nv), sum(dv)
            if d <= 0 and n > 0:
                out.append({"code": code, "variable": den[0], "value": d, "kind": "zero_whole",
                            "whole": list(den), "part": list(num)})
            elif d > 0 and n > d * (1 + 1e-9):
                out.append({"code": code, "variable": num[0], "value": n, "kind": "part_exceeds_whole",
                            "limit": d, "whole": list(den), "part": list(num)})
    return out


def problem_detail(p: dict) -> str:
    """A problem in symbols (no words: the page words it from the catalog): "VI.5.points ≤ 10"."""
    where = f"{p['code']}.{p['variable']}"
    kind = p["kind"]
    if kind in ("over_max", "part_exceeds_whole"):
        return f"{where} ≤ {p['limit']:g}"
    if kind == "zero_whole":
        return f"{where} > 0"
    if kind == "not_binary":
        return f"{where} ∈ {{0, 1}}"
    if kind == "not_whole":
        return f"{where} ∈ ℕ"
    return f"{where} ≥ 0"


def unit_codes(view: Framework) -> set[str]:
    """The criteria the unit itself enters (scored_by "unit")."""
    return {leaf.code for leaf in view.leaves if leaf.scored_by == "unit"}


# File kinds by their first bytes (a file named .pdf must be a PDF): OLE2 for legacy Office, ZIP with the
# right part for OOXML and OpenDocument.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def content_matches(ext: str, content: bytes) -> bool:
    """Whether a file's bytes are what its extension says (PDF, JPEG, PNG, doc/xls, docx/xlsx, odt/ods)."""
    ext = (ext or "").lower()
    head = content[:1024]
    if ext == "pdf":
        return b"%PDF-" in head
    if ext in ("jpg", "jpeg"):
        return content[:3] == b"\xff\xd8\xff"
    if ext == "png":
        return content[:8] == b"\x89PNG\r\n\x1a\n"
    if ext in ("doc", "xls"):
        return content[:8] == OLE2
    if ext in ("docx", "xlsx", "odt", "ods"):
        if content[:4] != b"PK\x03\x04":
            return False
        import zipfile
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                names = set(z.namelist())
                if ext in ("odt", "ods"):
                    want = "application/vnd.oasis.opendocument." + ("text" if ext == "odt" else "spreadsheet")
                    return "mimetype" in names and z.read("mimetype")[:200].decode("ascii", "replace").strip() == want
                part = "word/document.xml" if ext == "docx" else "xl/workbook.xml"
                return "[Content_Types].xml" in names and part in names
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
            return False
    return False


def unit_states(units: list[str], events: pd.DataFrame, values: pd.DataFrame, round_deadline: datetime,
                closed: bool, now: datetime) -> pd.DataFrame:
    """Status of each unit from its events (unit, event, at, until, late, seq), whether it has values
    (unit column), the round's deadline, whether it is closed, and now.

    Columns: unit, status, editable, submitted (ever), submitted_at (last submit), submit_seq, late (of the
    last submit), deadline (the unit's: max(round deadline, until of its latest reopen)), reopened, last_event.
    """
    has_values = set(values["unit"]) if len(values) else set()
    ev = events.loc[events["unit"].notna() & events["event"].isin(STATUS_EVENTS)] if len(events) else events
    by_unit: dict[str, list] = {}
    for row in ev.sort_values("seq").itertuples(index=False) if len(ev) else ():
        by_unit.setdefault(row.unit, []).append(row)
    out = []
    for unit in units:
        rows = by_unit.get(unit, [])
        last = rows[-1] if rows else None
        reopens = [r for r in rows if r.event == "reopen"]
        submits = [r for r in rows if r.event == "submit"]
        deadline = round_deadline
        if reopens and _ts(reopens[-1].until) is not None:
            deadline = max(round_deadline, _ts(reopens[-1].until))
        last_event = last.event if last is not None else None
        editable = (not closed) and last_event != "submit" and now <= deadline
        if last_event == "submit":
            status = "submitted"
        elif not editable:
            status = "locked"
        elif last_event == "withdraw":
            status = "withdrawn"
        elif unit in has_values:
            status = "draft"
        else:
            status = "not_started"
        out.append({"unit": unit, "status": status, "editable": editable, "submitted": bool(submits),
                    "submitted_at": _ts(submits[-1].at) if submits else None,
                    "submit_seq": int(submits[-1].seq) if submits else None,
                    "late": bool(submits[-1].late) if submits else False, "deadline": deadline,
                    "reopened": bool(reopens), "last_event": last_event})
    return pd.DataFrame(out, columns=["unit", "status", "editable", "submitted", "submitted_at", "submit_seq",
                                      "late", "deadline", "reopened", "last_event"])


def submitted_values(values_history: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """The values each unit SUBMITTED: the latest per (unit, indicator, variable) saved before its last
    submit (a unit that withdrew keeps what it had submitted). Units never submitted have none."""
    seq = states.dropna(subset=["submit_seq"]).set_index("unit")["submit_seq"]
    if values_history.empty or seq.empty:
        return values_history.iloc[0:0]
    v = values_history.loc[values_history["unit"].isin(seq.index)]
    v = v.loc[v["seq"].to_numpy() < v["unit"].map(seq).to_numpy(dtype=float)]
    return (v.sort_values("seq").drop_duplicates(["unit", "indicator", "variable"], keep="last")
            .reset_index(drop=True))


def decision_state(decisions: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Per (unit, code) decided: decided_by, decided_at, reason, decision seq, stale (the unit's values of
    that criterion were saved after the decision)."""
    cols = ["unit", "code", "decided_by", "decided_at", "reason", "dseq", "stale"]
    if decisions.empty:
        return pd.DataFrame(columns=cols)
    d = (decisions.rename(columns={"indicator": "code"}).groupby(["unit", "code"], as_index=False)
         .agg(decided_by=("decided_by", "last"), decided_at=("decided_at", "max"), reason=("reason", "last"),
              dseq=("seq", "max")))
    if values.empty:
        return d.assign(stale=False)[cols]
    vmax = (values.rename(columns={"indicator": "code"}).groupby(["unit", "code"], as_index=False)
            .agg(vseq=("seq", "max")))
    d = d.merge(vmax, on=["unit", "code"], how="left")
    d["stale"] = d["vseq"].fillna(-1).to_numpy() > d["dseq"].to_numpy()
    return d[cols]


def missing_evidence(crit: pd.DataFrame, values: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """(unit, code) of criteria that need evidence, answered with a non-zero value (not N/A), with no
    evidence attached."""
    if values.empty:
        return pd.DataFrame(columns=["unit", "code"])
    need = set(crit.loc[crit["needs_evidence"], "code"])
    v = values.loc[values["indicator"].isin(need) & ~values["not_applicable"].astype(bool)
                   & (values["value"].fillna(0) != 0)]
    claimed = v[["unit", "indicator"]].drop_duplicates().rename(columns={"indicator": "code"})
    if not evidence.empty:
        have = evidence[["unit", "indicator"]].drop_duplicates().rename(columns={"indicator": "code"})
        claimed = claimed.merge(have, on=["unit", "code"], how="left", indicator=True)
        claimed = claimed.loc[claimed["_merge"] == "left_only", ["unit", "code"]]
    return claimed.reset_index(drop=True)


def progress_tables(states: pd.DataFrame, crit: pd.DataFrame, values: pd.DataFrame, evidence: pd.DataFrame,
                    dstate: pd.DataFrame, assignments: pd.DataFrame, names: dict[str, str] | None = None):
    """(summary, per unit, per member). To decide = every criterion of every unit that has submitted;
    decided = those with a decision that is not stale; a unit is appraised when all its are decided."""
    names = names or {}
    codes = list(dict.fromkeys(crit["code"]))
    n_crit = len(codes)
    n_vars = len(crit)
    filled = (values.groupby("unit").size() if len(values) else pd.Series(dtype="int64"))
    miss = missing_evidence(crit, values, evidence)
    miss_n = miss.groupby("unit").size() if len(miss) else pd.Series(dtype="int64")
    good = dstate.loc[~dstate["stale"].astype(bool)] if len(dstate) else dstate
    dec_n = good.groupby("unit").size() if len(good) else pd.Series(dtype="int64")
    stale_n = (dstate.loc[dstate["stale"].astype(bool)].groupby("unit").size() if len(dstate)
               else pd.Series(dtype="int64"))
    per_unit = states[["unit", "status", "submitted_at", "late", "deadline", "reopened"]].copy()
    per_unit["n_values"] = per_unit["unit"].map(filled).fillna(0).astype(int)
    per_unit["n_variables"] = n_vars
    per_unit["missing_evidence"] = per_unit["unit"].map(miss_n).fillna(0).astype(int)
    per_unit["to_decide"] = np.where(states["submitted"].to_numpy(dtype=bool), n_crit, 0)
    per_unit["decided"] = per_unit["unit"].map(dec_n).fillna(0).astype(int)
    per_unit["stale"] = per_unit["unit"].map(stale_n).fillna(0).astype(int)
    per_unit["appraised"] = (per_unit["to_decide"] > 0) & (per_unit["decided"] >= per_unit["to_decide"])
    submitted_units = set(states.loc[states["submitted"].astype(bool), "unit"])
    rows = []
    assigned = assignments.dropna(subset=["account"]) if len(assignments) else assignments
    for account, grp in (assigned.groupby("account") if len(assigned) else ()):
        mine = set(grp["code"])
        g = good.loc[good["code"].isin(mine) & good["unit"].isin(submitted_units)] if len(good) else good
        s = (dstate.loc[dstate["code"].isin(mine) & dstate["stale"].astype(bool)] if len(dstate) else dstate)
        rows.append({"account": account, "display_name": names.get(account, account), "n_criteria": len(mine),
                     "to_decide": len(mine) * len(submitted_units), "decided": len(g), "stale": len(s)})
    per_member = pd.DataFrame(rows, columns=["account", "display_name", "n_criteria", "to_decide", "decided",
                                             "stale"])
    summary = {"n_units": int(len(states)),
               "submitted": int((states["status"] == "submitted").sum()),
               "ever_submitted": len(submitted_units),
               "late": int(states["late"].astype(bool).sum()),
               "not_submitted": int((states["status"] != "submitted").sum()),
               "withdrawn": int((states["status"] == "withdrawn").sum()),
               "locked": int((states["status"] == "locked").sum()),
               "missing_evidence": int((per_unit["missing_evidence"] > 0).sum()),
               "appraised": int(per_unit["appraised"].sum()),
               "decided": int(per_unit["decided"].sum()), "to_decide": int(per_unit["to_decide"].sum()),
               "stale": int(per_unit["stale"].sum()),
               "unassigned_criteria": n_crit - len(set(assigned["code"]) if len(assigned) else set())}
    return summary, per_unit, per_member


def leaf_points(view: Framework, values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Points of each leaf per unit from long values (unit, indicator, variable, value, not_applicable):
    unit, code, points (NaN where a value is missing or refused by the rule)."""
    if values.empty:
        return pd.DataFrame(columns=["unit", "code", "points"])
    inputs = pd.DataFrame({"entity": values["unit"].astype(str), "year": int(year),
                           "indicator": values["indicator"].astype(str), "variable": values["variable"].astype(str),
                           "value": values["value"].astype("float64"),
                           "not_applicable": values["not_applicable"].astype(bool)})
    s = score(view, inputs, strict=False).scores
    leaves = {leaf.code for leaf in view.leaves}
    s = s.loc[s["code"].isin(leaves), ["entity", "code", "points"]].rename(columns={"entity": "unit"})
    return s.reset_index(drop=True)


def appraised_values(self_vals: pd.DataFrame, decisions: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """The self values with every decided (unit, criterion) replaced by the council's values."""
    cols = ["unit", "indicator", "variable", "value", "not_applicable"]
    if decided is None or decided.empty or self_vals.empty:
        return self_vals[cols].copy()
    keys = (decided[["unit", "code"]].rename(columns={"code": "indicator"}).drop_duplicates()
            .assign(_decided=True))
    keep = self_vals[cols].merge(keys, on=["unit", "indicator"], how="left")
    keep = keep.loc[keep["_decided"].isna(), cols]
    dec = decisions[cols].merge(keys, on=["unit", "indicator"], how="inner")[cols]
    return pd.concat([keep, dec], ignore_index=True)


def gap_table(self_points: pd.DataFrame, appraised_points: pd.DataFrame, dstate: pd.DataFrame,
              names: dict[str, str], crit_names: dict[str, str]) -> pd.DataFrame:
    """unit, code, name, self_points, appraised_points, difference (appraised − self), appraiser, reason,
    stale; only decided criteria have appraised points."""
    cols = ["unit", "code", "name", "self_points", "appraised_points", "difference", "appraiser", "reason", "stale"]
    if self_points.empty:
        return pd.DataFrame(columns=cols)
    g = self_points.rename(columns={"points": "self_points"})
    a = appraised_points.rename(columns={"points": "appraised_points"})
    d = dstate[["unit", "code", "decided_by", "reason", "stale"]] if len(dstate) else pd.DataFrame(
        columns=["unit", "code", "decided_by", "reason", "stale"])
    g = g.merge(d, on=["unit", "code"], how="left")
    g = g.merge(a, on=["unit", "code"], how="left")
    decided = g["decided_by"].notna()
    g["appraised_points"] = g["appraised_points"].where(decided)
    g["difference"] = g["appraised_points"] - g["self_points"]
    g["appraiser"] = g["decided_by"].map(lambda x: names.get(x, x) if isinstance(x, str) else None)
    g["name"] = g["code"].map(crit_names)
    g["stale"] = g["stale"].fillna(False).astype(bool)
    order = {c: i for i, c in enumerate(crit_names)}
    g = g.assign(_o=g["code"].map(order)).sort_values(["unit", "_o"]).drop(columns="_o")
    return g[cols].reset_index(drop=True)


# -- reading a round -------------------------------------------------------------------------------------
def _round(store: Store, round_id: int) -> dict:
    rnd = storage.appraisal.appraisal_round(store, round_id)
    if rnd is None:
        raise RoundNotFound(str(round_id))
    rnd["deadline"] = _ts(rnd["deadline"])
    rnd["closed"] = _ts(rnd.get("closed_at")) is not None
    rnd["allow_reply"] = bool(rnd["allow_reply"])
    from office.sources import fed_criteria  # the criteria a registered source feeds are not the unit's to type

    rnd["fed"] = fed_criteria(store, rnd["framework_id"])
    return rnd


def _status(rnd: dict, now: datetime) -> str:
    if rnd["closed"]:
        return "closed"
    return "past_deadline" if now > rnd["deadline"] else "open"


def _view(framework: Framework, rnd: dict) -> Framework:
    if framework.id != rnd["framework_id"]:
        raise ValueError(f"round {rnd['round_id']} is of framework {rnd['framework_id']}, not {framework.id}")
    return with_sources(level_view(framework, rnd["level"]), rnd.get("fed") or {})


def _open(rnd: dict) -> None:
    if rnd["closed"]:
        raise RoundClosed(str(rnd["round_id"]))


def _states(store: Store, rnd: dict, now: datetime, unit: str | None = None):
    rid = int(rnd["round_id"])
    units = [unit] if unit is not None else storage.appraisal.appraisal_round_units(store, rid)
    events = storage.appraisal.appraisal_latest(store, "appraisal_events", rid, unit)
    values = storage.appraisal.appraisal_latest(store, "appraisal_values", rid, unit)
    return unit_states(units, events, values, rnd["deadline"], rnd["closed"], now), values, events


def _names(store: Store, province: str) -> dict[str, str]:
    acc = storage.accounts.accounts(store, province)
    return dict(zip(acc["account"], acc["display_name"]))


def rounds(store: Store, framework_id: str | None = None, province: str | None = None,
           now: datetime | None = None) -> pd.DataFrame:
    """Every round (newest first) with n_units and status 'open' | 'past_deadline' | 'closed'."""
    now = _now(now)
    df = storage.appraisal.appraisal_rounds(store, framework_id, province)
    if df.empty:
        return df.assign(status=pd.Series(dtype="str"))
    closed = df["closed_at"].notna()
    past = pd.to_datetime(df["deadline"]) < pd.Timestamp(now)
    return df.assign(status=np.where(closed, "closed", np.where(past, "past_deadline", "open")))


def round_info(store: Store, round_id: int, now: datetime | None = None) -> dict:
    """The round's row with `status`, `closed`, `units` (list) and `deadline_day` (the date in Vietnam)."""
    now = _now(now)
    rnd = _round(store, round_id)
    rnd["status"] = _status(rnd, now)
    rnd["units"] = storage.appraisal.appraisal_round_units(store, round_id)
    rnd["deadline_day"] = (rnd["deadline"].replace(tzinfo=timezone.utc).astimezone(VN).date())
    return rnd


def rounds_for(store: Store, actor: dict, now: datetime | None = None) -> pd.DataFrame:
    """The rounds an actor takes part in: a unit user's rounds that list its unit, a council member's rounds
    of its province where it is assigned criteria, every round for an editor (newest first)."""
    df = rounds(store, now=now)
    role = (actor or {}).get("role")
    if role == "editor" or df.empty:
        return df
    keep = []
    for rid, province in zip(df["round_id"], df["province"]):
        if province != actor.get("province", province):
            keep.append(False)
        elif role == "unit":
            keep.append(actor.get("unit") in set(storage.appraisal.appraisal_round_units(store, int(rid))))
        elif role == "council":
            asg = storage.appraisal.appraisal_latest(store, "appraisal_assignments", int(rid))
            keep.append(bool((asg["account"] == actor.get("account")).any()))
        else:
            keep.append(False)
    return df.loc[keep].reset_index(drop=True)


def round_events(store: Store, round_id: int, unit: str | None = None) -> pd.DataFrame:
    """The round's events in order (open, submit, withdraw, reopen, deadline, close): who, when, why."""
    return storage.appraisal.appraisal_latest(store, "appraisal_events", round_id, unit)


def to_vietnam(ts) -> datetime | None:
    """A stored naive-UTC time as the wall-clock time in Vietnam (naive), for display."""
    t = _ts(ts)
    return None if t is None else t.replace(tzinfo=timezone.utc).astimezone(VN).replace(tzinfo=None)


# -- editor: open, deadline, assignments, accounts --------------------------------------------------------
def open_round(store: Store, framework: Framework, province: str, level: str, year: int, deadline: date,
               label: str, units: list[str], allow_reply: bool, actor: dict, dataset: str = "own",
               now: datetime | None = None) -> int:
    """Open a round for `units` (canonical names of the province's units of `level`). Returns its id."""
    who = _editor(actor)
    now = _now(now)
    if level not in framework.unit_levels:
        raise UnknownUnit(f"{framework.id} does not score level {level}")
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}")
    units = list(dict.fromkeys(u for u in units if u))
    known = set(storage.units.units(store, province, level)["name"])
    unknown = [u for u in units if u not in known]
    if not units or unknown:
        raise UnknownUnit(", ".join(unknown) or "—")
    end = deadline_utc(deadline)
    if end <= now:
        raise BadDeadline(str(deadline))
    existing = storage.appraisal.appraisal_rounds(store, framework.id, province)
    same = existing.loc[(existing["level"] == level) & (existing["year"] == int(year)) & existing["closed_at"].isna()
                        & (existing["dataset"] == dataset)]
    if len(same):
        raise RoundExists(str(int(same["round_id"].iloc[0])))
    head = {"framework_id": framework.id, "province": province, "level": level, "year": int(year),
            "deadline": end, "label": (label or "").strip(), "allow_reply": bool(allow_reply), "dataset": dataset}
    return storage.appraisal.create_appraisal_round(store, head, units, who=who, at=now)


def set_deadline(store: Store, round_id: int, deadline: date, actor: dict, reason: str,
                 now: datetime | None = None) -> None:
    """Move the round's deadline (to a day not yet past); recorded as a 'deadline' event with the reason."""
    who = _editor(actor)
    now = _now(now)
    rnd = _round(store, round_id)
    _open(rnd)
    if not _text(reason, "reason"):
        raise ReasonRequired("deadline")
    end = deadline_utc(deadline)
    if end <= now:
        raise BadDeadline(str(deadline))
    token = storage.appraisal.appraisal_token(store, round_id)
    ev = pd.DataFrame([{"unit": None, "event": "deadline", "actor": who, "at": now, "reason": reason.strip(),
                        "until": end, "late": None}])
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_events": ev}, who=who, action="appraisal_deadline",
                           target=str(round_id), detail=f"{rnd['deadline']} → {end}: {reason.strip()}",
                           guard=(round_id, None, token), deadline=end)


def assign(store: Store, round_id: int, mapping: dict[str, str | None], actor: dict,
           framework: Framework | None = None, now: datetime | None = None) -> int:
    """Assign criteria to council accounts ({code: account or None to unassign}); only changes are recorded.
    Returns how many changed."""
    who = _editor(actor)
    now = _now(now)
    rnd = _round(store, round_id)
    _open(rnd)
    if framework is None:
        from scoring.framework import load_framework
        framework = load_framework(rnd["framework_id"])
    view = _view(framework, rnd)
    leaves = {leaf.code for leaf in view.leaves}
    bad = [c for c in mapping if c not in leaves]
    if bad:
        raise UnknownCriterion(", ".join(bad))
    acc = storage.accounts.accounts(store, rnd["province"])
    council = set(acc.loc[(acc["role"] == "council") & acc["disabled_at"].isna(), "account"])
    wrong = [a for a in mapping.values() if a and a not in council]
    if wrong:
        raise UnknownAccount(", ".join(sorted(set(wrong))))
    cur = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    current = dict(zip(cur["code"], cur["account"].where(cur["account"].notna(), None)))
    changed = {c: (a or None) for c, a in mapping.items() if (a or None) != current.get(c)}
    if not changed:
        return 0
    rows = pd.DataFrame({"code": list(changed), "account": list(changed.values()), "assigned_by": who,
                         "assigned_at": now})
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_assignments": rows}, who=who, action="appraisal_assign",
                           target=str(round_id), detail="; ".join(f"{c} → {a or '—'}" for c, a in changed.items()))
    return len(changed)


def assignments(store: Store, round_id: int) -> pd.DataFrame:
    """code, account, display_name, assigned_by, assigned_at of the criteria currently assigned."""
    rnd = _round(store, round_id)
    cur = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    cur = cur.loc[cur["account"].notna()].reset_index(drop=True)
    names = _names(store, rnd["province"])
    return cur.assign(display_name=cur["account"].map(names))[
        ["code", "account", "display_name", "assigned_by", "assigned_at"]]


def issue_accounts(store: Store, province: str, rows: list[dict], actor: dict) -> pd.DataFrame:
    """Create (or reset the password of) unit and council accounts. rows: {"role": "unit", "unit": name}
    or {"role": "council", "display_name": full name}, optional "email" and "account" (login wanted).
    Returns display_name, account, password, role, unit — the only time the passwords exist in clear."""
    who = _editor(actor)
    known_units = set(storage.units.units(store, province)["name"])
    existing = storage.accounts.accounts(store, None)
    taken = dict(zip(existing["account"], zip(existing["role"], existing["province"], existing["unit"],
                                              existing["display_name"])))
    emails = {a: e for a, e in zip(existing["account"], existing["email"]) if isinstance(e, str) and e}
    out, batch = [], set()
    for row in rows:
        role = row.get("role")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        unit = row.get("unit") if role == "unit" else None
        if role == "unit" and unit not in known_units:
            raise UnknownUnit(str(unit))
        display = editors.clean_name(unit if role == "unit" else row.get("display_name") or "")
        same = [a for a, (r, p, u, d) in taken.items()
                if r == role and p == province and (u == unit if role == "unit" else d == display)]
        wanted = (row.get("account") or "").strip().lower()
        if wanted:
            if editors.slug(wanted) != wanted or len(wanted) < 3:
                raise BadLogin(wanted)
            if wanted in taken and wanted not in same or wanted in batch:
                raise AccountExists(wanted)
            login = wanted
        elif same:
            login = same[0]
            if login in batch:                      # the same unit or member twice in one list
                raise AccountExists(login)
        else:
            base = editors.slug(display) if role == "unit" else "hd-" + editors.slug(display)
            base = base or role
            login, n = base, 2
            while login in taken or login in batch:
                login, n = f"{base}-{n}", n + 1
        batch.add(login)
        password = editors.new_password()
        out.append({"display_name": display, "account": login, "password": password, "role": role, "unit": unit,
                    "email": (row.get("email") or "").strip() or emails.get(login)})   # a reissue keeps it
    result = pd.DataFrame(out, columns=["display_name", "account", "password", "role", "unit", "email"])
    if result.empty:
        return result
    frame = pd.DataFrame({"account": result["account"], "role": result["role"], "province": province,
                          "unit": result["unit"], "display_name": result["display_name"], "email": result["email"],
                          "pw_hash": [editors.hash_password(p) for p in result["password"]]})
    storage.accounts.save_accounts(store, frame, who=who)
    return result[["display_name", "account", "password", "role", "unit"]]


ACCOUNT_COLUMNS = ("STT", "Vai trò", "Vòng đánh giá", "Đơn vị/Thành viên", "Tên đăng nhập", "Mật khẩu",
                   "Địa chỉ đăng nhập", "Các bước đầu tiên")
FIRST_STEPS = {
    "unit": ("1. Mở địa chỉ đăng nhập; 2. Hộp «Đăng nhập» ở cuối thanh bên: nhập tên đăng nhập và mật khẩu; "
             "3. Trang «Phiếu tự đánh giá»: nhập số liệu từng nhóm, «Lưu nháp» thường xuyên, đính kèm minh chứng; "
             "4. «Nộp phiếu» trước hạn; 5. Giữ mật khẩu riêng, không chia sẻ."),
    "council": ("1. Mở địa chỉ đăng nhập; 2. Hộp «Đăng nhập» ở cuối thanh bên: nhập tên đăng nhập và mật khẩu; "
                "3. Trang «Thẩm định»: lọc theo tiêu chí hoặc đơn vị, «Chấp nhận như đơn vị nộp» hoặc sửa giá trị "
                "kèm lý do, «Lưu các quyết định»; 4. Giữ mật khẩu riêng, không chia sẻ."),
}


def accounts_workbook(issued: pd.DataFrame, round_label: str = "", address: str = "") -> bytes:
    """The one-time list of issued accounts as a printable .xlsx ("Danh sách tài khoản"): STT, role, round,
    unit or member, login, password, sign-in address and first steps in Vietnamese; landscape A4, fit to
    the page's width, the header row repeated on every printed page, wrapped text."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách tài khoản"
    ws.append(list(ACCOUNT_COLUMNS))
    roles = {"unit": "Đơn vị tham gia", "council": "Thành viên Hội đồng thẩm định"}
    for i, r in enumerate(issued.to_dict("records"), start=1):
        role = r.get("role") or "unit"
        ws.append([i, roles.get(role, str(role)), round_label or "", r.get("display_name"), r.get("account"),
                   r.get("password"), address or "", FIRST_STEPS.get(role, "")])
    for col, width in zip("ABCDEFGH", (5, 16, 24, 28, 22, 16, 28, 60)):
        ws.column_dimensions[col].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def accounts(store: Store, province: str) -> pd.DataFrame:
    """The province's accounts (no hashes)."""
    return storage.accounts.accounts(store, province)


def disable_account(store: Store, account: str, actor: dict) -> bool:
    return storage.accounts.disable_account(store, account, who=_editor(actor))


def _actor_of(row: dict) -> dict:
    return {"name": row["display_name"], "role": row["role"], "account": row["account"],
            "unit": row["unit"] if row["role"] == "unit" else None, "province": row["province"]}


def authenticate(store: Store, login: str, password: str) -> dict | None:
    """The actor of an active account whose password matches, else None. A wrong or unknown login costs
    one argon2 verification like a right one (constant time, as office.access.verify)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    row = storage.accounts.account_row(store, account=(login or "").strip().lower()) if (login or "").strip() else None
    usable = (row is not None and isinstance(row.get("pw_hash"), str) and row["pw_hash"].startswith("$argon2")
              and _ts(row.get("disabled_at")) is None)
    try:
        editors._hasher.verify(row["pw_hash"] if usable else editors._dummy(), password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return _actor_of(row) if usable else None


def actor_for_email(store: Store, email: str | None) -> dict | None:
    """The actor of the active account with this e-mail (an OIDC user), else None."""
    if not (email or "").strip():
        return None
    row = storage.accounts.account_row(store, email=email.strip())
    return _actor_of(row) if row is not None and _ts(row.get("disabled_at")) is None else None


# -- the unit's form ------------------------------------------------------------------------------------
def _unit_in_round(store: Store, rnd: dict, unit: str) -> None:
    if unit not in set(storage.appraisal.appraisal_round_units(store, int(rnd["round_id"]))):
        raise UnknownUnit(unit)


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
    now = _now(now)
    rnd = _round(store, round_id)
    if not actor or (actor.get("role") != "editor" and not (actor.get("role") == "unit"
                                                            and actor.get("unit") == unit)):
        raise NotYourUnit(unit)
    _unit_in_round(store, rnd, unit)
    view = _view(framework, rnd)
    states, values, _ = _states(store, rnd, now, unit)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id, unit)
    f = _form_frame(criteria_table(view), values, storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id, unit),
                    storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id, unit), decisions,
                    decision_state(decisions, values), _names(store, rnd["province"]))
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


def unit_status(store: Store, round_id: int, now: datetime | None = None) -> pd.DataFrame:
    """Per unit: status ('not_started'|'draft'|'submitted'|'withdrawn'|'locked'), editable, submitted_at,
    late, deadline (the unit's), reopened."""
    now = _now(now)
    rnd = _round(store, round_id)
    return _states(store, rnd, now)[0]


def _editable_state(store: Store, rnd: dict, unit: str, now: datetime):
    _open(rnd)
    _unit_in_round(store, rnd, unit)
    token = storage.appraisal.appraisal_token(store, int(rnd["round_id"]), unit)
    states, values, events = _states(store, rnd, now, unit)
    st_ = states.iloc[0]
    return st_, values, token


def _check_values(view: Framework, values: pd.DataFrame) -> pd.DataFrame:
    """Clean long values (indicator, variable, value, not_applicable) against the level view."""
    vars_of = {leaf.code: set(leaf.variable_names()) for leaf in view.leaves}
    out = []
    for r in values.itertuples(index=False):
        code, var = str(r.indicator), str(r.variable)
        if code not in vars_of or var not in vars_of[code]:
            raise UnknownCriterion(f"{code}.{var}")
        na = bool(getattr(r, "not_applicable", False)) if not pd.isna(getattr(r, "not_applicable", False)) else False
        val = getattr(r, "value", None)
        val = None if val is None or (isinstance(val, float) and math.isnan(val)) or pd.isna(val) else val
        if na and not view.nodes[code].not_applicable_allowed:
            raise BadValue(f"{code}: N/A")
        if val is not None:
            val = _non_negative(val, f"{code}.{var}")
        out.append({"indicator": code, "variable": var, "value": None if na else val, "not_applicable": na})
    return pd.DataFrame(out, columns=["indicator", "variable", "value", "not_applicable"])


def _same(a, a_na, b, b_na) -> bool:
    a_na, b_na = bool(a_na), bool(b_na)
    if a_na or b_na:
        return a_na == b_na
    a_nan = a is None or pd.isna(a)
    b_nan = b is None or pd.isna(b)
    if a_nan or b_nan:
        return a_nan == b_nan
    return abs(float(a) - float(b)) <= EPS


def _open_form(store: Store, framework: Framework | None, round_id: int, unit: str, actor: dict, now):
    """The checks before a unit changes its form: its own unit, the form editable now (else FormLocked).
    Returns (who, now, round, level view (None without a framework), current values, guard token)."""
    who = _own_unit(actor, unit)
    now = _now(now)
    rnd = _round(store, round_id)
    view = _view(framework, rnd) if framework is not None else None
    state, values, token = _editable_state(store, rnd, unit, now)
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
    keep = [not ((r.indicator, r.variable) in cur and _same(r.value, r.not_applicable,
                                                            *cur[(r.indicator, r.variable)]))
            and not ((r.indicator, r.variable) not in cur and r.value is None and not r.not_applicable)
            for r in clean.itertuples(index=False)]
    changed = clean.loc[keep]
    mine = unit_codes(view)
    theirs = [c for c, v, na in zip(changed["indicator"], changed["value"], changed["not_applicable"])
              if c not in mine and (v is not None and not pd.isna(v) or bool(na))]
    if theirs:
        raise NotUnitScored(", ".join(dict.fromkeys(theirs)))
    if len(changed):  # the rule's limits on the form as it would be (stored values with these laid over)
        merged = {k: ("na" if bool(na) else v) for k, (v, na) in cur.items()}
        merged.update({(r.indicator, r.variable): ("na" if r.not_applicable else r.value)
                       for r in changed.itertuples(index=False)})
        touched = set(changed["indicator"])
        problems = [p for p in value_problems(view, merged) if p["code"] in touched]
        if problems:
            raise ValueRefused(problems)
    leaves = {leaf.code for leaf in view.leaves}
    notes = storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id, unit)
    old_expl = dict(zip(notes.loc[notes["kind"] == "explanation", "indicator"],
                        notes.loc[notes["kind"] == "explanation", "text"])) if len(notes) else {}
    expl_rows = []
    for code, text in (explanations or {}).items():
        if code not in leaves:
            raise UnknownCriterion(code)
        text = _text(text, code)
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
    doc_number, issuer, link = (_text(x, what) for x, what in ((doc_number, "doc_number"), (issuer, "issuer"),
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
        shown = _text(re.split(r"[\\/]", file_name)[-1], "file_name") if file_name else None
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


def _event(store, round_id, unit, event, who, now, token, reason=None, until=None, late=None, action=None,
           detail=""):
    ev = pd.DataFrame([{"unit": unit, "event": event, "actor": who, "at": now, "reason": reason, "until": until,
                        "late": late}])
    ev = ev.astype({"until": "datetime64[us]", "late": "boolean", "reason": "object"})
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_events": ev}, who=who, action=action or f"appraisal_{event}",
                           target=f"{round_id}/{unit}", detail=detail or (reason or ""),
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
        raise FormIncomplete(", ".join(dict.fromkeys(missing)))
    problems = value_problems(view, {(i, v): ("na" if bool(na) else x) for i, v, x, na in zip(
        got["indicator"], got["variable"], got["value"], got["not_applicable"])})
    if problems:
        raise ValueRefused(problems)
    inputs = pd.DataFrame({"entity": unit, "year": int(rnd["year"]), "indicator": got["indicator"].astype(str),
                           "variable": got["variable"].astype(str), "value": got["value"].astype("float64"),
                           "not_applicable": got["not_applicable"].astype(bool)})
    problems = [p for p in score(view, inputs, strict=False).problems if p.indicator in mine]
    if problems:
        raise BadValue(", ".join(dict.fromkeys(p.indicator for p in problems if p.indicator)) or "—")
    late = now > rnd["deadline"]
    _event(store, round_id, unit, "submit", who, now, token, late=late,
           detail="late" if late else "")
    return {"late": late}


def withdraw(store: Store, framework: Framework, round_id: int, unit: str, actor: dict,
             now: datetime | None = None) -> None:
    """Take a submission back to correct it: only while submitted, before the unit's deadline, round open."""
    who = _own_unit(actor, unit)
    now = _now(now)
    rnd = _round(store, round_id)
    st_, _, token = _editable_state(store, rnd, unit, now)
    if st_["last_event"] != "submit" or now > st_["deadline"]:
        raise FormLocked(st_["status"])
    _event(store, round_id, unit, "withdraw", who, now, token)


def reopen(store: Store, round_id: int, unit: str, until, reason: str, actor: dict,
           now: datetime | None = None) -> None:
    """An editor reopens one unit's form until `until` (a date: the end of that day in Vietnam; or a naive
    UTC datetime), with a reason; recorded as an event and in the change log."""
    who = _editor(actor)
    now = _now(now)
    rnd = _round(store, round_id)
    _open(rnd)
    _unit_in_round(store, rnd, unit)
    if not _text(reason, "reason"):
        raise ReasonRequired("reopen")
    end = until if isinstance(until, datetime) else deadline_utc(until)
    if end <= now:
        raise BadDeadline(str(until))
    token = storage.appraisal.appraisal_token(store, round_id, unit)
    _event(store, round_id, unit, "reopen", who, now, token, reason=reason.strip(), until=end,
           detail=f"until {end}: {reason.strip()}")


# -- the council ----------------------------------------------------------------------------------------
def _my_codes(store: Store, round_id: int, actor: dict) -> set[str] | None:
    """The codes assigned to a council member; None for an editor (all)."""
    if actor and actor.get("role") == "editor":
        _editor(actor)
        return None
    if not actor or actor.get("role") != "council" or not actor.get("account"):
        raise NotAssigned("")
    cur = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    return set(cur.loc[cur["account"] == actor["account"], "code"])


def _as_submitted(store: Store, round_id: int, states: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The self values the council appraises: for a unit that submitted and then withdrew or was reopened,
    what it SUBMITTED (what close uses), not its unsubmitted draft; for the others, its latest values."""
    redo = set(states.loc[states["submitted"].astype(bool) & (states["last_event"] != "submit"), "unit"])
    if not redo:
        return values
    hist = storage.appraisal.appraisal_history(store, "appraisal_values", round_id)
    sub = submitted_values(hist.loc[hist["unit"].isin(redo)], states.loc[states["unit"].isin(redo)])
    return pd.concat([values.loc[~values["unit"].isin(redo)], sub[values.columns]], ignore_index=True)


def queue(store: Store, framework: Framework, round_id: int, actor: dict, now: datetime | None = None) -> pd.DataFrame:
    """What a council member appraises (an editor: everything): per unit × assigned criterion × variable —
    unit, status, can_decide, code, name_vi, max_points, rule, variable, meaning_vi, unit_of_measure,
    na_allowed, self_value, self_na, n_evidence, explanation, decided_value, decided_na, reason, decided_by,
    decided_at, stale, reply, appraiser."""
    now = _now(now)
    rnd = _round(store, round_id)
    view = _view(framework, rnd)
    mine = _my_codes(store, round_id, actor)
    crit = criteria_table(view)
    if mine is not None:
        crit = crit.loc[crit["code"].isin(mine)]
    states, values, _ = _states(store, rnd, now)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id)
    ev = storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id)
    notes = storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id)
    dstate = decision_state(decisions, values)           # stale: the unit changed it after the decision
    values = _as_submitted(store, round_id, states, values)
    names = _names(store, rnd["province"])
    asg = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    asg_map = dict(zip(asg["code"], asg["account"]))
    crit = crit.rename(columns={"unit": "unit_of_measure"})
    q = states[["unit", "status", "submitted", "last_event"]].merge(crit, how="cross")
    v = values[["unit", "indicator", "variable", "value", "not_applicable"]].rename(
        columns={"indicator": "code", "value": "self_value", "not_applicable": "self_na"})
    q = q.merge(v, on=["unit", "code", "variable"], how="left")
    d = decisions[["unit", "indicator", "variable", "value", "not_applicable"]].rename(
        columns={"indicator": "code", "value": "decided_value", "not_applicable": "decided_na"})
    q = q.merge(d, on=["unit", "code", "variable"], how="left")
    q = q.merge(dstate, on=["unit", "code"], how="left")
    nev = (ev.groupby(["unit", "indicator"]).size().rename("n_evidence").reset_index()
           .rename(columns={"indicator": "code"}))
    q = q.merge(nev, on=["unit", "code"], how="left")
    for kind in ("explanation", "reply"):
        n = notes.loc[notes["kind"] == kind, ["unit", "indicator", "text"]].rename(
            columns={"indicator": "code", "text": kind})
        q = q.merge(n.drop_duplicates(["unit", "code"], keep="last"), on=["unit", "code"], how="left")
    q["n_evidence"] = q["n_evidence"].fillna(0).astype(int)
    q["self_na"] = q["self_na"].fillna(False).astype(bool)
    q["stale"] = q["stale"].fillna(False).astype(bool)
    q["self_value"] = q["self_value"].astype("float64")
    q["decided_value"] = q["decided_value"].astype("float64")
    past = now > rnd["deadline"]
    q["can_decide"] = (not rnd["closed"]) & q["submitted"].astype(bool) & ((q["last_event"] == "submit") | past)
    q["appraiser"] = q["code"].map(lambda c: names.get(asg_map.get(c), asg_map.get(c)) if asg_map.get(c) else None)
    q["decided_by_name"] = q["decided_by"].map(lambda x: names.get(x, x) if isinstance(x, str) else None)
    by = {c: scored_by(view, c) for c in dict.fromkeys(crit["code"])}
    q["scored_by"] = q["code"].map(by)
    yes_no = {(leaf.code, v) for leaf in view.leaves if leaf.rule for v in item_variables(leaf.rule)}
    q["yes_no"] = [(c, v) in yes_no for c, v in zip(q["code"], q["variable"])]
    return q.drop(columns=["submitted", "last_event", "dseq"]).reset_index(drop=True)


def decide(store: Store, framework: Framework, round_id: int, unit: str, code: str, values: dict[str, float | None],
           reason: str, actor: dict, now: datetime | None = None) -> None:
    """A council member's appraised value of one criterion of one unit: a number per variable of the rule,
    or None for every variable = N/A (where the criterion allows it). A reason is required when the values
    differ from the unit's own."""
    decide_many(store, framework, round_id, [(unit, code, values, reason)], actor, now=now)


def decide_many(store: Store, framework: Framework, round_id: int,
                decisions: list[tuple[str, str, dict[str, float | None], str]], actor: dict,
                now: datetime | None = None) -> int:
    """Several decisions (unit, code, values, reason) of one council member, checked like `decide` and
    written in one transaction (all or none). Returns how many."""
    now = _now(now)
    rnd = _round(store, round_id)
    if not actor or actor.get("role") != "council":
        raise NotAssigned(decisions[0][1] if decisions else "")
    who = _who(actor)
    _open(rnd)
    if not decisions:
        return 0
    view = _view(framework, rnd)
    mine = _my_codes(store, round_id, actor)
    units = {d[0] for d in decisions}
    in_round = set(storage.appraisal.appraisal_round_units(store, round_id))
    for u in units:
        if u not in in_round:
            raise UnknownUnit(u)
    one = next(iter(units)) if len(units) == 1 else None
    token = storage.appraisal.appraisal_token(store, round_id, one)
    states, current, _ = _states(store, rnd, now, one)
    current = _as_submitted(store, round_id, states, current)
    states = states.set_index("unit")
    cur = {(r.unit, r.indicator, r.variable): (r.value, r.not_applicable) for r in current.itertuples(index=False)}
    past = now > rnd["deadline"]
    rows = []
    for unit, code, values, reason in decisions:
        leaf = view.nodes.get(code)
        if leaf is None or not leaf.is_leaf:
            raise UnknownCriterion(code)
        if code not in mine:
            raise NotAssigned(code)
        st_ = states.loc[unit]
        if not st_["submitted"] or not (st_["last_event"] == "submit" or past):
            raise NotSubmitted(unit)
        names = leaf.variable_names()
        if set(values) != set(names):
            raise UnknownCriterion(f"{code}: {', '.join(sorted(map(str, values)))}")
        all_na = all(values[v] is None for v in names)
        if any(values[v] is None for v in names) and not (all_na and leaf.not_applicable_allowed):
            raise BadValue(f"{code}: N/A")
        mine_rows = []
        for v in names:
            x = values[v]
            if x is not None:
                x = _non_negative(x, f"{code}.{v}")
            mine_rows.append({"unit": unit, "indicator": code, "variable": v, "value": x, "not_applicable": x is None})
        differs = any((unit, code, r["variable"]) not in cur
                      or not _same(r["value"], r["not_applicable"], *cur[(unit, code, r["variable"])])
                      for r in mine_rows)
        reason = _text(reason, code)
        if differs and not reason and scored_by(view, code) == "unit":  # the council's own criteria: no self value
            raise ReasonRequired(code)
        rows += [dict(r, reason=reason) for r in mine_rows]
    frame = pd.DataFrame(rows).assign(decided_by=who, decided_at=now)
    frame["value"] = frame["value"].astype("float64")
    if len(decisions) == 1:
        unit, code = decisions[0][:2]
        target = f"{round_id}/{unit}/{code}"
        detail = "; ".join(f"{r['variable']}={'N/A' if r['not_applicable'] else r['value']}" for r in rows)
        detail += f" — {rows[0]['reason']}" if rows[0]["reason"] else ""
    else:
        target, detail = str(round_id), f"{len(decisions)} decisions, {len(units)} units"
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_decisions": frame}, who=who, action="appraisal_decide",
                           target=target, detail=detail, guard=(round_id, one, token))
    return len(decisions)


def accept_as_submitted(store: Store, framework: Framework, round_id: int, pairs, actor: dict,
                        now: datetime | None = None) -> int:
    """Accept the unit's submitted values of many (unit, criterion) pairs as the council's decisions, in ONE
    transaction (decide_many: all or none; no reason is needed, the values do not change). Pairs of criteria
    the council scores itself (no self value) or without a complete submitted value are skipped. Returns how
    many decisions were written."""
    now = _now(now)
    wanted = list(dict.fromkeys((str(u), str(c)) for u, c in pairs))
    if not wanted:
        return 0
    q = queue(store, framework, round_id, actor, now=now)
    by_pair = {k: g for k, g in q.groupby(["unit", "code"], sort=False)}
    decisions = []
    for unit, code in wanted:
        g = by_pair.get((unit, code))
        if g is None:
            raise NotAssigned(code) if code not in set(q["code"]) else UnknownUnit(unit)
        if not g["can_decide"].any():
            raise NotSubmitted(unit)
        if (g["scored_by"] != "unit").any():
            continue
        if g["self_na"].all():
            values = {v: None for v in g["variable"]}
        elif g["self_value"].notna().all():
            values = {v: float(x) for v, x in zip(g["variable"], g["self_value"])}
        else:
            continue
        decisions.append((unit, code, values, ""))
    return decide_many(store, framework, round_id, decisions, actor, now=now) if decisions else 0


def group_assignment(framework: Framework, level: str, groups: list[str], account: str | None) -> dict[str, str | None]:
    """{code: account} for every criterion of the level under the main groups `groups` (e.g. "I", "II"):
    all criteria of group I to one member in one step (assign() records only what changes)."""
    view = level_view(framework, level)
    out = {}
    for main in view.main_indices():
        if main.code not in set(groups):
            continue
        for leaf in view.leaves:
            if view.ancestor_at_level(leaf.code, main.level) == main.code:
                out[leaf.code] = account
    return out


CLOSE_WORD = "KẾT THÚC"


def close_check(store: Store, framework: Framework, round_id: int, now: datetime | None = None) -> dict:
    """What closing now would leave behind: n_units, submitted, not_submitted, undecided (criteria of
    submitted units without a valid decision), before_deadline, and needs_confirmation (closing before the
    deadline or with a unit not submitted needs the round's label or "KẾT THÚC" typed: `close_round(confirm=)`)."""
    now = _now(now)
    summary, _, _ = progress(store, framework, round_id, now=now)
    rnd = _round(store, round_id)
    before = now <= rnd["deadline"]
    not_sub = int(summary.get("n_units", 0)) - int(summary.get("ever_submitted", 0))
    out = {"n_units": int(summary.get("n_units", 0)), "submitted": int(summary.get("ever_submitted", 0)),
           "not_submitted": not_sub, "undecided": max(int(summary.get("to_decide", 0)) - int(summary.get("decided", 0)), 0),
           "before_deadline": bool(before), "label": (rnd.get("label") or "").strip()}
    out["needs_confirmation"] = bool(before or not_sub > 0)
    return out


def confirmation_ok(check: dict, typed: str | None) -> bool:
    """Whether the typed confirmation closes the round: nothing needed, or the round's label or "KẾT THÚC"
    (case and spaces ignored)."""
    if not check.get("needs_confirmation"):
        return True
    said = " ".join((typed or "").split()).casefold()
    return bool(said) and said in {CLOSE_WORD.casefold(), " ".join(check.get("label", "").split()).casefold()} - {""}


def reply(store: Store, round_id: int, unit: str, code: str, text: str, actor: dict,
          now: datetime | None = None) -> None:
    """The unit's one reply to the council's decision on a criterion (where the round allows replies)."""
    who = _own_unit(actor, unit)
    now = _now(now)
    rnd = _round(store, round_id)
    _open(rnd)
    _unit_in_round(store, rnd, unit)
    if not rnd["allow_reply"]:
        raise ReplyNotAllowed("round")
    if not _text(text, code):
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


# -- progress, gap, close ---------------------------------------------------------------------------------
def _round_frames(store: Store, framework: Framework, round_id: int, now: datetime):
    rnd = _round(store, round_id)
    view = _view(framework, rnd)
    states, values, _ = _states(store, rnd, now)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id)
    return rnd, view, states, values, decisions


def progress(store: Store, framework: Framework, round_id: int, now: datetime | None = None):
    """(summary, per unit, per member): units, submitted, late, not submitted, withdrawn, locked, units
    with missing evidence, decided / to decide (stale decisions do not count), criteria unassigned."""
    now = _now(now)
    rnd, view, states, values, decisions = _round_frames(store, framework, round_id, now)
    crit = criteria_table(view)
    dstate = decision_state(decisions, values)
    ev = storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id)
    asg = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    summary, per_unit, per_member = progress_tables(states, crit, values, ev, dstate, asg,
                                                    _names(store, rnd["province"]))
    summary["status"] = _status(rnd, now)
    return summary, per_unit, per_member


def _self_and_appraised(store, round_id, view, states, decisions, values, rnd):
    history = storage.appraisal.appraisal_history(store, "appraisal_values", round_id)
    sub = submitted_values(history, states)
    dstate = decision_state(decisions, values)
    good = dstate.loc[~dstate["stale"].astype(bool)] if len(dstate) else dstate
    sub_units = set(sub["unit"]) if len(sub) else set()
    good = good.loc[good["unit"].isin(sub_units)] if len(good) else good
    return sub, dstate, good


def gap(store: Store, framework: Framework, round_id: int, now: datetime | None = None) -> pd.DataFrame:
    """Per submitted unit × criterion: self_points (its submitted values), appraised_points (the council's
    values; empty while undecided), difference, appraiser, reason, stale — points by scoring.engine.score over
    the level's framework view."""
    now = _now(now)
    rnd, view, states, values, decisions = _round_frames(store, framework, round_id, now)
    sub, dstate, good = _self_and_appraised(store, round_id, view, states, decisions, values, rnd)
    year = int(rnd["year"])
    self_pts = leaf_points(view, sub, year)
    decided = dstate.loc[dstate["unit"].isin(set(sub["unit"]))] if len(dstate) and len(sub) else dstate
    appr = appraised_values(sub, decisions, decided)   # a stale decision still shows its value (flagged)
    appr_pts = leaf_points(view, appr, year)
    return gap_table(self_pts, appr_pts, dstate, _names(store, rnd["province"]),
                     {leaf.code: leaf.name_vi for leaf in view.leaves})


def close_round(store: Store, framework: Framework, round_id: int, actor: dict, keep_self_for_undecided: bool = False,
                now: datetime | None = None, confirm: str | None = None) -> dict:
    """Close the round: the submitted self values (basis 'self') and the appraised values (basis 'appraised')
    of every unit that submitted become the unit group's figures for the round's year, in ONE transaction.
    Refused (round_undecided, detail = count) while submitted criteria are undecided (or their decision is
    stale), unless keep_self_for_undecided (the self value is used; the close event says how many).
    `confirm`: what the editor typed (the page always passes it): before the deadline or with units not
    submitted, anything but the round's label or "KẾT THÚC" is refused (CloseNotConfirmed); None (scripts,
    benchmarks) skips that check."""
    who = _editor(actor)
    now = _now(now)
    if confirm is not None:
        check = close_check(store, framework, round_id, now=now)
        if not confirmation_ok(check, confirm):
            raise CloseNotConfirmed(f"{check['submitted']}/{check['n_units']}")
    rnd, view, states, values, decisions = _round_frames(store, framework, round_id, now)
    _open(rnd)
    token = storage.appraisal.appraisal_token(store, round_id, full=True)
    sub, dstate, good = _self_and_appraised(store, round_id, view, states, decisions, values, rnd)
    codes = [leaf.code for leaf in view.leaves]
    sub_units = sorted(set(sub["unit"])) if len(sub) else []
    decided = set(zip(good["unit"], good["code"])) if len(good) else set()
    undecided = sum(1 for u in sub_units for c in codes if (u, c) not in decided)
    if undecided and not keep_self_for_undecided:
        raise RoundUndecided(str(undecided))
    appr = appraised_values(sub, decisions, good)
    # The criteria the council or a source scores have no self value: the self basis takes the appraised one
    # (so both bases are complete and their totals comparable).
    theirs = appr.loc[~appr["indicator"].isin(unit_codes(view))] if len(appr) else appr
    if len(theirs):
        cols = ["unit", "indicator", "variable", "value", "not_applicable"]
        sub = pd.concat([sub[cols], theirs[cols]], ignore_index=True)
    year = int(rnd["year"])

    def long(df):
        return pd.DataFrame({"entity": df["unit"].astype(str), "year": year, "indicator": df["indicator"].astype(str),
                             "variable": df["variable"].astype(str), "value": df["value"].astype("float64"),
                             "not_applicable": df["not_applicable"].astype(bool)})

    label = rnd.get("label") or ""
    file_name = f"Vòng đánh giá số {round_id}" + (f" — {label}" if label else "")
    reason = (f"{undecided} tiêu chí chưa thẩm định: giữ giá trị tự đánh giá" if undecided else None)
    self_id, appr_id = storage.appraisal.close_appraisal_round(store, 
        round_id, long(sub), long(appr), entity_group=unit_group(rnd["level"], rnd["province"]),
        framework_id=rnd["framework_id"], flag="sample" if rnd["dataset"] == "sample" else "self_assessed",
        file_name=file_name, who=who, at=now, reason=reason, guard=(round_id, None, token, True))
    units = storage.appraisal.appraisal_round_units(store, round_id)
    return {"self_import_id": self_id, "appraised_import_id": appr_id,
            "units_without_figures": [u for u in units if u not in set(sub_units)], "kept_self": undecided}
