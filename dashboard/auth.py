"""Who is using the dashboard: the sign-in box (sidebar) and the checks pages make before a change.
The hashing and the rules are in office/access.py and office/appraisal.py (pure / service); this is
the Streamlit glue.

Three roles (`current_user()` returns the actor dict {"name", "role", "account", "unit"}):
- editor (office staff): `.streamlit/secrets.toml` — with an OIDC provider ([auth]) through `st.login`
  (`dti_studio.editor_emails` limits which of its users edit), otherwise a name and password checked
  against `dti_studio.editors` (argon2 hashes). `editor()` means editors only: every data change of the
  other pages stays editor-only.
- unit / council: accounts an editor issued for an appraisal round (DuckDB table `accounts`, argon2
  hashes), signed in with the same box (editors are tried first), or an OIDC user whose email is an
  account's email.
- Reading needs no sign-in unless `dti_studio.require_sign_in_to_read = true`.
"""
from __future__ import annotations

import time

import streamlit as st

from dashboard.i18n import t
from office import access as editors
from office import round_accounts

_KEY = "_editor"           # the signed-in editor's name (password sign-in), kept in the session only
_ACCOUNT = "_account"      # the signed-in account's actor dict (unit user or council member), session only
_FAILS = "_editor_fails"   # failed attempts of this session, editors and accounts alike (each one waits longer)
ROLES = ("editor", "unit", "council")


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 — no secrets file is the default: nobody edits until one is made
        return {}


def _oidc_user() -> tuple[str, str] | None:
    try:
        if st.user.is_logged_in:
            email = st.user.get("email") or ""
            return str(st.user.get("name") or email or "?"), str(email)
    except Exception:  # noqa: BLE001 — st.user outside a server (bare scripts)
        return None
    return None


def _store():
    from dashboard import data

    return data.store()


def _all_accounts():
    """Every issued account (no hashes), all provinces; memoised per data version in the session (read
    on every run by the sidebar box). None when the store has no accounts table yet."""
    store = _store()
    version = store.data_version()
    memo = st.session_state.get("_accounts_memo")
    if memo and memo[0] == version:
        return memo[1]
    try:
        from office import round_accounts

        df = round_accounts.accounts(store, None)
    except Exception:  # noqa: BLE001 — a database without the round tables (older file): no accounts
        df = None
    st.session_state["_accounts_memo"] = (version, df)
    return df


def _active(df, column: str, value: str):
    """The active account row whose `column` equals `value` (emails without regard to case), or None."""
    if df is None or df.empty or not value:
        return None
    col = df[column].astype("string").str.casefold()
    rows = df.loc[(col == str(value).casefold()) & df["disabled_at"].isna()]
    return None if rows.empty else rows.iloc[0]


def _actor_of(row) -> dict:
    return {"name": str(row["display_name"]), "role": str(row["role"]), "account": str(row["account"]),
            "unit": None if row["unit"] is None or row["unit"] != row["unit"] else str(row["unit"]),
            "province": str(row["province"])}


def _oidc_role(secrets: dict) -> dict | None:
    """The OIDC user as an actor: an editor named in `editor_emails`, else the account with that email,
    else an editor when no `editor_emails` list is given (every user of the provider edits)."""
    user = _oidc_user()
    if not user:
        return None
    name, email = user
    listed = editors.settings(secrets).get("editor_emails")
    if listed and editors.oidc_editor(secrets, email):
        return {"name": name, "role": "editor", "account": None, "unit": None}
    row = _active(_all_accounts(), "email", email) if email else None
    if row is not None:
        return _actor_of(row)
    if not listed:
        return {"name": name, "role": "editor", "account": None, "unit": None}
    return None


def editor() -> str | None:
    """The signed-in editor's name, or None (a reader, a unit user or a council member)."""
    secrets = _secrets()
    if editors.oidc_configured(secrets):
        actor = _oidc_role(secrets)
        if actor and actor["role"] == "editor":
            return actor["name"]
    name = st.session_state.get(_KEY)
    if name and name in editors.editors_of(secrets):
        return name
    return None


