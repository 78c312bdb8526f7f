"""Queries of the agency collection round: rounds, workbooks sent and received, their values and evidence,
official points, in-year progress updates."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from storage import db


def create_round(store, framework_id: str, province: str, year: int, deadline, label: str = "",
                 created_by: str | None = None) -> int:
    def write(c) -> int:
        rid = int(c.execute("SELECT nextval('collection_seq')").fetchone()[0])
        c.execute("INSERT INTO collection_rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [rid, framework_id, province, int(year), deadline, label or None, db.now_utc(),
                   created_by or None])
        return rid

    return store.write(write)


def rounds(store, framework_id: str | None = None) -> pd.DataFrame:
    return store.query("SELECT * FROM collection_rounds WHERE ? IS NULL OR framework_id = ? "
                      "ORDER BY round_id DESC", [framework_id, framework_id])


def round_row(store, round_id: int) -> dict | None:
    df = store.query("SELECT * FROM collection_rounds WHERE round_id = ?", [int(round_id)])
    return None if df.empty else df.iloc[0].to_dict()


def record_sent(store, round_id: int, files: dict[str, str], sent_by: str | None = None) -> None:
    now = db.now_utc()

    def write(c):
        for agency, name in files.items():
            c.execute("INSERT INTO collection_sent VALUES (?, ?, ?, ?, ?)",
                      [int(round_id), agency, name, now, sent_by or None])

    store.write(write)


def round_sent(store, round_id: int) -> pd.DataFrame:
    return store.query("SELECT * FROM collection_sent WHERE round_id = ? ORDER BY sent_at", [int(round_id)])


def record_collection_import(store, round_id: int, agency: str, *, file_name: str, sha256: str, ok: bool,
                             data: pd.DataFrame | None, n_missing: int, problems: list[str],
                             evidence: pd.DataFrame | None = None, imported_by: str | None = None,
                             received_at=None) -> int:
    """Log one returned workbook; a valid one writes its values and evidence in the same transaction."""
    def write(c) -> int:
        iid = int(c.execute("SELECT nextval('import_seq')").fetchone()[0])
        c.execute("INSERT INTO collection_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [iid, int(round_id), agency, file_name, sha256, received_at or db.now_utc(), bool(ok),
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
            db.insert_frame(c, "collection_values", rows)
        if ok and evidence is not None and not evidence.empty:
            ev = pd.DataFrame({
                "round_id": int(round_id), "indicator": evidence["indicator"].astype(str),
                "variable": evidence["variable"].astype(str),
                "doc_number": evidence["doc_number"].astype(object),
                "doc_date": pd.to_datetime(evidence["doc_date"], errors="coerce").dt.date,
                "issuer": evidence["issuer"].astype(object), "link": evidence["link"].astype(object),
                "file_path": None, "source": f"workbook:{file_name}", "added_by": imported_by or None,
                "added_at": db.now_utc()})
            db.insert_frame(c, "evidence", ev)
        return iid

    return store.write(write)


def round_imports(store, round_id: int) -> pd.DataFrame:
    return store.query("SELECT * FROM collection_imports WHERE round_id = ? ORDER BY import_id",
                      [int(round_id)])


def round_values(store, round_id: int) -> pd.DataFrame:
    """Values of the round's valid imports, with the agency and when they were received."""
    return store.query("""
        SELECT v.*, i.received_at, i.file_name FROM collection_values v JOIN collection_imports i
        USING (import_id) WHERE v.round_id = ? ORDER BY v.import_id""", [int(round_id)])


def evidence_folder(store) -> Path:
    """The folder of uploaded evidence files, beside the database file."""
    base = Path(store.path) if store.path != ":memory:" else Path.cwd() / "memory"
    return base.parent / f"{base.stem}_evidence"


def add_evidence(store, round_id: int, indicator: str, variable: str, *, doc_number: str | None = None,
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
        target = evidence_folder(store) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file_bytes)
    store.write(lambda c: c.execute(
        "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [int(round_id), indicator, variable, doc_number or None, doc_date, issuer or None, link or None,
         rel, "screen", added_by or None, db.now_utc()]))
    return rel


