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

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

import storage.accounts
import storage.appraisal
import storage.collection
import storage.units
from loaders.units import unit_group
from office.round_faults import (CouncilUndecided, 
    BadDeadline,
    CloseNotConfirmed,
    ReasonRequired,
    RoundClosed,
    RoundExists,
    RoundNotFound,
    RoundUndecided,
    UnknownUnit,
)
from office.round_rules import (
    VN,
    appraised_values,
    as_datetime,
    criteria_table,
    deadline_utc,
    decision_state,
    editor_name,
    gap_table,
    leaf_points,
    level_view,
    now_or_clock,
    progress_tables,
    scored_by,
    submitted_values,
    typed_text,
    unit_codes,
    unit_states,
    with_sources,
)
from scoring.framework import Framework, display_code
from storage.db import Store
from storage.schema import DATASETS


def round_head(store: Store, round_id: int) -> dict:
    rnd = storage.appraisal.appraisal_round(store, round_id)
    if rnd is None:
        raise RoundNotFound(str(round_id))
    rnd["deadline"] = as_datetime(rnd["deadline"])
    rnd["closed"] = as_datetime(rnd.get("closed_at")) is not None
    rnd["allow_reply"] = bool(rnd["allow_reply"])
    from office.sources import (
        fed_criteria,  # the criteria a registered source feeds are not the unit's to type
    )

    rnd["fed"] = fed_criteria(store, rnd["framework_id"])
    return rnd


def round_status(rnd: dict, now: datetime) -> str:
    if rnd["closed"]:
        return "closed"
    return "past_deadline" if now > rnd["deadline"] else "open"


def round_view(framework: Framework, rnd: dict) -> Framework:
    if framework.id != rnd["framework_id"]:
        raise ValueError(f"round {rnd['round_id']} is of framework {rnd['framework_id']}, not {framework.id}")
    return with_sources(level_view(framework, rnd["level"]), rnd.get("fed") or {})


def check_open(rnd: dict) -> None:
    if rnd["closed"]:
        raise RoundClosed(str(rnd["round_id"]))


def states_of(store: Store, rnd: dict, now: datetime, unit: str | None = None):
    rid = int(rnd["round_id"])
    units = [unit] if unit is not None else storage.appraisal.appraisal_round_units(store, rid)
    events = storage.appraisal.appraisal_latest(store, "appraisal_events", rid, unit)
    values = storage.appraisal.appraisal_latest(store, "appraisal_values", rid, unit)
    return unit_states(units, events, values, rnd["deadline"], rnd["closed"], now), values, events


def member_names(store: Store, province: str) -> dict[str, str]:
    acc = storage.accounts.accounts(store, province)
    return dict(zip(acc["account"], acc["display_name"]))


def rounds(store: Store, framework_id: str | None = None, province: str | None = None,
           now: datetime | None = None) -> pd.DataFrame:
    """Every round (newest first) with n_units and status 'open' | 'past_deadline' | 'closed'."""
    now = now_or_clock(now)
    df = storage.appraisal.appraisal_rounds(store, framework_id, province)
    if df.empty:
        return df.assign(status=pd.Series(dtype="str"))
    closed = df["closed_at"].notna()
    past = pd.to_datetime(df["deadline"]) < pd.Timestamp(now)
    return df.assign(status=np.where(closed, "closed", np.where(past, "past_deadline", "open")))


def round_info(store: Store, round_id: int, now: datetime | None = None) -> dict:
    """The round's row with `status`, `closed`, `units` (list) and `deadline_day` (the date in Vietnam)."""
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    rnd["status"] = round_status(rnd, now)
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


def open_round(store: Store, framework: Framework, province: str, level: str, year: int, deadline: date,
               label: str, units: list[str], allow_reply: bool, actor: dict, dataset: str = "own",
               now: datetime | None = None) -> int:
    """Open a round for `units` (canonical names of the province's units of `level`). Returns its id."""
    who = editor_name(actor)
    now = now_or_clock(now)
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
    who = editor_name(actor)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    check_open(rnd)
    if not typed_text(reason, "reason"):
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


def check_unit_in_round(store: Store, rnd: dict, unit: str) -> None:
    if unit not in set(storage.appraisal.appraisal_round_units(store, int(rnd["round_id"]))):
        raise UnknownUnit(unit)


def unit_status(store: Store, round_id: int, now: datetime | None = None, unit: str | None = None) -> pd.DataFrame:
    """Per unit: status ('not_started'|'draft'|'submitted'|'withdrawn'|'locked'), editable, submitted_at,
    late, deadline (the unit's), reopened. `unit`: that unit's row only (a unit's own page reads only its own
    history, not the whole round's)."""
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    return states_of(store, rnd, now, unit)[0]


def status_event(store, round_id, unit, event, who, now, token, reason=None, until=None, late=None, action=None,
           detail=""):
    ev = pd.DataFrame([{"unit": unit, "event": event, "actor": who, "at": now, "reason": reason, "until": until,
                        "late": late}])
    ev = ev.astype({"until": "datetime64[us]", "late": "boolean", "reason": "object"})
    storage.appraisal.appraisal_record(store, round_id, {"appraisal_events": ev}, who=who, action=action or f"appraisal_{event}",
                           target=f"{round_id}/{unit}", detail=detail or (reason or ""),
                           guard=(round_id, unit, token))


