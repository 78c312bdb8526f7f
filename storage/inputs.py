"""Queries of the province's and units' figures: frameworks, entities, published results, imports (write, log,
undo, diff), the current inputs of a group and dataset."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

import storage.inputs
import storage.units
from storage import db
from storage.errors import require_who
from storage.schema import (
    ACTIVE,
    BASES,
    CURRENT_INPUTS_SQL,
    DATASET_WHERE,
    DATASETS,
    IMPORT_COLUMNS,
    VALUE_FLAGS,
)


def text_column(series: pd.Series) -> pa.DictionaryArray:
    """A text column as an Arrow dictionary array: each distinct value made text once (as `astype(str)`
    would), a missing value stays missing."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(texts, pa.string()))


def constant_text(value: str | None, n: int) -> pa.DictionaryArray:
    """One text (or missing) repeated n times, as an Arrow dictionary array."""
    if value is None:
        return pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()), pa.array([], pa.string()))
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([str(value)], pa.string()))


def register_framework(store, framework, cur=None) -> None:
    def write(c):
        tree = framework.describe()
        nodes = pd.DataFrame({
            "framework_id": framework.id,
            "code": tree["code"], "parent": tree["parent"], "level": tree["level"],
            "name_vi": tree["name"], "name_en": tree["name_en"], "max_points": tree["max_points"],
            "rule_type": tree["rule"], "lead_agency": tree["lead_agency"],
        })
        head = pd.DataFrame([{
            "framework_id": framework.id, "version": framework.version, "name_vi": framework.name_vi,
            "name_en": framework.name_en, "file": Path(framework.path).name, "max_points": framework.max_points,
            "registered_at": datetime.now(timezone.utc).replace(tzinfo=None),
        }])
        db.replace_table(c, "frameworks", head, "WHERE framework_id = ?", [framework.id])
        db.replace_table(c, "framework_nodes", nodes, "WHERE framework_id = ?", [framework.id])

    if cur is not None:
        write(cur)
    else:
        store.write(write)


def entities(store, group: str = "34") -> pd.DataFrame:
    """The entities ranked together: the 34 or 63 provinces, or a province's units of one level
    (group "<level>@<province>", e.g. "commune@Huế")."""
    if "@" in group:
        level, province = group.split("@", 1)
        units = storage.units.units(store, province, level)
        return pd.DataFrame({"entity_group": group, "name": units["name"], "code": units["code"],
                             "merged_into": None, "source": None, "level": units["level"],
                             "parent": units["parent"], "valid_from": units["valid_from"],
                             "valid_to": units["valid_to"]})
    return store.query("SELECT * FROM entities WHERE entity_group = ? ORDER BY name", [group])


def published_results(store) -> pd.DataFrame:
    return store.query("SELECT * FROM published_results ORDER BY year, entity_group, total_rank NULLS LAST")


def plan_values(store, framework_id: str) -> pd.DataFrame:
    return store.query("SELECT * FROM plan_values WHERE framework_id = ?", [framework_id])


