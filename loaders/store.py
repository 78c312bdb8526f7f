"""The one module that talks to DuckDB.

- Parameterised SQL only (values never go into SQL text; DataFrames are registered and selected from).
- A cursor per query, so one connection object can serve many Streamlit sessions/threads.
- Every write runs in one transaction: an import either lands whole or not at all.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "dti_studio.duckdb"
SCHEMA_VERSION = "2"
# Upgrades of an existing file, by the version they bring it to (CREATE … IF NOT EXISTS covers new tables).
# 2: published_results gains its provenance (`source_kind`, `note`) and the kind of its value and rank;
#    loaders.bootstrap bumps BOOTSTRAP_VERSION with it, so the rows are reloaded with these filled.
MIGRATIONS = {
    "2": [f"ALTER TABLE published_results ADD COLUMN IF NOT EXISTS {col} VARCHAR"
          for col in ("source_kind", "note", "value_kind", "rank_kind")],
}

VALUE_FLAGS = [
    ("published", "Số liệu đã công bố (chính thức, báo chí hoặc tổng hợp của bên thứ ba — ghi theo từng dòng)",
     "Published figures (official, press or a third-party compilation — stated per row)"),
    ("plan", "Số liệu từ kế hoạch của tỉnh (KH 18/KH-UBND Gia Lai)", "From the province's plan (Gia Lai 18/KH-UBND)"),
    ("sample", "DỮ LIỆU MẪU (SAMPLE) — sinh tự động, không phải số liệu thật",
     "SAMPLE data — generated, not real figures"),
    ("self_assessed", "Số liệu tự đánh giá do tỉnh nhập", "Self-assessed figures imported by the province"),
]

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS value_flags (
        flag VARCHAR PRIMARY KEY, label_vi VARCHAR NOT NULL, label_en VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS entities (
        entity_group VARCHAR NOT NULL,          -- '34' (from 1 July 2025) or '63' (before)
        name VARCHAR NOT NULL,                  -- canonical name, e.g. 'Gia Lai'
        code VARCHAR,                           -- statistical code (63 group)
        merged_into VARCHAR,                    -- 63 group: the 34-group province it became part of
        source VARCHAR,
        PRIMARY KEY (entity_group, name))""",
    """CREATE TABLE IF NOT EXISTS frameworks (
        framework_id VARCHAR PRIMARY KEY, version VARCHAR NOT NULL, name_vi VARCHAR, name_en VARCHAR,
        file VARCHAR, max_points DOUBLE, registered_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS framework_nodes (
        framework_id VARCHAR NOT NULL, code VARCHAR NOT NULL, parent VARCHAR, level INTEGER,
        name_vi VARCHAR, name_en VARCHAR, max_points DOUBLE, rule_type VARCHAR, lead_agency VARCHAR,
        PRIMARY KEY (framework_id, code))""",
    """CREATE SEQUENCE IF NOT EXISTS import_seq START 1""",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id BIGINT PRIMARY KEY, imported_at TIMESTAMP NOT NULL, file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, n_rows BIGINT NOT NULL, framework_id VARCHAR, entity_group VARCHAR,
        flag VARCHAR NOT NULL, imported_by VARCHAR, form VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS raw_inputs (
        import_id BIGINT NOT NULL, framework_id VARCHAR NOT NULL, entity_group VARCHAR NOT NULL,
        entity VARCHAR NOT NULL, year INTEGER NOT NULL, indicator VARCHAR NOT NULL,
        variable VARCHAR NOT NULL, value DOUBLE, not_applicable BOOLEAN NOT NULL DEFAULT FALSE,
        flag VARCHAR NOT NULL, sheet VARCHAR, source_row INTEGER, source_column VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS published_results (
        year INTEGER NOT NULL, entity_group VARCHAR NOT NULL, entity VARCHAR, published_name VARCHAR NOT NULL,
        total_value DOUBLE, total_rank INTEGER, n_ranked INTEGER, gov_value DOUBLE, gov_rank INTEGER,
        econ_value DOUBLE, econ_rank INTEGER, soc_value DOUBLE, soc_rank INTEGER,
        source_url VARCHAR, quote VARCHAR, official BOOLEAN,
        source_kind VARCHAR,                    -- official | press | third_party, or a combination (a+b)
        note VARCHAR,                           -- which fields come from where
        value_kind VARCHAR, rank_kind VARCHAR)  -- the kind of total_value and of total_rank""",
    """CREATE TABLE IF NOT EXISTS plan_values (
        framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, code VARCHAR NOT NULL,
        points_2024 DOUBLE, max_qd405 DOUBLE, max_draft DOUBLE, target_points DOUBLE,
        target_denominator DOUBLE, raw_text VARCHAR, reading VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        name VARCHAR NOT NULL, framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, year INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL, changes_json VARCHAR NOT NULL, note VARCHAR,
        PRIMARY KEY (framework_id, name))""",
    """CREATE TABLE IF NOT EXISTS plan_targets (
        plan_id VARCHAR NOT NULL, target_id VARCHAR PRIMARY KEY, level VARCHAR, area VARCHAR,
        text_vi VARCHAR, text_en VARCHAR, metric_kind VARCHAR, target_value DOUBLE, unit VARCHAR,
        target_year INTEGER, lead_agency VARCHAR, co_agencies VARCHAR, source_quote VARCHAR, reading VARCHAR)""",
    # Whose plan a target list is: plans belong to a province (34-group name), shown only on it.
    """CREATE TABLE IF NOT EXISTS plans (
        plan_id VARCHAR PRIMARY KEY, province VARCHAR NOT NULL, province_at_issue VARCHAR, title_vi VARCHAR,
        title_en VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS target_progress (
        import_id BIGINT NOT NULL, target_id VARCHAR NOT NULL, year INTEGER NOT NULL, value DOUBLE NOT NULL,
        flag VARCHAR NOT NULL, source_row INTEGER)""",
    # Units below the province (departments, districts of past years, communes/wards): one list per
    # province and import; the current list of a province is its latest units import.
    """CREATE TABLE IF NOT EXISTS units (
        import_id BIGINT NOT NULL, province VARCHAR NOT NULL, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
        parent VARCHAR, code VARCHAR, valid_from DATE, valid_to DATE, aliases VARCHAR, source_row INTEGER)""",
    # Which assessment a value is: the unit's own ('self') or the province's appraisal ('appraised').
    """ALTER TABLE raw_inputs ADD COLUMN IF NOT EXISTS basis VARCHAR DEFAULT 'self'""",
    # The department a province assigns to follow each criterion of a unit framework (the seeds of
    # the unit frameworks name none); one row per change, the latest per (framework, province, code) holds.
    """CREATE TABLE IF NOT EXISTS criterion_leads (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, code VARCHAR NOT NULL, lead_agency VARCHAR,
        assigned_by VARCHAR, assigned_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS effort_weights (
        framework_id VARCHAR NOT NULL, code VARCHAR NOT NULL, cost_per_point DOUBLE NOT NULL,
        PRIMARY KEY (framework_id, code))""",
]

BASES = ("self", "appraised")
# Datasets: SAMPLE figures never mix with a province's own. 'own' = every value whose flag is not
# 'sample' (self-assessed, published, plan imports); 'sample' = the generated SAMPLE data only.
# Current inputs are read inside ONE dataset, so a real import never half-shadows SAMPLE rows.
DATASETS = ("own", "sample")
_DATASET_WHERE = {"own": "flag <> 'sample'", "sample": "flag = 'sample'"}

CURRENT_INPUTS_SQL = """
    SELECT entity, year, indicator, variable, value, not_applicable, flag, import_id
    FROM raw_inputs
    WHERE framework_id = ? AND entity_group = ? AND coalesce(basis, 'self') = ? AND {dataset}
    QUALIFY row_number() OVER (PARTITION BY entity, year, indicator, variable ORDER BY import_id DESC) = 1
    ORDER BY year, entity, indicator, variable
"""


def default_db_path() -> Path:
    return Path(os.environ.get("DTI_STUDIO_DB", DEFAULT_DB))


class Store:
    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        self.path = str(path or default_db_path())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(self.path, read_only=read_only)
        if not read_only:
            self.init_schema()

    def close(self) -> None:
        self.con.close()

    # -- plumbing --------------------------------------------------------------------------------
    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        cur = self.con.cursor()
        try:
            return cur.execute(sql, list(params)).df()
        finally:
            cur.close()

    @contextmanager
    def transaction(self):
        """One write transaction on its own cursor: committed whole or rolled back whole."""
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def write(self, fn, retries: int = 3):
        """Run fn(cursor) in a transaction, retried on DuckDB's optimistic-concurrency conflict."""
        for attempt in range(retries):
            try:
                with self.transaction() as cur:
                    return fn(cur)
            except duckdb.TransactionException as exc:
                if "Conflict" not in str(exc) or attempt == retries - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def init_schema(self) -> None:
        def create(cur):
            for stmt in SCHEMA:
                cur.execute(stmt)
            found = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if found is not None:
                for version in sorted(MIGRATIONS, key=int):
                    if int(found[0]) < int(version):
                        for stmt in MIGRATIONS[version]:
                            cur.execute(stmt)
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            for flag in VALUE_FLAGS:
                cur.execute("INSERT OR REPLACE INTO value_flags VALUES (?, ?, ?)", list(flag))

        self.write(create)

    def get_meta(self, key: str) -> str | None:
        df = self.query("SELECT value FROM meta WHERE key = ?", [key])
        return None if df.empty else str(df.iloc[0, 0])

    def set_meta(self, key: str, value: str, cur=None) -> None:
        sql, params = "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]
        if cur is not None:
            cur.execute(sql, params)
            return
        self.write(lambda c: c.execute(sql, params))

    # -- reference data ----------------------------------------------------------------------------
    def replace_table(self, cur, table: str, df: pd.DataFrame, where: str = "", params: list | None = None):
        """Replace rows of a known table with a DataFrame's rows (columns matched by name)."""
        if table not in {"entities", "published_results", "plan_values", "frameworks", "framework_nodes",
                         "plan_targets", "plans"}:
            raise ValueError(f"not a replaceable table: {table}")
        cur.execute(f"DELETE FROM {table} {where}", params or [])
        self._insert_frame(cur, table, df)

    @staticmethod
    def _insert_frame(cur, table: str, df: pd.DataFrame) -> None:
        cols = ", ".join(f'"{c}"' for c in df.columns)
        cur.register("frame_to_insert", df)
        try:
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame_to_insert")
        finally:
            cur.unregister("frame_to_insert")

    def register_framework(self, framework, cur=None) -> None:
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
            self.replace_table(c, "frameworks", head, "WHERE framework_id = ?", [framework.id])
            self.replace_table(c, "framework_nodes", nodes, "WHERE framework_id = ?", [framework.id])

        if cur is not None:
            write(cur)
        else:
            self.write(write)

    def entities(self, group: str = "34") -> pd.DataFrame:
        """The entities ranked together: the 34 or 63 provinces, or a province's units of one level
        (group "<level>@<province>", e.g. "commune@Huế")."""
        if "@" in group:
            level, province = group.split("@", 1)
            units = self.units(province, level)
            return pd.DataFrame({"entity_group": group, "name": units["name"], "code": units["code"],
                                 "merged_into": None, "source": None, "level": units["level"],
                                 "parent": units["parent"], "valid_from": units["valid_from"],
                                 "valid_to": units["valid_to"]})
        return self.query("SELECT * FROM entities WHERE entity_group = ? ORDER BY name", [group])

    # -- units below the province ------------------------------------------------------------------
    def units(self, province: str | None = None, level: str | None = None) -> pd.DataFrame:
        """The current unit list (latest units import of each province), optionally one province/level."""
        return self.query("""
            WITH latest AS (SELECT province, max(import_id) AS import_id FROM units GROUP BY province)
            SELECT u.province, u.name, u.level, u.parent, u.code, u.valid_from, u.valid_to, u.aliases,
                   u.source_row, u.import_id
            FROM units u JOIN latest USING (province, import_id)
            WHERE (? IS NULL OR u.province = ?) AND (? IS NULL OR u.level = ?)
            ORDER BY u.province, u.level, u.name""", [province, province, level, level])

    def unit_provinces(self) -> list[str]:
        return self.query("SELECT DISTINCT province FROM units ORDER BY province")["province"].tolist()

    def save_units(self, province: str, units: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
                   imported_by: str | None = None, note: str | None = None, cur=None) -> int:
        """Write a province's whole unit list as a new version (the previous one stays in history)."""
        def write(c) -> int:
            import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            c.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [import_id, datetime.now(timezone.utc).replace(tzinfo=None), file_name, sha256, len(units),
                       None, province, flag, imported_by, "units", note])
            rows = pd.DataFrame({
                "import_id": import_id, "province": province, "name": units["name"].astype(str),
                "level": units["level"].astype(str),
                "parent": units.get("parent", pd.Series(None, index=units.index, dtype=object)),
                "code": units.get("code", pd.Series(None, index=units.index, dtype=object)),
                "valid_from": pd.to_datetime(units.get("valid_from"), errors="coerce").dt.date
                if "valid_from" in units else None,
                "valid_to": pd.to_datetime(units.get("valid_to"), errors="coerce").dt.date
                if "valid_to" in units else None,
                "aliases": units.get("aliases", pd.Series(None, index=units.index, dtype=object)),
                "source_row": units.get("row", pd.Series(None, index=units.index, dtype="Int64")),
            })
            self._insert_frame(c, "units", rows)
            return import_id

        if cur is not None:
            return write(cur)
        return self.write(write)

    def published_results(self) -> pd.DataFrame:
        return self.query("SELECT * FROM published_results ORDER BY year, entity_group, total_rank NULLS LAST")

    def plan_values(self, framework_id: str) -> pd.DataFrame:
        return self.query("SELECT * FROM plan_values WHERE framework_id = ?", [framework_id])

    # -- imports -----------------------------------------------------------------------------------
    def record_import(self, data: pd.DataFrame, *, file_name: str, sha256: str, framework_id: str,
                      flag: str, entity_group: str = "34", imported_by: str | None = None,
                      form: str | None = None, note: str | None = None, basis: str = "self", cur=None) -> int:
        """Write one validated import (long DataFrame) and its log row in a single transaction.
        A unit import carries its rows' group in a column `entity_group` (units of several levels)."""
        if basis not in BASES:
            raise ValueError(f"unknown basis {basis!r}")
        if flag not in {f[0] for f in VALUE_FLAGS}:
            raise ValueError(f"unknown value flag {flag!r}")

        def write(c) -> int:
            import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            c.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, datetime.now(timezone.utc).replace(tzinfo=None), file_name, sha256, len(data),
                 framework_id, entity_group, flag, imported_by, form, note],
            )
            rows = pd.DataFrame({
                "import_id": import_id,
                "framework_id": framework_id,
                "entity_group": data["entity_group"].astype(str) if "entity_group" in data else entity_group,
                "entity": data["entity"].astype(str),
                "year": data["year"].astype("int64"),
                "indicator": data["indicator"].astype(str),
                "variable": data["variable"].astype(str),
                "value": pd.to_numeric(data["value"], errors="coerce").astype("float64"),
                "not_applicable": data.get("not_applicable", pd.Series(False, index=data.index)).astype(bool),
                "flag": flag,
                "sheet": data["sheet"].astype(str) if "sheet" in data else None,
                "source_row": data["row"].astype("int64") if "row" in data else None,
                "source_column": data["column"].astype(str) if "column" in data else None,
                "basis": basis,
            })
            self._insert_frame(c, "raw_inputs", rows)
            return import_id

        if cur is not None:
            return write(cur)
        return self.write(write)

    def record_target_progress(self, data: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
                               imported_by: str | None = None) -> int:
        """Write progress values of plan targets (target_id, year, value[, row]) and their log row at once."""
        def write(c) -> int:
            import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            c.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [import_id, datetime.now(timezone.utc).replace(tzinfo=None), file_name, sha256, len(data),
                       "plan_targets", None, flag, imported_by, "targets", None])
            rows = pd.DataFrame({"import_id": import_id, "target_id": data["target_id"].astype(str),
                                 "year": data["year"].astype("int64"), "value": data["value"].astype("float64"),
                                 "flag": flag, "source_row": data.get("row", pd.Series(0, index=data.index))})
            self._insert_frame(c, "target_progress", rows)
            return import_id

        return self.write(write)

    def plan_targets(self, province: str | None = None) -> pd.DataFrame:
        """Plan targets with their plan's province; one province's only when `province` is given."""
        return self.query("""
            SELECT t.*, p.province FROM plan_targets t LEFT JOIN plans p USING (plan_id)
            WHERE ? IS NULL OR p.province = ? ORDER BY t.plan_id, t.target_id""", [province, province])

    def plans(self) -> pd.DataFrame:
        return self.query("SELECT * FROM plans ORDER BY plan_id")

    def target_progress(self) -> pd.DataFrame:
        """The latest imported value of each (target, year)."""
        return self.query("""
            SELECT target_id, year, value, flag, import_id FROM target_progress
            QUALIFY row_number() OVER (PARTITION BY target_id, year ORDER BY import_id DESC) = 1
            ORDER BY target_id, year""")

    def has_import(self, sha256: str) -> bool:
        return not self.query("SELECT 1 FROM imports WHERE sha256 = ? LIMIT 1", [sha256]).empty

    def import_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM imports ORDER BY import_id DESC")

    def datasets(self, framework_id: str, entity_group: str, basis: str | None = None) -> list[str]:
        """The datasets ('own', 'sample') that have values for a framework and group (any basis when None),
        'own' first."""
        df = self.query("SELECT DISTINCT CASE WHEN flag = 'sample' THEN 'sample' ELSE 'own' END AS ds "
                        "FROM raw_inputs WHERE framework_id = ? AND entity_group = ? "
                        "AND (? IS NULL OR coalesce(basis, 'self') = ?)",
                        [framework_id, entity_group, basis, basis])
        return [d for d in DATASETS if d in set(df["ds"])]

    def default_dataset(self, framework_id: str, entity_group: str, basis: str | None = None) -> str:
        """'own' when the group has any own data, else 'sample'."""
        found = self.datasets(framework_id, entity_group, basis)
        return found[0] if found else "own"

    def current_inputs(self, framework_id: str, entity_group: str = "34", basis: str = "self",
                       dataset: str | None = None) -> pd.DataFrame:
        """The latest imported value of every (entity, year, indicator, variable) on one basis
        ('self': the unit's own figures; 'appraised': the province's appraisal) inside ONE dataset
        ('own' or 'sample'; None = the default dataset: 'own' when the group has own data)."""
        if dataset is None:
            dataset = self.default_dataset(framework_id, entity_group, basis)
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}")
        return self.query(CURRENT_INPUTS_SQL.format(dataset=_DATASET_WHERE[dataset]),
                          [framework_id, entity_group, basis])

    def flags_by_year(self, framework_id: str, entity_group: str = "34", basis: str = "self",
                      dataset: str | None = None) -> pd.DataFrame:
        """year, flag, n: the flags of the current values of one dataset."""
        cur = self.current_inputs(framework_id, entity_group, basis, dataset)
        if cur.empty:
            return pd.DataFrame({"year": pd.Series(dtype="int64"), "flag": pd.Series(dtype="str"),
                                 "n": pd.Series(dtype="int64")})
        return (cur.groupby(["year", "flag"]).size().rename("n").reset_index()
                .sort_values(["year", "flag"]).reset_index(drop=True))

    def remove_sample(self, framework_id: str, entity_group: str, removed_by: str | None = None) -> int:
        """Remove the SAMPLE dataset of a framework and group (its values; the import log keeps the
        SAMPLE imports and gains one row recording the removal). Returns the number of values removed.
        Editor rights are checked by the caller (the Data page), not here."""
        def write(c) -> int:
            n = int(c.execute("SELECT count(*) FROM raw_inputs WHERE framework_id = ? AND entity_group = ? "
                              "AND flag = 'sample'", [framework_id, entity_group]).fetchone()[0])
            if n == 0:
                return 0
            c.execute("DELETE FROM raw_inputs WHERE framework_id = ? AND entity_group = ? AND flag = 'sample'",
                      [framework_id, entity_group])
            import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            c.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [import_id, datetime.now(timezone.utc).replace(tzinfo=None), "—", "", n,
                       framework_id, entity_group, "sample", removed_by, "remove_sample",
                       f"removed the SAMPLE dataset ({n} values)"])
            return n

        return self.write(write)

    def bases(self, framework_id: str, entity_group: str) -> list[str]:
        """The assessment bases that have values for a framework and group, 'self' first."""
        df = self.query("SELECT DISTINCT coalesce(basis, 'self') AS basis FROM raw_inputs "
                        "WHERE framework_id = ? AND entity_group = ?", [framework_id, entity_group])
        return [b for b in BASES if b in set(df["basis"])]

    def groups_with_inputs(self, framework_id: str) -> list[str]:
        return self.query("SELECT DISTINCT entity_group FROM raw_inputs WHERE framework_id = ? ORDER BY 1",
                          [framework_id])["entity_group"].tolist()

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("entities", "imports", "raw_inputs", "published_results", "plan_values", "scenarios",
                      "plan_targets", "target_progress", "units"):
            out[table] = int(self.query(f"SELECT count(*) AS n FROM {table}").iloc[0, 0])
        return out

    # -- scenarios and planner settings (what-if) --------------------------------------------------
    def save_scenario(self, name: str, framework_id: str, entity: str, year: int, changes_json: str,
                      note: str = "") -> None:
        def write(c):
            c.execute("DELETE FROM scenarios WHERE framework_id = ? AND name = ?", [framework_id, name])
            c.execute("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [name, framework_id, entity, year, datetime.now(timezone.utc).replace(tzinfo=None),
                       changes_json, note])

        self.write(write)

    def scenarios(self, framework_id: str) -> pd.DataFrame:
        return self.query("SELECT * FROM scenarios WHERE framework_id = ? ORDER BY created_at DESC", [framework_id])

    def delete_scenario(self, framework_id: str, name: str) -> None:
        self.write(lambda c: c.execute("DELETE FROM scenarios WHERE framework_id = ? AND name = ?",
                                       [framework_id, name]))

    def criterion_leads(self, framework_id: str, province: str) -> pd.DataFrame:
        """The current lead agency the province assigned to each criterion (code, lead_agency, who, when)."""
        return self.query("""
            SELECT code, lead_agency, assigned_by, assigned_at FROM criterion_leads
            WHERE framework_id = ? AND province = ?
            QUALIFY row_number() OVER (PARTITION BY code ORDER BY assigned_at DESC) = 1
            ORDER BY code""", [framework_id, province])

    def assign_criterion_leads(self, framework_id: str, province: str, leads: dict[str, str],
                               assigned_by: str | None = None) -> int:
        """Record the changed assignments (history kept: a change is a new row). Returns how many changed."""
        current = self.criterion_leads(framework_id, province).set_index("code")["lead_agency"].to_dict()
        changed = {c: (a or "").strip() for c, a in leads.items() if (a or "").strip() != (current.get(c) or "")}
        if not changed:
            return 0
        now = datetime.now(timezone.utc).replace(tzinfo=None)

        def write(c):
            for code, agency in changed.items():
                c.execute("INSERT INTO criterion_leads VALUES (?, ?, ?, ?, ?, ?)",
                          [framework_id, province, code, agency or None, assigned_by, now])

        self.write(write)
        return len(changed)

    def effort_weights(self, framework_id: str) -> pd.DataFrame:
        return self.query("SELECT code, cost_per_point FROM effort_weights WHERE framework_id = ?", [framework_id])

    def save_effort_weights(self, framework_id: str, weights: dict[str, float]) -> None:
        def write(c):
            c.execute("DELETE FROM effort_weights WHERE framework_id = ?", [framework_id])
            for code, w in weights.items():
                c.execute("INSERT INTO effort_weights VALUES (?, ?, ?)", [framework_id, code, float(w)])

        self.write(write)