def current_user() -> dict | None:
    """Who is signed in, as the actor dict of the round's service calls: {"name", "role" ('editor' |
    'unit' | 'council'), "account" (login or None), "unit" (the unit's name or None)} — or None (a reader).
    An account is checked against the database on every run: a disabled account is signed out."""
    name = editor()
    if name:
        return {"name": name, "role": "editor", "account": None, "unit": None}
    secrets = _secrets()
    if editors.oidc_configured(secrets):
        actor = _oidc_role(secrets)
        if actor:
            return actor
    actor = st.session_state.get(_ACCOUNT)
    if not actor:
        return None
    row = _active(_all_accounts(), "account", actor.get("account") or "")
    if row is None:
        st.session_state.pop(_ACCOUNT, None)
        return None
    return _actor_of(row)


def role_words(actor: dict, lang: str) -> str:
    """Who is signed in, in words: "Cán bộ Sở/Văn phòng: …", "Đơn vị: Phường Thuận Hóa",
    "Thành viên Hội đồng thẩm định: …" (names escaped: they are user text)."""
    if actor["role"] == "editor":
        return t("ui.auth.signed_in", lang, name=plain(actor["name"]))
    if actor["role"] == "unit":
        return t("ui.auth.role_unit", lang, unit=plain(actor.get("unit") or actor["name"]))
    return t("ui.auth.role_council", lang, name=plain(actor["name"]))


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~:$&=\"'")


def plain(text) -> str:
    """User text made safe inside a Markdown string (captions, alerts): every Markdown/HTML sign escaped,
    so a name like "**x** <b>" or ":red[x]" shows as typed."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text)).replace("\n", " ")


def page_for_hint(hint: str, role: str, lang: str) -> None:
    """A page meant for another role: a reader gets the sign-in hint (`hint`); a signed-in user is not told
    how to sign in, only whom the page is for and who they are signed in as."""
    actor = current_user()
    if actor is None:
        st.info(hint, icon=":material/login:")
        return
    st.info(t("ui.council.page_for", lang, role=t(f"ui.round.role_{role}", lang), me=role_words(actor, lang)),
            icon=":material/person:")


def can_edit() -> bool:
    return editor() is not None


def reason(lang: str) -> str:
    """Why a data change is not offered now (shown beside a disabled control)."""
    return t("ui.auth.need_editor", lang)


def explain_if_reader(lang: str) -> bool:
    """Show, once per section, why its controls are disabled. Returns whether the user edits."""
    if can_edit():
        return True
    st.caption(":material/lock: " + reason(lang))
    return False


def _sign_in(name: str, password: str, lang: str) -> None:
    ss = st.session_state
    fails = ss.get(_FAILS, 0)
    if fails:
        time.sleep(min(0.5 * 2 ** (fails - 1), 8.0))  # slows guessing down; the hash itself costs ~50 ms
    found = editors.verify(editors.editors_of(_secrets()), name, password)
    actor = None
    if not found:  # then an active account of the database (also hashed when the name is unknown)
        try:
            actor = round_accounts.authenticate(_store(), name, password)
        except Exception:  # noqa: BLE001 — a database that cannot be read: not signed in, same message
            actor = None
    if found:
        ss[_KEY] = found
        ss.pop(_ACCOUNT, None)
        ss[_FAILS] = 0
    elif actor:
        ss[_ACCOUNT] = dict(actor)
        ss.pop(_KEY, None)
        ss[_FAILS] = 0
    else:
        ss[_FAILS] = fails + 1
        ss["_editor_error"] = t("ui.auth.wrong", lang)


def _on_sign_in(lang: str) -> None:
    ss = st.session_state
    name, password = ss.get("auth_name", ""), ss.get("auth_password", "")
    ss["auth_password"] = ""  # never kept in the session
    _sign_in(name, password, lang)


def _sign_out() -> None:
    st.session_state.pop(_KEY, None)
    st.session_state.pop(_ACCOUNT, None)


def sidebar_box(lang: str) -> None:
    """The editor's box at the bottom of the sidebar: who is signed in and sign out, or sign in."""
    secrets = _secrets()
    with st.sidebar:
        actor = current_user()
        if actor:
            st.caption(role_words(actor, lang))
            if actor["role"] == "editor":
                st.caption(t("ui.auth.role_editor", lang))
            if editors.oidc_configured(secrets) and _oidc_user():
                st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=st.logout)
            else:
                st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=_sign_out)
            return
        with st.expander(t("ui.auth.box", lang), icon=":material/person:"):
            if editors.oidc_configured(secrets):
                user = _oidc_user()
                if user:  # signed in but neither on the editors' list nor an account's email
                    st.caption(t("ui.auth.not_editor", lang, name=plain(user[0])))
                    st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=st.logout)
                else:
                    st.button(t("ui.auth.sign_in_oidc", lang), key="auth_login", on_click=st.login)
                return
            accounts = _all_accounts()
            if not editors.editors_of(secrets) and (accounts is None or accounts.empty):
                st.caption(t("ui.auth.none_configured", lang))
                return
            # Plain widgets and a callback (a form's submit is lost when Streamlit runs a page file alone).
            st.text_input(t("ui.auth.name", lang), key="auth_name")
            st.text_input(t("ui.auth.password", lang), type="password", key="auth_password")
            st.button(t("ui.auth.sign_in", lang), key="auth_submit", on_click=_on_sign_in, args=(lang,))
            error = st.session_state.pop("_editor_error", None)
            if error:
                st.error(error)


