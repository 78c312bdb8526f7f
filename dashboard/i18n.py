"""UI string catalogs: locales/<lang>/*.toml, keys prefixed by the file stem (ui.toml -> 'ui.x')."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from scoring.framework import display_code  # noqa: F401 — how a criterion code is read, on every screen

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


def _flatten(prefix: str, tree: dict, out: dict) -> None:
    for key, value in tree.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = value


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    """The string for `key` in `lang` (falls back to Vietnamese, then to the key itself)."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    if "{" in text:
        # How the ranked entity is named (tỉnh / sở, ban, ngành / huyện / xã, phường) comes from the current
        # level unless the caller says it (dashboard/levels.py).
        from dashboard import levels

        params = {**levels.words(None, lang), **{k: _count(v, lang) if k in COUNT_PARAMS else v
                                                  for k, v in params.items()}}
    if params:
        try:
            return text.format_map(_Keep(params))
        except (KeyError, IndexError, ValueError):
            return text
    return text


class _Keep(dict):
    """Format parameters that leave a placeholder nobody gave as it is (the level words are filled anyway)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# Parameters that are counts: a whole number given for them is read grouped ("2.108 giá trị", never "2108"),
# whichever page passes it. Years, ids and ranks are other parameters and stay as they are.
COUNT_PARAMS = frozenset({"n", "total", "rows", "imports", "entities", "missing", "no_ev", "n_prev", "count", "cells",
                          "limit", "shown", "kept", "values", "draws", "known", "without", "provinces"})


def _count(value, lang: str):
    if isinstance(value, int) and not isinstance(value, bool) or type(value).__name__ in ("int64", "int32"):
        from dashboard import fmt

        return fmt.count(value, lang)
    return value


def name_of(node, lang: str) -> str:
    """A framework node's name in the UI language."""
    return node.name_en if lang == "en" and node.name_en else node.name_vi


def label_of(node, lang: str) -> str:
    """A framework node as a person reads it: '<code as read>. <name>' (a joined code of ours shows the seed's
    numbers it covers, 'CQS.2.3–2.4'; the root is its name alone)."""
    if node.code == "total":
        return name_of(node, lang)
    return f"{display_code(node.code)}. {name_of(node, lang)}"
