"""One vocabulary for where a figure comes from — pages, tables, hover texts, slides and downloads.

Every label of origin is built here and nowhere else. Kinds (stored in data as these keys):
  official      công bố chính thức          press        báo chí
  third_party   tổng hợp của bên thứ ba     derived_mean / derived_sort   suy ra
  self_assessed số liệu tự nhập             appraised    kết quả thẩm định
  plan          kế hoạch                    sample       DỮ LIỆU MẪU
  automatic     tự động (a scheduled source)
A combination is written "a+b" and reads "A + B". Words come from the catalogs (`ui.kind.<kind>`).
"""
from __future__ import annotations

import pandas as pd

from dashboard.i18n import t

KINDS = ("official", "press", "third_party", "derived_mean", "derived_sort",
         "self_assessed", "appraised", "plan", "sample", "automatic")
PUBLISHED_KINDS = ("official", "press", "third_party")
DERIVED_KINDS = ("derived_mean", "derived_sort")
# A stored basis or import flag -> its kind (raw_inputs.basis 'self'/'appraised'; import flags).
_ALIASES = {"self": "self_assessed", "self_assessed": "self_assessed", "appraised": "appraised",
            "sample": "sample", "plan": "plan", "published": "official", "auto": "automatic"}


def kind_of(value) -> str:
    """Normalise a stored basis/flag/kind to one of KINDS ('' when unknown or missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    v = str(value).strip()
    return v if v in KINDS else _ALIASES.get(v, "")


def label(kind, lang: str = "vi") -> str:
    """Words for a kind, or for a combination 'a+b' ('Báo chí + Tổng hợp của bên thứ ba …'); '' if none."""
    if kind is None or (not isinstance(kind, str) and pd.isna(kind)) or not str(kind):
        return ""
    parts = [kind_of(k) or str(k) for k in str(kind).split("+")]
    return " + ".join(t(f"ui.kind.{k}", lang) for k in parts)


def is_published(kind) -> bool:
    """True for a figure as a source published it (not derived, not the province's own, not SAMPLE)."""
    parts = [kind_of(k) for k in str(kind or "").split("+") if k]
    return bool(parts) and all(p in PUBLISHED_KINDS for p in parts)


def is_derived(kind) -> bool:
    return any(kind_of(k) in DERIVED_KINDS for k in str(kind or "").split("+"))
