"""The council's work in an appraisal round: which member decides which criteria (by group or selection, history
kept), the queue of assigned criteria across units, and decisions (one, or many in one transaction: accept as
submitted), a reason required only where a value changes."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

import storage.accounts
import storage.appraisal
import storage.collection
import storage.units
from office.appraisal import (
    check_open,
    member_names,
    round_head,
    round_view,
    states_of,
)
from office.round_faults import (
    BadValue,
    NotAssigned,
    NotSubmitted,
    ReasonRequired,
    UnknownAccount,
    UnknownCriterion,
    UnknownUnit,
)
from office.round_rules import (
    actor_name,
    criteria_table,
    decision_state,
    editor_name,
    level_view,
    non_negative,
    now_or_clock,
    same_value,
    scored_by,
    submitted_values,
    typed_text,
)
from scoring.framework import Framework, criterion_words, variable_words
from scoring.rules import item_variables
from storage.db import Store


def assign(store: Store, round_id: int, mapping: dict[str, str | None], actor: dict,
           framework: Framework | None = None, now: datetime | None = None) -> int:
    """Assign criteria to council accounts ({code: account or None to unassign}); only changes are recorded.
    Returns how many changed."""
    who = editor_name(actor)
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    check_open(rnd)
    if framework is None:
        from scoring.framework import load_framework
        framework = load_framework(rnd["framework_id"])
    view = round_view(framework, rnd)
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
    rnd = round_head(store, round_id)
    cur = storage.appraisal.appraisal_latest(store, "appraisal_assignments", round_id)
    cur = cur.loc[cur["account"].notna()].reset_index(drop=True)
    names = member_names(store, rnd["province"])
    return cur.assign(display_name=cur["account"].map(names))[
        ["code", "account", "display_name", "assigned_by", "assigned_at"]]


def _my_codes(store: Store, round_id: int, actor: dict) -> set[str] | None:
    """The codes assigned to a council member; None for an editor (all)."""
    if actor and actor.get("role") == "editor":
        editor_name(actor)
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
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    view = round_view(framework, rnd)
    mine = _my_codes(store, round_id, actor)
    crit = criteria_table(view)
    if mine is not None:
        crit = crit.loc[crit["code"].isin(mine)]
    states, values, _ = states_of(store, rnd, now)
    decisions = storage.appraisal.appraisal_latest(store, "appraisal_decisions", round_id)
    ev = storage.appraisal.appraisal_latest(store, "appraisal_evidence", round_id)
    notes = storage.appraisal.appraisal_latest(store, "appraisal_notes", round_id)
    dstate = decision_state(decisions, values)           # stale: the unit changed it after the decision
    values = _as_submitted(store, round_id, states, values)
    names = member_names(store, rnd["province"])
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
    now = now_or_clock(now)
    rnd = round_head(store, round_id)
    if not actor or actor.get("role") != "council":
        raise NotAssigned(decisions[0][1] if decisions else "")
    who = actor_name(actor)
    check_open(rnd)
    if not decisions:
        return 0
    view = round_view(framework, rnd)
    mine = _my_codes(store, round_id, actor)
    units = {d[0] for d in decisions}
    in_round = set(storage.appraisal.appraisal_round_units(store, round_id))
    for u in units:
        if u not in in_round:
            raise UnknownUnit(u)
    one = next(iter(units)) if len(units) == 1 else None
    token = storage.appraisal.appraisal_token(store, round_id, one)
    states, current, _ = states_of(store, rnd, now, one)
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
            raise UnknownCriterion(f"{criterion_words(view, code)}: {', '.join(sorted(map(str, values)))}")
        all_na = all(values[v] is None for v in names)
        if any(values[v] is None for v in names) and not (all_na and leaf.not_applicable_allowed):
            raise BadValue(f"{criterion_words(view, code)}: không áp dụng")
        mine_rows = []
        for v in names:
            x = values[v]
            if x is not None:
                x = non_negative(x, variable_words(view, code, v))
            mine_rows.append({"unit": unit, "indicator": code, "variable": v, "value": x, "not_applicable": x is None})
        differs = any((unit, code, r["variable"]) not in cur
                      or not same_value(r["value"], r["not_applicable"], *cur[(unit, code, r["variable"])])
                      for r in mine_rows)
        reason = typed_text(reason, code)
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
    now = now_or_clock(now)
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