def reopen(store: Store, round_id: int, unit: str, until, reason: str, actor: dict,
           now: datetime | None = None) -> None:
    """An editor reopens one unit's form until `until` (a date: the end of that day in Vietnam; or a naive
    UTC datetime), with a reason; recorded as an event and in the change log."""
    who = editor_name(actor)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    check_open(rnd)
    check_unit_in_round(store, rnd, unit)
    if not typed_text(reason, "reason"):
        raise ReasonRequired("reopen")
    end = until if isinstance(until, datetime) else deadline_utc(until)
    if end <= now:
        raise BadDeadline(str(until))
    token = storage.appraisal.appraisal_token(store, round_id, unit)
    status_event(store, round_id, unit, "reopen", who, now, token, reason=reason.strip(), until=end,
           detail=f"until {end}: {reason.strip()}")


CLOSE_WORD = "KẾT THÚC"

def close_check(store: Store, framework: Framework, round_id: int, now: datetime | None = None) -> dict:
    """What closing now would leave behind: n_units, submitted (units with a submitted form, the last one counts:
    a unit that withdrew or was reopened keeps it), submitted_now (status submitted), not_submitted, undecided (criteria of
    submitted units without a valid decision), before_deadline, and needs_confirmation (closing before the
    deadline or with a unit not submitted needs the round's label or "KẾT THÚC" typed: `close_round(confirm=)`)."""
    now = now_or_clock(now)
    summary, _, _ = progress(store, framework, round_id, now=now)
    rnd = round_head(store, round_id)
    before = now <= rnd["deadline"]
    not_sub = int(summary.get("n_units", 0)) - int(summary.get("ever_submitted", 0))
    out = {"n_units": int(summary.get("n_units", 0)), "submitted": int(summary.get("ever_submitted", 0)),
           "submitted_now": int(summary.get("submitted", 0)),   # the progress's "Đã nộp": status submitted now
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


def round_frames(store: Store, framework: Framework, round_id: int, now: datetime):
    rnd = round_head(store, round_id)
    view = round_view(framework, rnd)
    states, values, _ = states_of(store, rnd, now)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id)
    return rnd, view, states, values, decisions


def progress(store: Store, framework: Framework, round_id: int, now: datetime | None = None):
    """(summary, per unit, per member): units, submitted, late, not submitted, withdrawn, locked, units
    with missing evidence, decided / to decide (stale decisions do not count), criteria unassigned."""
    now = now_or_clock(now)
    rnd, view, states, values, decisions = round_frames(store, framework, round_id, now)
    crit = criteria_table(view)
    dstate = decision_state(decisions, values)
    ev = storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id)
    asg = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    summary, per_unit, per_member = progress_tables(states, crit, values, ev, dstate, asg,
                                                    member_names(store, rnd["province"]))
    summary["status"] = round_status(rnd, now)
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
    """Per submitted unit × criterion: scored_by, self_points (its submitted values), appraised_points (the
    council's values; empty while undecided), difference, appraiser, reason, stale — points by
    scoring.engine.score over the level's framework view. The criteria the council scores itself (or an
    automatic source feeds) are rows once decided, with no self points and no difference (round_rules.gap_table)."""
    now = now_or_clock(now)
    rnd, view, states, values, decisions = round_frames(store, framework, round_id, now)
    sub, dstate, good = _self_and_appraised(store, round_id, view, states, decisions, values, rnd)
    year = int(rnd["year"])
    self_pts = leaf_points(view, sub, year)
    decided = dstate.loc[dstate["unit"].isin(set(sub["unit"]))] if len(dstate) and len(sub) else dstate
    appr = appraised_values(sub, decisions, decided)   # a stale decision still shows its value (flagged)
    appr_pts = leaf_points(view, appr, year)
    return gap_table(self_pts, appr_pts, dstate, member_names(store, rnd["province"]),
                     {leaf.code: leaf.name_vi for leaf in view.leaves},
                     {leaf.code: scored_by(view, leaf.code) for leaf in view.leaves})


def close_round(store: Store, framework: Framework, round_id: int, actor: dict, keep_self_for_undecided: bool = False,
                now: datetime | None = None, confirm: str | None = None) -> dict:
    """Close the round: the submitted self values (basis 'self') and the appraised values (basis 'appraised')
    of every unit that submitted become the unit group's figures for the round's year, in ONE transaction.
    Refused (round_undecided, detail = count) while submitted criteria are undecided (or their decision is
    stale), unless keep_self_for_undecided (the self value is used; the close event says how many).
    `confirm`: what the editor typed (the page always passes it): before the deadline or with units not
    submitted, anything but the round's label or "KẾT THÚC" is refused (CloseNotConfirmed); None (scripts,
    benchmarks) skips that check."""
    who = editor_name(actor)
    now = now_or_clock(now)
    if confirm is not None:
        check = close_check(store, framework, round_id, now=now)
        if not confirmation_ok(check, confirm):
            raise CloseNotConfirmed(f"{check['submitted']}/{check['n_units']}")
    rnd, view, states, values, decisions = round_frames(store, framework, round_id, now)
    check_open(rnd)
    token = storage.appraisal.appraisal_token(store, round_id, full=True)
    sub, dstate, good = _self_and_appraised(store, round_id, view, states, decisions, values, rnd)
    codes = [leaf.code for leaf in view.leaves]
    sub_units = sorted(set(sub["unit"])) if len(sub) else []
    decided = set(zip(good["unit"], good["code"])) if len(good) else set()
    undecided = sum(1 for u in sub_units for c in codes if (u, c) not in decided)
    # a criterion the council (or a source) scores has no self value to keep: it must be decided first
    # (units whose form is back with them — withdrawn or reopened — cannot be decided now: left as they are)
    decidable = set(states.loc[states["status"] == "submitted", "unit"]) if len(states) else set()
    theirs_open = sorted({c for u in sub_units if u in decidable for c in codes if (u, c) not in decided}
                         - unit_codes(view))
    if theirs_open:
        raise CouncilUndecided(", ".join(map(display_code, theirs_open)))
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
