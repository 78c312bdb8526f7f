"""A plan's actions as sentences an agency can act on, and grouped by agency (pure; no Streamlit).

"Sở Nội vụ: tăng số lượng công chức chuyên trách về chuyển đổi số từ 162 lên 180 người (+11%)",
built from the framework's full variable meanings (never cut), abbreviations spelled out the first time
(HTTT = hệ thống thông tin, ...), the variable's own unit and the leaf's lead agency; a criterion whose
lead agency the framework does not name says "Cần phân công cơ quan chủ trì" (never a non-agency).
Numbers in the language's format (Vietnamese 1.234,5 and 12,5%).
"""
from __future__ import annotations

import re
from typing import Callable

import pandas as pd

from dashboard import fmt
from scoring.framework import Framework, display_code
from scoring.framework import variable_meaning as _variable_meaning
from scoring.plan_years import history_basis as _history_basis
from scoring.plan_years import lead_or_unassigned
from scoring.plan_settings import UNASSIGNED_LEAD

UNITS_EN = {"người": "people", "hộ": "households", "doanh nghiệp": "enterprises", "tỷ đồng": "billion VND",
            "hệ thống": "systems", "nền tảng": "platforms", "dịch vụ": "services", "hồ sơ": "dossiers",
            "cơ quan, đơn vị": "agencies and units", "chứng thư số": "digital certificates",
            "nghìn người": "thousand people", "người dân, doanh nghiệp": "citizens and businesses"}
MAX_WHAT = None  # meanings are never cut (kept as a name for callers that pass `limit`)
# Abbreviations of the frameworks' texts, spelled out the first time a list of sentences uses them
# (expansions as the seed documents write them: "dịch vụ công trực tuyến (DVCTT)", "Nền tảng tích hợp,
# chia sẻ dữ liệu quốc gia (NDXP)", "cơ sở dữ liệu (CSDL)", "thủ tục hành chính (TTHC)", "hồ sơ trực tuyến (HSTT)").
ABBREVIATIONS = {
    "DVCTT": "dịch vụ công trực tuyến", "HTTT": "hệ thống thông tin",
    "NDXP": "Nền tảng tích hợp, chia sẻ dữ liệu quốc gia", "NGSP": "Nền tảng tích hợp, chia sẻ dữ liệu quốc gia",
    "LGSP": "Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh", "DVC": "dịch vụ công", "CSDL": "cơ sở dữ liệu",
    "TTHC": "thủ tục hành chính", "HSTT": "hồ sơ trực tuyến", "CQNN": "cơ quan nhà nước",
    "BCCI": "bưu chính công ích", "CCCD": "căn cước công dân", "CNTT": "công nghệ thông tin",
    "TTTT": "Thông tin và Truyền thông", "KTS": "kinh tế số",
}


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


def short_meaning(text: str, limit: int | None = None) -> str:
    """A variable's meaning without its leading 'Mục n:', lower-cased first word, never cut with '…'.
    `limit` (for slides): past that many characters, trailing brackets are dropped — nothing else."""
    text = re.sub(r"^\s*(Mục|Item)\s*\d+\s*:\s*", "", str(text or "")).strip()
    while limit and len(text) > limit and text.endswith(")") and " (" in text:
        text = text[:text.rfind(" (")].rstrip()
    if text[:2].isupper():  # an abbreviation (HTTT, DVCTT): keep its case
        return text
    return text[:1].lower() + text[1:]


def spell_out(text: str, seen: set | None = None) -> str:
    """Abbreviations spelled out the first time (`seen` carries the ones already spelled out): 'HTTT' ->
    'hệ thống thông tin (HTTT)'; an abbreviation the text already spells out is left as it is."""
    seen = set() if seen is None else seen
    for abbr, full in ABBREVIATIONS.items():
        if abbr in seen or not re.search(rf"(?<![\w(]){abbr}(?!\w)", text):
            continue
        seen.add(abbr)
        if re.search(rf"{re.escape(full)}\s*\({abbr}\)", text, flags=re.IGNORECASE):
            continue
        text = re.sub(rf"(?<![\w(]){abbr}(?!\w)", f"{full} ({abbr})", text, count=1)
    return text


def agencies_of(lead: str | None) -> list[str]:
    parts = [p.strip() for p in str(lead or "").replace(";", "\n").splitlines() if p.strip()]
    return parts


def is_unassigned(lead: str | None) -> bool:
    """The framework names no lead agency (empty, or a placeholder such as 'Cơ quan chủ trì chưa xác định')."""
    return lead_or_unassigned(lead) == UNASSIGNED_LEAD


