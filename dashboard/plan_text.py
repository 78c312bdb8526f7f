"""A plan's actions as sentences an agency can act on, and grouped by agency (pure; no Streamlit).

"Sở Nội vụ: tăng số lượng công chức chuyên trách về chuyển đổi số từ 162 lên 180 người (+11%)",
built from the framework's variable meanings and units and the leaf's lead agency, numbers in the
language's format (Vietnamese 1.234,5 and 12,5%).
"""
from __future__ import annotations

import re
from typing import Callable

import pandas as pd

from dashboard import fmt
from scoring.framework import Framework

UNITS_EN = {"người": "people", "hộ": "households", "doanh nghiệp": "enterprises", "tỷ đồng": "billion VND",
            "hệ thống": "systems", "nền tảng": "platforms", "dịch vụ": "services", "hồ sơ": "dossiers",
            "cơ quan, đơn vị": "agencies and units", "chứng thư số": "digital certificates",
            "nghìn người": "thousand people", "người dân, doanh nghiệp": "citizens and businesses"}
MAX_WHAT = 90  # characters of a variable's meaning kept in a sentence (cut at a bracket or comma)


def _decimals(*values: float) -> int:
    """0 for whole numbers, else the decimals the values are written with (at most 2)."""
    dec = 0
    for v in values:
        v = float(v)
        for d in range(3):
            if abs(v * 10 ** d - round(v * 10 ** d)) < 1e-6:
                break
        else:
            d = 2
        dec = max(dec, d)
    return dec


def short_meaning(text: str, limit: int = MAX_WHAT) -> str:
    """A variable's meaning without its leading 'Mục n:' and its long brackets, lower-cased first word."""
    text = re.sub(r"^\s*(Mục|Item)\s*\d+\s*:\s*", "", str(text or "")).strip()
    if len(text) > limit:
        cuts = [c for c in (text.find(" ("), text.find(":")) if 0 < c <= limit]
        if cuts:
            text = text[:min(cuts)]
        elif ", " in text[:limit]:
            text = text[:limit].rsplit(", ", 1)[0]
        else:
            text = text[:limit].rsplit(" ", 1)[0] + "…"
    if text[:2].isupper():  # an abbreviation (HTTT, DVCTT): keep its case
        return text
    return text[:1].lower() + text[1:]


def agencies_of(lead: str | None) -> list[str]:
    parts = [p.strip() for p in str(lead or "").replace(";", "\n").splitlines() if p.strip()]
    return parts


def agency_text(lead: str | None, t: Callable[..., str]) -> str:
    parts = agencies_of(lead)
    return ", ".join(parts) if parts else t("ui.plan.agency_unknown")


def item_label(framework: Framework, code: str, var: str, lang: str = "vi") -> str:
    """A yes/no item as people read it: '1.4 — thực hiện tái cấu trúc hạ tầng …' (no variable names)."""
    v = _variable(framework, code, var)
    meaning = _field(v, "meaning_en" if lang == "en" else "meaning_vi") or _field(v, "meaning_vi") or var
    return f"{code} — {short_meaning(meaning, 80)}"


