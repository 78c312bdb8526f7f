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
from dashboard.levels import set_current as set_level_words
from dashboard.analysis import years_of
from dashboard.i18n import LANGS, t

CONFIG = Path(__file__).resolve().parent.parent / "data" / "config.toml"
QUERY_KEYS = {"lang": "lang", "fw": "framework", "year": "year", "group": "group", "focus": "focus",
              "present": "present", "level": "level", "province": "province", "basis": "basis",
              "dataset": "data"}
DATASETS = ("own", "sample")
LEVELS = ("province", "department", "commune", "district")


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
    group: str          # "34"/"63" for provinces; "<level>@<province>" for a province's units
    focus: str
    present: bool
    level: str = "province"
    province: str | None = None   # whose units (unit levels only)
    basis: str = "self"           # 'self' (tự đánh giá) or 'appraised' (thẩm định), unit levels only
    dataset: str = "own"          # 'own' (the province's/units' own figures) or 'sample' (SAMPLE data)

    @property
    def is_sample(self) -> bool:
        return self.dataset == "sample"

    @property
    def is_province(self) -> bool:
        return self.level == "province"

    @property
    def score_group(self) -> str:
        """The group that is scored: the 34 provinces (the 63 show published results) or the units."""
        return "34" if self.is_province else self.group

    @property
    def target_ranks(self) -> tuple[int, int]:
        """The rank targets shown: the province's top 20 / top 15 (KH 18/KH-UBND); for units, the
        leading group (top 5 / top 3) — a province's internal ranking has no official target."""
        return (20, 15) if self.is_province else (5, 3)


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
        ss["level"] = _from_query("level", "province") if _from_query("level", "province") in LEVELS else "province"
        ss["province"] = _from_query("province", None)
        ss["basis"] = _from_query("basis", "appraised")
        ss["dataset"] = _from_query("dataset", None)
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
        set_level_words(ss.get("level"))
        widget(st.selectbox, "lang", "ui.controls.language", list(LANGS),
               format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x])
        lang_now = ss["lang"]
        levels = ["province"] + data.unit_levels_with_data()
        widget(st.selectbox, "level", "ui.controls.level", levels,
               format_func=lambda lv: t(f"ui.levels.{lv}", lang_now), help=t("ui.controls.level_help", lang_now))
        level = ss["level"]
        set_level_words(level)
        level_fws = data.frameworks_for_level(level) or fw_ids
        widget(st.selectbox, "framework_id", "ui.controls.framework", level_fws,
               format_func=lambda f: data.framework(f).name_en if lang_now == "en" else data.framework(f).name_vi)
        if level == "province":
            group = "34"
        else:
            units = data.units()
            provinces = sorted(set(units.loc[units["level"] == level, "province"]))
            if ss.get("province") not in provinces:
                ss["province"] = configured_focus() if configured_focus() in provinces else provinces[0]
            widget(st.selectbox, "province", "ui.controls.province", provinces)
            group = f"{level}@{ss['province']}"
            bases = data.bases(ss["framework_id"], group) if fw_ids else []
            if len(bases) > 1:
                widget(st.radio, "basis", "ui.controls.basis", bases, horizontal=True,
                       format_func=lambda b: t(f"ui.basis.{b}", lang_now), help=t("ui.controls.basis_help", lang_now))
            elif bases:
                ss["basis"] = bases[0]
        basis = ss.get("basis", "self") if level != "province" else "self"
        # Which dataset: the group's own figures or the SAMPLE data — never a mix. The switch shows when
        # both exist; a first visit (or a dataset that disappeared) gets 'own' when there is own data.
        found = data.datasets(ss["framework_id"], group, basis) if fw_ids else []
        if "w_dataset" in ss:
            ss["dataset"] = ss["w_dataset"]
        if ss.get("dataset") not in found:
            ss["dataset"] = found[0] if found else "own"
            ss.pop("w_dataset", None)
        # The switch is drawn here once the page is known (`dataset_switch`): a page of published results
        # only shows no dataset choice (no "DỮ LIỆU MẪU" beside published figures).
        ss["_dataset_slot"], ss["_datasets_found"] = st.container(), found
        dataset = ss["dataset"]
        result = data.scores(ss["framework_id"], group, basis, dataset) if fw_ids else None
        years = years_of(result) if result is not None else []
        if years:
            widget(st.selectbox, "year", "ui.controls.year", years)
        else:
            ss["year"] = None
        if level == "province":
            widget(st.radio, "group", "ui.controls.group", ["34", "63"], horizontal=True,
                   format_func=lambda g: t(f"ui.controls.group_{g}", lang_now),
                   help=t("ui.controls.group_help", lang_now))
            if ss["group"] not in ("34", "63"):
                ss["group"] = "34"
            entity_names = list(data.entities(ss["group"])["name"])
            if ss["focus"] not in entity_names and configured_focus() in entity_names:
                ss["focus"] = configured_focus()
            widget(st.selectbox, "focus", "ui.controls.focus", entity_names)
        else:
            ss["group"] = group
            # unique() first: the long table has a row per node, entity and year (1.4 M at 3,321 units)
            scored = sorted(result.scores["entity"].unique()) if result is not None else []
            entity_names = scored or list(data.entities(group)["name"])
            widget(st.selectbox, "focus", "ui.controls.focus_unit", entity_names)
        widget(st.toggle, "present", "ui.controls.present", help=t("ui.controls.present_help", lang_now))

    sel = current()
    wanted = {QUERY_KEYS["lang"]: sel.lang, QUERY_KEYS["fw"]: sel.framework_id, QUERY_KEYS["group"]: sel.group,
              QUERY_KEYS["focus"]: sel.focus, QUERY_KEYS["present"]: "1" if sel.present else "0",
              QUERY_KEYS["level"]: sel.level, QUERY_KEYS["dataset"]: sel.dataset}
    if not sel.is_province:
        wanted[QUERY_KEYS["province"]] = sel.province or ""
        wanted[QUERY_KEYS["basis"]] = sel.basis
    if sel.year is not None:
        wanted[QUERY_KEYS["year"]] = str(sel.year)
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)
    return sel


