"""Entity names: the province lists and `EntityResolver`, which matches what a user typed ("tinh gia lai",
"TP.HCM", "Xã Hương Long") to a canonical name, and explains a former province's name."""
from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from loaders.cells import _NON_ALNUM, _compact, fold

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PROVINCES = ROOT / "data" / "reference" / "provinces_2025.csv"


# Built-in aliases, used for a canonical name only when the caller passes that name.
DEFAULT_ALIASES: dict[str, list[str]] = {
    "Hồ Chí Minh": ["HCM", "TPHCM", "TP HCM", "Sài Gòn", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"],
    "Huế": ["Thừa Thiên Huế", "Thừa Thiên - Huế", "TT Huế", "TT-Huế"],
    "Bà Rịa - Vũng Tàu": ["BR-VT", "BRVT", "Bà Rịa Vũng Tàu"],
}

# Folded prefixes an entity name may carry ("Tỉnh Gia Lai", "UBND tỉnh Gia Lai", "TP. Huế"), longest first.
ENTITY_PREFIXES = tuple(sorted(
    ["uy ban nhan dan tinh", "uy ban nhan dan thanh pho", "ubnd tinh", "ubnd thanh pho", "ubnd tp",
     "ubnd", "thanh pho", "tinh", "tp", "t p"],
    key=len, reverse=True,
))


class ProvinceReference(NamedTuple):
    new: list[str]  # the 34 provinces and cities from 1 July 2025, file order
    old: list[str]  # the 63 before the merger
    merged_into: dict[str, str]  # old name -> new name


def load_provinces(path: str | Path = REFERENCE_PROVINCES) -> ProvinceReference:
    """The province lists of data/reference/provinces_2025.csv."""
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    new = list(dict.fromkeys(r["new_province_2025"].strip() for r in rows))
    old = [r["old_province"].strip() for r in rows]
    return ProvinceReference(new, old, {r["old_province"].strip(): r["new_province_2025"].strip() for r in rows})


class EntityResolver:
    """Match what a user typed to a canonical entity name.

    Matching ignores case, diacritics, spaces/hyphens/dots and an administrative prefix ("Tỉnh",
    "Thành phố", "TP.", "TP", "T.P.", "UBND tỉnh"): "tinh gia lai" → "Gia Lai", "TP.HCM" → "Hồ Chí Minh".
    `names` maps each canonical name to extra aliases (a plain list of names is accepted too);
    DEFAULT_ALIASES are added for the canonical names present. A canonical name always wins over an
    alias (so with the 63 former provinces as names, "Thừa Thiên Huế" stays itself).
    `former` (optional) maps names that are no longer entities to their successor, only to explain
    an unknown name ("Bình Định" now belongs to "Gia Lai"); such names never resolve.
    """

    def __init__(self, names: dict[str, list[str]] | Iterable[str], former: dict[str, str] | None = None):
        if not isinstance(names, dict):
            names = {n: [] for n in names}
        self.names: list[str] = list(names)
        self._canonical: dict[str, str] = {}
        for name in self.names:
            key = _compact(name)
            if not key:
                raise ValueError(f"entity name {name!r} is empty once folded")
            if key in self._canonical and self._canonical[key] != name:
                raise ValueError(f"entity names {self._canonical[key]!r} and {name!r} fold to the same key {key!r}")
            self._canonical[key] = name
        self._alias: dict[str, str] = {}
        for name, aliases in names.items():
            for alias in list(aliases or []) + DEFAULT_ALIASES.get(name, []):
                key = _compact(alias)
                if key and key not in self._canonical:
                    self._alias.setdefault(key, name)
        self._former: dict[str, str] = {}
        for old, new in (former or {}).items():
            key = _compact(old)
            if key not in self._canonical and key not in self._alias and new in self.names:
                self._former[key] = new
        self._cache: dict[str, str | None] = {}

    @classmethod
    def provinces_2025(cls, path: str | Path = REFERENCE_PROVINCES) -> "EntityResolver":
        """The 34 provinces and cities from 1 July 2025; former names only explain unknown names."""
        ref = load_provinces(path)
        return cls({n: [] for n in ref.new}, former=ref.merged_into)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _candidates(self, text: Any) -> list[str]:
        folded = fold(text)
        out = [folded]
        for prefix in ENTITY_PREFIXES:
            if folded.startswith(prefix + " "):
                out.append(folded[len(prefix) + 1:])
                break
        return [_NON_ALNUM.sub("", c) for c in out]

    def resolve(self, text: Any) -> str | None:
        if text is None:
            return None
        raw = str(text)
        if raw in self._cache:
            return self._cache[raw]
        found = None
        for key in self._candidates(raw):
            found = self._canonical.get(key) or self._alias.get(key)
            if found:
                break
        self._cache[raw] = found
        return found

    def successor(self, text: Any) -> str | None:
        """The entity a former name now belongs to (e.g. "Bình Định" → "Gia Lai"), else None."""
        for key in self._candidates(text):
            if key in self._former:
                return self._former[key]
        return None

    def suggest(self, text: Any) -> str | None:
        """The closest canonical name to an unknown text, if any is close."""
        keys = list(self._canonical) + list(self._alias)
        for key in self._candidates(text):
            match = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
            if match:
                return self._canonical.get(match[0]) or self._alias[match[0]]
        return None
