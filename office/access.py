"""Editors: who may change data. Pure (no Streamlit): password hashing, checks, the secrets file.

Editors who sign in with a password are listed in `.streamlit/secrets.toml` with an argon2id hash
(argon2-cffi), never the password:

    [dti_studio]
    require_sign_in_to_read = false        # true: even reading needs a signed-in user
    editor_emails = ["a@so-tt.gov.vn"]     # with an OIDC provider ([auth] section): who of its users edit

    [dti_studio.editors]
    "Nguyễn Văn A" = "$argon2id$v=19$m=65536,t=3,p=4$…"

Add or change one with `python -m office.access add "Nguyễn Văn A"` (asks for the password twice) or
`… add NAME --password-stdin`; `remove NAME`; `list`.
"""
from __future__ import annotations

import argparse
import functools
import getpass
import json
import re
import sys
import tomllib
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ROOT / ".streamlit" / "secrets.toml"
SECTION = "dti_studio"
MIN_PASSWORD = 10
MAX_NAME = 80

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.


@functools.cache
def _dummy() -> str:  # hashed on the first sign-in, not at import (≈ 0.1 s of every server's cold start)
    return _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password shorter than {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise ValueError("an editor's name is 1–80 printable characters")
    return name


def verify(editors: dict[str, str], name: str, password: str) -> str | None:
    """The editor's canonical name when `password` matches the stored hash of `name`, else None.
    Names match without regard to case and spacing."""
    wanted = " ".join((name or "").split()).casefold()
    match = next((n for n in editors if " ".join(n.split()).casefold() == wanted), None)
    stored = editors.get(match) if match else None
    try:
        _hasher.verify(stored if isinstance(stored, str) and stored.startswith("$argon2") else _dummy(),
                       password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return match if match and isinstance(stored, str) and stored.startswith("$argon2") else None


# Generated passwords of unit and council accounts (issue 12): no 0/O, 1/l/I, 5/S, 2/Z look-alikes.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXY346789"
GENERATED_LENGTH = 12


def new_password(length: int = GENERATED_LENGTH) -> str:
    """A random password from an unambiguous alphabet (the `secrets` module), at least MIN_PASSWORD long."""
    import secrets

    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(max(length, MIN_PASSWORD)))


def slug(text: str, max_len: int = 40) -> str:
    """An ASCII login name from a Vietnamese name: 'Phường Thuận Hóa' → 'phuong-thuan-hoa'."""
    import unicodedata

    s = unicodedata.normalize("NFD", str(text or "").lower()).replace("đ", "d")
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:max_len].rstrip("-")


def settings(secrets: dict) -> dict:
    """The app's section of the secrets (a plain dict; {} when absent)."""
    section = secrets.get(SECTION) or {}
    return {k: section[k] for k in section}


def editors_of(secrets: dict) -> dict[str, str]:
    editors = settings(secrets).get("editors") or {}
    return {str(k): str(v) for k, v in dict(editors).items()}


def oidc_configured(secrets: dict) -> bool:
    auth = secrets.get("auth") or {}
    return bool(auth.get("redirect_uri") and auth.get("cookie_secret")
                and (auth.get("client_id") or any(isinstance(v, dict) or hasattr(v, "keys")
                                                   for v in dict(auth).values())))


def oidc_editor(secrets: dict, email: str | None) -> bool:
    """Whether a user signed in through the OIDC provider edits: every such user when no
    `editor_emails` list is given, else only the listed addresses."""
    allowed = settings(secrets).get("editor_emails")
    if not allowed:
        return True
    return bool(email) and email.casefold() in {str(a).casefold() for a in allowed}


def read_required(secrets: dict) -> bool:
    return bool(settings(secrets).get("require_sign_in_to_read", False))


# -- the secrets file -------------------------------------------------------------------------------

def load_secrets(path: Path = SECRETS) -> dict:
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}


_HEADER = re.compile(r"^\s*\[")


def _write_editors(path: Path, editors: dict[str, str]) -> None:
    """Rewrite only the `[dti_studio.editors]` table of the file, keeping everything else as it is."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    out, skipping = [], False
    for line in lines:
        if _HEADER.match(line):
            skipping = line.strip().replace(" ", "") == f"[{SECTION}.editors]"
        if not skipping:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    table = [f"[{SECTION}.editors]"] + [f"{json.dumps(n, ensure_ascii=False)} = {json.dumps(h)}"
                                        for n, h in sorted(editors.items())]
    text = "\n".join(out + ([""] if out else []) + table) + "\n"
    tomllib.loads(text)  # never leave a file Streamlit cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def add_editor(name: str, password: str, path: Path = SECRETS) -> str:
    name = clean_name(name)
    editors = editors_of(load_secrets(path))
    editors[name] = hash_password(password)
    _write_editors(path, editors)
    return name


def remove_editor(name: str, path: Path = SECRETS) -> bool:
    editors = editors_of(load_secrets(path))
    if name not in editors:
        return False
    del editors[name]
    _write_editors(path, editors)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m office.access",
                                     description="Biên tập viên được phép thay đổi dữ liệu (mật khẩu băm argon2id).")
    parser.add_argument("--secrets", type=Path, default=SECRETS, help="tệp secrets.toml")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="thêm hoặc đổi mật khẩu một biên tập viên")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    rm = sub.add_parser("remove", help="bỏ một biên tập viên")
    rm.add_argument("name")
    sub.add_parser("list", help="liệt kê biên tập viên")
    args = parser.parse_args(argv)
    if args.cmd == "list":
        for name in sorted(editors_of(load_secrets(args.secrets))):
            print(name)
        return 0
    if args.cmd == "remove":
        ok = remove_editor(args.name, args.secrets)
        print("Đã bỏ." if ok else "Không có biên tập viên này.", file=sys.stderr)
        return 0 if ok else 1
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("Hai lần nhập không khớp; không ghi gì.", file=sys.stderr)
            return 1
    try:
        name = add_editor(args.name, password, args.secrets)
    except ValueError as exc:
        print(f"Không ghi: {exc}", file=sys.stderr)
        return 1
    print(f"Đã ghi biên tập viên “{name}” vào {args.secrets}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
