"""Recorded two-year plans keep their effort model: plans made before the one plan engine hold effort in points
(cost per point × points gained), the current ones difficulty × relative rise. The reader names the model of
every record (older records without it by their method and ratio cap) and the page labels the old ones."""
import duckdb
import pandas as pd
import pytest

import storage.plans
from dashboard import plan_text
from dashboard.i18n import t
from storage.db import Store

OLD_COLUMNS = ("plan_id, framework_id, entity, year1, year2, target1, target2, max_gain, method, cost, optimal, "
               "reachable, actions_json, note, created_by, created_at")


def record(c, pid, method, max_gain, cost, model=None):
    """A recorded plan as written by the page of its time (`model` None: before the column existed)."""
    cols, vals = OLD_COLUMNS, [pid, "fw", "Gia Lai", 2025, 2026, 20, 15, max_gain, method, cost, True, True,
                               "[]", None, "Kiểm thử", pd.Timestamp("2026-12-02 07:00")]
    if model is not None:
        cols, vals = cols + ", effort_model", vals + [model]
    c.execute(f"INSERT INTO office_plans ({cols}) VALUES ({', '.join('?' * len(vals))})", vals)


@pytest.mark.parametrize("method, max_gain, model, expected", [
    ("final_first", 30.0, None, "points"),     # the old planner's methods
    ("year_by_year", 30.0, None, "points"),
    ("none", 30.0, None, "points"),            # unreachable under the old page: its ratio cap was given
    ("joint", None, None, "relative"),         # the one plan engine, recorded before the column
    ("none", None, None, "relative"),
    ("joint", None, "relative", "relative"),   # a named model is kept as named
    ("final_first", 30.0, "relative", "relative"),
])
def test_recorded_plan_names_its_effort_model(tmp_path, method, max_gain, model, expected):
    store = Store(tmp_path / "p.duckdb")
    try:
        store.write(lambda c: record(c, 1, method, max_gain, 12.5, model))
        got = storage.plans.office_plans(store, "fw", "Gia Lai")
        assert got["effort_model"].tolist() == [expected]
    finally:
        store.close()


def test_a_database_from_before_the_column_is_upgraded(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE office_plans (
        plan_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, year1 INTEGER,
        year2 INTEGER, target1 INTEGER, target2 INTEGER, max_gain DOUBLE, method VARCHAR, cost DOUBLE,
        optimal BOOLEAN, reachable BOOLEAN, actions_json VARCHAR, note VARCHAR, created_by VARCHAR,
        created_at TIMESTAMP NOT NULL)""")
    record(con, 7, "final_first", 30.0, 40.0)
    con.close()
    store = Store(path)
    try:
        got = storage.plans.office_plans(store, "fw", "Gia Lai")
        assert got[["plan_id", "cost", "effort_model"]].values.tolist() == [[7, 40.0, "points"]]
        assert "effort_model" in store.query("SELECT * FROM office_plans").columns
    finally:
        store.close()


def test_a_new_plan_is_recorded_with_its_model(tmp_path):
    from scoring.plan2y import TwoYearPlan

    plan = TwoYearPlan("Gia Lai", 2025, 2026, 20, 15, True, "joint", 1.5, 1.5, True, 600.0, 650.0, 700.0, 18, 14,
                       pd.DataFrame(columns=["year"]))
    store = Store(tmp_path / "n.duckdb")
    try:
        storage.plans.save_office_plan(store, "fw", plan, None, "Kiểm thử")
        store.write(lambda c: record(c, 999, "final_first", 30.0, 40.0))
        got = storage.plans.office_plans(store, "fw", "Gia Lai")
        assert got["effort_model"].tolist() == ["points", "relative"]   # newest id first
        stored = store.query("SELECT effort_model FROM office_plans WHERE method = 'joint'")
        assert stored["effort_model"].tolist() == ["relative"]   # written, not derived
    finally:
        store.close()


@pytest.mark.parametrize("cost, model, lang, expected", [
    (1.234, "relative", "vi", "1,23"),
    (12.5, "points", "vi", "mô hình cũ (điểm): 12,50"),
    (12.5, "points", "en", "old model (points): 12.50"),
    (float("nan"), "relative", "vi", "—"),
])
def test_effort_text_labels_the_old_model(cost, model, lang, expected):
    assert plan_text.effort_text(cost, model, lang, lambda key, **kw: t(key, lang, **kw)) == expected

