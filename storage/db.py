"""The one module that talks to DuckDB.

- Parameterised SQL only (values never go into SQL text; DataFrames are registered and selected from).
- A cursor per query, so one connection object can serve many Streamlit sessions/threads.
- Every write runs in one transaction: an import either lands whole or not at all.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "dti_studio.duckdb"
SCHEMA_VERSION = "2"
# Upgrades of an existing file, by the version they bring it to (CREATE … IF NOT EXISTS covers new tables).
# 2: published_results gains its provenance (`source_kind`, `note`) and the kind of its value and rank;
#    office.bootstrap bumps BOOTSTRAP_VERSION with it, so the rows are reloaded with these filled.
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
    # Data-collection rounds (issue 10): a round asks each lead agency for the figures of the leaves it
    # leads, for one framework, province and year, by a deadline. `*_by` is free text ("người thực hiện")
    # until editor sign-in lands.
    """CREATE SEQUENCE IF NOT EXISTS collection_seq START 1""",
    """CREATE TABLE IF NOT EXISTS collection_rounds (
        round_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL,
        year INTEGER NOT NULL, deadline DATE, label VARCHAR, created_at TIMESTAMP NOT NULL, created_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS collection_sent (
        round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, file_name VARCHAR, sent_at TIMESTAMP NOT NULL,
        sent_by VARCHAR)""",
    # Every returned workbook, valid or not (its problems kept as text); values only for valid ones.
    """CREATE TABLE IF NOT EXISTS collection_imports (
        import_id BIGINT PRIMARY KEY, round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, file_name VARCHAR,
        sha256 VARCHAR, received_at TIMESTAMP NOT NULL, ok BOOLEAN NOT NULL, n_values INTEGER,
        n_missing INTEGER, problems VARCHAR, imported_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS collection_values (
        import_id BIGINT NOT NULL, round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        variable VARCHAR NOT NULL, value DOUBLE, not_applicable BOOLEAN NOT NULL, sheet VARCHAR,
        source_row INTEGER, source_column VARCHAR)""",
    # Evidence (minh chứng) of a figure: from the returned workbook or added on screen (one row per change;
    # the latest per figure holds). `file_path` is relative to the evidence folder beside the database.
    """CREATE TABLE IF NOT EXISTS evidence (
        round_id BIGINT NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL, doc_number VARCHAR,
        doc_date DATE, issuer VARCHAR, link VARCHAR, file_path VARCHAR, source VARCHAR, added_by VARCHAR,
        added_at TIMESTAMP NOT NULL)""",
    # The official (verified) result of a year, per node where published: points.
    """CREATE TABLE IF NOT EXISTS official_points (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, year INTEGER NOT NULL, code VARCHAR NOT NULL,
        points DOUBLE NOT NULL, file_name VARCHAR, imported_by VARCHAR, imported_at TIMESTAMP NOT NULL)""",
    # Two-year plans (scoring.plan2y) as made: settings, result and actions (JSON), who and when.
    """CREATE TABLE IF NOT EXISTS office_plans (
        plan_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, year1 INTEGER,
        year2 INTEGER, target1 INTEGER, target2 INTEGER, max_gain DOUBLE, method VARCHAR, cost DOUBLE,
        optimal BOOLEAN, reachable BOOLEAN, actions_json VARCHAR, note VARCHAR, created_by VARCHAR,
        created_at TIMESTAMP NOT NULL)""",
    # In-year progress: dated values of a province's variables (quarterly or any date), from an agency.
    """CREATE TABLE IF NOT EXISTS progress_updates (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, year INTEGER NOT NULL, as_of DATE NOT NULL,
        indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL, value DOUBLE NOT NULL, agency VARCHAR,
        file_name VARCHAR, entered_by VARCHAR, entered_at TIMESTAMP NOT NULL)""",
]

SCHEMA += [
    # Undo and history (issue 9): a rollback is recorded on its import, never a delete; the change log
    # holds every other data change (scenarios, effort weights, lead agencies, rollbacks) with who/when.
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolled_back_at TIMESTAMP",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolled_back_by VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rollback_reason VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS flag_source VARCHAR",   # where 'published' figures come from
    "ALTER TABLE scenarios ADD COLUMN IF NOT EXISTS saved_by VARCHAR",
    "ALTER TABLE effort_weights ADD COLUMN IF NOT EXISTS saved_by VARCHAR",
    "ALTER TABLE effort_weights ADD COLUMN IF NOT EXISTS saved_at TIMESTAMP",
    """CREATE SEQUENCE IF NOT EXISTS change_seq START 1""",
    """CREATE TABLE IF NOT EXISTS change_log (
        change_id BIGINT PRIMARY KEY, changed_at TIMESTAMP NOT NULL, changed_by VARCHAR NOT NULL,
        action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR)""",
]

SCHEMA += [
    # The internal appraisal round (issue 12): units fill in their own form, council members appraise
    # the criteria assigned to them, the editor closes. History tables: one row per change, the latest
    # per key (highest `seq`, from appraisal_seq) holds. Timestamps naive UTC; `deadline` is the end of
    # the given day in Vietnam (23:59:59 Asia/Ho_Chi_Minh) stored as UTC.
    """CREATE SEQUENCE IF NOT EXISTS appraisal_round_seq START 1""",
    """CREATE SEQUENCE IF NOT EXISTS appraisal_seq START 1""",
    """CREATE TABLE IF NOT EXISTS accounts (
        account VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, province VARCHAR NOT NULL, unit VARCHAR,
        display_name VARCHAR NOT NULL, email VARCHAR, pw_hash VARCHAR, created_by VARCHAR, created_at TIMESTAMP,
        disabled_at TIMESTAMP, disabled_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS appraisal_rounds (
        round_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL,
        level VARCHAR NOT NULL, year INTEGER NOT NULL, deadline TIMESTAMP NOT NULL, label VARCHAR,
        allow_reply BOOLEAN NOT NULL, dataset VARCHAR NOT NULL, opened_by VARCHAR, opened_at TIMESTAMP,
        closed_by VARCHAR, closed_at TIMESTAMP, self_import_id BIGINT, appraised_import_id BIGINT)""",
    """CREATE TABLE IF NOT EXISTS appraisal_round_units (round_id BIGINT NOT NULL, unit VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS appraisal_assignments (
        round_id BIGINT NOT NULL, code VARCHAR NOT NULL, account VARCHAR, assigned_by VARCHAR,
        assigned_at TIMESTAMP, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_values (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        value DOUBLE, not_applicable BOOLEAN NOT NULL, saved_by VARCHAR, saved_at TIMESTAMP,
        seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_notes (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        text VARCHAR, saved_by VARCHAR, saved_at TIMESTAMP, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_evidence (
        evidence_id BIGINT PRIMARY KEY, round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        doc_number VARCHAR, doc_date DATE, issuer VARCHAR, link VARCHAR, file_path VARCHAR, file_name VARCHAR,
        sha256 VARCHAR, added_by VARCHAR, added_at TIMESTAMP, removed_at TIMESTAMP, removed_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS appraisal_events (
        round_id BIGINT NOT NULL, unit VARCHAR, event VARCHAR NOT NULL, actor VARCHAR, "at" TIMESTAMP NOT NULL,
        reason VARCHAR, until TIMESTAMP, late BOOLEAN, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_decisions (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        value DOUBLE, not_applicable BOOLEAN NOT NULL, reason VARCHAR, decided_by VARCHAR, decided_at TIMESTAMP,
        seq BIGINT DEFAULT nextval('appraisal_seq'))""",
]

IMPORT_COLUMNS = ("import_id", "imported_at", "file_name", "sha256", "n_rows", "framework_id", "entity_group",
                  "flag", "imported_by", "form", "note", "flag_source")
ACTIVE = "import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)"

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
      AND import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY entity, year, indicator, variable ORDER BY import_id DESC) = 1
    ORDER BY year, entity, indicator, variable
"""


def default_db_path() -> Path:
    return Path(os.environ.get("DTI_STUDIO_DB", DEFAULT_DB))


# -- faults and access ---------------------------------------------------------------------------------
class StoreError(RuntimeError):
    """A database fault the user is told about in words (code → locales ui.faults.<code>)."""
    code = "unexpected"

    def __init__(self, detail: str = "", path: str = ""):
        super().__init__(detail or self.code)
        self.detail, self.path = detail, path


class EditorRequired(StoreError, PermissionError):
    """A data change without a signed-in editor's name."""
    code = "editor_required"


class DatabaseBusy(StoreError):
    """Another process held the writer's lock longer than the wait allowed."""
    code = "busy"


class DatabaseLost(StoreError):
    """The database file disappeared or was replaced while the app was running."""
    code = "lost"


class DatabaseReadOnly(StoreError):
    """The database file (or its folder) cannot be written: the app opened it for reading only."""
    code = "read_only"


class DatabaseCorrupt(StoreError):
    """The file is not a readable DuckDB database."""
    code = "corrupt"


def require_who(who: str | None, action: str = "") -> str:
    """The editor's name of a data change; an empty one is refused (EditorRequired)."""
    name = (who or "").strip()
    if not name:
        raise EditorRequired(action)
    return name


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


_BUMP_VERSION = ("INSERT OR REPLACE INTO meta VALUES ('data_version', CAST(coalesce((SELECT TRY_CAST(value AS BIGINT) "
                 "FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR))")
_LOCK_MESSAGES = ("Could not set lock", "Conflicting lock")


class _FileLock:
    """An advisory lock beside the database (`<db>.lock`): writers hold it exclusively for one short
    transaction; readers hold it shared while they copy the file into their snapshot. flock locks
    belong to an open file, so threads of one process exclude each other as processes do."""

    def __init__(self, path: str):
        self.path = path

    @contextmanager
    def hold(self, exclusive: bool, timeout: float):
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            deadline = time.monotonic() + timeout
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
            delay = 0.005
            while True:
                try:
                    fcntl.flock(fd, mode)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseBusy(f"lock {self.path} not obtained in {timeout:.0f} s", self.path)
                    time.sleep(delay)
                    delay = min(delay * 2, 0.1)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def classify_open_error(exc: BaseException) -> type[StoreError]:
    text = str(exc)
    if any(m in text for m in _LOCK_MESSAGES):
        return DatabaseBusy
    if "Permission denied" in text or "Read-only file system" in text or "read-only" in text.lower():
        return DatabaseReadOnly
    return DatabaseCorrupt


def _text_column(series: pd.Series) -> pa.DictionaryArray:
    """A text column as an Arrow dictionary array: each distinct value made text once (as `astype(str)`
    would), a missing value stays missing."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(texts, pa.string()))


def _constant_text(value: str | None, n: int) -> pa.DictionaryArray:
    """One text (or missing) repeated n times, as an Arrow dictionary array."""
    if value is None:
        return pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()), pa.array([], pa.string()))
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([str(value)], pa.string()))


class Store:
    """The DuckDB store of one database file, shared safely by many processes.

    DuckDB lets one process hold a file open read-write and then nobody else may open it at all. So a
    file store never keeps the file open: a write opens it read-write for one transaction under the
    writer lock (`<db>.lock`, waited for with retries, never DuckDB's lock error) and closes it, which
    checkpoints; reads go to this process's private snapshot copy of the file, refreshed whenever the
    file changed (its size, time or inode). Before each write the file is checked to be the one opened
    (a deleted or replaced database is never silently recreated). ":memory:" keeps one connection.
    """

    WRITE_WAIT = float(os.environ.get("DTI_STUDIO_WRITE_WAIT", "60"))
    after_write = None   # a callable(store) run after each committed write (set by storage.backup)
    notice = None        # (code, params) a fault found when opening, for the user

    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        self.path = str(path or default_db_path())
        self.memory = self.path == ":memory:"
        self.read_only = read_only
        self._guard = threading.RLock()
        self._snap = None          # (key, connection, snapshot path)
        self._snap_dir = None
        if self.memory:
            self.con = duckdb.connect(self.path)
            self.init_schema()
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = _FileLock(self.path + ".lock") if not read_only or os.access(
            Path(self.path).parent, os.W_OK) else None
        if not read_only:
            if os.path.exists(self.path) and not os.access(self.path, os.W_OK):
                raise DatabaseReadOnly("file not writable", self.path)
            if not os.access(Path(self.path).parent, os.W_OK):
                raise DatabaseReadOnly("folder not writable", self.path)
            self.init_schema()
        elif not os.path.exists(self.path):
            raise DatabaseLost("missing", self.path)
        self._identity = self._file_identity()
        self._reader()  # open the first snapshot now: a corrupt file is found at start

    # -- files ---------------------------------------------------------------------------------------
    def _file_identity(self):
        st_ = os.stat(self.path)
        return st_.st_dev, st_.st_ino

    def _file_key(self):
        """Changes whenever the database's content may have changed (the file or its WAL)."""
        try:
            st_ = os.stat(self.path)
        except FileNotFoundError:
            return None
        key = (st_.st_dev, st_.st_ino, st_.st_size, st_.st_mtime_ns)
        try:
            w = os.stat(self.path + ".wal")
            key += (w.st_size, w.st_mtime_ns)
        except FileNotFoundError:
            pass
        return key

    def lost(self) -> bool:
        """Whether the database file is gone or was replaced since this store opened it."""
        try:
            self.check_file()
        except DatabaseLost:
            return True
        return False

    def check_file(self) -> None:
        """Refuse to go on when the database file is gone or another file took its place."""
        if self.memory:
            return
        if not os.path.exists(self.path):
            raise DatabaseLost("deleted", self.path)
        if getattr(self, "_identity", None) is not None and self._file_identity() != self._identity:
            raise DatabaseLost("replaced", self.path)

    def _connect_rw(self):
        """Open the file read-write (we hold the writer lock); a process that keeps the file open
        without the lock (an old version, a DuckDB shell) is waited for, then reported as busy."""
        deadline = time.monotonic() + self.WRITE_WAIT
        delay = 0.01
        while True:
            try:
                return duckdb.connect(self.path)
            except duckdb.Error as exc:
                kind = classify_open_error(exc)
                if kind is not DatabaseBusy:
                    raise kind(str(exc), self.path) from exc
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(str(exc), self.path) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    def _reader(self):
        """The snapshot connection, refreshed when the file changed since it was copied."""
        if self.memory:
            return self.con
        with self._guard:
            key = self._file_key()
            if key is None:
                if self._snap is not None:  # keep reading what we had; writes are refused (check_file)
                    return self._snap[1]
                raise DatabaseLost("deleted", self.path)
            if self._snap is not None and self._snap[0] == key:
                return self._snap[1]
            import shutil
            import tempfile

            if self._snap_dir is None:
                import atexit

                self._snap_dir = tempfile.mkdtemp(prefix="dti_snapshot_")
                atexit.register(shutil.rmtree, self._snap_dir, True)
            target = os.path.join(self._snap_dir, f"snap_{time.monotonic_ns()}.duckdb")
            lock = self.lock.hold(False, self.WRITE_WAIT) if self.lock else nullcontext()
            with lock:
                key = self._file_key()
                shutil.copyfile(self.path, target)
                if os.path.exists(self.path + ".wal"):
                    shutil.copyfile(self.path + ".wal", target + ".wal")
            try:
                con = duckdb.connect(target)  # a private copy: nobody else opens it
            except duckdb.Error as exc:
                raise DatabaseCorrupt(str(exc), self.path) from exc
            old = self._snap
            self._snap = (key, con, target)
            if old is not None:
                # Cursors still reading the old copy keep its database alive; the file can go now.
                for f in (old[2], old[2] + ".wal"):
                    try:
                        os.remove(f)
                    except FileNotFoundError:
                        pass
            return con

    def close(self) -> None:
        if self.memory:
            self.con.close()
            return
        with self._guard:
            if self._snap is not None:
                self._snap[1].close()
                self._snap = None
            if self._snap_dir:
                import shutil

                shutil.rmtree(self._snap_dir, ignore_errors=True)
                self._snap_dir = None

    @property
    def con(self):
        """A connection for reading (the snapshot of a file store)."""
        return self.__dict__["con"] if self.memory else self._reader()

    @con.setter
    def con(self, value):
        self.__dict__["con"] = value

    # -- plumbing --------------------------------------------------------------------------------
    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        cur = self._reader().cursor()
        try:
            return cur.execute(sql, list(params)).df()
        finally:
            cur.close()

    def query_arrow(self, sql: str, params: list | tuple = ()) -> pa.Table:
        """A query's result as an Arrow table (no Python object per text cell: for bulk copies)."""
        cur = self._reader().cursor()
        try:
            return cur.sql(sql, params=list(params)).to_arrow_table()
        finally:
            cur.close()

    @staticmethod
    @contextmanager
    def _transaction_on(con):
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            # After a failed COMMIT DuckDB has already ended the transaction: a ROLLBACK then fails with
            # "no transaction is active" and would hide the real error (and skip the retry).
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        finally:
            cur.close()

    @contextmanager
    def transaction(self):
        """One write transaction: committed whole or rolled back whole (under the writer lock)."""
        if self.memory:
            with self._transaction_on(self.con) as cur:
                yield cur
                cur.execute(_BUMP_VERSION)
            return
        if self.read_only:
            raise DatabaseReadOnly("opened read-only", self.path)
        with self.lock.hold(True, self.WRITE_WAIT):
            if getattr(self, "_identity", None) is not None:
                self.check_file()
            con = self._connect_rw()
            try:
                with self._transaction_on(con) as cur:
                    yield cur
                    cur.execute(_BUMP_VERSION)
            finally:
                con.close()  # checkpoints: the file alone holds the data, readers may copy it
            if getattr(self, "_identity", None) is None:
                self._identity = self._file_identity()

    def write(self, fn, retries: int = 5):
        """Run fn(cursor) in one transaction, retried on DuckDB's optimistic-concurrency conflict
        (a failed COMMIT included)."""
        for attempt in range(retries):
            try:
                with self.transaction() as cur:
                    result = fn(cur)
                break
            except duckdb.TransactionException as exc:
                if "onflict" not in str(exc) or attempt == retries - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
        if self.after_write is not None:
            self.after_write(self)  # e.g. storage.backup keeps the users' imports exported
        return result

    def data_version(self) -> int:
        """A number that grows with every write (imports, rollbacks, scenarios, weights …)."""
        df = self.query("SELECT value FROM meta WHERE key = 'data_version'")
        return 0 if df.empty else int(df.iloc[0, 0])

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
    def _insert_frame(cur, table: str, df) -> None:
        """Insert a DataFrame's or an Arrow table's rows (columns matched by name)."""
        cols = ", ".join(f'"{c}"' for c in (df.column_names if isinstance(df, pa.Table) else df.columns))
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
        """The current unit list (latest units import of each province, not rolled back), optionally
        one province/level."""
        return self.query(f"""
            WITH latest AS (SELECT province, max(import_id) AS import_id FROM units WHERE {ACTIVE}
                            GROUP BY province)
            SELECT u.province, u.name, u.level, u.parent, u.code, u.valid_from, u.valid_to, u.aliases,
                   u.source_row, u.import_id
            FROM units u JOIN latest USING (province, import_id)
            WHERE (? IS NULL OR u.province = ?) AND (? IS NULL OR u.level = ?)
            ORDER BY u.province, u.level, u.name""", [province, province, level, level])

    def unit_provinces(self) -> list[str]:
        return self.query("SELECT DISTINCT province FROM units ORDER BY province")["province"].tolist()

    def save_units(self, province: str, units: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
                   imported_by: str | None = None, note: str | None = None, flag_source: str | None = None,
                   cur=None) -> int:
        """Write a province's whole unit list as a new version (the previous one stays in history)."""
        who = require_who(imported_by, "save_units")
        self._check_flag(flag, flag_source)
        def write(c) -> int:
            import_id = self._log_import(c, file_name, sha256, len(units), None, province, flag, who, "units",
                                         note, flag_source)
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
                      form: str | None = None, note: str | None = None, basis: str = "self",
                      flag_source: str | None = None, cur=None) -> int:
        """Write one validated import (long DataFrame) and its log row in a single transaction.
        A unit import carries its rows' group in a column `entity_group` (units of several levels)."""
        if basis not in BASES:
            raise ValueError(f"unknown basis {basis!r}")
        who = require_who(imported_by, "record_import")
        self._check_flag(flag, flag_source)

        n = len(data)
        # An Arrow table, text columns dictionary-encoded (each distinct text converted once): DuckDB reads it
        # without a Python object per cell (twice as fast as a DataFrame of object columns at 332,100 rows).
        columns = {
            "framework_id": _constant_text(framework_id, n),
            "entity_group": _text_column(data["entity_group"]) if "entity_group" in data
            else _constant_text(entity_group, n),
            "entity": _text_column(data["entity"]),
            "year": pa.array(data["year"].to_numpy(dtype="int64")),
            "indicator": _text_column(data["indicator"]),
            "variable": _text_column(data["variable"]),
            "value": pa.array(pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype="float64",
                                                                                     na_value=float("nan")),
                              from_pandas=True),
            "not_applicable": pa.array(data["not_applicable"].to_numpy(dtype=bool) if "not_applicable" in data
                                       else np.zeros(n, dtype=bool)),
            "flag": _constant_text(flag, n),
            "sheet": _text_column(data["sheet"]) if "sheet" in data else _constant_text(None, n),
            "source_row": pa.array(data["row"].to_numpy(dtype="int64")) if "row" in data
            else pa.nulls(n, pa.int64()),
            "source_column": _text_column(data["column"]) if "column" in data else _constant_text(None, n),
            "basis": _constant_text(basis, n),
        }

        def write(c) -> int:
            import_id = self._log_import(c, file_name, sha256, n, framework_id, entity_group, flag, who,
                                         form, note, flag_source)
            rows = pa.table({"import_id": pa.array(np.full(n, import_id, dtype=np.int64)), **columns})
            self._insert_frame(c, "raw_inputs", rows)
            return import_id

        if cur is not None:
            return write(cur)
        return self.write(write)

    def record_target_progress(self, data: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
                               imported_by: str | None = None, flag_source: str | None = None) -> int:
        """Write progress values of plan targets (target_id, year, value[, row]) and their log row at once."""
        who = require_who(imported_by, "record_target_progress")
        self._check_flag(flag, flag_source)

        def write(c) -> int:
            import_id = self._log_import(c, file_name, sha256, len(data), "plan_targets", None, flag, who,
                                         "targets", None, flag_source)
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
        return self.query(f"""
            SELECT target_id, year, value, flag, import_id FROM target_progress WHERE {ACTIVE}
            QUALIFY row_number() OVER (PARTITION BY target_id, year ORDER BY import_id DESC) = 1
            ORDER BY target_id, year""")

    def has_import(self, sha256: str) -> bool:
        return not self.query("SELECT 1 FROM imports WHERE sha256 = ? LIMIT 1", [sha256]).empty

    def import_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM imports ORDER BY import_id DESC")

    # -- who changed what ---------------------------------------------------------------------------
    @staticmethod
    def _check_flag(flag: str, flag_source: str | None) -> None:
        if flag not in {f[0] for f in VALUE_FLAGS}:
            raise ValueError(f"unknown value flag {flag!r}")
        if flag == "published" and not (flag_source or "").strip():
            raise ValueError("figures marked 'published' need their source (flag_source)")

    @staticmethod
    def _log_import(c, file_name, sha256, n_rows, framework_id, entity_group, flag, who, form, note,
                    flag_source) -> int:
        import_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
        cols = ", ".join(IMPORT_COLUMNS)
        c.execute(f"INSERT INTO imports ({cols}) VALUES ({', '.join('?' * len(IMPORT_COLUMNS))})",
                  [import_id, _now(), file_name, sha256, n_rows, framework_id, entity_group, flag, who, form, note,
                   flag_source])
        return import_id

    @staticmethod
    def _log_change(c, who: str, action: str, target: str, detail: str = "") -> None:
        change_id = int(c.execute("SELECT nextval('change_seq')").fetchone()[0])
        c.execute("INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?)", [change_id, _now(), who, action, target, detail])

    def change_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM change_log ORDER BY change_id DESC")

    # -- undo and history of imports ------------------------------------------------------------------
    def import_info(self, import_id: int) -> dict | None:
        df = self.query("SELECT * FROM imports WHERE import_id = ?", [int(import_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def import_rows(self, import_id: int, limit: int | None = None) -> pd.DataFrame:
        """The rows one import wrote (values, target progress or a unit list), as stored; the first
        `limit` of them in that order when given (a page shows a few thousand of a commune-scale import)."""
        cap, extra = ("", []) if limit is None else (" LIMIT ?", [int(limit)])
        info = self.import_info(import_id)
        if info is None:
            return pd.DataFrame()
        form = info.get("form")
        if form == "units":
            return self.query("SELECT * EXCLUDE (import_id) FROM units WHERE import_id = ? ORDER BY level, name" + cap,
                              [int(import_id)] + extra)
        if form == "targets":
            return self.query("SELECT * EXCLUDE (import_id) FROM target_progress WHERE import_id = ? "
                              "ORDER BY target_id, year" + cap, [int(import_id)] + extra)
        return self.query("SELECT * EXCLUDE (import_id) FROM raw_inputs WHERE import_id = ? "
                          "ORDER BY entity, year, indicator, variable" + cap, [int(import_id)] + extra)

    def import_diff(self, import_id: int, limit: int | None = None) -> pd.DataFrame:
        """Each value of an import next to the value it replaced: the latest earlier import (not rolled
        back) of the same entity, year, indicator, variable and basis; `previous_import` is empty for a
        value that was new. A unit list is compared name by name with the province's previous list.
        `limit`: only the first rows in that order (the values compared are those rows' only)."""
        cap, extra = ("", []) if limit is None else (" LIMIT ?", [int(limit)])
        info = self.import_info(import_id)
        if info is None:
            return pd.DataFrame()
        if info.get("form") == "units":
            return self.query(f"""
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
            return self.query(f"""
                SELECT n.target_id, n.year, n.value, p.value AS previous_value, p.import_id AS previous_import
                FROM target_progress n LEFT JOIN LATERAL (
                    SELECT value, import_id FROM target_progress o
                    WHERE o.target_id = n.target_id AND o.year = n.year AND o.import_id < n.import_id AND {ACTIVE}
                    ORDER BY o.import_id DESC LIMIT 1) p ON TRUE
                WHERE n.import_id = ? ORDER BY n.target_id, n.year""" + cap, [int(import_id)] + extra)
        return self.query(f"""
            WITH n AS (SELECT * FROM raw_inputs WHERE import_id = ?
                       ORDER BY entity, year, indicator, variable{cap}),
            o AS (SELECT r.entity, r.year, r.indicator, r.variable, coalesce(r.basis, 'self') AS basis,
                         r.value, r.not_applicable, r.import_id
                  FROM raw_inputs r
                  WHERE r.import_id < ? AND r.framework_id = ? AND r.import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)
                  QUALIFY row_number() OVER (PARTITION BY r.entity_group, r.entity, r.year, r.indicator,
                                             r.variable, coalesce(r.basis, 'self') ORDER BY r.import_id DESC) = 1)
            SELECT n.entity, n.year, n.indicator, n.variable, n.value, o.value AS previous_value,
                   o.import_id AS previous_import
            FROM n LEFT JOIN o ON o.entity = n.entity AND o.year = n.year AND o.indicator = n.indicator
                 AND o.variable = n.variable AND o.basis = coalesce(n.basis, 'self')
            ORDER BY n.entity, n.year, n.indicator, n.variable""",
            [int(import_id)] + extra + [int(import_id), info["framework_id"]])

    def rollback_import(self, import_id: int, who: str, reason: str = "") -> None:
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
                      "WHERE import_id = ?", [_now(), who, reason or None, int(import_id)])
            self._log_change(c, who, "rollback_import", str(int(import_id)), reason)

        self.write(write)

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
        who = require_who(removed_by, "remove_sample")

        def write(c) -> int:
            n = int(c.execute("SELECT count(*) FROM raw_inputs WHERE framework_id = ? AND entity_group = ? "
                              "AND flag = 'sample'", [framework_id, entity_group]).fetchone()[0])
            if n == 0:
                return 0
            c.execute("DELETE FROM raw_inputs WHERE framework_id = ? AND entity_group = ? AND flag = 'sample'",
                      [framework_id, entity_group])
            self._log_import(c, "—", "", n, framework_id, entity_group, "sample", who, "remove_sample",
                             f"removed the SAMPLE dataset ({n} values)", None)
            self._log_change(c, who, "remove_sample", f"{framework_id}/{entity_group}", f"{n} values")
            return n

        return self.write(write)

    def bases(self, framework_id: str, entity_group: str) -> list[str]:
        """The assessment bases that have values for a framework and group, 'self' first."""
        df = self.query("SELECT DISTINCT coalesce(basis, 'self') AS basis FROM raw_inputs "
                        f"WHERE framework_id = ? AND entity_group = ? AND {ACTIVE}", [framework_id, entity_group])
        return [b for b in BASES if b in set(df["basis"])]

    def groups_with_inputs(self, framework_id: str) -> list[str]:
        return self.query(f"SELECT DISTINCT entity_group FROM raw_inputs WHERE framework_id = ? AND {ACTIVE} ORDER BY 1",
                          [framework_id])["entity_group"].tolist()

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("entities", "imports", "raw_inputs", "published_results", "plan_values", "scenarios",
                      "plan_targets", "target_progress", "units"):
            out[table] = int(self.query(f"SELECT count(*) AS n FROM {table}").iloc[0, 0])
        return out

    # -- scenarios and planner settings (what-if) --------------------------------------------------
    def save_scenario(self, name: str, framework_id: str, entity: str, year: int, changes_json: str,
                      note: str = "", *, who: str | None = None) -> None:
        """Save (or replace, by name) a scenario; who and when are kept on it and in the change log."""
        who = require_who(who, "save_scenario")

        def write(c):
            c.execute("INSERT OR REPLACE INTO scenarios (name, framework_id, entity, year, created_at, changes_json, "
                      "note, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [name, framework_id, entity, year, _now(), changes_json, note, who])
            self._log_change(c, who, "save_scenario", f"{framework_id}/{name}", changes_json)

        self.write(write)

    def scenarios(self, framework_id: str) -> pd.DataFrame:
        return self.query("SELECT * FROM scenarios WHERE framework_id = ? ORDER BY created_at DESC", [framework_id])

    def delete_scenario(self, framework_id: str, name: str, *, who: str | None = None) -> None:
        """Delete a scenario; its content stays in the change log."""
        who = require_who(who, "delete_scenario")

        def write(c):
            old = c.execute("SELECT changes_json FROM scenarios WHERE framework_id = ? AND name = ?",
                            [framework_id, name]).fetchone()
            c.execute("DELETE FROM scenarios WHERE framework_id = ? AND name = ?", [framework_id, name])
            self._log_change(c, who, "delete_scenario", f"{framework_id}/{name}", old[0] if old else "")

        self.write(write)

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
        who = require_who(assigned_by, "assign_criterion_leads")
        current = self.criterion_leads(framework_id, province).set_index("code")["lead_agency"].to_dict()
        changed = {c: (a or "").strip() for c, a in leads.items() if (a or "").strip() != (current.get(c) or "")}
        if not changed:
            return 0
        now = _now()

        def write(c):
            for code, agency in changed.items():
                c.execute("INSERT INTO criterion_leads VALUES (?, ?, ?, ?, ?, ?)",
                          [framework_id, province, code, agency or None, who, now])

        self.write(write)
        return len(changed)

    def effort_weights(self, framework_id: str) -> pd.DataFrame:
        return self.query("SELECT code, cost_per_point, saved_by, saved_at FROM effort_weights WHERE framework_id = ?",
                          [framework_id])

    def save_effort_weights(self, framework_id: str, weights: dict[str, float], *, who: str | None = None) -> None:
        """Replace a framework's effort weights (by criterion code); who and when kept, old ones logged."""
        import json

        who = require_who(who, "save_effort_weights")
        now = _now()

        def write(c):
            old = c.execute("SELECT code, cost_per_point FROM effort_weights WHERE framework_id = ?",
                            [framework_id]).fetchall()
            c.execute("DELETE FROM effort_weights WHERE framework_id = ? AND code NOT IN (SELECT unnest(?))",
                      [framework_id, [str(k) for k in weights]])
            for code, w in weights.items():
                c.execute("INSERT OR REPLACE INTO effort_weights (framework_id, code, cost_per_point, saved_by, saved_at) "
                          "VALUES (?, ?, ?, ?, ?)", [framework_id, code, float(w), who, now])
            self._log_change(c, who, "save_effort_weights", framework_id,
                             json.dumps({"before": dict(old), "after": {k: float(v) for k, v in weights.items()}},
                                        ensure_ascii=False))

        self.write(write)

    # -- data-collection rounds (issue 10) -----------------------------------------------------------
    @staticmethod
    def _now():
        return datetime.now(timezone.utc).replace(tzinfo=None)

    def create_round(self, framework_id: str, province: str, year: int, deadline, label: str = "",
                     created_by: str | None = None) -> int:
        def write(c) -> int:
            rid = int(c.execute("SELECT nextval('collection_seq')").fetchone()[0])
            c.execute("INSERT INTO collection_rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [rid, framework_id, province, int(year), deadline, label or None, self._now(),
                       created_by or None])
            return rid

        return self.write(write)

    def rounds(self, framework_id: str | None = None) -> pd.DataFrame:
        return self.query("SELECT * FROM collection_rounds WHERE ? IS NULL OR framework_id = ? "
                          "ORDER BY round_id DESC", [framework_id, framework_id])

    def round(self, round_id: int) -> dict | None:
        df = self.query("SELECT * FROM collection_rounds WHERE round_id = ?", [int(round_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def record_sent(self, round_id: int, files: dict[str, str], sent_by: str | None = None) -> None:
        now = self._now()

        def write(c):
            for agency, name in files.items():
                c.execute("INSERT INTO collection_sent VALUES (?, ?, ?, ?, ?)",
                          [int(round_id), agency, name, now, sent_by or None])

        self.write(write)

    def round_sent(self, round_id: int) -> pd.DataFrame:
        return self.query("SELECT * FROM collection_sent WHERE round_id = ? ORDER BY sent_at", [int(round_id)])

    def record_collection_import(self, round_id: int, agency: str, *, file_name: str, sha256: str, ok: bool,
                                 data: pd.DataFrame | None, n_missing: int, problems: list[str],
                                 evidence: pd.DataFrame | None = None, imported_by: str | None = None,
                                 received_at=None) -> int:
        """Log one returned workbook; a valid one writes its values and evidence in the same transaction."""
        def write(c) -> int:
            iid = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            c.execute("INSERT INTO collection_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [iid, int(round_id), agency, file_name, sha256, received_at or self._now(), bool(ok),
                       0 if data is None else len(data), int(n_missing), "\n".join(problems) or None,
                       imported_by or None])
            if ok and data is not None and not data.empty:
                rows = pd.DataFrame({
                    "import_id": iid, "round_id": int(round_id), "agency": agency,
                    "indicator": data["indicator"].astype(str), "variable": data["variable"].astype(str),
                    "value": pd.to_numeric(data["value"], errors="coerce").astype("float64"),
                    "not_applicable": data["not_applicable"].astype(bool),
                    "sheet": data["sheet"].astype(str), "source_row": data["row"].astype("int64"),
                    "source_column": data["column"].astype(str)})
                self._insert_frame(c, "collection_values", rows)
            if ok and evidence is not None and not evidence.empty:
                ev = pd.DataFrame({
                    "round_id": int(round_id), "indicator": evidence["indicator"].astype(str),
                    "variable": evidence["variable"].astype(str),
                    "doc_number": evidence["doc_number"].astype(object),
                    "doc_date": pd.to_datetime(evidence["doc_date"], errors="coerce").dt.date,
                    "issuer": evidence["issuer"].astype(object), "link": evidence["link"].astype(object),
                    "file_path": None, "source": f"workbook:{file_name}", "added_by": imported_by or None,
                    "added_at": self._now()})
                self._insert_frame(c, "evidence", ev)
            return iid

        return self.write(write)

    def round_imports(self, round_id: int) -> pd.DataFrame:
        return self.query("SELECT * FROM collection_imports WHERE round_id = ? ORDER BY import_id",
                          [int(round_id)])

    def round_values(self, round_id: int) -> pd.DataFrame:
        """Values of the round's valid imports, with the agency and when they were received."""
        return self.query("""
            SELECT v.*, i.received_at, i.file_name FROM collection_values v JOIN collection_imports i
            USING (import_id) WHERE v.round_id = ? ORDER BY v.import_id""", [int(round_id)])

    def evidence_folder(self) -> Path:
        """The folder of uploaded evidence files, beside the database file."""
        base = Path(self.path) if self.path != ":memory:" else Path.cwd() / "memory"
        return base.parent / f"{base.stem}_evidence"

    def add_evidence(self, round_id: int, indicator: str, variable: str, *, doc_number: str | None = None,
                     doc_date=None, issuer: str | None = None, link: str | None = None,
                     file_name: str | None = None, file_bytes: bytes | None = None,
                     added_by: str | None = None) -> str | None:
        """Record the evidence of a figure; an uploaded file is stored in the evidence folder under a name
        made of its SHA-256 (the original name kept after it). Returns the stored file's relative path."""
        import hashlib
        import re as _re

        rel = None
        if file_bytes is not None:
            digest = hashlib.sha256(file_bytes).hexdigest()[:16]
            safe = _re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name or "tep").name)[-80:]
            rel = f"{int(round_id)}/{digest}_{safe}"
            target = self.evidence_folder() / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file_bytes)
        self.write(lambda c: c.execute(
            "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [int(round_id), indicator, variable, doc_number or None, doc_date, issuer or None, link or None,
             rel, "screen", added_by or None, self._now()]))
        return rel

    def round_evidence(self, round_id: int) -> pd.DataFrame:
        """The latest evidence of each figure of a round."""
        return self.query("""
            SELECT * FROM evidence WHERE round_id = ?
            QUALIFY row_number() OVER (PARTITION BY indicator, variable ORDER BY added_at DESC) = 1
            ORDER BY indicator, variable""", [int(round_id)])

    def save_official_points(self, framework_id: str, province: str, year: int, points: pd.DataFrame, *,
                             file_name: str, imported_by: str | None = None) -> None:
        """Replace the official points of a province-year (code, points) with a new file's."""
        rows = pd.DataFrame({"framework_id": framework_id, "province": province, "year": int(year),
                             "code": points["code"].astype(str), "points": points["points"].astype("float64"),
                             "file_name": file_name, "imported_by": imported_by or None,
                             "imported_at": self._now()})

        def write(c):
            c.execute("DELETE FROM official_points WHERE framework_id = ? AND province = ? AND year = ?",
                      [framework_id, province, int(year)])
            self._insert_frame(c, "official_points", rows)

        self.write(write)

    def official_points(self, framework_id: str, province: str, year: int) -> pd.DataFrame:
        return self.query("SELECT * FROM official_points WHERE framework_id = ? AND province = ? AND year = ? "
                          "ORDER BY code", [framework_id, province, int(year)])

    def save_office_plan(self, framework_id: str, plan, max_gain: float | None, created_by: str | None = None,
                         note: str | None = None) -> int:
        """Record a two-year plan (scoring.plan2y.TwoYearPlan) as made."""
        def write(c) -> int:
            pid = int(c.execute("SELECT nextval('collection_seq')").fetchone()[0])
            c.execute("INSERT INTO office_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [pid, framework_id, plan.entity, plan.year1, plan.year2, plan.target1, plan.target2,
                       max_gain, plan.method, None if plan.cost != plan.cost else float(plan.cost),
                       bool(plan.optimal), bool(plan.reachable), plan.actions.to_json(orient="records"),
                       note, created_by or None, self._now()])
            return pid

        return self.write(write)

    def office_plans(self, framework_id: str, entity: str) -> pd.DataFrame:
        return self.query("SELECT * FROM office_plans WHERE framework_id = ? AND entity = ? ORDER BY plan_id DESC",
                          [framework_id, entity])

    def record_progress(self, framework_id: str, province: str, year: int, as_of, data: pd.DataFrame, *,
                        agency: str | None, file_name: str | None, entered_by: str | None = None) -> int:
        """Write dated values (indicator, variable, value) of one update at once; N/A rows are skipped."""
        d = data.loc[~data.get("not_applicable", pd.Series(False, index=data.index)).astype(bool)]
        rows = pd.DataFrame({"framework_id": framework_id, "province": province, "year": int(year),
                             "as_of": pd.Timestamp(as_of).date(), "indicator": d["indicator"].astype(str),
                             "variable": d["variable"].astype(str), "value": d["value"].astype("float64"),
                             "agency": agency, "file_name": file_name, "entered_by": entered_by or None,
                             "entered_at": self._now()})
        self.write(lambda c: self._insert_frame(c, "progress_updates", rows))
        return len(rows)

    def progress_updates(self, framework_id: str, province: str, year: int) -> pd.DataFrame:
        """The latest entry of each (date, variable)."""
        return self.query("""
            SELECT * FROM progress_updates WHERE framework_id = ? AND province = ? AND year = ?
            QUALIFY row_number() OVER (PARTITION BY as_of, indicator, variable ORDER BY entered_at DESC) = 1
            ORDER BY as_of, indicator, variable""", [framework_id, province, int(year)])

    # -- the internal appraisal round (issue 12) ----------------------------------------------------
    # The rules live in office.appraisal; these methods only read and write, each write in one
    # transaction with its change_log row. `guard` = (round_id, unit or None, token): the write is refused
    # (RoundChanged) when a status event of the unit (or of the round) was recorded since the caller read
    # the state the token came from (`appraisal_token`), so a check and its write cannot be split by
    # another session's submit, reopen or close.
    _APPRAISAL_HISTORY = ("appraisal_assignments", "appraisal_values", "appraisal_notes", "appraisal_events",
                          "appraisal_decisions", "appraisal_evidence")
    # The latest status event of a unit (with the round's own events), or of the whole round; `full` adds
    # the latest saved value and decision of the round (for a close: nothing may change under it).
    _TOKEN_SQL = """SELECT greatest(
        (SELECT coalesce(max(seq), 0) FROM appraisal_events WHERE round_id = ? AND (? IS NULL OR unit IS NULL
                                                                                    OR unit = ?)),
        (SELECT coalesce(max(seq), 0) FROM appraisal_values WHERE round_id = ? AND ?),
        (SELECT coalesce(max(seq), 0) FROM appraisal_decisions WHERE round_id = ? AND ?))"""

    def appraisal_token(self, round_id: int, unit: str | None = None, full: bool = False) -> int:
        rid = int(round_id)
        return int(self.query(self._TOKEN_SQL, [rid, unit, unit, rid, bool(full), rid, bool(full)]).iloc[0, 0])

    def _check_guard(self, c, guard) -> None:
        if guard is None:
            return
        rid, unit, token = guard[:3]
        full = bool(guard[3]) if len(guard) > 3 else False
        now_token = int(c.execute(self._TOKEN_SQL, [int(rid), unit, unit, int(rid), full, int(rid), full]
                                  ).fetchall()[0][0])
        if now_token != int(token):
            raise RoundChanged(f"round {rid} unit {unit}: {token} → {now_token}")

    def save_accounts(self, rows: pd.DataFrame, *, who: str | None) -> None:
        """Create or reset accounts (account, role, province, unit, display_name, email, pw_hash); the hashes
        never reach the change log."""
        who = require_who(who, "save_accounts")
        now = _now()
        frame = rows.assign(created_by=who, created_at=now, disabled_at=pd.NaT, disabled_by=None)[
            ["account", "role", "province", "unit", "display_name", "email", "pw_hash", "created_by", "created_at",
             "disabled_at", "disabled_by"]]

        def write(c):
            c.execute("DELETE FROM accounts WHERE account IN (SELECT unnest(?))", [frame["account"].tolist()])
            self._insert_frame(c, "accounts", frame)
            for acc, role, unit in zip(frame["account"], frame["role"], frame["unit"]):
                self._log_change(c, who, "issue_account", str(acc), f"{role} {unit or ''}".strip())

        self.write(write)

    def disable_account(self, account: str, *, who: str | None) -> bool:
        who = require_who(who, "disable_account")

        def write(c) -> bool:
            found = c.execute("SELECT 1 FROM accounts WHERE account = ? AND disabled_at IS NULL", [account]).fetchall()
            if not found:
                return False
            c.execute("UPDATE accounts SET disabled_at = ?, disabled_by = ? WHERE account = ?", [_now(), who, account])
            self._log_change(c, who, "disable_account", account)
            return True

        return self.write(write)

    def accounts(self, province: str | None = None) -> pd.DataFrame:
        """Accounts of a province (all when None), without their password hashes."""
        return self.query("SELECT * EXCLUDE (pw_hash) FROM accounts WHERE ? IS NULL OR province = ? "
                          "ORDER BY role DESC, display_name", [province, province])

    def account_row(self, account: str | None = None, email: str | None = None) -> dict | None:
        """One account with its hash (for sign-in only), by login name or by e-mail (case-insensitive)."""
        df = self.query("SELECT * FROM accounts WHERE (? IS NOT NULL AND account = ?) "
                        "OR (? IS NOT NULL AND lower(email) = lower(?)) ORDER BY disabled_at NULLS FIRST LIMIT 1",
                        [account, account, email, email])
        return None if df.empty else df.iloc[0].to_dict()

    def create_appraisal_round(self, head: dict, units: list[str], *, who: str | None, at) -> int:
        """A new round (head: framework_id, province, level, year, deadline, label, allow_reply, dataset), its
        units and its 'open' event, at once."""
        who = require_who(who, "open_appraisal_round")

        def write(c) -> int:
            rid = int(c.execute("SELECT nextval('appraisal_round_seq')").fetchall()[0][0])
            c.execute("INSERT INTO appraisal_rounds (round_id, framework_id, province, level, year, deadline, label, "
                      "allow_reply, dataset, opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [rid, head["framework_id"], head["province"], head["level"], int(head["year"]), head["deadline"],
                       head.get("label") or None, bool(head["allow_reply"]), head["dataset"], who, at])
            self._insert_frame(c, "appraisal_round_units", pd.DataFrame({"round_id": rid, "unit": list(units)}))
            c.execute("INSERT INTO appraisal_events (round_id, unit, event, actor, \"at\") VALUES (?, NULL, 'open', ?, ?)",
                      [rid, who, at])
            self._log_change(c, who, "open_appraisal_round", str(rid),
                             f"{head['framework_id']} {head['level']}@{head['province']} {head['year']}: "
                             f"{len(units)} units, deadline {head['deadline']}")
            return rid

        return self.write(write)

    def appraisal_rounds(self, framework_id: str | None = None, province: str | None = None) -> pd.DataFrame:
        return self.query("""
            SELECT r.*, (SELECT count(*) FROM appraisal_round_units u WHERE u.round_id = r.round_id) AS n_units
            FROM appraisal_rounds r WHERE (? IS NULL OR framework_id = ?) AND (? IS NULL OR province = ?)
            ORDER BY round_id DESC""", [framework_id, framework_id, province, province])

    def appraisal_round(self, round_id: int) -> dict | None:
        df = self.query("SELECT * FROM appraisal_rounds WHERE round_id = ?", [int(round_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def appraisal_round_units(self, round_id: int) -> list[str]:
        return self.query("SELECT unit FROM appraisal_round_units WHERE round_id = ? ORDER BY unit",
                          [int(round_id)])["unit"].tolist()

    def appraisal_record(self, round_id: int, rows: dict[str, pd.DataFrame], *, who: str | None, action: str,
                         target: str, detail: str = "", guard=None, deadline=None, refuse_if=None) -> list[int]:
        """Append rows to the round's history tables (and move its deadline when given), at once, with one
        change_log row. Every frame gets round_id; the tables are the appraisal history tables only.
        `refuse_if` = (sql, params, exception): raised, nothing written, when the query finds a row inside
        the transaction (e.g. a second reply). Returns the ids given to new evidence rows."""
        who = require_who(who, action)

        def write(c) -> list[int]:
            self._check_guard(c, guard)
            if refuse_if is not None and c.execute(refuse_if[0], list(refuse_if[1])).fetchall():
                raise refuse_if[2]
            ids: list[int] = []
            for table, frame in rows.items():
                if table not in self._APPRAISAL_HISTORY:
                    raise ValueError(f"not an appraisal table: {table}")
                if frame is None or frame.empty:
                    continue
                if table == "appraisal_evidence" and "evidence_id" not in frame:
                    ids += [int(c.execute("SELECT nextval('appraisal_seq')").fetchall()[0][0]) for _ in range(len(frame))]
                    frame = frame.assign(evidence_id=ids)
                self._insert_frame(c, table, frame.assign(round_id=int(round_id)))
            if deadline is not None:
                c.execute("UPDATE appraisal_rounds SET deadline = ? WHERE round_id = ?", [deadline, int(round_id)])
            self._log_change(c, who, action, target, detail)
            return ids

        return self.write(write)

    def remove_appraisal_evidence(self, round_id: int, unit: str, evidence_id: int, *, who: str | None, at,
                                  guard=None) -> bool:
        """Mark one evidence item removed (its row and file stay)."""
        who = require_who(who, "remove_appraisal_evidence")

        def write(c) -> bool:
            self._check_guard(c, guard)
            found = c.execute("SELECT indicator FROM appraisal_evidence WHERE evidence_id = ? AND round_id = ? "
                              "AND unit = ? AND removed_at IS NULL", [int(evidence_id), int(round_id), unit]).fetchall()
            if not found:
                return False
            found = found[0]
            c.execute("UPDATE appraisal_evidence SET removed_at = ?, removed_by = ? WHERE evidence_id = ?",
                      [at, who, int(evidence_id)])
            self._log_change(c, who, "remove_appraisal_evidence", f"{round_id}/{unit}/{found[0]}", str(evidence_id))
            return True

        return self.write(write)

    def appraisal_latest(self, table: str, round_id: int, unit: str | None = None) -> pd.DataFrame:
        """The rows that hold: latest assignment per code, latest value/decision per (unit, indicator,
        variable), latest explanation and every reply, every event (in order), the evidence not removed.
        Each keeps its `seq` (evidence: evidence_id) so callers can compare what came after what."""
        sql = {
            "appraisal_assignments": "SELECT * FROM appraisal_assignments WHERE round_id = ? AND ? IS NULL "
                                     "QUALIFY row_number() OVER (PARTITION BY code ORDER BY seq DESC) = 1 ORDER BY code",
            "appraisal_values": "SELECT * FROM appraisal_values WHERE round_id = ? AND (? IS NULL OR unit = ?) "
                                "QUALIFY row_number() OVER (PARTITION BY unit, indicator, variable ORDER BY seq DESC) = 1",
            "appraisal_decisions": "SELECT * FROM appraisal_decisions WHERE round_id = ? AND (? IS NULL OR unit = ?) "
                                   "QUALIFY row_number() OVER (PARTITION BY unit, indicator, variable "
                                   "ORDER BY seq DESC) = 1",
            "appraisal_notes": "SELECT * FROM appraisal_notes WHERE round_id = ? AND (? IS NULL OR unit = ?) "
                               "QUALIFY kind = 'reply' OR row_number() OVER (PARTITION BY unit, indicator, kind "
                               "ORDER BY seq DESC) = 1",
            "appraisal_events": "SELECT * FROM appraisal_events WHERE round_id = ? AND (? IS NULL OR unit IS NULL "
                                "OR unit = ?) ORDER BY seq",
            "appraisal_evidence": "SELECT * FROM appraisal_evidence WHERE round_id = ? AND (? IS NULL OR unit = ?) "
                                  "AND removed_at IS NULL ORDER BY evidence_id",
        }[table]
        params = [int(round_id), unit] if table == "appraisal_assignments" else [int(round_id), unit, unit]
        return self.query(sql, params)

    def appraisal_history(self, table: str, round_id: int) -> pd.DataFrame:
        """Every row of one appraisal history table for a round, oldest first (the audit view)."""
        if table not in self._APPRAISAL_HISTORY:
            raise ValueError(f"not an appraisal table: {table}")
        order = "evidence_id" if table == "appraisal_evidence" else "seq"
        return self.query(f"SELECT * FROM {table} WHERE round_id = ? ORDER BY {order}", [int(round_id)])

    def close_appraisal_round(self, round_id: int, self_data: pd.DataFrame, appraised_data: pd.DataFrame, *,
                              entity_group: str, framework_id: str, flag: str, file_name: str, who: str | None,
                              at, reason: str | None, guard=None) -> tuple[int | None, int | None]:
        """Close a round in ONE transaction: the submitted self values (basis 'self') and the appraised values
        (basis 'appraised') become imports of the unit group, the round is marked closed, the event and the
        change are recorded. Returns the two import ids (None for an empty side)."""
        import hashlib

        who = require_who(who, "close_appraisal_round")

        def digest(kind, df):
            return hashlib.sha256(f"appraisal_round:{round_id}:{kind}:".encode()
                                  + df.to_csv(index=False).encode()).hexdigest()

        def write(c):
            self._check_guard(c, guard)
            ids = []
            for basis, df in (("self", self_data), ("appraised", appraised_data)):
                if df.empty:
                    ids.append(None)
                    continue
                ids.append(self.record_import(df, file_name=file_name, sha256=digest(basis, df),
                                              framework_id=framework_id, flag=flag, entity_group=entity_group,
                                              imported_by=who, form="appraisal_round", basis=basis,
                                              note=f"appraisal round {round_id}", cur=c))
            c.execute("UPDATE appraisal_rounds SET closed_by = ?, closed_at = ?, self_import_id = ?, "
                      "appraised_import_id = ? WHERE round_id = ?", [who, at, ids[0], ids[1], int(round_id)])
            c.execute("INSERT INTO appraisal_events (round_id, unit, event, actor, \"at\", reason) "
                      "VALUES (?, NULL, 'close', ?, ?, ?)", [int(round_id), who, at, reason])
            self._log_change(c, who, "close_appraisal_round", str(round_id),
                             f"self import {ids[0]}, appraised import {ids[1]}" + (f"; {reason}" if reason else ""))
            return ids[0], ids[1]

        return self.write(write)


class RoundChanged(StoreError):
    """Another session changed the unit's (or the round's) status between reading and writing."""
    code = "round_changed"