def round_evidence(store, round_id: int) -> pd.DataFrame:
    """The latest evidence of each figure of a round."""
    return store.query("""
        SELECT * FROM evidence WHERE round_id = ?
        QUALIFY row_number() OVER (PARTITION BY indicator, variable ORDER BY added_at DESC) = 1
        ORDER BY indicator, variable""", [int(round_id)])


def save_official_points(store, framework_id: str, province: str, year: int, points: pd.DataFrame, *,
                         file_name: str, imported_by: str | None = None) -> None:
    """Replace the official points of a province-year (code, points) with a new file's."""
    rows = pd.DataFrame({"framework_id": framework_id, "province": province, "year": int(year),
                         "code": points["code"].astype(str), "points": points["points"].astype("float64"),
                         "file_name": file_name, "imported_by": imported_by or None,
                         "imported_at": db.now_utc()})

    def write(c):
        c.execute("DELETE FROM official_points WHERE framework_id = ? AND province = ? AND year = ?",
                  [framework_id, province, int(year)])
        db.insert_frame(c, "official_points", rows)

    store.write(write)


def official_points(store, framework_id: str, province: str, year: int) -> pd.DataFrame:
    return store.query("SELECT * FROM official_points WHERE framework_id = ? AND province = ? AND year = ? "
                      "ORDER BY code", [framework_id, province, int(year)])


def record_progress(store, framework_id: str, province: str, year: int, as_of, data: pd.DataFrame, *,
                    agency: str | None, file_name: str | None, entered_by: str | None = None) -> int:
    """Write dated values (indicator, variable, value) of one update at once; N/A rows are skipped."""
    d = data.loc[~data.get("not_applicable", pd.Series(False, index=data.index)).astype(bool)]
    rows = pd.DataFrame({"framework_id": framework_id, "province": province, "year": int(year),
                         "as_of": pd.Timestamp(as_of).date(), "indicator": d["indicator"].astype(str),
                         "variable": d["variable"].astype(str), "value": d["value"].astype("float64"),
                         "agency": agency, "file_name": file_name, "entered_by": entered_by or None,
                         "entered_at": db.now_utc()})
    store.write(lambda c: db.insert_frame(c, "progress_updates", rows))
    return len(rows)


def progress_updates(store, framework_id: str, province: str, year: int) -> pd.DataFrame:
    """The latest entry of each (date, variable)."""
    return store.query("""
        SELECT * FROM progress_updates WHERE framework_id = ? AND province = ? AND year = ?
        QUALIFY row_number() OVER (PARTITION BY as_of, indicator, variable ORDER BY entered_at DESC) = 1
        ORDER BY as_of, indicator, variable""", [framework_id, province, int(year)])


# --- the office's decisions between agencies that returned different values for a shared component -----

def record_decision(store, round_id: int, indicator: str, variable: str, agency: str, value, not_applicable: bool,
                    *, decided_by: str | None, note: str = "") -> None:
    """The office picks one agency's value of a figure two agencies gave differently (editor only; logged)."""
    from storage.errors import require_who

    who = require_who(decided_by, "collection_decision")

    def write(c):
        c.execute("INSERT INTO collection_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [int(round_id), indicator, variable, agency,
                   None if value is None or value != value else float(value), bool(not_applicable), who,
                   db.now_utc(), note or None])
        db.log_change(c, who, "collection_decision", f"{int(round_id)}/{indicator}/{variable}",
                      f"{agency}: {value}")

    store.write(write)


def round_decisions(store, round_id: int) -> pd.DataFrame:
    """The latest decision of each figure of a round."""
    return store.query("""
        SELECT * FROM collection_decisions WHERE round_id = ?
        QUALIFY row_number() OVER (PARTITION BY indicator, variable ORDER BY decided_at DESC) = 1
        ORDER BY indicator, variable""", [int(round_id)])
