"""Queries of the province's plan targets (KH 18) and their imported progress."""
from __future__ import annotations

import pandas as pd

import storage.inputs
from storage import db
from storage.errors import require_who
from storage.schema import (
    ACTIVE,
)


def record_target_progress(store, data: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
                           imported_by: str | None = None, flag_source: str | None = None) -> int:
    """Write progress values of plan targets (target_id, year, value[, row]) and their log row at once."""
    who = require_who(imported_by, "record_target_progress")
    storage.inputs.check_flag(flag, flag_source)

    def write(c) -> int:
        import_id = storage.inputs.log_import(c, file_name, sha256, len(data), "plan_targets", None, flag, who,
                                     "targets", None, flag_source)
        rows = pd.DataFrame({"import_id": import_id, "target_id": data["target_id"].astype(str),
                             "year": data["year"].astype("int64"), "value": data["value"].astype("float64"),
                             "flag": flag, "source_row": data.get("row", pd.Series(0, index=data.index))})
        db.insert_frame(c, "target_progress", rows)
        return import_id

    return store.write(write)


def plan_targets(store, province: str | None = None) -> pd.DataFrame:
    """Plan targets with their plan's province; one province's only when `province` is given."""
    return store.query("""
        SELECT t.*, p.province FROM plan_targets t LEFT JOIN plans p USING (plan_id)
        WHERE ? IS NULL OR p.province = ? ORDER BY t.plan_id, t.target_id""", [province, province])


def plans(store) -> pd.DataFrame:
    return store.query("SELECT * FROM plans ORDER BY plan_id")


def target_progress(store) -> pd.DataFrame:
    """The latest imported value of each (target, year)."""
    return store.query(f"""
        SELECT target_id, year, value, flag, import_id FROM target_progress WHERE {ACTIVE}
        QUALIFY row_number() OVER (PARTITION BY target_id, year ORDER BY import_id DESC) = 1
        ORDER BY target_id, year""")