def history_basis(inputs: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    """The rows a province's own pace may be read from: SAMPLE rows never set the pace of real data.

    When the entity's figures of `year` are not all SAMPLE (`flag` column), SAMPLE rows are left out
    (a real 2025 against a sample 2024 is no pace at all); SAMPLE figures are compared with SAMPLE."""
    if "flag" not in inputs.columns:
        return inputs
    own = inputs.loc[(inputs["entity"].astype(str) == str(entity))
                     & (pd.to_numeric(inputs["year"], errors="coerce") == int(year))]
    if len(own) and (own["flag"].astype(str) == "sample").all():
        return inputs
    return inputs.loc[inputs["flag"].astype(str) != "sample"]


def _variable(framework: Framework, code: str, var: str):
    for v in framework.nodes[code].variables:
        if v.get("name") == var if isinstance(v, dict) else getattr(v, "name", None) == var:
            return v
    return None


def _field(v, name: str, default=""):
    if v is None:
        return default
    return (v.get(name, default) if isinstance(v, dict) else getattr(v, name, default)) or default


def action_rows(plan, framework: Framework, lang: str, t: Callable[..., str], limit: int = MAX_WHAT) -> pd.DataFrame:
    """One row per action: agency, sentence, indicator, name, points gained, effort, and `what` (the
    sentence without its agency). `limit`: characters kept of a variable's meaning."""
    rows = []
    a = plan.actions if plan is not None else None
    if a is None or a.empty:
        return pd.DataFrame(columns=["agency", "sentence", "indicator", "name", "points_gain", "cost", "what"])
    for r in a.itertuples(index=False):
        leaf = framework.nodes[r.indicator]
        v = _variable(framework, r.indicator, r.variable)
        meaning = _field(v, "meaning_en" if lang == "en" else "meaning_vi") or _field(v, "meaning_vi") \
            or (leaf.name_en if lang == "en" and leaf.name_en else leaf.name_vi)
        what = short_meaning(meaning, limit)
        unit = _field(v, "unit")
        if lang == "en":
            unit = UNITS_EN.get(unit, unit)
        agency = agency_text(r.lead_agency, t)
        if leaf.rule["type"] == "weighted_items" or unit == "0/1":
            body = t("ui.plan.sentence_item", what=what)
        elif leaf.rule["type"] == "direct" or unit == "điểm":
            body = t("ui.plan.sentence_points", what=what, old=fmt.number(r.from_value, 1, lang),
                     new=fmt.number(r.to_value, 1, lang))
        else:
            dec = _decimals(r.from_value, r.to_value)
            rise = (float(r.to_value) / float(r.from_value) - 1.0) if float(r.from_value) > 0 else None
            pct = "" if rise is None else " (" + fmt.percent(rise, 0 if rise >= 0.095 else 1, lang, signed=True) + ")"
            unit_txt = f" {unit}" if unit and unit != "%" else ("%" if unit == "%" else "")
            body = t("ui.plan.sentence_raise", what=what, old=fmt.number(r.from_value, dec, lang),
                     new=fmt.number(r.to_value, dec, lang), unit=unit_txt, pct=pct)
        sentence = f"{agency}: {body}"
        rows.append({"agency": agency, "sentence": sentence, "indicator": r.indicator,
                     "name": leaf.name_en if lang == "en" and leaf.name_en else leaf.name_vi,
                     "points_gain": float(r.points_gain), "cost": float(r.cost), "what": body})
    return pd.DataFrame(rows)


def sentences(plan, framework: Framework, lang: str, t: Callable[..., str]) -> list[str]:
    """The actions as sentences, each ending with the indicator and the points it brings."""
    rows = action_rows(plan, framework, lang, t)
    return [t("ui.plan.sentence_full", sentence=r.sentence, code=r.indicator,
              points=fmt.number(r.points_gain, 1, lang, signed=True))
            for r in rows.itertuples(index=False)]


def by_agency(plans: dict[str, object], framework: Framework, lang: str, t: Callable[..., str]) -> pd.DataFrame:
    """Per agency: how many actions and how many points in each plan (keys of `plans`, e.g. '20', '15')."""
    frames = []
    for key, plan in plans.items():
        rows = action_rows(plan, framework, lang, t)
        if rows.empty:
            continue
        for agency in rows["agency"].unique():
            sub = rows.loc[rows["agency"] == agency]
            frames.append({"agency": agency, "plan": key, "actions": len(sub), "points": sub["points_gain"].sum(),
                           "indicators": ", ".join(sorted(set(sub["indicator"]), key=_code_key))})
    if not frames:
        return pd.DataFrame(columns=["agency"])
    long = pd.DataFrame(frames)
    wide = long.pivot_table(index="agency", columns="plan", values=["actions", "points"], aggfunc="sum", fill_value=0)
    wide.columns = [f"{a}_{p}" for a, p in wide.columns]
    inds = long.groupby("agency")["indicators"].agg(
        lambda s: ", ".join(sorted({c.strip() for x in s for c in x.split(",")}, key=_code_key)))
    out = wide.join(inds).reset_index()
    sort_col = [c for c in out.columns if c.startswith("points_")]
    return out.sort_values(sort_col[::-1] if sort_col else "agency", ascending=False).reset_index(drop=True)


def _code_key(code: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.]", code)]