def record_import(store, data: pd.DataFrame, *, file_name: str, sha256: str, framework_id: str,
                  flag: str, entity_group: str = "34", imported_by: str | None = None,
                  form: str | None = None, note: str | None = None, basis: str = "self",
                  flag_source: str | None = None, cur=None) -> int:
    """Write one validated import (long DataFrame) and its log row in a single transaction.
    A unit import carries its rows' group in a column `entity_group` (units of several levels)."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}")
    who = require_who(imported_by, "record_import")
    storage.inputs.check_flag(flag, flag_source)

    n = len(data)
    # An Arrow table, text columns dictionary-encoded (each distinct text converted once): DuckDB reads it
    # without a Python object per cell (twice as fast as a DataFrame of object columns at 332,100 rows).
    columns = {
        "framework_id": constant_text(framework_id, n),
        "entity_group": text_column(data["entity_group"]) if "entity_group" in data
        else constant_text(entity_group, n),
        "entity": text_column(data["entity"]),
        "year": pa.array(data["year"].to_numpy(dtype="int64")),
        "indicator": text_column(data["indicator"]),
        "variable": text_column(data["variable"]),
        "value": pa.array(pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype="float64",
                                                                                 na_value=float("nan")),
                          from_pandas=True),
        "not_applicable": pa.array(data["not_applicable"].to_numpy(dtype=bool) if "not_applicable" in data
                                   else np.zeros(n, dtype=bool)),
        "flag": constant_text(flag, n),
        "sheet": text_column(data["sheet"]) if "sheet" in data else constant_text(None, n),
        "source_row": pa.array(data["row"].to_numpy(dtype="int64")) if "row" in data
        else pa.nulls(n, pa.int64()),
        "source_column": text_column(data["column"]) if "column" in data else constant_text(None, n),
        "basis": constant_text(basis, n),
    }

    def write(c) -> int:
        import_id = storage.inputs.log_import(c, file_name, sha256, n, framework_id, entity_group, flag, who,
                                     form, note, flag_source)
        rows = pa.table({"import_id": pa.array(np.full(n, import_id, dtype=np.int64)), **columns})
        db.insert_frame(c, "raw_inputs", rows)
        return import_id

    if cur is not None:
        return write(cur)
    return store.write(write)


def has_import(store, sha256: str) -> bool:
    return not store.query("SELECT 1 FROM imports WHERE sha256 = ? LIMIT 1", [sha256]).empty


def import_log(store) -> pd.DataFrame:
    return store.query("SELECT * FROM imports ORDER BY import_id DESC")


def check_flag(flag: str, flag_source: str | None) -> None:
    if flag not in {f[0] for f in VALUE_FLAGS}:
        raise ValueError(f"unknown value flag {flag!r}")
    if flag == "published" and not (flag_source or "").strip():
        raise ValueError("figures marked 'published' need their source (flag_source)")


def log_import(c, file_name, sha256, n_rows, framework_id, entity_group, flag, who, form, note,
                flag_source) -> int:
    import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
    cols = ", ".join(IMPORT_COLUMNS)
    c.execute(f"INSERT INTO imports ({cols}) VALUES ({', '.join('?' * len(IMPORT_COLUMNS))})",
              [import_id, db.now_utc(), file_name, sha256, n_rows, framework_id, entity_group, flag, who, form, note,
               flag_source])
    return import_id


def import_info(store, import_id: int) -> dict | None:
    df = store.query("SELECT * FROM imports WHERE import_id = ?", [int(import_id)])
    return None if df.empty else df.iloc[0].to_dict()


def import_rows(store, import_id: int, limit: int | None = None) -> pd.DataFrame:
    """The rows one import wrote (values, target progress or a unit list), as stored; the first
    `limit` of them in that order when given (a page shows a few thousand of a commune-scale import)."""
    cap, extra = ("", []) if limit is None else (" LIMIT ?", [int(limit)])
    info = import_info(store, import_id)
    if info is None:
        return pd.DataFrame()
    form = info.get("form")
    if form == "units":
        return store.query("SELECT * EXCLUDE (import_id) FROM units WHERE import_id = ? ORDER BY level, name" + cap,
                          [int(import_id)] + extra)
    if form == "targets":
        return store.query("SELECT * EXCLUDE (import_id) FROM target_progress WHERE import_id = ? "
                          "ORDER BY target_id, year" + cap, [int(import_id)] + extra)
    return store.query("SELECT * EXCLUDE (import_id) FROM raw_inputs WHERE import_id = ? "
                      "ORDER BY entity, year, indicator, variable" + cap, [int(import_id)] + extra)


def import_diff(store, import_id: int, limit: int | None = None) -> pd.DataFrame:
    """Each value of an import next to the value it replaced: the latest earlier import (not rolled
    back) of the same entity, year, indicator, variable and basis; `previous_import` is empty for a
    value that was new. A unit list is compared name by name with the province's previous list.
    `limit`: only the first rows in that order (the values compared are those rows' only)."""
    cap, extra = ("", []) if limit is None else (" LIMIT ?", [int(limit)])
    info = import_info(store, import_id)
    if info is None:
        return pd.DataFrame()
    if info.get("form") == "units":
        return store.query(f"""
            WITH prev AS (SELECT max(import_id) AS pid FROM units WHERE province = ? AND import_id < ?
                          AND {ACTIVE}),
                 a AS (SELECT name, level FROM units WHERE import_id = ?),
                 b AS (SELECT name, level, import_id FROM units, prev WHERE import_id = prev.pid)
            SELECT coalesce(a.name, b.name) AS name, a.level AS level, b.level AS previous_level,
                   b.import_id AS previous_import,
                   CASE WHEN b.name IS NULL THEN 'added' WHEN a.name IS NULL THEN 'removed'
                        WHEN a.level IS DISTINCT FROM b.level THEN 'changed' ELSE 'same' END AS change
            FROM a FULL OUTER JOIN b USING (name) ORDER BY change, name""" + cap,
            [info["entity_group"], int(import_id), int(import_id)] + extra)
    if info.get("form") == "targets":
        return store.query(f"""
            SELECT n.target_id, n.year, n.value, p.value AS previous_value, p.import_id AS previous_import
            FROM target_progress n LEFT JOIN LATERAL (
                SELECT value, import_id FROM target_progress o
                WHERE o.target_id = n.target_id AND o.year = n.year AND o.import_id < n.import_id AND {ACTIVE}
                ORDER BY o.import_id DESC LIMIT 1) p ON TRUE
            WHERE n.import_id = ? ORDER BY n.target_id, n.year""" + cap, [int(import_id)] + extra)
    return store.query(f"""
        WITH n AS (SELECT * FROM raw_inputs WHERE import_id = ?
                   ORDER BY entity, year, indicator, variable{cap}),
        o AS (SELECT r.entity, r.year, r.indicator, r.variable, coalesce(r.basis, 'self') AS basis,
                     r.value, r.not_applicable, r.import_id
              FROM raw_inputs r
              WHERE r.import_id < ? AND r.framework_id = ? AND r.import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)
                AND ((r.flag = 'sample') = ?)   -- within the import's own dataset: real never against SAMPLE
              QUALIFY row_number() OVER (PARTITION BY r.entity_group, r.entity, r.year, r.indicator,
                                         r.variable, coalesce(r.basis, 'self') ORDER BY r.import_id DESC) = 1)
        SELECT n.entity, n.year, n.indicator, n.variable, n.value, o.value AS previous_value,
               o.import_id AS previous_import
        FROM n LEFT JOIN o ON o.entity = n.entity AND o.year = n.year AND o.indicator = n.indicator
             AND o.variable = n.variable AND o.basis = coalesce(n.basis, 'self')
        ORDER BY n.entity, n.year, n.indicator, n.variable""",
        [int(import_id)] + extra + [int(import_id), info["framework_id"], info.get("flag") == "sample"])


def rollback_import(store, import_id: int, who: str, reason: str = "") -> None:
    """Withdraw an import: its rows stay (inspectable) but no longer count; the values it had
    replaced count again. Recorded on the import (who, when, why) and in the change log."""
    who = require_who(who, "rollback_import")

    def write(c):
        found = c.execute("SELECT rolled_back_at FROM imports WHERE import_id = ?", [int(import_id)]).fetchone()
        if found is None:
            raise ValueError(f"no import {import_id}")
        if found[0] is not None:
            raise ValueError(f"import {import_id} already rolled back")
        c.execute("UPDATE imports SET rolled_back_at = ?, rolled_back_by = ?, rollback_reason = ? "
                  "WHERE import_id = ?", [db.now_utc(), who, reason or None, int(import_id)])
        db.log_change(c, who, "rollback_import", str(int(import_id)), reason)

    store.write(write)


def datasets(store, framework_id: str, entity_group: str, basis: str | None = None) -> list[str]:
    """The datasets ('own', 'sample') that have values for a framework and group (any basis when None),
    'own' first."""
    df = store.query("SELECT DISTINCT CASE WHEN flag = 'sample' THEN 'sample' ELSE 'own' END AS ds "
                    "FROM raw_inputs WHERE framework_id = ? AND entity_group = ? "
                    "AND (? IS NULL OR coalesce(basis, 'self') = ?)",
                    [framework_id, entity_group, basis, basis])
    return [d for d in DATASETS if d in set(df["ds"])]


def default_dataset(store, framework_id: str, entity_group: str, basis: str | None = None) -> str:
    """'own' when the group has any own data, else 'sample'."""
    found = datasets(store, framework_id, entity_group, basis)
    return found[0] if found else "own"


def current_inputs(store, framework_id: str, entity_group: str = "34", basis: str = "self",
                   dataset: str | None = None) -> pd.DataFrame:
    """The latest imported value of every (entity, year, indicator, variable) on one basis
    ('self': the unit's own figures; 'appraised': the province's appraisal) inside ONE dataset
    ('own' or 'sample'; None = the default dataset: 'own' when the group has own data)."""
    if dataset is None:
        dataset = default_dataset(store, framework_id, entity_group, basis)
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}")
    return store.query(CURRENT_INPUTS_SQL.format(dataset=DATASET_WHERE[dataset]),
                      [framework_id, entity_group, basis])


