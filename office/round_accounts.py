"""Accounts of the appraisal round: issued by an editor for units and council members (generated passwords,
argon2id hashes only), the printable accounts workbook, sign-in and disabling."""
from __future__ import annotations

import io

import pandas as pd

import storage.accounts
import storage.appraisal
import storage.collection
import storage.units
from office import access as editors
from office.round_faults import AccountExists, BadLogin, UnknownUnit
from office.round_rules import ROLES, as_datetime, editor_name
from storage.db import Store


def issue_accounts(store: Store, province: str, rows: list[dict], actor: dict) -> pd.DataFrame:
    """Create (or reset the password of) unit and council accounts. rows: {"role": "unit", "unit": name}
    or {"role": "council", "display_name": full name}, optional "email" and "account" (login wanted).
    Returns display_name, account, password, role, unit — the only time the passwords exist in clear."""
    who = editor_name(actor)
    known_units = set(storage.units.units(store, province)["name"])
    existing = storage.accounts.accounts(store, None)
    taken = dict(zip(existing["account"], zip(existing["role"], existing["province"], existing["unit"],
                                              existing["display_name"])))
    emails = {a: e for a, e in zip(existing["account"], existing["email"]) if isinstance(e, str) and e}
    out, batch = [], set()
    for row in rows:
        role = row.get("role")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        unit = row.get("unit") if role == "unit" else None
        if role == "unit" and unit not in known_units:
            raise UnknownUnit(str(unit))
        display = editors.clean_name(unit if role == "unit" else row.get("display_name") or "")
        same = [a for a, (r, p, u, d) in taken.items()
                if r == role and p == province and (u == unit if role == "unit" else d == display)]
        wanted = (row.get("account") or "").strip().lower()
        if wanted:
            if editors.slug(wanted) != wanted or len(wanted) < 3:
                raise BadLogin(wanted)
            if wanted in taken and wanted not in same or wanted in batch:
                raise AccountExists(wanted)
            login = wanted
        elif same:
            login = same[0]
            if login in batch:                      # the same unit or member twice in one list
                raise AccountExists(login)
        else:
            base = editors.slug(display) if role == "unit" else "hd-" + editors.slug(display)
            base = base or role
            login, n = base, 2
            while login in taken or login in batch:
                login, n = f"{base}-{n}", n + 1
        batch.add(login)
        password = editors.new_password()
        out.append({"display_name": display, "account": login, "password": password, "role": role, "unit": unit,
                    "email": (row.get("email") or "").strip() or emails.get(login)})   # a reissue keeps it
    result = pd.DataFrame(out, columns=["display_name", "account", "password", "role", "unit", "email"])
    if result.empty:
        return result
    frame = pd.DataFrame({"account": result["account"], "role": result["role"], "province": province,
                          "unit": result["unit"], "display_name": result["display_name"], "email": result["email"],
                          "pw_hash": [editors.hash_password(p) for p in result["password"]]})
    storage.accounts.save_accounts(store, frame, who=who)
    return result[["display_name", "account", "password", "role", "unit"]]


ACCOUNT_COLUMNS = ("STT", "Vai trò", "Vòng đánh giá", "Đơn vị/Thành viên", "Tên đăng nhập", "Mật khẩu",
                   "Địa chỉ đăng nhập", "Các bước đầu tiên")

FIRST_STEPS = {
    "unit": ("1. Mở địa chỉ đăng nhập; 2. Hộp «Đăng nhập» ở cuối thanh bên: nhập tên đăng nhập và mật khẩu; "
             "3. Trang «Phiếu tự đánh giá»: nhập số liệu từng nhóm, «Lưu nháp» thường xuyên, đính kèm minh chứng; "
             "4. «Nộp phiếu» trước hạn; 5. Giữ mật khẩu riêng, không chia sẻ."),
    "council": ("1. Mở địa chỉ đăng nhập; 2. Hộp «Đăng nhập» ở cuối thanh bên: nhập tên đăng nhập và mật khẩu; "
                "3. Trang «Thẩm định»: lọc theo tiêu chí hoặc đơn vị, «Chấp nhận như đơn vị nộp» hoặc sửa giá trị "
                "kèm lý do, «Lưu các quyết định»; 4. Giữ mật khẩu riêng, không chia sẻ."),
}

def accounts_workbook(issued: pd.DataFrame, round_label: str = "", address: str = "") -> bytes:
    """The one-time list of issued accounts as a printable .xlsx ("Danh sách tài khoản"): STT, role, round,
    unit or member, login, password, sign-in address and first steps in Vietnamese; landscape A4, fit to
    the page's width, the header row repeated on every printed page, wrapped text."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách tài khoản"
    ws.append(list(ACCOUNT_COLUMNS))
    roles = {"unit": "Đơn vị tham gia", "council": "Thành viên Hội đồng thẩm định"}
    for i, r in enumerate(issued.to_dict("records"), start=1):
        role = r.get("role") or "unit"
        ws.append([i, roles.get(role, str(role)), round_label or "", r.get("display_name"), r.get("account"),
                   r.get("password"), address or "", FIRST_STEPS.get(role, "")])
    for col, width in zip("ABCDEFGH", (5, 16, 24, 28, 22, 16, 28, 60)):
        ws.column_dimensions[col].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def accounts(store: Store, province: str) -> pd.DataFrame:
    """The province's accounts (no hashes)."""
    return storage.accounts.accounts(store, province)


def disable_account(store: Store, account: str, actor: dict) -> bool:
    return storage.accounts.disable_account(store, account, who=editor_name(actor))


def _actor_of(row: dict) -> dict:
    return {"name": row["display_name"], "role": row["role"], "account": row["account"],
            "unit": row["unit"] if row["role"] == "unit" else None, "province": row["province"]}


def authenticate(store: Store, login: str, password: str) -> dict | None:
    """The actor of an active account whose password matches, else None. A wrong or unknown login costs
    one argon2 verification like a right one (constant time, as office.access.verify)."""
    from argon2.exceptions import (
        InvalidHashError,
        VerificationError,
        VerifyMismatchError,
    )

    row = storage.accounts.account_row(store, account=(login or "").strip().lower()) if (login or "").strip() else None
    usable = (row is not None and isinstance(row.get("pw_hash"), str) and row["pw_hash"].startswith("$argon2")
              and as_datetime(row.get("disabled_at")) is None)
    try:
        editors._hasher.verify(row["pw_hash"] if usable else editors._dummy(), password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return _actor_of(row) if usable else None


def actor_for_email(store: Store, email: str | None) -> dict | None:
    """The actor of the active account with this e-mail (an OIDC user), else None."""
    if not (email or "").strip():
        return None
    row = storage.accounts.account_row(store, email=email.strip())
    return _actor_of(row) if row is not None and as_datetime(row.get("disabled_at")) is None else None
