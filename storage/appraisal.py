"""Queries of the internal appraisal round. The rules live in office.appraisal; these functions only read and
write, each write in one transaction with its change_log row. `guard` = (round_id, unit or None, token): the
write is refused (RoundChanged) when a status event of the unit (or of the round) was recorded since the caller
read the state the token came from (`appraisal_token`), so a check and its write cannot be split by another
session's submit, reopen or close."""
from __future__ import annotations

import pandas as pd

import storage.inputs
from storage import db
from storage.errors import StoreError, require_who

_TOKEN_SQL = """SELECT greatest(
    (SELECT coalesce(max(seq), 0) FROM appraisal_events WHERE round_id = ? AND (? IS NULL OR unit IS NULL
                                                                                OR unit = ?)),
    (SELECT coalesce(max(seq), 0) FROM appraisal_values WHERE round_id = ? AND ?),
    (SELECT coalesce(max(seq), 0) FROM appraisal_decisions WHERE round_id = ? AND ?))"""


APPRAISAL_HISTORY = ("appraisal_assignments", "appraisal_values", "appraisal_notes", "appraisal_events",
                      "appraisal_decisions", "appraisal_evidence")


def appraisal_token(store, round_id: int, unit: str | None = None, full: bool = False) -> int:
    rid = int(round_id)
    return int(store.query(_TOKEN_SQL, [rid, unit, unit, rid, bool(full), rid, bool(full)]).iloc[0, 0])


def check_guard(store, c, guard) -> None:
    if guard is None:
        return
    rid, unit, token = guard[:3]
    full = bool(guard[3]) if len(guard) > 3 else False
    now_token = int(c.execute(_TOKEN_SQL, [int(rid), unit, unit, int(rid), full, int(rid), full]
                              ).fetchall()[0][0])
    if now_token != int(token):
        raise RoundChanged(f"round {rid} unit {unit}: {token} → {now_token}")


def create_appraisal_round(store, head: dict, units: list[str], *, who: str | None, at) -> int:
    """A new round (head: framework_id, province, level, year, deadline, label, allow_reply, dataset), its
    units and its 'open' event, at once."""
    who = require_who(who, "open_appraisal_round")

    def write(c) -> int:
        rid = int(c.execute("SELECT nextval('appraisal_round_seq')").fetchall()[0][0])
        c.execute("INSERT INTO appraisal_rounds (round_id, framework_id, province, level, year, deadline, label, "
                  "allow_reply, dataset, opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [rid, head["framework_id"], head["province"], head["level"], int(head["year"]), head["deadline"],
                   head.get("label") or None, bool(head["allow_reply"]), head["dataset"], who, at])
        db.insert_frame(c, "appraisal_round_units", pd.DataFrame({"round_id": rid, "unit": list(units)}))
        c.execute("INSERT INTO appraisal_events (round_id, unit, event, actor, \"at\") VALUES (?, NULL, 'open', ?, ?)",
                  [rid, who, at])
        db.log_change(c, who, "open_appraisal_round", str(rid),
                         f"{head['framework_id']} {head['level']}@{head['province']} {head['year']}: "
                         f"{len(units)} units, deadline {head['deadline']}")
        return rid

    return store.write(write)


def appraisal_rounds(store, framework_id: str | None = None, province: str | None = None) -> pd.DataFrame:
    return store.query("""
        SELECT r.*, (SELECT count(*) FROM appraisal_round_units u WHERE u.round_id = r.round_id) AS n_units
        FROM appraisal_rounds r WHERE (? IS NULL OR framework_id = ?) AND (? IS NULL OR province = ?)
        ORDER BY round_id DESC""", [framework_id, framework_id, province, province])


def appraisal_round(store, round_id: int) -> dict | None:
    df = store.query("SELECT * FROM appraisal_rounds WHERE round_id = ?", [int(round_id)])
    return None if df.empty else df.iloc[0].to_dict()


def appraisal_round_units(store, round_id: int) -> list[str]:
    return store.query("SELECT unit FROM appraisal_round_units WHERE round_id = ? ORDER BY unit",
                      [int(round_id)])["unit"].tolist()


def appraisal_record(store, round_id: int, rows: dict[str, pd.DataFrame], *, who: str | None, action: str,
                     target: str, detail: str = "", guard=None, deadline=None, refuse_if=None) -> list[int]:
    """Append rows to the round's history tables (and move its deadline when given), at once, with one
    change_log row. Every frame gets round_id; the tables are the appraisal history tables only.
    `refuse_if` = (sql, params, exception): raised, nothing written, when the query finds a row inside
    the transaction (e.g. a second reply). Returns the ids given to new evidence rows."""
    who = require_who(who, action)

    def write(c) -> list[int]:
        check_guard(store, c, guard)
        if refuse_if is not None and c.execute(refuse_if[0], list(refuse_if[1])).fetchall():
            raise refuse_if[2]
        ids: list[int] = []
        for table, frame in rows.items():
            if table not in APPRAISAL_HISTORY:
                raise ValueError(f"not an appraisal table: {table}")
            if frame is None or frame.empty:
                continue
            if table == "appraisal_evidence" and "evidence_id" not in frame:
                ids += [int(c.execute("SELECT nextval('appraisal_seq')").fetchall()[0][0]) for _ in range(len(frame))]
                frame = frame.assign(evidence_id=ids)
            db.insert_frame(c, table, frame.assign(round_id=int(round_id)))
        if deadline is not None:
            c.execute("UPDATE appraisal_rounds SET deadline = ? WHERE round_id = ?", [deadline, int(round_id)])
        db.log_change(c, who, action, target, detail)
        return ids

    touched = (*rows, "change_log") + (("appraisal_rounds",) if deadline is not None else ())
    # The round's history is read fresh by its pages and by no cached computation (dashboard/data.py): a unit's
    # save on deadline day must not throw away every page's cached scores. A deadline change does move it.
    return store.write(write, touched=touched, bump_version=deadline is not None)


