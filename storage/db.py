"""The one module that opens DuckDB: the Store (connection, writer lock, snapshots, transactions) and the
plumbing every domain's queries share. The queries themselves live beside their domain (storage/inputs.py,
units.py, targets.py, plans.py, collection.py, accounts.py, appraisal.py), as plain functions taking the store.

Why one module: the Store's file handling (lock, snapshot, identity check, transaction, retry) is one
protocol whose parts rely on each other; split, its invariants would be spread over files.

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
import pandas as pd
import pyarrow as pa

from storage.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseLost,
    DatabaseReadOnly,
    classify_open_error,
    is_corruption,
)
from storage.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION, VALUE_FLAGS

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "dti_studio.duckdb"

def default_db_path() -> Path:
    return Path(os.environ.get("DTI_STUDIO_DB", DEFAULT_DB))




_BUMP_VERSION = ("INSERT OR REPLACE INTO meta VALUES ('data_version', CAST(coalesce((SELECT TRY_CAST(value AS BIGINT) "
                 "FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR))")


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
    after_write = None   # a callable(store, touched) run after each committed write (set by storage.backup)
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
        except duckdb.IOException as exc:
            if is_corruption(exc):
                raise DatabaseCorrupt(str(exc), self.path) from exc
            raise
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
    def transaction(self, bump_version: bool = True):
        """One write transaction: committed whole or rolled back whole (under the writer lock). It moves the
        data version (the key of every cached page computation) unless `bump_version` is False."""
        if self.memory:
            with self._transaction_on(self.con) as cur:
                yield cur
                if bump_version:
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
                    if bump_version:
                        cur.execute(_BUMP_VERSION)
            except duckdb.IOException as exc:
                if is_corruption(exc):  # a file cut short reads as an I/O error: it is a corrupt database
                    raise DatabaseCorrupt(str(exc), self.path) from exc
                raise
            finally:
                con.close()  # checkpoints: the file alone holds the data, readers may copy it
            if getattr(self, "_identity", None) is None:
                self._identity = self._file_identity()

    def write(self, fn, retries: int = 5, touched: tuple[str, ...] | None = None, bump_version: bool = True):
        """Run fn(cursor) in one transaction, retried on DuckDB's optimistic-concurrency conflict
        (a failed COMMIT included). `touched`: the tables fn writes, when the caller knows them (the backup then
        refreshes only those; None = any table). `bump_version=False` only for tables no cached computation
        reads (the round's history, read fresh by its pages): the caches of every other page then survive."""
        for attempt in range(retries):
            try:
                with self.transaction(bump_version) as cur:
                    result = fn(cur)
                break
            except duckdb.TransactionException as exc:
                if "onflict" not in str(exc) or attempt == retries - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
        if self.after_write is not None:
            self.after_write(self, touched)  # e.g. storage.backup keeps the users' imports exported
        return result

    def data_version(self) -> int:
        """A number that grows with every write (imports, rollbacks, scenarios, weights …)."""
        cur = self._reader().cursor()  # read on every page run, several times: no DataFrame for one number
        try:
            row = cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        finally:
            cur.close()
        return 0 if row is None else int(row[0])

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


# -- plumbing shared by every domain's queries (storage/<domain>.py) ----------------------------------

def now_utc() -> datetime:
    """Now, as the naive UTC the database stores (a person reads it in Vietnam time: dashboard.fmt)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def insert_frame(cur, table: str, df) -> None:
    """Insert a DataFrame's or an Arrow table's rows (columns matched by name)."""
    cols = ", ".join(f'"{c}"' for c in (df.column_names if isinstance(df, pa.Table) else df.columns))
    cur.register("frame_to_insert", df)
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame_to_insert")
    finally:
        cur.unregister("frame_to_insert")


REPLACEABLE = {"entities", "published_results", "plan_values", "frameworks", "framework_nodes", "plan_targets", "plans"}


def replace_table(cur, table: str, df: pd.DataFrame, where: str = "", params: list | None = None):
    """Replace rows of a known reference table with a DataFrame's rows (columns matched by name)."""
    if table not in REPLACEABLE:
        raise ValueError(f"not a replaceable table: {table}")
    cur.execute(f"DELETE FROM {table} {where}", params or [])
    insert_frame(cur, table, df)


def log_change(cur, who: str, action: str, target: str, detail: str = "") -> None:
    """One row of the change log (who, when, what) inside the caller's transaction."""
    change_id = int(cur.execute("SELECT nextval('change_seq')").fetchone()[0])
    cur.execute("INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?)", [change_id, now_utc(), who, action, target, detail])


def change_log(store) -> pd.DataFrame:
    return store.query("SELECT * FROM change_log ORDER BY change_id DESC")
