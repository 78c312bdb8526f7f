"""How the ranked entity of the current level is named — the one place that decides it.

A level is 'province' (tỉnh, thành phố), 'department' (sở, ban, ngành), 'district' (huyện, history only)
or 'commune' (xã, phường). Every catalog string naming the ranked entity writes a placeholder instead of
"tỉnh" — {entity_word}, {entities_word}, {entity_cap}, {entities_cap}, {entity_full}, {entity_full_cap} —
and `dashboard.i18n.t` fills them from the current level (set by the shared controls for each run) unless
the caller passes them.

No Streamlit here: documents and the command line use the province words (the default level).
"""
from __future__ import annotations

import threading

LEVELS = ("province", "department", "district", "commune")
DEFAULT = "province"

# singular, plural ("the …s"), capitalised singular (a column header), capitalised plural (a heading),
# the full name (lower case) and its capitalised form (a column header naming the whole kind).
_WORDS: dict[str, dict[str, tuple[str, str, str, str, str, str]]] = {
    "vi": {
        "province": ("tỉnh", "các tỉnh", "Tỉnh", "Các tỉnh", "tỉnh, thành phố", "Tỉnh, thành phố"),
        "department": ("sở, ban, ngành", "các sở, ban, ngành", "Sở, ban, ngành", "Các sở, ban, ngành",
                       "sở, ban, ngành", "Sở, ban, ngành"),
        "district": ("huyện", "các huyện", "Huyện", "Các huyện", "huyện, thị xã, thành phố",
                     "Huyện, thị xã, thành phố"),
        "commune": ("xã, phường", "các xã, phường", "Xã, phường", "Các xã, phường", "xã, phường",
                    "Xã, phường"),
    },
    "en": {
        "province": ("province", "provinces", "Province", "Provinces", "province or city", "Province or city"),
        "department": ("department", "departments", "Department", "Departments", "department or agency",
                       "Department or agency"),
        "district": ("district", "districts", "District", "Districts", "district, town or city",
                     "District, town or city"),
        "commune": ("commune", "communes", "Commune", "Communes", "commune or ward", "Commune or ward"),
    },
}
KEYS = ("entity_word", "entities_word", "entity_cap", "entities_cap", "entity_full", "entity_full_cap")

_state = threading.local()  # one Streamlit session runs its script in its own thread
_last = [DEFAULT]  # for threads that never set one (a test driver formatting a widget's options)


def words(level: str | None = None, lang: str = "vi") -> dict[str, str]:
    """The placeholders naming the entity of `level` (default: the current level) in `lang`."""
    level = level if level in LEVELS else current()
    table = _WORDS.get(lang, _WORDS["vi"])
    return dict(zip(KEYS, table[level]))


def entity_word(level: str | None = None, lang: str = "vi") -> str:
    return words(level, lang)["entity_word"]


def entities_word(level: str | None = None, lang: str = "vi") -> str:
    return words(level, lang)["entities_word"]


def column(level: str | None = None, lang: str = "vi") -> str:
    """The header of the column naming the entities (Tỉnh, thành phố / Xã, phường / Sở, ban, ngành)."""
    return words(level, lang)["entity_full_cap"]


def set_current(level: str | None) -> None:
    """Called by the shared controls at every run: the level whose words the catalog strings get."""
    _state.level = level if level in LEVELS else DEFAULT
    _last[0] = _state.level


def current() -> str:
    return getattr(_state, "level", None) or _last[0]
