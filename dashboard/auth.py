"""Who is using the dashboard: the editor's sign-in box (sidebar) and the checks pages make before a
data change. The hashing and the rules are in loaders/editors.py (pure); this is the Streamlit glue.

- With an OIDC provider in `.streamlit/secrets.toml` ([auth]), editors sign in through `st.login`;
  `dti_studio.editor_emails` limits which of its users edit.
- Otherwise editors sign in with a name and password checked against `dti_studio.editors` (argon2 hashes).
- Reading needs no sign-in unless `dti_studio.require_sign_in_to_read = true`.
"""
from __future__ import annotations

import time

import streamlit as st

from dashboard.i18n import t
from loaders import editors

_KEY = "_editor"           # the signed-in editor's name (password sign-in), kept in the session only
_FAILS = "_editor_fails"   # failed attempts of this session (each one waits longer)


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


def editor() -> str | None:
    """The signed-in editor's name, or None (a reader)."""
    secrets = _secrets()
    if editors.oidc_configured(secrets):
        user = _oidc_user()
        if user and editors.oidc_editor(secrets, user[1]):
            return user[0]
    name = st.session_state.get(_KEY)
    if name and name in editors.editors_of(secrets):
        return name
    return None


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
    fails = st.session_state.get(_FAILS, 0)
    if fails:
        time.sleep(min(0.5 * 2 ** (fails - 1), 8.0))  # slows guessing down; the hash itself costs ~50 ms
    found = editors.verify(editors.editors_of(_secrets()), name, password)
    if found:
        st.session_state[_KEY] = found
        st.session_state[_FAILS] = 0
    else:
        st.session_state[_FAILS] = fails + 1
        st.session_state["_editor_error"] = t("ui.auth.wrong", lang)


def _on_sign_in(lang: str) -> None:
    ss = st.session_state
    name, password = ss.get("auth_name", ""), ss.get("auth_password", "")
    ss["auth_password"] = ""  # never kept in the session
    _sign_in(name, password, lang)


def _sign_out() -> None:
    st.session_state.pop(_KEY, None)


def sidebar_box(lang: str) -> None:
    """The editor's box at the bottom of the sidebar: who is signed in and sign out, or sign in."""
    secrets = _secrets()
    with st.sidebar:
        name = editor()
        if name:
            st.caption(t("ui.auth.signed_in", lang, name=name))
            if editors.oidc_configured(secrets) and _oidc_user():
                st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=st.logout)
            else:
                st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=_sign_out)
            return
        with st.expander(t("ui.auth.box", lang), icon=":material/person:"):
            if editors.oidc_configured(secrets):
                user = _oidc_user()
                if user:  # signed in but not on the editors' list
                    st.caption(t("ui.auth.not_editor", lang, name=user[0]))
                    st.button(t("ui.auth.sign_out", lang), key="auth_logout", on_click=st.logout)
                else:
                    st.button(t("ui.auth.sign_in_oidc", lang), key="auth_login", on_click=st.login)
                return
            if not editors.editors_of(secrets):
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
    elif editor():
        return
    st.title("DTI Studio")
    st.info(t("ui.auth.read_required", lang))
    st.stop()


# -- faults and guarded writes -------------------------------------------------------------------------

def is_fault(exc: BaseException) -> bool:
    """A database fault or a refused change (explained to the user), not a bug."""
    from loaders.store import StoreError

    return isinstance(exc, StoreError)


def explain_error(exc: BaseException, lang: str) -> str:
    """Vietnamese words for a fault; a bug gets the general message (details go to the log)."""
    if is_fault(exc):
        return t(f"ui.faults.{exc.code}", lang, path=getattr(exc, "path", ""), detail=getattr(exc, "detail", ""))
    return t("ui.faults.unexpected", lang, kind=type(exc).__name__)


def write(lang: str, fn):
    """Run a data change `fn(who)` for the signed-in editor, explaining a refusal or a fault in words
    instead of raising. Returns fn's result (True when it returns None), or None when nothing was written."""
    name = editor()
    if name is None:
        st.error(t("ui.faults.editor_required", lang))
        return None
    try:
        result = fn(name)
        return True if result is None else result
    except Exception as exc:  # noqa: BLE001 — faults are explained; bugs go to the frame's handler
        if not is_fault(exc):
            raise
        st.error(explain_error(exc, lang), icon=":material/error:")
        return None
