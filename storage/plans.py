"""Queries of saved what-if scenarios, the planner's effort weights and the office's recorded plans."""
from __future__ import annotations

import pandas as pd

from storage import db
from storage.errors import require_who
from storage.schema import OFFICE_PLAN_EFFORT_MODEL


def save_scenario(store, name: str, framework_id: str, entity: str, year: int, changes_json: str,
                  note: str = "", *, who: str | None = None) -> None:
    """Save (or replace, by name) a scenario; who and when are kept on it and in the change log."""
    who = require_who(who, "save_scenario")

    def write(c):
        c.execute("INSERT OR REPLACE INTO scenarios (name, framework_id, entity, year, created_at, changes_json, "
                  "note, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [name, framework_id, entity, year, db.now_utc(), changes_json, note, who])
        db.log_change(c, who, "save_scenario", f"{framework_id}/{name}", changes_json)

    store.write(write)


def scenarios(store, framework_id: str) -> pd.DataFrame:
    return store.query("SELECT * FROM scenarios WHERE framework_id = ? ORDER BY created_at DESC", [framework_id])


def delete_scenario(store, framework_id: str, name: str, *, who: str | None = None) -> None:
    """Delete a scenario; its content stays in the change log."""
    who = require_who(who, "delete_scenario")

    def write(c):
        old = c.execute("SELECT changes_json FROM scenarios WHERE framework_id = ? AND name = ?",
                        [framework_id, name]).fetchone()
        c.execute("DELETE FROM scenarios WHERE framework_id = ? AND name = ?", [framework_id, name])
        db.log_change(c, who, "delete_scenario", f"{framework_id}/{name}", old[0] if old else "")

    store.write(write)


def effort_weights(store, framework_id: str) -> pd.DataFrame:
    return store.query("SELECT code, cost_per_point, saved_by, saved_at FROM effort_weights WHERE framework_id = ?",
                      [framework_id])


def save_effort_weights(store, framework_id: str, weights: dict[str, float], *, who: str | None = None) -> None:
    """Replace a framework's effort weights (by criterion code); who and when kept, old ones logged."""
    import json

    who = require_who(who, "save_effort_weights")
    now = db.now_utc()

    def write(c):
        old = c.execute("SELECT code, cost_per_point FROM effort_weights WHERE framework_id = ?",
                        [framework_id]).fetchall()
        c.execute("DELETE FROM effort_weights WHERE framework_id = ? AND code NOT IN (SELECT unnest(?))",
                  [framework_id, [str(k) for k in weights]])
        for code, w in weights.items():
            c.execute("INSERT OR REPLACE INTO effort_weights (framework_id, code, cost_per_point, saved_by, saved_at) "
                      "VALUES (?, ?, ?, ?, ?)", [framework_id, code, float(w), who, now])
        db.log_change(c, who, "save_effort_weights", framework_id,
                         json.dumps({"before": dict(old), "after": {k: float(v) for k, v in weights.items()}},
                                    ensure_ascii=False))

    store.write(write)


def save_office_plan(store, framework_id: str, plan, max_gain: float | None, created_by: str | None = None,
                     note: str | None = None) -> int:
    """Record a two-year plan (scoring.plan2y.TwoYearPlan) as made, with its effort model (`plan.effort`)."""
    def write(c) -> int:
        pid = int(c.execute("SELECT nextval('collection_seq')").fetchone()[0])
        c.execute("INSERT INTO office_plans (plan_id, framework_id, entity, year1, year2, target1, target2, "
                  "max_gain, method, cost, optimal, reachable, actions_json, note, created_by, created_at, "
                  "effort_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [pid, framework_id, plan.entity, plan.year1, plan.year2, plan.target1, plan.target2,
                   max_gain, plan.method, None if plan.cost != plan.cost else float(plan.cost),
                   bool(plan.optimal), bool(plan.reachable), plan.actions.to_json(orient="records"),
                   note, created_by or None, db.now_utc(), str(getattr(plan, "effort", "relative"))])
        return pid

    return store.write(write)


def office_plans(store, framework_id: str, entity: str) -> pd.DataFrame:
    """The recorded plans of an entity, newest first; `effort_model` "relative" or "points" (older records
    without it: schema.OFFICE_PLAN_EFFORT_MODEL) — efforts of two models are not comparable."""
    return store.query(f"SELECT * REPLACE ({OFFICE_PLAN_EFFORT_MODEL} AS effort_model) FROM office_plans "
                       "WHERE framework_id = ? AND entity = ? ORDER BY plan_id DESC", [framework_id, entity])