def require_reader(lang: str) -> None:
    """When reading needs a sign-in (configured), stop here until the user has signed in."""
    secrets = _secrets()
    if not editors.read_required(secrets):
        return
    if editors.oidc_configured(secrets):
        if _oidc_user():
            return
    elif current_user():
        return
    st.title("DTI Studio")
    st.info(t("ui.auth.read_required", lang))
    st.stop()


# -- faults and guarded writes -------------------------------------------------------------------------

def is_fault(exc: BaseException) -> bool:
    """A database fault or a refused change (explained to the user), not a bug."""
    from storage.errors import StoreError

    return isinstance(exc, StoreError)


def explain_error(exc: BaseException, lang: str) -> str:
    """Vietnamese words for a fault; a bug gets the general message (details go to the log)."""
    if is_fault(exc):
        return t(f"ui.faults.{exc.code}", lang, path=getattr(exc, "path", ""),
                 detail=plain(getattr(exc, "detail", "") or ""))
    return t("ui.faults.unexpected", lang, kind=type(exc).__name__)


def write(lang: str, fn):
    """Run a data change `fn(who)` for the signed-in editor, explaining a refusal or a fault in words
    instead of raising. Returns fn's result (True when it returns None), or None when nothing was written."""
    name = editor()
    if name is None:
        st.error(t("ui.faults.editor_required", lang))
        return None
    return _explained(lang, fn, name)


def _say(words: str, icon: str, hold: str | None) -> None:
    """A refusal shown now, or kept under `hold` in the session for the page's run to show where it belongs."""
    if hold:
        st.session_state[hold] = words
    else:
        st.error(words, icon=icon)


def _explained(lang: str, fn, who, hold: str | None = None):
    """fn(who), a fault explained in words (None) instead of raised; True when fn returns None."""
    try:
        result = fn(who)
        return True if result is None else result
    except Exception as exc:  # noqa: BLE001 — faults are explained; bugs go to the frame's handler
        if not is_fault(exc):
            raise
        _say(explain_error(exc, lang), ":material/error:", hold)
        return None


def act(lang: str, fn, roles: tuple[str, ...] = ROLES, hold: str | None = None):
    """Run a change `fn(actor)` for the signed-in user (the actor dict) when their role is one of `roles`,
    explaining a refusal or a fault in words instead of raising (the service layer checks again what the
    actor may do: own unit, assigned criteria). Returns fn's result (True for None), or None. `hold`: in a
    button's callback (before the run; an element drawn there would land at the page's top) the words are kept
    in the session under that key for the page to show beside the button."""
    actor = current_user()
    if actor is None or actor["role"] not in roles:
        key = "ui.faults.editor_required" if tuple(roles) == ("editor",) else "ui.round.sign_in_required"
        _say(t(key, lang), ":material/lock:", hold)
        return None
    return _explained(lang, fn, actor, hold)
