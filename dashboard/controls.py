"""Shared controls (framework, year, province group, focus province, language, presentation mode).

They live in the app frame (app.py), so they keep their values across page changes, and they are
mirrored in the URL query parameters so a view can be shared as a link.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.analysis import years_of
from dashboard.i18n import LANGS, t

CONFIG = Path(__file__).resolve().parent.parent / "data" / "config.toml"
QUERY_KEYS = {"lang": "lang", "fw": "framework", "year": "year", "group": "group", "focus": "focus",
              "present": "present"}


def configured_focus() -> str:
    env = os.environ.get("DTI_STUDIO_FOCUS")
    if env:
        return env
    try:
        with CONFIG.open("rb") as fh:
            return tomllib.load(fh).get("focus_entity", "Gia Lai")
    except FileNotFoundError:
        return "Gia Lai"


@dataclass(frozen=True)
class Selection:
    lang: str
    framework_id: str
    year: int | None
    group: str
    focus: str
    present: bool


def _from_query(key: str, default):
    value = st.query_params.get(QUERY_KEYS[key])
    return default if value in (None, "") else value


def sidebar() -> Selection:
    """Render the shared controls (or only read them in presentation mode) and sync the URL."""
    ss = st.session_state
    if "controls_initialised" not in ss:
        ss["lang"] = _from_query("lang", "vi") if _from_query("lang", "vi") in LANGS else "vi"
        ss["framework_id"] = _from_query("fw", data.framework_ids()[0] if data.framework_ids() else "")
        ss["group"] = _from_query("group", "34") if _from_query("group", "34") in ("34", "63") else "34"
        ss["focus"] = _from_query("focus", configured_focus())
        ss["present"] = _from_query("present", "0") == "1"
        year = _from_query("year", None)
        ss["year"] = int(year) if year and str(year).isdigit() else None
        ss["controls_initialised"] = True

    lang_now = ss["lang"]
    fw_ids = data.framework_ids()
    if ss["framework_id"] not in fw_ids and fw_ids:
        ss["framework_id"] = fw_ids[0]

    def widget(kind, name: str, label_key: str, *args, **kwargs):
        """A widget bound to the persistent key `name` through its own key `w_<name>`.

        Widget state is dropped when a widget is not drawn in a run (page changes in multipage v1),
        so the value lives in `name` and is copied in both directions.
        """
        wkey = f"w_{name}"
        if wkey in ss:
            ss[name] = ss[wkey]
        options = args[0] if args else None
        if options is not None and ss.get(name) not in options and options:
            ss[name] = options[-1] if name == "year" else options[0]
        ss[wkey] = ss[name]
        kind(t(label_key, lang_now), *args, key=wkey, **kwargs)
        ss[name] = ss[wkey]

    with st.sidebar:
        widget(st.selectbox, "lang", "ui.controls.language", list(LANGS),
               format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x])
        lang_now = ss["lang"]
        widget(st.selectbox, "framework_id", "ui.controls.framework", fw_ids,
               format_func=lambda f: data.framework(f).name_en if lang_now == "en" else data.framework(f).name_vi)
        result = data.scores(ss["framework_id"], "34") if fw_ids else None
        years = years_of(result) if result is not None else []
        if years:
            widget(st.selectbox, "year", "ui.controls.year", years)
        else:
            ss["year"] = None
        widget(st.radio, "group", "ui.controls.group", ["34", "63"], horizontal=True,
               format_func=lambda g: t(f"ui.controls.group_{g}", lang_now), help=t("ui.controls.group_help", lang_now))
        entity_names = list(data.entities(ss["group"])["name"])
        if ss["focus"] not in entity_names and configured_focus() in entity_names:
            ss["focus"] = configured_focus()
        widget(st.selectbox, "focus", "ui.controls.focus", entity_names)
        widget(st.toggle, "present", "ui.controls.present", help=t("ui.controls.present_help", lang_now))

    sel = Selection(lang=ss["lang"], framework_id=ss["framework_id"], year=ss.get("year"), group=ss["group"],
                    focus=ss["focus"], present=bool(ss["present"]))
    wanted = {QUERY_KEYS["lang"]: sel.lang, QUERY_KEYS["fw"]: sel.framework_id, QUERY_KEYS["group"]: sel.group,
              QUERY_KEYS["focus"]: sel.focus, QUERY_KEYS["present"]: "1" if sel.present else "0"}
    if sel.year is not None:
        wanted[QUERY_KEYS["year"]] = str(sel.year)
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)
    return sel


def focus_on_34(name: str) -> None:
    """Switch to the 34-province group with `name` as the focus (button callback)."""
    for key, value in (("group", "34"), ("focus", name)):
        st.session_state[key] = value
        st.session_state[f"w_{key}"] = value


def exit_presentation() -> None:
    st.session_state["present"] = False
    st.session_state["w_present"] = False


PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"] {display: none;}
div[data-testid="stMainBlockContainer"] {max-width: 100%; padding-top: 1rem;}
html, body, [class*="css"] {font-size: 20px;}
div[data-testid="stMetricValue"] {font-size: 3rem;}
h1 {font-size: 3rem !important;} h2 {font-size: 2.3rem !important;}
</style>
"""