def published_only(page: str, sel: Selection) -> bool:
    """True for a page that shows published results only, whatever the dataset: the 63-province rankings."""
    return page == "rankings" and sel.is_province and sel.group == "63"


def dataset_switch(published_only: bool = False) -> None:
    """Draw the dataset switch (own figures / SAMPLE) in the place the sidebar kept for it, when the group
    has both and the page shows scored figures; a page of published results only says so instead."""
    ss = st.session_state
    slot, found, lang = ss.pop("_dataset_slot", None), ss.pop("_datasets_found", []), ss.get("lang", "vi")
    if slot is None:
        return
    if published_only:
        slot.caption(t("ui.controls.dataset_published", lang))
        return
    if len(found) > 1:
        ss["w_dataset"] = ss["dataset"]
        # labels made in this run (they name the level): a later formatting of the options reads the same words
        labels = {d: t(f"ui.dataset.{d}", lang) for d in found}
        slot.radio(t("ui.controls.dataset", lang), found, horizontal=True, key="w_dataset",
                   format_func=labels.get, help=t("ui.controls.dataset_help", lang))


def current() -> Selection:
    """The selection as the sidebar left it in session state."""
    ss = st.session_state
    level = ss.get("level", "province")
    set_level_words(level)  # the words naming the ranked entity in every catalog string of this run
    return Selection(lang=ss["lang"], framework_id=ss["framework_id"], year=ss.get("year"), group=ss["group"],
                     focus=ss["focus"], present=bool(ss.get("present")), level=level,
                     province=ss.get("province") if level != "province" else None,
                     basis=ss.get("basis", "self") if level != "province" else "self",
                     dataset=ss.get("dataset") or "own")