def remove_appraisal_evidence(store, round_id: int, unit: str, evidence_id: int, *, who: str | None, at,
                              guard=None) -> bool:
    """Mark one evidence item removed (its row and file stay)."""
    who = require_who(who, "remove_appraisal_evidence")

    def write(c) -> bool:
        check_guard(store, c, guard)
        found = c.execute("SELECT indicator FROM appraisal_evidence WHERE evidence_id = ? AND round_id = ? "
                          "AND unit = ? AND removed_at IS NULL", [int(evidence_id), int(round_id), unit]).fetchall()
        if not found:
            return False
        found = found[0]
        c.execute("UPDATE appraisal_evidence SET removed_at = ?, removed_by = ? WHERE evidence_id = ?",
                  [at, who, int(evidence_id)])
        db.log_change(c, who, "remove_appraisal_evidence", f"{round_id}/{unit}/{found[0]}", str(evidence_id))
        return True

    return store.write(write)


def appraisal_latest(store, table: str, round_id: int, unit: str | None = None) -> pd.DataFrame:
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
    return store.query(sql, params)


def appraisal_history(store, table: str, round_id: int) -> pd.DataFrame:
    """Every row of one appraisal history table for a round, oldest first (the audit view)."""
    if table not in APPRAISAL_HISTORY:
        raise ValueError(f"not an appraisal table: {table}")
    order = "evidence_id" if table == "appraisal_evidence" else "seq"
    return store.query(f"SELECT * FROM {table} WHERE round_id = ? ORDER BY {order}", [int(round_id)])


def close_appraisal_round(store, round_id: int, self_data: pd.DataFrame, appraised_data: pd.DataFrame, *,
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
        check_guard(store, c, guard)
        ids = []
        for basis, df in (("self", self_data), ("appraised", appraised_data)):
            if df.empty:
                ids.append(None)
                continue
            ids.append(storage.inputs.record_import(store, df, file_name=file_name, sha256=digest(basis, df),
                                          framework_id=framework_id, flag=flag, entity_group=entity_group,
                                          imported_by=who, form="appraisal_round", basis=basis,
                                          note=f"appraisal round {round_id}", cur=c))
        c.execute("UPDATE appraisal_rounds SET closed_by = ?, closed_at = ?, self_import_id = ?, "
                  "appraised_import_id = ? WHERE round_id = ?", [who, at, ids[0], ids[1], int(round_id)])
        c.execute("INSERT INTO appraisal_events (round_id, unit, event, actor, \"at\", reason) "
                  "VALUES (?, NULL, 'close', ?, ?, ?)", [int(round_id), who, at, reason])
        db.log_change(c, who, "close_appraisal_round", str(round_id),
                         f"self import {ids[0]}, appraised import {ids[1]}" + (f"; {reason}" if reason else ""))
        return ids[0], ids[1]

    return store.write(write)


class RoundChanged(StoreError):
    """Another session changed the unit's (or the round's) status between reading and writing."""
    code = "round_changed"


def replace_appraisal_evidence(store, round_id: int, unit: str, evidence_id: int, row: pd.DataFrame, *,
                               who: str | None, at, guard=None) -> int:
    """Edit one evidence item: mark the old row removed and add its replacement, in one transaction.
    Returns the new row's evidence_id (the old one not found or already removed: 0, nothing written)."""
    who = require_who(who, "edit_appraisal_evidence")

    def write(c) -> int:
        check_guard(store, c, guard)
        found = c.execute("SELECT indicator FROM appraisal_evidence WHERE evidence_id = ? AND round_id = ? "
                          "AND unit = ? AND removed_at IS NULL", [int(evidence_id), int(round_id), unit]).fetchall()
        if not found:
            return 0
        c.execute("UPDATE appraisal_evidence SET removed_at = ?, removed_by = ? WHERE evidence_id = ?",
                  [at, who, int(evidence_id)])
        new_id = int(c.execute("SELECT nextval('appraisal_seq')").fetchall()[0][0])
        db.insert_frame(c, "appraisal_evidence", row.assign(evidence_id=new_id, round_id=int(round_id)))
        db.log_change(c, who, "edit_appraisal_evidence", f"{round_id}/{unit}/{row['indicator'].iloc[0]}",
                      f"{int(evidence_id)} → {new_id}")
        return new_id

    return store.write(write)
