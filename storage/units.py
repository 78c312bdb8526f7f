"""Queries of the units below the province: unit lists (a version per import) and the lead agency each criterion
is assigned to."""
from __future__ import annotations

import pandas as pd

import storage.inputs
from storage import db
from storage.errors import require_who
from storage.schema import (
    ACTIVE,
)


def units(store, province: str | None = None, level: str | None = None) -> pd.DataFrame:
    """The current unit list (latest units import of each province, not rolled back), optionally
    one province/level."""
    return store.query(f"""
        WITH latest AS (SELECT province, max(import_id) AS import_id FROM units WHERE {ACTIVE}
                        GROUP BY province)
        SELECT u.province, u.name, u.level, u.parent, u.code, u.valid_from, u.valid_to, u.aliases,
               u.source_row, u.import_id
        FROM units u JOIN latest USING (province, import_id)
        WHERE (? IS NULL OR u.province = ?) AND (? IS NULL OR u.level = ?)
        ORDER BY u.province, u.level, u.name""", [province, province, level, level])


def unit_provinces(store) -> list[str]:
    return store.query("SELECT DISTINCT province FROM units ORDER BY province")["province"].tolist()


def save_units(store, province: str, units: pd.DataFrame, *, file_name: str, sha256: str, flag: str,
               imported_by: str | None = None, note: str | None = None, flag_source: str | None = None,
               cur=None) -> int:
    """Write a province's whole unit list as a new version (the previous one stays in history)."""
    who = require_who(imported_by, "save_units")
    storage.inputs.check_flag(flag, flag_source)
    def write(c) -> int:
        import_id = storage.inputs.log_import(c, file_name, sha256, len(units), None, province, flag, who, "units",
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
        db.insert_frame(c, "units", rows)
        return import_id

    if cur is not None:
        return write(cur)
    return store.write(write)


def criterion_leads(store, framework_id: str, province: str) -> pd.DataFrame:
    """The current lead agency the province assigned to each criterion (code, lead_agency, who, when)."""
    return store.query("""
        SELECT code, lead_agency, assigned_by, assigned_at FROM criterion_leads
        WHERE framework_id = ? AND province = ?
        QUALIFY row_number() OVER (PARTITION BY code ORDER BY assigned_at DESC) = 1
        ORDER BY code""", [framework_id, province])


def assign_criterion_leads(store, framework_id: str, province: str, leads: dict[str, str],
                           assigned_by: str | None = None) -> int:
    """Record the changed assignments (history kept: a change is a new row). Returns how many changed."""
    who = require_who(assigned_by, "assign_criterion_leads")
    current = criterion_leads(store, framework_id, province).set_index("code")["lead_agency"].to_dict()
    changed = {c: (a or "").strip() for c, a in leads.items() if (a or "").strip() != (current.get(c) or "")}
    if not changed:
        return 0
    now = db.now_utc()

    def write(c):
        for code, agency in changed.items():
            c.execute("INSERT INTO criterion_leads VALUES (?, ?, ?, ?, ?, ?)",
                      [framework_id, province, code, agency or None, who, now])

    store.write(write)
    return len(changed)