def agency_text(lead: str | None, t: Callable[..., str]) -> str:
    parts = [] if is_unassigned(lead) else agencies_of(lead)
    return ", ".join(parts) if parts else t("ui.plan.agency_unknown")


def item_label(framework: Framework, code: str, var: str, lang: str = "vi") -> str:
    """A yes/no item as people read it: '1.4 — thực hiện tái cấu trúc hạ tầng …' (no variable names)."""
    v = _variable(framework, code, var)
    meaning = _field(v, "meaning_en" if lang == "en" else "meaning_vi") or _field(v, "meaning_vi") or var
    return f"{display_code(code)} — {short_meaning(meaning, 80)}"


def history_basis(inputs: pd.DataFrame, entity: str, year: int) -> pd.DataFrame:
    """scoring.planning.history_basis (SAMPLE rows never set the pace of real data)."""
    return _history_basis(inputs, entity, year)


def _variable(framework: Framework, code: str, var: str):
    for v in framework.nodes[code].variables:
        if v.get("name") == var if isinstance(v, dict) else getattr(v, "name", None) == var:
            return v
    return None


def _field(v, name: str, default=""):
    if v is None:
        return default
    return (v.get(name, default) if isinstance(v, dict) else getattr(v, name, default)) or default


def action_rows(plan, framework: Framework, lang: str, t: Callable[..., str], limit: int | None = MAX_WHAT,
                actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per action: agency, sentence, indicator, name, points gained, effort, `what` (the sentence
    without its agency) and `unassigned` (the framework names no lead agency: the office must assign one).
    `actions`: other actions than `plan.actions` (a two-year plan's). Abbreviations are spelled out the
    first time they appear in these rows."""
    cols = ["agency", "sentence", "indicator", "name", "points_gain", "cost", "what", "unassigned"]
    rows, seen = [], set()
    a = actions if actions is not None else (plan.actions if plan is not None else None)
    if a is None or a.empty:
        return pd.DataFrame(columns=cols)
    for r in a.itertuples(index=False):
        leaf = framework.nodes[r.indicator]
        leaf_name = leaf.name_en if lang == "en" and leaf.name_en else leaf.name_vi
        v = _variable(framework, r.indicator, r.variable)
        meaning = _field(v, "meaning_en" if lang == "en" else "meaning_vi") or _field(v, "meaning_vi") or leaf_name
        unit = _field(v, "unit")
        if lang == "en":
            unit = UNITS_EN.get(unit, unit)
        if leaf.rule["type"] == "weighted_items" or unit == "0/1":
            body = t("ui.plan.sentence_item", what=short_meaning(meaning, limit))
        elif leaf.rule["type"] == "direct" or unit == "điểm":  # assessed points: name the criterion, not "điểm …"
            body = t("ui.plan.sentence_points", what=short_meaning(leaf_name, limit),
                     old=fmt.number(r.from_value, 1, lang), new=fmt.number(r.to_value, 1, lang))
        else:
            dec = _decimals(r.from_value, r.to_value)
            rise = (float(r.to_value) / float(r.from_value) - 1.0) if float(r.from_value) > 0 else None
            pct = "" if rise is None else " (" + fmt.percent(rise, 0 if rise >= 0.095 else 1, lang, signed=True) + ")"
            unit_txt = f" {unit}" if unit and unit != "%" else ("%" if unit == "%" else "")
            body = t("ui.plan.sentence_raise", what=short_meaning(meaning, limit), old=fmt.number(r.from_value, dec, lang),
                     new=fmt.number(r.to_value, dec, lang), unit=unit_txt, pct=pct)
        if lang != "en":
            body = spell_out(body, seen)
        unassigned = is_unassigned(r.lead_agency)
        agency = agency_text(r.lead_agency, t)
        rows.append({"agency": agency, "sentence": f"{agency}: {body}", "indicator": r.indicator,
                     "name": leaf_name, "points_gain": float(r.points_gain), "cost": float(r.cost), "what": body,
                     "unassigned": unassigned})
    return pd.DataFrame(rows, columns=cols)


def sentences(plan, framework: Framework, lang: str, t: Callable[..., str],
              actions: pd.DataFrame | None = None) -> list[str]:
    """The actions as sentences, each ending with the indicator and the points it brings."""
    rows = action_rows(plan, framework, lang, t, actions=actions)
    return [t("ui.plan.sentence_full", sentence=r.sentence, code=display_code(r.indicator),  # a small gain keeps its digits
              points=fmt.number(r.points_gain, 1 if abs(r.points_gain) >= 0.05 else 2, lang, signed=True))
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
        lambda s: ", ".join(display_code(c) for c in sorted({c.strip() for x in s for c in x.split(",")},
                                                            key=_code_key)))  # the codes as read
    out = wide.join(inds).reset_index()
    sort_col = [c for c in out.columns if c.startswith("points_")]
    return out.sort_values(sort_col[::-1] if sort_col else "agency", ascending=False).reset_index(drop=True)


def with_assigned_leads(actions: pd.DataFrame, assigned: dict[str, str] | None) -> pd.DataFrame:
    """The actions with the lead agency the office assigned (Targets page) where the framework names none."""
    if actions is None or actions.empty or not assigned:
        return actions
    leads = [assigned.get(str(c), lead) if is_unassigned(lead) else lead
             for c, lead in zip(actions["indicator"], actions["lead_agency"])]
    return actions.assign(lead_agency=leads)


def unit_of(framework: Framework, code: str, var: str, lang: str = "vi") -> str:
    """A variable's unit as people read it ('người', 'hộ', 'tỷ đồng'; English words for 'en'); '' for items."""
    unit = _field(_variable(framework, code, var), "unit")
    if unit in ("0/1",):
        return ""
    return UNITS_EN.get(unit, unit) if lang == "en" else unit


# A variable's full meaning (never cut), first letter as written: the framework's own naming, shared with the
# import and round messages.
variable_meaning = _variable_meaning


def value_text(v, lang: str = "vi") -> str:
    """A raw figure as people read it: whole numbers without decimals ('162', never '162,00'), others with
    the decimals they are written with (at most 2)."""
    if v is None or v != v:
        return "—"
    return fmt.number(float(v), _decimals(v), lang)


def plan_table(actions: pd.DataFrame, framework: Framework, lang: str, t: Callable[..., str]) -> dict[str, list]:
    """The two-year plan's table as text cells: year, code, indicator, the variable's meaning (never its id),
    its unit, from / to / the yearly cap (whole numbers for counts), points, lead and partner agencies."""
    name = (lambda c: framework.nodes[c].name_en or framework.nodes[c].name_vi) if lang == "en" \
        else (lambda c: framework.nodes[c].name_vi)
    a = actions
    return {
        t("ui.common.year"): [str(int(y)) for y in a["year"]],
        t("ui.methodology.code"): [display_code(c) for c in a["indicator"]],
        t("ui.methodology.indicator"): [name(c) for c in a["indicator"]],
        t("ui.plan.variable_col"): [variable_meaning(framework, c, v, lang) for c, v in zip(a["indicator"], a["variable"])],
        t("ui.plan.unit_col"): [unit_of(framework, c, v, lang) or "—" for c, v in zip(a["indicator"], a["variable"])],
        t("ui.plan2y.from"): [value_text(v, lang) for v in a["from_value"]],
        t("ui.plan2y.to"): [value_text(v, lang) for v in a["to_value"]],
        t("ui.plan.max_to_col"): [value_text(v, lang) for v in a["max_to_value"]],
        t("ui.plan2y.points_to"): [fmt.number(v, 2, lang) for v in a["points_to"]],
        t("ui.plan2y.gain"): [fmt.number(v, 2, lang, signed=True) for v in a["points_gain"]],
        t("ui.collection.agency"): [agency_text(x, t) for x in a["lead_agency"]],
        t("ui.plan2y.partners"): [x or "—" for x in a.get("implementing_agencies", pd.Series([""] * len(a)))],
    }


def effort_text(cost, model: str | None, lang: str, t: Callable[..., str]) -> str:
    """A recorded plan's effort in words: the number under the current model (difficulty × relative rise); a
    plan recorded under the old model (effort in points, storage.plans.office_plans' `effort_model`) is
    labelled as such, never shown as a number comparable with the current ones."""
    number = fmt.number(cost, 2, lang)
    return t("ui.plan2y.old_model", effort=number) if model == "points" else number


def unassigned_codes(actions: pd.DataFrame | None) -> list[str]:
    """Indicators of these actions whose lead agency the framework does not name (to assign on the Targets page)."""
    if actions is None or actions.empty:
        return []
    codes = {str(c) for c, lead in zip(actions["indicator"], actions["lead_agency"]) if is_unassigned(lead)}
    return sorted(codes, key=_code_key)


def _code_key(code: str):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.]", code)]