def focus_on_34(name: str) -> None:
    """Switch to the 34-province group with `name` as the focus (button callback)."""
    for key, value in (("group", "34"), ("focus", name)):
        st.session_state[key] = value
        st.session_state[f"w_{key}"] = value


def land_unknown_paths_on_default(known_paths) -> None:
    """A typed address that is no page of the app (/overview — the first page lives at /, or an old link)
    opens the first page instead of Streamlit's English "Page not found" dialog. Uses Streamlit's page
    manager; if that ever changes, Streamlit's own behaviour (the dialog, then the first page) remains."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        manager = get_script_run_ctx().pages_manager
        name = manager.intended_page_name
        if name and name not in set(known_paths) and not manager.intended_page_script_hash:
            manager.set_script_intent("", "")
    except Exception:  # noqa: BLE001 — only a nicer landing; never break the app
        return


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
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {font-size: 1.05rem !important;}
[data-testid="stWidgetLabel"] p {font-size: 1.1rem;}
div[data-testid="stMetricValue"], div[data-testid="stMetricValue"] p {font-size: 3rem !important;}
div[data-testid="stMetricLabel"] p {font-size: 1.1rem !important;}
div[data-testid="stMetricDelta"] div, div[data-testid="stMetricDelta"] p {font-size: 1.3rem !important;}
</style>
"""


# Streamlit's own file-uploader chrome is English ("Browse files", "200MB per file • CSV, XLSX", a chosen
# file's size "31.5MB", "Error: application/x-ms-dos-executable files are not allowed.") and has no option to
# change it: in Vietnamese the words are replaced through CSS from the catalog (the button and the drop zone keep
# working; every uploader of the app takes CSV or Excel .xlsx). The size of a chosen file is hidden here and said
# by the page itself in Vietnamese (fmt.file_size).
def _css_text(text: str) -> str:
    return text.replace("\\", "").replace('"', "'").replace("\n", " ")


def chrome_css(lang: str) -> str:
    if lang != "vi":
        return ""
    from dashboard import fmt
    from loaders.limits import MAX_UPLOAD_BYTES

    limit = fmt.file_size(MAX_UPLOAD_BYTES, lang).replace(",0 ", " ")
    browse = _css_text(t("ui.app.upload_browse", lang))
    hint = _css_text(t("ui.app.upload_hint", lang, limit=limit))
    refused = _css_text(t("ui.app.upload_refused", lang, limit=limit))
    # An empty date box shows its format in English letters ("dd / mm / yyyy", one segment each): the
    # segments still empty read "ngày / tháng / năm" instead (the typed digits show as usual).
    day, month, year = (_css_text(w) for w in t("ui.app.date_placeholder", lang).split("/"))
    seg = '[data-testid="stDateInputField"] span[data-placeholder="true"][data-type="{}"]'
    date_css = "\n".join(
        f"{seg.format(kind)} {{font-size: 0;}}\n{seg.format(kind)}::after {{content: \"{word}\"; font-size: 0.875rem;}}"
        for kind, word in (("day", day), ("month", month), ("year", year)))
    return f"""
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{browse}"; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{hint}"; font-size: 0.875rem;}}
[data-testid="stFileChipName"] + div {{display: none;}}
[data-testid="stFileChip"] [role="alert"] {{font-size: 0;}}
[data-testid="stFileChip"] [role="alert"]::after {{content: "{refused}"; font-size: 0.8rem;}}
[data-testid="stFileUploaderDropzone"]:has([data-testid="stFileChip"][aria-invalid="true"]) {{flex-wrap: wrap;}}
[data-testid="stFileUploaderDropzone"]:has([data-testid="stFileChip"][aria-invalid="true"])::after {{
  content: "{refused}"; flex-basis: 100%; color: #b3261e; font-size: 0.875rem; margin-top: 0.4rem;}}
{date_css}
</style>
"""