def flags_by_year(store, framework_id: str, entity_group: str = "34", basis: str = "self",
                  dataset: str | None = None) -> pd.DataFrame:
    """year, flag, n: the flags of the current values of one dataset."""
    cur = current_inputs(store, framework_id, entity_group, basis, dataset)
    if cur.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "flag": pd.Series(dtype="str"),
                             "n": pd.Series(dtype="int64")})
    return (cur.groupby(["year", "flag"]).size().rename("n").reset_index()
            .sort_values(["year", "flag"]).reset_index(drop=True))


def remove_sample(store, framework_id: str, entity_group: str, removed_by: str | None = None) -> int:
    """Remove the SAMPLE dataset of a framework and group (its values; the import log keeps the
    SAMPLE imports and gains one row recording the removal). Returns the number of values removed.
    Editor rights are checked by the caller (the Data page), not here."""
    who = require_who(removed_by, "remove_sample")

    def write(c) -> int:
        n = int(c.execute("SELECT count(*) FROM raw_inputs WHERE framework_id = ? AND entity_group = ? "
                          "AND flag = 'sample'", [framework_id, entity_group]).fetchone()[0])
        if n == 0:
            return 0
        c.execute("DELETE FROM raw_inputs WHERE framework_id = ? AND entity_group = ? AND flag = 'sample'",
                  [framework_id, entity_group])
        storage.inputs.log_import(c, "—", "", n, framework_id, entity_group, "sample", who, "remove_sample",
                         f"removed the SAMPLE dataset ({n} values)", None)
        db.log_change(c, who, "remove_sample", f"{framework_id}/{entity_group}", f"{n} values")
        return n

    return store.write(write)


def bases(store, framework_id: str, entity_group: str) -> list[str]:
    """The assessment bases that have values for a framework and group, 'self' first."""
    df = store.query("SELECT DISTINCT coalesce(basis, 'self') AS basis FROM raw_inputs "
                    f"WHERE framework_id = ? AND entity_group = ? AND {ACTIVE}", [framework_id, entity_group])
    return [b for b in BASES if b in set(df["basis"])]


def groups_with_inputs(store, framework_id: str) -> list[str]:
    return store.query(f"SELECT DISTINCT entity_group FROM raw_inputs WHERE framework_id = ? AND {ACTIVE} ORDER BY 1",
                      [framework_id])["entity_group"].tolist()


def counts(store) -> dict[str, int]:
    out = {}
    for table in ("entities", "imports", "raw_inputs", "published_results", "plan_values", "scenarios",
                  "plan_targets", "target_progress", "units"):
        out[table] = int(store.query(f"SELECT count(*) AS n FROM {table}").iloc[0, 0])
    return out
