"""The appraisal round's pure rules (no database): time (the deadline is the end of a day in Vietnam), who an actor
is, typed texts and values, the criteria a level sees, each unit's state, the council's decisions, progress
and the self-vs-appraised gap — functions over DataFrames, tested table-driven."""
from __future__ import annotations

import math
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from loaders import limits
from scoring.engine import score
from scoring.framework import Framework
from storage.errors import EditorRequired, require_who

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROLES = ("unit", "council")
STATUS_EVENTS = ("submit", "withdraw", "reopen")
STATUSES = ("not_started", "draft", "submitted", "withdrawn", "locked")
EPS = 1e-9

from office.round_faults import BadValue, NotYourUnit, TextTooLong


def clock() -> datetime:
    """Now, naive UTC (patch in tests, or pass `now=` to each function)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def now_or_clock(now: datetime | None) -> datetime:
    return clock() if now is None else pd.Timestamp(now).to_pydatetime()


def deadline_utc(day: date) -> datetime:
    """The end of `day` in Vietnam (23:59:59 Asia/Ho_Chi_Minh) as naive UTC: 16:59:59 of that day."""
    if isinstance(day, datetime):
        day = day.date()
    return datetime.combine(day, time(23, 59, 59), VN).astimezone(timezone.utc).replace(tzinfo=None)


def as_datetime(x) -> datetime | None:
    if x is None or x is pd.NaT or (not isinstance(x, (datetime, date)) and pd.isna(x)):
        return None
    return pd.Timestamp(x).to_pydatetime()


def typed_text(value, what: str) -> str | None:
    """A typed text, stripped (None when empty); longer than limits.MAX_APPRAISAL_TEXT is refused."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if len(text) > limits.MAX_APPRAISAL_TEXT:
        raise TextTooLong(what)
    return text or None


def actor_name(actor: dict | None) -> str:
    actor = actor or {}
    return require_who(actor.get("account") or actor.get("name"), "appraisal")


def editor_name(actor: dict | None) -> str:
    if not actor or actor.get("role") != "editor":
        raise EditorRequired("appraisal")
    return require_who(actor.get("name"), "appraisal")


def own_unit_actor(actor: dict | None, unit: str) -> str:
    if not actor or actor.get("role") != "unit" or actor.get("unit") != unit:
        raise NotYourUnit(unit)
    return actor_name(actor)


def non_negative(x, where: str) -> float:
    """A typed value as a finite number ≥ 0, else BadValue naming the criterion and variable."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise BadValue(where) from None
    if not math.isfinite(x) or x < 0:
        raise BadValue(where)
    return x


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


def unit_codes(view: Framework) -> set[str]:
    """The criteria the unit itself enters (scored_by "unit")."""
    return {leaf.code for leaf in view.leaves if leaf.scored_by == "unit"}


def unit_states(units: list[str], events: pd.DataFrame, values: pd.DataFrame, round_deadline: datetime,
                closed: bool, now: datetime) -> pd.DataFrame:
    """Status of each unit from its events (unit, event, at, until, late, seq), whether it has values
    (unit column), the round's deadline, whether it is closed, and now.

    Columns: unit, status, editable, submitted (ever), submitted_at (last submit), submit_seq, late (of the
    last submit), deadline (the unit's: max(round deadline, until of its latest reopen)), reopened, last_event.
    """
    has_values = set(values["unit"].unique()) if len(values) else set()  # unique(): no Python object per row
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
        if reopens and as_datetime(reopens[-1].until) is not None:
            deadline = max(round_deadline, as_datetime(reopens[-1].until))
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
                    "submitted_at": as_datetime(submits[-1].at) if submits else None,
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
              names: dict[str, str], crit_names: dict[str, str],
              scored_by: dict[str, str] | None = None) -> pd.DataFrame:
    """unit, code, name, scored_by, self_points, appraised_points, difference (appraised − self), appraiser,
    reason, stale. The rows: every unit-scored criterion with a self row, and every criterion the council
    decided that has appraised points (a unit that submitted) — the council's own criteria ("council",
    "automatic": the unit enters nothing) included, since their points count in the appraised total. Those
    rows have no self points and no difference (not a loss). Only decided criteria have appraised points.
    `scored_by`: code → "unit"|"council"|"automatic" (the round's view); a code missing from it is "unit"
    when the unit has a self row for it, else "council"."""
    cols = ["unit", "code", "name", "scored_by", "self_points", "appraised_points", "difference", "appraiser",
            "reason", "stale"]
    scored_by = dict(scored_by or {})
    s = self_points[["unit", "code", "points"]].rename(columns={"points": "self_points"})
    a = appraised_points[["unit", "code", "points"]].rename(columns={"points": "appraised_points"})
    d = dstate[["unit", "code", "decided_by", "reason", "stale"]] if len(dstate) else pd.DataFrame(
        columns=["unit", "code", "decided_by", "reason", "stale"])
    self_codes = set(s["code"])
    by = {c: scored_by.get(c, "unit" if c in self_codes else "council")
          for c in set(s["code"]) | set(d["code"]) | set(a["code"])}
    own = s.loc[s["code"].map(by) == "unit", ["unit", "code"]]
    decided = d[["unit", "code"]].merge(a[["unit", "code"]], on=["unit", "code"], how="inner")
    keys = pd.concat([own, decided], ignore_index=True).drop_duplicates()
    if keys.empty:
        return pd.DataFrame(columns=cols)
    g = keys.merge(s, on=["unit", "code"], how="left").merge(d, on=["unit", "code"], how="left")
    g = g.merge(a, on=["unit", "code"], how="left")
    g["scored_by"] = g["code"].map(by)
    is_unit = g["scored_by"] == "unit"
    g["self_points"] = g["self_points"].astype(float).where(is_unit)   # the unit entered nothing there
    g["appraised_points"] = g["appraised_points"].astype(float).where(g["decided_by"].notna())
    g["difference"] = (g["appraised_points"] - g["self_points"]).where(is_unit)
    g["appraiser"] = g["decided_by"].map(lambda x: names.get(x, x) if isinstance(x, str) else None)
    g["name"] = g["code"].map(crit_names)
    g["stale"] = g["stale"].fillna(False).astype(bool)
    order = {c: i for i, c in enumerate(crit_names)}
    g = g.assign(_o=g["code"].map(order)).sort_values(["unit", "_o"], kind="stable").drop(columns="_o")
    return g[cols].reset_index(drop=True)


def to_vietnam(ts) -> datetime | None:
    """A stored naive-UTC time as the wall-clock time in Vietnam (naive), for display."""
    t = as_datetime(ts)
    return None if t is None else t.replace(tzinfo=timezone.utc).astimezone(VN).replace(tzinfo=None)


def same_value(a, a_na, b, b_na) -> bool:
    a_na, b_na = bool(a_na), bool(b_na)
    if a_na or b_na:
        return a_na == b_na
    a_nan = a is None or pd.isna(a)
    b_nan = b is None or pd.isna(b)
    if a_nan or b_nan:
        return a_nan == b_nan
    return abs(float(a) - float(b)) <= EPS
