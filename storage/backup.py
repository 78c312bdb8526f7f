"""Backup of everything users imported, and recovery of the database from it.

After every data change the store writes, in a folder beside the database (`<db stem>_backup/`):
- `imports.csv` — the import log (who, when, file, flag, rollbacks);
- `imports/<id>.parquet` — the rows of each user import (values, target progress or a unit list);
- `scenarios.csv`, `effort_weights.csv`, `criterion_leads.csv`, `change_log.csv`;
- `tables/<table>.parquet` — the office's rounds, whole: the collection rounds (requests sent, workbooks
  received, evidence, official points, two-year plans, in-year progress) and the internal appraisal rounds
  (accounts with their password hashes, rounds, units, assignments, values, notes, evidence, events,
  decisions). Evidence FILES live in their own folder beside the database and are not copied here.
The shipped data (provinces, published results, plans, SAMPLE data) is not copied: it is rebuilt from
the repository. One command rebuilds a database from the folder:

    python -m office.recovery export  [--db PATH] [--out DIR]
    python -m office.recovery rebuild [--db PATH] [--from DIR]     # an existing file is moved aside first

`open_with_recovery` is how the app opens its database: a missing file is rebuilt from the backup when
there is one, a corrupt file is moved aside and rebuilt, a read-only one is opened for reading.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

import pandas as pd
import pyarrow.parquet as pq

import storage.db
import storage.inputs
from storage.db import Store, default_db_path
from storage.errors import DatabaseCorrupt, DatabaseReadOnly, StoreError

Seed = Optional[Callable[[Store], object]]   # puts the shipped data in place (office.bootstrap)


def _no_seed(store: Store) -> None:
    """No shipped data to put in place (a caller that only wants the users' imports back)."""


BOOTSTRAP_WHO = "DTI Studio (dữ liệu mẫu)"
TABLE_OF_FORM = {"units": "units", "targets": "target_progress"}   # any other form: raw_inputs
SETTINGS = ("scenarios", "effort_weights", "criterion_leads", "change_log")
# Tables kept whole (Parquet, types kept). Their ids are restored as they were; the sequences they draw
# from are moved past the restored ids (SEQUENCE_OF); appraisal_rounds' import ids are mapped to the
# re-imported ids.
WHOLE_TABLES = ("collection_rounds", "collection_sent", "collection_imports", "collection_values", "evidence",
                "official_points", "office_plans", "progress_updates", "accounts", "appraisal_rounds",
                "appraisal_round_units", "appraisal_assignments", "appraisal_values", "appraisal_notes",
                "appraisal_evidence", "appraisal_events", "appraisal_decisions", "sources", "source_runs",
                "collection_decisions")
SEQUENCE_OF = {  # sequence → (table, id column) pairs whose ids it must stay above
    "collection_seq": (("collection_rounds", "round_id"), ("office_plans", "plan_id")),
    "import_seq": (("collection_imports", "import_id"),),
    "appraisal_round_seq": (("appraisal_rounds", "round_id"),),
    "appraisal_seq": (("appraisal_assignments", "seq"), ("appraisal_values", "seq"), ("appraisal_notes", "seq"),
                      ("appraisal_evidence", "evidence_id"), ("appraisal_events", "seq"),
                      ("appraisal_decisions", "seq")),
    "source_seq": (("sources", "seq"), ("source_runs", "run_id")),
}


def backup_dir(db_path: str | Path) -> Path:
    p = Path(db_path)
    return p.parent / f"{p.stem}_backup"


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.to_csv(tmp, index=False)
    tmp.replace(path)


def rows_file(import_id, sha256) -> str:
    """The rows of one import: named by its id and its file's hash (a rebuilt database may reuse ids)."""
    return f"{int(import_id)}_{str(sha256)[:12]}.parquet"


def user_imports(store: Store) -> pd.DataFrame:
    log = storage.inputs.import_log(store)
    return log.loc[log["imported_by"].fillna("") != BOOTSTRAP_WHO].sort_values("import_id")


IMPORT_TABLES = frozenset({"imports", "raw_inputs", "units", "target_progress"})


def export(store: Store, out: str | Path | None = None, tables: set[str] | None = None) -> Path:
    """Write (or bring up to date) the backup folder; an import's rows are written once. `tables`: only these
    changed (a unit's save on deadline day touches three tables: refreshing the other twenty would double its
    time); None, or a folder not yet complete, refreshes everything."""
    out = Path(out) if out else backup_dir(store.path)
    if tables is not None and not (out / "imports.csv").exists():
        tables = None
    (out / "imports").mkdir(parents=True, exist_ok=True)
    if tables is None or tables & IMPORT_TABLES:
        _export_imports(store, out)
    for table in SETTINGS:
        if tables is None or table in tables:
            _atomic_csv(store.query(f"SELECT * FROM {table}"), out / f"{table}.csv")
    (out / "tables").mkdir(exist_ok=True)
    for table in WHOLE_TABLES:
        if tables is not None and table not in tables:
            continue
        target = out / "tables" / f"{table}.parquet"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        pq.write_table(store.query_arrow(f"SELECT * FROM {table}"), tmp)
        tmp.replace(target)
    readme = out / "README.txt"
    if not readme.exists():
        readme.write_text(
            "Bản sao dữ liệu người dùng đã nhập vào DTI Studio (mỗi lần nhập một tệp Parquet, kèm nhật ký).\n"
            "Dựng lại cơ sở dữ liệu: python -m storage.backup rebuild --db <tệp .duckdb> --from <thư mục này>\n",
            encoding="utf-8")
    return out


def _export_imports(store: Store, out: Path) -> None:
    log = user_imports(store)
    for import_id, form, sha in zip(log["import_id"], log["form"], log["sha256"]):
        target = out / "imports" / rows_file(import_id, sha)
        if target.exists():
            continue
        # Arrow straight to Parquet: a commune-scale import (332,100 rows) in ~0.1 s instead of ~0.8 s via pandas
        rows = store.query_arrow(f"SELECT * FROM {TABLE_OF_FORM.get(form, 'raw_inputs')} WHERE import_id = ?",
                                 [int(import_id)])
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        pq.write_table(rows, tmp)
        tmp.replace(target)
    _atomic_csv(log, out / "imports.csv")


def after_write(store: Store, touched=None) -> None:
    """The store's hook after each data change: keep the backup up to date (never fails a write)."""
    try:
        export(store, tables=None if touched is None else set(touched))
    except Exception as exc:  # noqa: BLE001 — a backup problem is logged, the user's write stands
        import logging

        logging.getLogger("dti_studio").warning("backup export failed: %s", exc)


def has_backup(folder: str | Path) -> bool:
    folder = Path(folder)
    if not (folder / "imports.csv").exists():
        return False
    try:
        return not pd.read_csv(folder / "imports.csv").empty or any(
            not pd.read_csv(folder / f"{t}.csv").empty for t in SETTINGS if (folder / f"{t}.csv").exists()) or any(
            pq.read_metadata(f).num_rows for f in (folder / "tables").glob("*.parquet"))
    except (pd.errors.EmptyDataError, OSError):
        return False


def _none(v):
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT or str(v) in ("", "nan", "NaT") else v


def restore(store: Store, folder: str | Path) -> dict[str, int]:
    """Re-import a backup folder's imports (in their order, keeping who/when, flags and rollbacks) and
    settings into a store that holds only the shipped data. Returns counts."""
    from storage.schema import IMPORT_COLUMNS

    folder = Path(folder)
    log = pd.read_csv(folder / "imports.csv", dtype=str, keep_default_na=False)
    counts = {"imports": 0, "rows": 0}
    new_import_id: dict[int, int] = {}

    def write(c):
        for rec in log.to_dict("records"):
            old_id = int(rec["import_id"])
            rows = pd.read_parquet(folder / "imports" / rows_file(old_id, rec["sha256"]))
            new_id = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
            new_import_id[old_id] = new_id
            values = {col: _none(rec.get(col)) for col in IMPORT_COLUMNS}
            values.update(import_id=new_id, n_rows=int(rec["n_rows"]))
            note = values.get("note")
            values["note"] = f"{note + ' · ' if note else ''}khôi phục từ bản sao (lần nhập số {old_id})"
            cols = list(values) + ["rolled_back_at", "rolled_back_by", "rollback_reason"]
            params = list(values.values()) + [_none(rec.get("rolled_back_at")), _none(rec.get("rolled_back_by")),
                                              _none(rec.get("rollback_reason"))]
            c.execute(f"INSERT INTO imports ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", params)
            table = TABLE_OF_FORM.get(rec.get("form"), "raw_inputs")
            storage.db.insert_frame(c, table, rows.assign(import_id=new_id))
            counts["imports"] += 1
            counts["rows"] += len(rows)
        for table in SETTINGS:
            path = folder / f"{table}.csv"
            if path.exists() and path.stat().st_size > 1:
                try:
                    frame = pd.read_csv(path)
                except pd.errors.EmptyDataError:
                    continue
                if frame.empty:
                    continue
                c.execute(f"DELETE FROM {table}")
                storage.db.insert_frame(c, table, frame)
                counts[table] = len(frame)
        _restore_whole_tables(c, folder, new_import_id, counts)
        if counts.get("change_log"):
            top = int(c.execute("SELECT max(change_id) FROM change_log").fetchone()[0])
            c.execute("DROP SEQUENCE IF EXISTS change_seq")
            c.execute(f"CREATE SEQUENCE change_seq START {top + 1}")

    store.write(write)
    return counts


def _restore_whole_tables(c, folder: Path, new_import_id: dict[int, int], counts: dict[str, int]) -> None:
    import pyarrow as pa

    for table in WHOLE_TABLES:
        path = folder / "tables" / f"{table}.parquet"
        if not path.exists():
            continue
        rows = pq.read_table(path)
        if rows.num_rows == 0:
            continue
        remap = {"appraisal_rounds": ("self_import_id", "appraised_import_id"), "source_runs": ("import_id",)}
        if table in remap:  # the imports a closed round or a pull wrote were re-imported under new ids
            for col in remap[table]:
                old = rows.column(col).to_pylist()
                rows = rows.set_column(rows.schema.get_field_index(col), col, pa.array(
                    [None if v is None else new_import_id.get(int(v)) for v in old], pa.int64()))
        c.execute(f"DELETE FROM {table}")
        c.register("_restored", rows)
        try:
            names = ", ".join(f'"{n}"' for n in rows.column_names)
            c.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _restored")
        finally:
            c.unregister("_restored")
        counts[table] = rows.num_rows
    for seq, sources in SEQUENCE_OF.items():
        top = max(int(c.execute(f"SELECT coalesce(max({col}), 0) FROM {table}").fetchone()[0])
                  for table, col in sources)
        current = int(c.execute(f"SELECT nextval('{seq}')").fetchone()[0])
        if current <= top:  # a sequence only moves forward: draw the numbers the restored rows hold
            c.execute(f"SELECT max(nextval('{seq}')) FROM range(?)", [top - current])


def rebuild(db_path: str | Path, folder: str | Path | None = None, *, seed: Seed = None
            ) -> tuple[Store, dict[str, int], Path | None]:
    """A new database at `db_path` from the shipped data (`seed(store)` loads it) and a backup folder; an
    existing file is moved aside (`<name>.cu-<time>`), never deleted. Returns the store, the counts and the
    moved file."""
    ensure_default_data = seed or _no_seed
    db_path = Path(db_path)
    folder = Path(folder) if folder else backup_dir(db_path)
    moved = None
    if db_path.exists():
        moved = db_path.with_name(f"{db_path.name}.cu-{datetime.now():%Y%m%d-%H%M%S}")
        db_path.replace(moved)
        wal = Path(str(db_path) + ".wal")
        if wal.exists():
            wal.replace(Path(str(moved) + ".wal"))
    store = Store(db_path)
    ensure_default_data(store)
    counts = restore(store, folder) if has_backup(folder) else {"imports": 0, "rows": 0}
    return store, counts, moved


def open_with_recovery(db_path: str | Path | None = None, *, seed: Seed = None
                       ) -> tuple[Store, tuple[str, dict] | None]:
    """Open the app's database, recovering from what can be recovered. Returns the store and a notice
    (code, params) for the user, or None when all is well. DatabaseBusy is left to the caller.
    `seed(store)` puts the shipped data in place (office.bootstrap.ensure_default_data: storage does not
    import the office's workflows, so the caller hands it in — office.recovery.open_database does)."""
    ensure_default_data = seed or _no_seed

    db_path = Path(db_path or default_db_path())
    folder = backup_dir(db_path)
    if not db_path.exists():
        if has_backup(folder):
            store, counts, _ = rebuild(db_path, folder, seed=seed)
            return _hooked(store), ("missing_rebuilt", {"path": str(db_path), "folder": str(folder), **counts})
        store = Store(db_path)
        ensure_default_data(store)
        return _hooked(store), None
    try:
        store = Store(db_path)
    except DatabaseReadOnly:
        store = Store(db_path, read_only=True)
        return store, ("read_only", {"path": str(db_path)})
    except DatabaseCorrupt as exc:
        store, counts, moved = rebuild(db_path, folder, seed=seed)
        return _hooked(store), ("corrupt_rebuilt", {"path": str(db_path), "moved": str(moved), "folder": str(folder),
                                                    "detail": exc.detail[:200], **counts})
    ensure_default_data(store)
    return _hooked(store), None


def _hooked(store: Store) -> Store:
    store.after_write = after_write
    return store


def main(argv: list[str] | None = None, *, seed: Seed = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m office.recovery",
                                     description="Sao lưu dữ liệu người dùng đã nhập và dựng lại cơ sở dữ liệu từ bản sao.")
    parser.add_argument("cmd", choices=["export", "rebuild"])
    parser.add_argument("--db", default=str(default_db_path()), help="tệp cơ sở dữ liệu .duckdb")
    parser.add_argument("--out", help="thư mục bản sao (export); mặc định <tên>_backup bên cạnh tệp")
    parser.add_argument("--from", dest="source", help="thư mục bản sao (rebuild)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "export":
            store = Store(args.db, read_only=True)
            out = export(store, args.out)
            print(f"Đã sao lưu {len(user_imports(store))} lần nhập vào {out}", file=sys.stderr)
            store.close()
        else:
            folder = Path(args.source) if args.source else backup_dir(args.db)
            if not has_backup(folder):
                print(f"Không có bản sao dùng được trong {folder}", file=sys.stderr)
                return 1
            store, counts, moved = rebuild(args.db, folder, seed=seed)
            store.close()
            print(f"Đã dựng lại {args.db}: {counts['imports']} lần nhập, {counts['rows']} dòng"
                  + (f"; tệp cũ chuyển sang {moved}" if moved else ""), file=sys.stderr)
    except StoreError as exc:
        print(f"Không thực hiện được ({exc.code}): {exc.detail}", file=sys.stderr)
        return 2
    return 0

