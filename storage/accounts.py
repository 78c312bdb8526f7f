"""Queries of the round accounts (units and council members); password hashes never leave `account_row`."""
from __future__ import annotations

import pandas as pd

from storage import db
from storage.errors import require_who


def save_accounts(store, rows: pd.DataFrame, *, who: str | None) -> None:
    """Create or reset accounts (account, role, province, unit, display_name, email, pw_hash); the hashes
    never reach the change log."""
    who = require_who(who, "save_accounts")
    now = db.now_utc()
    frame = rows.assign(created_by=who, created_at=now, disabled_at=pd.NaT, disabled_by=None)[
        ["account", "role", "province", "unit", "display_name", "email", "pw_hash", "created_by", "created_at",
         "disabled_at", "disabled_by"]]

    def write(c):
        c.execute("DELETE FROM accounts WHERE account IN (SELECT unnest(?))", [frame["account"].tolist()])
        db.insert_frame(c, "accounts", frame)
        for acc, role, unit in zip(frame["account"], frame["role"], frame["unit"]):
            db.log_change(c, who, "issue_account", str(acc), f"{role} {unit or ''}".strip())

    store.write(write)


def disable_account(store, account: str, *, who: str | None) -> bool:
    who = require_who(who, "disable_account")

    def write(c) -> bool:
        found = c.execute("SELECT 1 FROM accounts WHERE account = ? AND disabled_at IS NULL", [account]).fetchall()
        if not found:
            return False
        c.execute("UPDATE accounts SET disabled_at = ?, disabled_by = ? WHERE account = ?", [db.now_utc(), who, account])
        db.log_change(c, who, "disable_account", account)
        return True

    return store.write(write)


def accounts(store, province: str | None = None) -> pd.DataFrame:
    """Accounts of a province (all when None), without their password hashes."""
    return store.query("SELECT * EXCLUDE (pw_hash) FROM accounts WHERE ? IS NULL OR province = ? "
                      "ORDER BY role DESC, display_name", [province, province])


def account_row(store, account: str | None = None, email: str | None = None) -> dict | None:
    """One account with its hash (for sign-in only), by login name or by e-mail (case-insensitive)."""
    df = store.query("SELECT * FROM accounts WHERE (? IS NOT NULL AND account = ?) "
                    "OR (? IS NOT NULL AND lower(email) = lower(?)) ORDER BY disabled_at NULLS FIRST LIMIT 1",
                    [account, account, email, email])
    return None if df.empty else df.iloc[0].to_dict()
