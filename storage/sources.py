"""Queries of the automatic sources (issue 20): their definitions (a new version per save, the latest per name
holds) and every pull with its outcome. The pulling itself is office.sources; the values a pull brings are an
ordinary import (storage.inputs.record_import, flag 'automatic')."""
from __future__ import annotations

import pandas as pd

from storage import db
from storage.errors import require_who

SOURCE_FIELDS = ("name", "kind", "location", "format", "json_path", "secret", "every_minutes", "framework_id",
                 "entity_group", "mapping_json", "enabled")


def save_source(store, source: dict, *, who: str | None) -> None:
    """Save a source's definition as its newest version (history kept); the change log gets a row."""
    who = require_who(who, "save_source")
    row = {k: source.get(k) for k in SOURCE_FIELDS}
    now = db.now_utc()

    def write(c):
        cols = ", ".join(SOURCE_FIELDS)
        c.execute(f"INSERT INTO sources ({cols}, saved_by, saved_at) VALUES ({', '.join('?' * len(SOURCE_FIELDS))}, ?, ?)",
                  [row[k] for k in SOURCE_FIELDS] + [who, now])
        db.log_change(c, who, "save_source", str(row["name"]), f"{row['kind']} {row['format']} {row['location']}")

    store.write(write)


def delete_source(store, name: str, *, who: str | None) -> bool:
    """End a source (a last version marked deleted; its runs and imports stay)."""
    who = require_who(who, "delete_source")
    current = source(store, name)
    if current is None:
        return False

    def write(c):
        cols = ", ".join(SOURCE_FIELDS)
        c.execute(f"INSERT INTO sources ({cols}, deleted, saved_by, saved_at) "
                  f"VALUES ({', '.join('?' * len(SOURCE_FIELDS))}, TRUE, ?, ?)",
                  [current[k] for k in SOURCE_FIELDS] + [who, db.now_utc()])
        db.log_change(c, who, "delete_source", name)

    store.write(write)
    return True


def sources(store) -> pd.DataFrame:
    """The current definition of every source not deleted, by name."""
    return store.query("""
        SELECT * EXCLUDE (deleted) FROM sources
        QUALIFY row_number() OVER (PARTITION BY name ORDER BY seq DESC) = 1 AND NOT deleted
        ORDER BY name""")


def source(store, name: str) -> dict | None:
    df = store.query("""SELECT * FROM sources WHERE name = ? QUALIFY row_number() OVER (ORDER BY seq DESC) = 1""",
                     [name])
    if df.empty or bool(df.iloc[0]["deleted"]):
        return None
    return df.iloc[0].to_dict()


def record_run(store, run: dict) -> int:
    """One pull's outcome (status ok / unchanged / failed / dry_run, problem code, detail in words)."""
    cols = ("name", "started_at", "finished_at", "status", "problem", "detail", "content_sha256", "n_values",
            "n_changed", "import_id", "trigger", "actor")

    def write(c) -> int:
        rid = int(c.execute("SELECT nextval('source_seq')").fetchone()[0])
        c.execute(f"INSERT INTO source_runs (run_id, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})",
                  [rid] + [run.get(k) for k in cols])
        return rid

    return store.write(write)


def runs(store, name: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest pulls, newest first (one source's when named)."""
    return store.query("SELECT * FROM source_runs WHERE ? IS NULL OR name = ? ORDER BY run_id DESC LIMIT ?",
                       [name, name, int(limit)])


def last_runs(store) -> pd.DataFrame:
    """Per source: its last pull, last success (ok or unchanged) and last failure."""
    return store.query("""
        SELECT name,
               max(finished_at) AS last_run,
               max(finished_at) FILTER (WHERE status IN ('ok', 'unchanged')) AS last_success,
               max(finished_at) FILTER (WHERE status = 'failed') AS last_failure,
               arg_max(status, run_id) AS last_status,
               arg_max(detail, run_id) FILTER (WHERE status = 'failed') AS last_failure_detail,
               arg_max(content_sha256, run_id) FILTER (WHERE status IN ('ok', 'unchanged')) AS last_sha256
        FROM source_runs WHERE status <> 'dry_run' GROUP BY name ORDER BY name""")
